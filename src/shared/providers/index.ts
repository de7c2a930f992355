/**
 * The providers Earshot can talk to, and the wire protocols they speak: the one list of each.
 * Everything that differs between providers outside src/main/providers and the adapters is read
 * from here, never decided by comparing a provider id (test/unit/provider-rooms.test.ts keeps it
 * so). docs/providers.md says how to add a provider.
 */
import type { ProtocolId } from '../s2s/types'
import type { CatalogEntry } from '../settings/catalog'
import type { KeyedProvider, ProviderId, Settings } from '../settings/schema'
import { ASSEMBLYAI } from './assemblyai'
import { DEMO } from './demo'
import { OPENAI } from './openai'
import { SPEKO } from './speko'
import type { ProtocolDescriptor, ProviderDescriptor } from './types'

export type { FlatFunctionTool, ProtocolDescriptor, ProviderDescriptor, ProviderKey, ProviderTextField, SpekoTool } from './types'

/** Every provider, in the order the settings window lists them (settings PROVIDER_IDS order). */
export const PROVIDERS: { readonly [Id in ProviderId]: ProviderDescriptor<Id> } = {
  openai: OPENAI,
  assemblyai: ASSEMBLYAI,
  speko: SPEKO,
  demo: DEMO,
}

/** Every protocol, from the providers that speak them. */
const PROTOCOLS = new Map<ProtocolId, ProtocolDescriptor>()
for (const provider of Object.values(PROVIDERS)) for (const protocol of provider.protocols) PROTOCOLS.set(protocol.id, protocol)

/** The descriptor of a provider. Throws for an id that is not one (settings are validated first). */
export function providerOf<Id extends ProviderId>(id: Id): ProviderDescriptor<Id> {
  const provider = Object.prototype.hasOwnProperty.call(PROVIDERS, id) ? PROVIDERS[id] : undefined
  if (!provider) throw new Error(`Unknown speech-to-speech provider: ${String(id)}`)
  return provider
}

/** The descriptor of a provider named by any string (a stored conversation's), or undefined. */
export function findProvider(id: string): ProviderDescriptor | undefined {
  return Object.prototype.hasOwnProperty.call(PROVIDERS, id) ? PROVIDERS[id as ProviderId] : undefined
}

/** The descriptor of a wire protocol. Throws for one Earshot does not speak. */
export function protocolDescriptor(protocol: ProtocolId): ProtocolDescriptor {
  const descriptor = PROTOCOLS.get(protocol)
  if (!descriptor) throw new Error(`Unknown speech-to-speech protocol: ${String(protocol)}`)
  return descriptor
}

/** Whether a provider needs an API key (then main keeps one for it). */
export function isKeyed(provider: ProviderId): provider is KeyedProvider {
  // The descriptor's type ties the two: a KEYED_PROVIDERS id has a key, any other has none.
  return providerOf(provider).key !== null
}

/** The protocol a provider's sessions speak (Demo: whatever the local Demo server speaks). */
export function protocolOf(provider: ProviderId, demoProtocol: ProtocolId = 'openai'): ProtocolId {
  return providerOf(provider).protocol ?? demoProtocol
}

/** The display names, by provider id ("OpenAI Realtime", "Demo (no account needed)"). */
export const PROVIDER_LABELS = Object.fromEntries(Object.values(PROVIDERS).map((provider) => [provider.id, provider.label])) as Readonly<Record<ProviderId, string>>

/** The settings window's model list for a provider (default: the chosen one); null: free text only. */
export function modelsFor(settings: Settings, provider: ProviderId = settings.provider): readonly CatalogEntry[] | null {
  return providerOf(provider).models(settings)
}

/** The settings window's voice list for a provider (default: the chosen one); null: free text only. */
export function voicesFor(settings: Settings, provider: ProviderId = settings.provider): readonly CatalogEntry[] | null {
  return providerOf(provider).voices(settings)
}

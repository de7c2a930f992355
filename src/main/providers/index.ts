/**
 * Main's table of providers, keyed by the same ids as src/shared/providers (PROVIDERS): every
 * provider-specific step main takes (session configuration, minting, socket origins) is looked up
 * here. docs/providers.md says how to add a provider.
 */
import type { ProviderId } from '../../shared/settings/schema'
import { ASSEMBLYAI_MAIN } from './assemblyai'
import { DEMO_MAIN } from './demo'
import { OPENAI_MAIN } from './openai'
import { SPEKO_MAIN } from './speko'
import type { MainProvider } from './types'

export type { DemoLauncher, MainProvider, MintContext, SessionConfigBase, SocketOriginContext } from './types'
export { openAIWebRtcOrigin } from './openai'
export { OPENAI_CALLS_ORIGIN, spekoDirectOrigins, XAI_SOCKET_ORIGIN } from './speko'

export const MAIN_PROVIDERS: { readonly [Id in ProviderId]: MainProvider<Id> } = {
  openai: OPENAI_MAIN,
  assemblyai: ASSEMBLYAI_MAIN,
  speko: SPEKO_MAIN,
  demo: DEMO_MAIN,
}

/** Main's parts of a provider. Throws for an id that is not one (settings are validated first). */
export function mainProviderOf<Id extends ProviderId>(id: Id): MainProvider<Id> {
  const provider = Object.prototype.hasOwnProperty.call(MAIN_PROVIDERS, id) ? MAIN_PROVIDERS[id] : undefined
  if (!provider) throw new Error(`Unknown speech-to-speech provider: ${String(id)}`)
  return provider
}

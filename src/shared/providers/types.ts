/**
 * What a provider is, as the parts of Earshot that are not main see it (pure TypeScript: the
 * renderer, the CLI and main all read these). Main's own parts of a provider (minting, the socket
 * origins of the security policy, the session configuration) are in src/main/providers/.
 * docs/providers.md says how the pieces fit and how to add a provider.
 */
import type { ProtocolId, ProviderAdapter, ToolDeclaration } from '../s2s/types'
import type { CatalogEntry } from '../settings/catalog'
import type { KeyedProvider, ProviderId, Settings } from '../settings/schema'

/** OpenAI Realtime (GA), AssemblyAI and xAI: flat function tools `{type:"function", name, description, parameters}`. */
export interface FlatFunctionTool {
  type: 'function'
  name: string
  description: string
  parameters: Record<string, unknown>
}

/** Speko: `{name, description, parameters}` with no `type` field. */
export interface SpekoTool {
  name: string
  description: string
  parameters: Record<string, unknown>
}

/** A wire protocol Earshot speaks (a credential's `protocol` picks one). */
export interface ProtocolDescriptor<Id extends ProtocolId = ProtocolId> {
  id: Id
  /** Who answers on it, in messages ("OpenAI rejected the API key"). */
  name: string
  /** A fresh adapter for one connection (the runtime makes a new one for every reconnect). */
  createAdapter(): ProviderAdapter
  /** The tool declarations in this protocol's exact wire format (src/shared/tools/formats.test.ts pins them). */
  toTools(tools: readonly ToolDeclaration[]): FlatFunctionTool[] | SpekoTool[]
  /**
   * The conversation can only be seeded when the session is minted (Speko fixes a session's
   * instructions when it is created), so "Continue" carries the earlier turns in the instructions.
   */
  seedsConversationAtMint: boolean
}

/** A provider's API key: where it comes from and what to say when it is missing. */
export interface ProviderKey {
  /** The second sentence of "No <name> API key is set. <hint>" when a session starts without one. */
  missingHint: string
  /** The CLI reads the key and the endpoint from these environment variables. */
  env: { keyVar: string; baseVar: string; defaultBase: string }
}

/** The text settings a provider offers under settings.providers.<id> in the Settings window. */
export type ProviderTextField = 'model' | 'voice' | 'instructions' | 'greeting'

export interface ProviderDescriptor<Id extends ProviderId = ProviderId> {
  id: Id
  /** The name in the provider list ("OpenAI Realtime", "Demo (no account needed)"). */
  label: string
  /** Who answers, in sentences and errors ("No OpenAI API key is set", "the Demo server"). */
  name: string
  /** The key it needs; null for a provider on this computer. */
  key: Id extends KeyedProvider ? ProviderKey : null
  /** The protocol its sessions speak; null: whichever one the local Demo server speaks. */
  protocol: ProtocolId | null
  /** Every protocol a credential of this provider may carry (Speko: its own, and xAI for provider_direct). */
  protocols: readonly ProtocolDescriptor[]
  /**
   * Runs on this computer: needs no key, costs nothing, sends nothing over the internet. Its local
   * server's socket origin is in the security policy only while it is the chosen provider, so
   * main reloads the page when the provider moves to or from it.
   */
  local: boolean
  /** The model list for the settings window (null: free text only). */
  models(settings: Settings): readonly CatalogEntry[] | null
  /** The voice list for the settings window (null: free text only). */
  voices(settings: Settings): readonly CatalogEntry[] | null
  /** The text settings the settings window offers for it (settings.providers.<id>.<field>). */
  fields: readonly ProviderTextField[]
  /** The hint under the Greeting setting. */
  greetingHint: string
  /** Whether the voice window may open a WebRTC peer connection with these settings (docs/security.md). */
  webrtc(settings: Settings): boolean
}

/**
 * A provider's main-only parts: how main builds its session configuration from settings, mints
 * its short-lived credential with the key only main holds, and which socket origins the renderer's
 * security policy must allow for it. The rest of a provider is in src/shared/providers/<id>/.
 */
import type { ProtocolId, SessionConfig, SessionCredential, ToolDeclaration } from '../../shared/s2s/types'
import type { ProviderId, Settings } from '../../shared/settings/schema'
import type { FetchLike } from '../s2s/mint'

/** Starts (once) and reaches the local Demo server; returns a fresh credential for it. */
export type DemoLauncher = () => Promise<SessionCredential>

/** What every provider's session configuration starts from (settings-wide, tools included). */
export interface SessionConfigBase {
  tools: ToolDeclaration[]
  turnDetection: SessionConfig['turnDetection']
  transcriptionModel: SessionConfig['transcriptionModel']
}

export interface MintContext {
  settings: Settings
  config: SessionConfig
  /** The API key, trimmed and non-empty for a keyed provider ('' for one on this computer). */
  apiKey: string
  fetch?: FetchLike
  timeoutMs?: number
  /** The transport the caller can open: 'websocket' for the CLI, which has no WebRTC. Default: what the settings allow the window. */
  transport?: 'websocket' | 'webrtc'
  demo?: DemoLauncher
}

export interface SocketOriginContext {
  /** This provider is the chosen one (settings.provider). */
  chosen: boolean
  /** The running Demo server's socket origin (ws://127.0.0.1:<port>), when known. */
  demoOrigin?: string | null
}

export interface MainProvider<Id extends ProviderId = ProviderId> {
  id: Id
  /** The SessionConfig for a session, before the caller's overrides and the default instructions. */
  sessionConfig(settings: Settings, base: SessionConfigBase, demoProtocol: ProtocolId): SessionConfig
  /** One short-lived credential for a session (the only place the key is sent). */
  mint(context: MintContext): Promise<SessionCredential>
  /** The CSP connect-src origins its sessions need, from settings (origins.ts: sessionSocketOrigins). */
  socketOrigins(settings: Settings, context: SocketOriginContext): string[]
}

/**
 * Which WebSocket origins the renderer's CSP `connect-src` must allow for the sessions main mints.
 * Pure (no Electron); the composition root passes the result to cspFor(). Each provider names its
 * own (src/main/providers/<id>.ts: socketOrigins):
 *
 * - OpenAI and AssemblyAI: the socket lives on the REST host (scheme http->ws, https->wss).
 * - Speko: the socket URL comes from the mint reply and may sit on another host of the same
 *   domain, so the REST host and every subdomain of its domain are allowed (wss://*.speko.dev).
 * - Speko provider_direct sessions (docs/protocols/speko.md): the client talks to the upstream
 *   itself, so the Speko entry also allows exactly the xAI realtime origin (wss://api.x.ai, the
 *   one endpoint Speko's SDK accepts for xai.realtime.v1) and the Speko REST origin itself, where
 *   the usage reports go (mint.ts refuses telemetry anywhere else). With the OpenAI upstream,
 *   which Speko serves over WebRTC, also OpenAI's calls origin (https://api.openai.com) for the
 *   SDP offer, and the call is bound on the Speko REST origin. A Speko on this computer (the
 *   simulator, set in the settings file) gets its own http origin and the local socket origin instead.
 * - Demo: the local Demo server's exact origin (ws://127.0.0.1:<its port>), and only while Demo is
 *   the provider. Main starts the Demo server before the page loads, so the port is known.
 * No other loopback socket is allowed (except for a Speko endpoint the settings file puts on this
 * computer). A CSP is fixed when the page loads, so these must be known before any session starts
 * (main reloads the page when the provider moves to or from Demo).
 */
import { MAIN_PROVIDERS } from '../providers'
import type { Settings } from '../../shared/settings/schema'

export { DEMO_SOCKET_ORIGIN, siteOf } from './socket-origin'
export { OPENAI_CALLS_ORIGIN, openAIWebRtcOrigin, spekoDirectOrigins, XAI_SOCKET_ORIGIN } from '../providers'

export interface SocketOriginOptions {
  /** The running Demo server's socket origin (ws://127.0.0.1:<port>); allowed only while Demo is the provider. */
  demoOrigin?: string | null
}

/** connect-src origins for every provider's socket (and Speko's telemetry), from settings. */
export function sessionSocketOrigins(settings: Settings, options: SocketOriginOptions = {}): string[] {
  const out = new Set<string>()
  for (const provider of Object.values(MAIN_PROVIDERS)) {
    for (const origin of provider.socketOrigins(settings, { chosen: settings.provider === provider.id, demoOrigin: options.demoOrigin })) out.add(origin)
  }
  return [...out]
}

/** Whether a URL (ws, wss, http, https) is allowed by a list of CSP origins (supports `*.` hosts and `:*` ports). */
export function socketUrlAllowed(url: string, origins: readonly string[]): boolean {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    return false
  }
  const secure = target.protocol === 'wss:' || target.protocol === 'https:'
  const port = target.port || (secure ? '443' : '80')
  return origins.some((origin) => {
    const match = /^(wss?:|https?:)\/\/(\*\.)?([^/:]+|\[[^\]]+\])(?::(\*|\d+))?$/.exec(origin)
    if (!match) return false
    const [, scheme, wildcard, host, originPort] = match
    if (scheme !== target.protocol) return false
    const hostOk = wildcard ? target.hostname.endsWith(`.${host}`) : target.hostname === host
    if (!hostOk) return false
    if (originPort === '*') return true
    return (originPort ?? (scheme === 'wss:' || scheme === 'https:' ? '443' : '80')) === port
  })
}

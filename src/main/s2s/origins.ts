/**
 * Which WebSocket origins the renderer's CSP `connect-src` must allow for the sessions main mints.
 * Pure (no Electron); the composition root passes the result to cspFor().
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
import { getDomain } from 'tldts'
import type { Settings } from '../../shared/settings/schema'
import { spekoMayUseWebRtc } from '../security/webrtc'

/**
 * Any loopback port: for tests, which start their own simulators on ports the settings cannot
 * know, and for a Speko endpoint the settings file puts on this computer (its upstream simulator).
 * Never in the app's CSP with the default endpoints.
 */
export const DEMO_SOCKET_ORIGIN = 'ws://127.0.0.1:*'
/** The origin of xAI's realtime endpoint (Speko provider_direct, adapter xai.realtime.v1). */
export const XAI_SOCKET_ORIGIN = 'wss://api.x.ai'
/** The origin of OpenAI's WebRTC calls endpoint (Speko provider_direct, adapter openai.realtime.v1). */
export const OPENAI_CALLS_ORIGIN = 'https://api.openai.com'

/** The origins a Speko provider_direct session needs beyond the proxy's: upstream socket + telemetry. */
export function spekoDirectOrigins(settings: Settings): string[] {
  let url: URL
  try {
    url = new URL(settings.providers.speko.baseUrl)
  } catch {
    return []
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return []
  const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]'
  // The telemetry reports (and the sideband binding of an OpenAI call) go to the Speko REST origin
  // (https, or http to this computer only).
  const telemetry = url.protocol === 'https:' || local ? [`${url.protocol}//${url.host}`] : []
  // With Speko chosen on the OpenAI upstream, Speko answers with OpenAI over WebRTC: the SDP offer
  // goes to OpenAI's calls endpoint (a local Speko's is on its own origin, already listed). Like
  // WebRTC itself (security/webrtc.ts), only while that is the user's choice.
  const openai = settings.provider === 'speko' && spekoMayUseWebRtc(settings) && !local ? [OPENAI_CALLS_ORIGIN] : []
  return [local ? DEMO_SOCKET_ORIGIN : XAI_SOCKET_ORIGIN, ...telemetry, ...openai]
}

function socketOrigin(base: string): { origin: string; scheme: 'ws:' | 'wss:'; hostname: string } | null {
  try {
    const url = new URL(base)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
    const scheme = url.protocol === 'https:' ? 'wss:' : 'ws:'
    return { origin: `${scheme}//${url.host}`, scheme, hostname: url.hostname }
  } catch {
    return null
  }
}

function isIpOrLocal(hostname: string): boolean {
  return hostname === 'localhost' || /^\d+\.\d+\.\d+\.\d+$/.test(hostname) || hostname.startsWith('[') || !hostname.includes('.')
}

/**
 * The registrable domain whose subdomains may carry a provider's socket (api.speko.dev ->
 * speko.dev), from the Public Suffix List (tldts), private suffixes included (so
 * someone.github.io stays one site, never github.io). Null for IPs, single labels and suffixes.
 */
export function siteOf(hostname: string): string | null {
  if (isIpOrLocal(hostname)) return null
  return getDomain(hostname, { allowPrivateDomains: true }) ?? null
}

export interface SocketOriginOptions {
  /** The running Demo server's socket origin (ws://127.0.0.1:<port>); allowed only while Demo is the provider. */
  demoOrigin?: string | null
}

/**
 * OpenAI over WebRTC, when the user chose it: the SDP offer is POSTed (fetch) to the REST host's
 * https origin (http only for this computer); the media and data channel are WebRTC, which the
 * CSP does not govern (docs/security.md). Null while the transport is the WebSocket.
 */
export function openAIWebRtcOrigin(settings: Settings): string | null {
  if (settings.providers.openai.transport !== 'webrtc') return null
  try {
    const url = new URL(settings.providers.openai.baseUrl)
    const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]'
    if (url.protocol === 'https:' || (url.protocol === 'http:' && local)) return `${url.protocol}//${url.host}`
  } catch {
    // an invalid base URL has no origin; the mint reports it
  }
  return null
}

/** connect-src origins for every provider's socket (and Speko's telemetry), from settings. */
export function sessionSocketOrigins(settings: Settings, options: SocketOriginOptions = {}): string[] {
  const out = new Set<string>()
  for (const base of [settings.providers.openai.baseUrl, settings.providers.assemblyai.baseUrl]) {
    const origin = socketOrigin(base)
    if (origin) out.add(origin.origin)
  }
  const webrtc = openAIWebRtcOrigin(settings)
  if (webrtc) out.add(webrtc)
  const speko = socketOrigin(settings.providers.speko.baseUrl)
  if (speko) {
    out.add(speko.origin)
    const site = siteOf(speko.hostname)
    if (site) {
      out.add(`wss://${site}`)
      out.add(`wss://*.${site}`)
    }
  }
  for (const origin of spekoDirectOrigins(settings)) out.add(origin)
  if (settings.provider === 'demo' && options.demoOrigin && /^ws:\/\/127\.0\.0\.1:\d{1,5}$/.test(options.demoOrigin)) out.add(options.demoOrigin)
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

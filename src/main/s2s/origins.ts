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
 *   the usage reports go (mint.ts refuses telemetry anywhere else). A Speko on this computer (the
 *   simulator) gets its own http origin and the local socket origin instead.
 * - Demo: a local simulator on 127.0.0.1 with a port chosen at start, hence ws://127.0.0.1:*.
 * A CSP is fixed when the page loads, so these must be known before any session starts.
 */
import type { Settings } from '../../shared/settings/schema'

export const DEMO_SOCKET_ORIGIN = 'ws://127.0.0.1:*'
/** The origin of xAI's realtime endpoint (Speko provider_direct, adapter xai.realtime.v1). */
export const XAI_SOCKET_ORIGIN = 'wss://api.x.ai'

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
  // The telemetry reports go to the Speko REST origin (https, or http to this computer only).
  const telemetry = url.protocol === 'https:' || local ? [`${url.protocol}//${url.host}`] : []
  return [local ? DEMO_SOCKET_ORIGIN : XAI_SOCKET_ORIGIN, ...telemetry]
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

/** The domain whose subdomains may carry a provider's socket (api.speko.dev -> speko.dev). */
export function siteOf(hostname: string): string | null {
  if (isIpOrLocal(hostname)) return null
  const labels = hostname.split('.').filter(Boolean)
  if (labels.length < 2) return null
  // Two-label public suffixes such as co.uk: keep three labels.
  const last2 = labels.slice(-2).join('.')
  const twoLabelSuffix = /^(co|com|org|net|ac|gov|edu)\.[a-z]{2}$/.test(last2)
  return labels.slice(twoLabelSuffix ? -3 : -2).join('.')
}

/** connect-src origins for every provider's socket (and Speko's telemetry), from settings. */
export function sessionSocketOrigins(settings: Settings): string[] {
  const out = new Set<string>()
  for (const base of [settings.providers.openai.baseUrl, settings.providers.assemblyai.baseUrl]) {
    const origin = socketOrigin(base)
    if (origin) out.add(origin.origin)
  }
  const speko = socketOrigin(settings.providers.speko.baseUrl)
  if (speko) {
    out.add(speko.origin)
    const site = siteOf(speko.hostname)
    if (site) {
      out.add(`wss://${site}`)
      out.add(`wss://*.${site}`)
    } else if (speko.hostname === '127.0.0.1') {
      out.add(DEMO_SOCKET_ORIGIN)
    }
  }
  for (const origin of spekoDirectOrigins(settings)) out.add(origin)
  out.add(DEMO_SOCKET_ORIGIN)
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

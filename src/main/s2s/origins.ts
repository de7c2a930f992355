/**
 * Which WebSocket origins the renderer's CSP `connect-src` must allow for the sessions main mints.
 * Pure (no Electron); the composition root passes the result to cspFor().
 *
 * - OpenAI and AssemblyAI: the socket lives on the REST host (scheme http->ws, https->wss).
 * - Speko: the socket URL comes from the mint reply and may sit on another host of the same
 *   domain, so the REST host and every subdomain of its domain are allowed (wss://*.speko.dev).
 * - Demo: a local simulator on 127.0.0.1 with a port chosen at start, hence ws://127.0.0.1:*.
 * A CSP is fixed when the page loads, so these must be known before any session starts.
 */
import type { Settings } from '../../shared/settings/schema'

export const DEMO_SOCKET_ORIGIN = 'ws://127.0.0.1:*'

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

/** connect-src origins for every provider's socket, from settings. */
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
  out.add(DEMO_SOCKET_ORIGIN)
  return [...out]
}

/** Whether a socket URL is allowed by a list of CSP origins (supports `*.` hosts and `:*` ports). */
export function socketUrlAllowed(url: string, origins: readonly string[]): boolean {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    return false
  }
  const port = target.port || (target.protocol === 'wss:' ? '443' : '80')
  return origins.some((origin) => {
    const match = /^(wss?:)\/\/(\*\.)?([^/:]+|\[[^\]]+\])(?::(\*|\d+))?$/.exec(origin)
    if (!match) return false
    const [, scheme, wildcard, host, originPort] = match
    if (scheme !== target.protocol) return false
    const hostOk = wildcard ? target.hostname.endsWith(`.${host}`) : target.hostname === host
    if (!hostOk) return false
    if (originPort === '*') return true
    return (originPort ?? (scheme === 'wss:' ? '443' : '80')) === port
  })
}

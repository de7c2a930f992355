/**
 * Building blocks for the socket origins of the renderer's security policy (origins.ts puts each
 * provider's together; the providers' own rules are in src/main/providers/<id>.ts). Pure.
 */
import { getDomain } from 'tldts'

/**
 * Any loopback port: for tests, which start their own simulators on ports the settings cannot
 * know, and for a Speko endpoint the settings file puts on this computer (its upstream simulator).
 * Never in the app's CSP with the default endpoints.
 */
export const DEMO_SOCKET_ORIGIN = 'ws://127.0.0.1:*'

/** The socket origin of a REST base URL (scheme http->ws, https->wss), or null when it is not http(s). */
export function socketOrigin(base: string): { origin: string; scheme: 'ws:' | 'wss:'; hostname: string } | null {
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

/** ws://host:port of a socket URL, or null. */
export function socketOriginOf(url: string): string | null {
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'ws:' || parsed.protocol === 'wss:' ? `${parsed.protocol}//${parsed.host}` : null
  } catch {
    return null
  }
}

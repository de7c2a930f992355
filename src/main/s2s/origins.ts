/**
 * Which WebSocket origins the renderer's CSP `connect-src` must allow for the sessions main mints.
 * Pure (no Electron); the composition root passes the result to cspFor().
 *
 * - OpenAI and AssemblyAI: the socket lives on the REST host (scheme http->ws, https->wss).
 * - Speko: the socket URL comes from the mint reply and may sit on another host of the same
 *   domain, so the REST host and every subdomain of its domain are allowed (wss://*.speko.dev).
 * - Demo: the local Demo server's exact origin (ws://127.0.0.1:<its port>), and only while Demo is
 *   the provider. Main starts the Demo server before the page loads, so the port is known.
 * No other loopback socket is ever allowed. A CSP is fixed when the page loads, so these must be
 * known before any session starts (main reloads the page when the provider moves to or from Demo).
 */
import { getDomain } from 'tldts'
import type { Settings } from '../../shared/settings/schema'

/**
 * Any loopback port: for tests only, which start their own simulators on ports the settings
 * cannot know (passed to the harness as an extra connect origin). Never in the app's CSP.
 */
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

/** connect-src origins for every provider's socket, from settings. */
export function sessionSocketOrigins(settings: Settings, options: SocketOriginOptions = {}): string[] {
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
    }
  }
  if (settings.provider === 'demo' && options.demoOrigin && /^ws:\/\/127\.0\.0\.1:\d{1,5}$/.test(options.demoOrigin)) out.add(options.demoOrigin)
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

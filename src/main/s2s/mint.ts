/**
 * Minting short-lived socket credentials in main (and in the CLI, which runs this very code).
 *
 * The real API key is used on exactly one request per mint: the provider's REST endpoint, as
 * `Authorization: Bearer <key>`. What comes back is a SessionCredential: the socket URL, the
 * subprotocols, the expiry and the sample rates. It never contains the key, and no error message
 * built here contains it either (provider text is scrubbed before it is quoted).
 */
import type { ProtocolId, S2SError, S2SErrorCode, SessionCredential, ToolDeclaration } from '../../shared/s2s/types'

/** The subset of WHATWG fetch minting needs (injectable for tests). */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal; redirect?: 'error' },
) => Promise<{
  status: number
  headers: { get(name: string): string | null }
  text(): Promise<string>
}>

export type MintProvider = ProtocolId

export const PROVIDER_NAMES: Record<MintProvider | 'demo', string> = {
  openai: 'OpenAI',
  assemblyai: 'AssemblyAI',
  speko: 'Speko',
  demo: 'the Demo server',
}

/** A mint failed. `code` is stable (the UI and the CLI act on it); `message` is for people. */
export class MintError extends Error {
  readonly code: S2SErrorCode
  readonly status: number | undefined
  readonly retryAfterSeconds: number | undefined

  constructor(code: S2SErrorCode, message: string, extra: { status?: number; retryAfterSeconds?: number } = {}) {
    super(message)
    this.name = 'MintError'
    this.code = code
    this.status = extra.status
    this.retryAfterSeconds = extra.retryAfterSeconds
  }

  toS2SError(): S2SError {
    const error: S2SError = { code: this.code, message: this.message, fatal: true }
    if (this.retryAfterSeconds !== undefined) error.retryAfterSeconds = this.retryAfterSeconds
    if (this.status !== undefined) error.providerCode = `http_${this.status}`
    return error
  }
}

export interface MintCommon {
  /** The provider's REST base URL (http or https). */
  baseUrl: string
  /** The real API key; used only as the Bearer token of the mint request. */
  apiKey: string
  fetch?: FetchLike
  /** Milliseconds before the mint request is abandoned (default 15 s). */
  timeoutMs?: number
  /** Clock for expiry computations (default Date.now). */
  now?: () => number
}

export interface OpenAIMintOptions extends MintCommon {
  model: string
  /** Lifetime of the ephemeral key, 10..7200 s (default 600). */
  expiresInSeconds?: number
}

export interface AssemblyAIMintOptions extends MintCommon {
  /** Window for opening the socket, 1..600 s (default 60). */
  expiresInSeconds?: number
}

export interface SpekoMintOptions extends MintCommon {
  /** The upstream S2S provider Speko proxies to (openai, google, xai, ...). */
  upstream: string
  model: string
  voice: string
  instructions: string
  tools: ToolDeclaration[]
  inputSampleRate: 16000 | 24000
  outputSampleRate: 16000 | 24000
  /** Maximum session length in seconds (Speko caps S2S at 1800). */
  ttlSeconds?: number
}

const DEFAULT_TIMEOUT_MS = 15_000

/** http(s)://host/path -> ws(s)://host/path (no trailing slash). */
export function toSocketBase(base: string): string {
  const url = parseBase(base, 'the endpoint')
  const scheme = url.protocol === 'https:' ? 'wss:' : 'ws:'
  const path = url.pathname.replace(/\/+$/, '')
  return `${scheme}//${url.host}${path}`
}

function parseBase(base: string, what: string): URL {
  let url: URL
  try {
    url = new URL(base)
  } catch {
    throw new MintError('internal', `${what} "${base}" is not a valid URL.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MintError('internal', `${what} "${base}" must start with http:// or https://.`)
  }
  if (url.username || url.password) throw new MintError('internal', `${what} must not contain a user name or password.`)
  return url
}

function joinUrl(base: string, path: string): string {
  const url = parseBase(base, 'The endpoint')
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}${path}`
}

/** A host name that can only mean this computer. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

/** Characters a WebSocket subprotocol (an RFC 7230 token) may contain. */
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

function scrub(text: string, secrets: string[]): string {
  let out = text
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]')
  return out
}

/** The provider's own error text, shortened and scrubbed, or ''. */
function providerText(body: string, secrets: string[]): string {
  let text = ''
  try {
    const parsed: unknown = JSON.parse(body)
    if (parsed && typeof parsed === 'object') {
      const record = parsed as Record<string, unknown>
      const error = record.error
      if (typeof error === 'string') text = error
      else if (error && typeof error === 'object' && typeof (error as Record<string, unknown>).message === 'string') {
        text = (error as Record<string, string>).message ?? ''
      } else if (typeof record.message === 'string') text = record.message
      else if (typeof record.detail === 'string') text = record.detail
    }
  } catch {
    text = /^[\s\S]{0,400}$/.test(body) && !/[<>]/.test(body) ? body : ''
  }
  text = scrub(text.replace(/\s+/g, ' ').trim(), secrets)
  return text.length > 200 ? `${text.slice(0, 197)}...` : text
}

/** Retry-After: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.max(0, Math.ceil(Number(trimmed)))
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, Math.ceil((date - now) / 1000))
}

function networkCause(error: unknown): string {
  const seen = new Set<unknown>()
  let node: unknown = error
  while (node && typeof node === 'object' && !seen.has(node)) {
    seen.add(node)
    const code = (node as { code?: unknown }).code
    if (typeof code === 'string') {
      switch (code) {
        case 'ENOTFOUND':
        case 'EAI_AGAIN':
          return 'the host name could not be resolved'
        case 'ECONNREFUSED':
          return 'the connection was refused'
        case 'ECONNRESET':
          return 'the connection was reset'
        case 'ETIMEDOUT':
        case 'UND_ERR_CONNECT_TIMEOUT':
          return 'the connection timed out'
        case 'EHOSTUNREACH':
        case 'ENETUNREACH':
          return 'the network is unreachable'
        case 'UND_ERR_SOCKET':
          return 'the connection closed unexpectedly'
        default:
          if (/^(CERT_|ERR_TLS|UNABLE_TO|SELF_SIGNED|DEPTH_ZERO)/.test(code)) return `the TLS certificate was not accepted (${code})`
          return `network error ${code}`
      }
    }
    const errors = (node as { errors?: unknown }).errors
    const cause = (node as { cause?: unknown }).cause
    node = cause ?? (Array.isArray(errors) ? errors[0] : undefined)
  }
  // No error code: quote the innermost message (e.g. fetch's "bad port"), never a URL with secrets.
  let inner: unknown = error
  for (let depth = 0; depth < 10 && inner && typeof inner === 'object' && (inner as { cause?: unknown }).cause; depth++) inner = (inner as { cause?: unknown }).cause
  const message = inner instanceof Error && inner !== error ? inner.message.replace(/\s+/g, ' ').slice(0, 80) : ''
  return message ? `the network request failed (${message})` : 'the network request failed'
}

interface RequestSpec {
  provider: MintProvider
  url: string
  method: 'GET' | 'POST'
  apiKey: string
  body?: unknown
  options: MintCommon
}

/** Sends the one keyed request and returns the parsed JSON body of a 2xx reply. */
async function keyedRequest(spec: RequestSpec): Promise<Record<string, unknown>> {
  const name = PROVIDER_NAMES[spec.provider]
  const apiKey = spec.apiKey.trim()
  if (!apiKey) throw new MintError('auth_failed', `No ${name} API key is set.`)
  if (!/^[\x21-\x7e]+$/.test(apiKey)) throw new MintError('auth_failed', `The ${name} API key contains characters a key cannot have.`)
  const doFetch: FetchLike = spec.options.fetch ?? (globalThis.fetch as unknown as FetchLike)
  const now = spec.options.now ?? Date.now
  const timeoutMs = spec.options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const target = new URL(spec.url)
  const host = target.host
  if (target.protocol !== 'https:' && !isLoopback(target.hostname)) {
    // The key would cross the network in clear text. Plain http is for local servers only.
    throw new MintError('internal', `The ${name} endpoint ${target.protocol}//${host} is not https. Earshot sends an API key only over https (plain http only to this computer).`)
  }
  const headers: Record<string, string> = { Authorization: `Bearer ${apiKey}`, Accept: 'application/json' }
  if (spec.body !== undefined) headers['Content-Type'] = 'application/json'

  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  let status: number
  let text: string
  let retryAfter: string | null
  try {
    const response = await doFetch(spec.url, {
      method: spec.method,
      headers,
      body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
      signal: controller.signal,
      // Never follow a redirect: the request carries the API key, and the endpoint is the one
      // the user configured, not wherever a reply points.
      redirect: 'error',
    })
    status = response.status
    retryAfter = response.headers.get('retry-after')
    text = await response.text()
  } catch (error) {
    if (/redirect/i.test(networkCause(error))) {
      throw new MintError('provider_error', `${name} (${host}) answered with a redirect. Earshot does not follow redirects with your key; check the endpoint setting.`)
    }
    if (controller.signal.aborted) {
      throw new MintError('offline', `${name} (${host}) did not answer within ${Math.round(timeoutMs / 1000)} s. Check your internet connection and try again.`)
    }
    throw new MintError('offline', `Could not reach ${name} at ${host}: ${networkCause(error)}. Check your internet connection and the endpoint setting.`)
  } finally {
    clearTimeout(timer)
  }

  const quoted = providerText(text, [apiKey])
  const says = quoted ? ` ${name} said: "${quoted}"` : ''
  if (status === 401 || status === 403) {
    throw new MintError('auth_failed', `${name} rejected the API key (HTTP ${status}). Check that the key is correct and active.${says}`, { status })
  }
  if (status === 429) {
    const retryAfterSeconds = parseRetryAfter(retryAfter, now())
    const wait = retryAfterSeconds !== undefined ? ` Try again in ${retryAfterSeconds} s.` : ' Try again in a little while.'
    throw new MintError('rate_limited', `${name} is rate limiting this key (HTTP 429).${wait}${says}`, { status, retryAfterSeconds })
  }
  if (status >= 500) {
    throw new MintError('provider_unavailable', `${name} is having trouble right now (HTTP ${status}). Try again later.${says}`, { status })
  }
  if (status === 404) {
    throw new MintError('provider_error', `${name} has no session endpoint at ${spec.url} (HTTP 404). Check the endpoint setting.${says}`, { status })
  }
  if (status < 200 || status >= 300) {
    throw new MintError('provider_error', `${name} refused the session request (HTTP ${status}).${says}`, { status })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new MintError('protocol_error', `${name} sent a reply that is not JSON to the session request (HTTP ${status}).`, { status })
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new MintError('protocol_error', `${name} sent an unexpected reply to the session request (not a JSON object).`, { status })
  }
  return parsed as Record<string, unknown>
}

function malformed(provider: MintProvider, what: string): MintError {
  return new MintError('protocol_error', `${PROVIDER_NAMES[provider]} sent an unexpected reply to the session request: ${what}.`)
}

function clampInt(value: number | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback
  return Math.min(max, Math.max(min, Math.round(value)))
}

/** OpenAI Realtime (GA): POST {base}/realtime/client_secrets -> ek_ key as a subprotocol. */
export async function mintOpenAI(options: OpenAIMintOptions): Promise<SessionCredential> {
  const seconds = clampInt(options.expiresInSeconds, 10, 7200, 600)
  const body = await keyedRequest({
    provider: 'openai',
    url: joinUrl(options.baseUrl, '/realtime/client_secrets'),
    method: 'POST',
    apiKey: options.apiKey,
    body: { expires_after: { anchor: 'created_at', seconds }, session: { type: 'realtime', model: options.model } },
    options,
  })
  // GA: {value, expires_at}; the older beta shape nests them in client_secret.
  const nested = body.client_secret && typeof body.client_secret === 'object' ? (body.client_secret as Record<string, unknown>) : undefined
  const value = typeof body.value === 'string' ? body.value : nested?.value
  const expires = body.expires_at ?? nested?.expires_at
  if (typeof value !== 'string' || !value) throw malformed('openai', 'no client secret ("value")')
  if (!TOKEN_RE.test(value) || value.length > 4096) throw malformed('openai', 'the client secret has characters a socket subprotocol cannot carry')
  if (value.trim() === options.apiKey.trim()) throw malformed('openai', 'it returned the API key itself instead of a short-lived secret')
  const now = (options.now ?? Date.now)()
  const expiresAt = typeof expires === 'number' && Number.isFinite(expires) && expires > 0 ? Math.round(expires * 1000) : now + seconds * 1000
  return {
    protocol: 'openai',
    url: `${toSocketBase(options.baseUrl)}/realtime?model=${encodeURIComponent(options.model)}`,
    protocols: ['realtime', `openai-insecure-api-key.${value}`],
    expiresAt,
    inputSampleRate: 24000,
    outputSampleRate: 24000,
  }
}

/** AssemblyAI Voice Agent: GET {base}/v1/token?expires_in_seconds=N -> one-time ?token= on /v1/ws. */
export async function mintAssemblyAI(options: AssemblyAIMintOptions): Promise<SessionCredential> {
  const seconds = clampInt(options.expiresInSeconds, 1, 600, 60)
  const body = await keyedRequest({
    provider: 'assemblyai',
    url: `${joinUrl(options.baseUrl, '/v1/token')}?expires_in_seconds=${seconds}`,
    method: 'GET',
    apiKey: options.apiKey,
    options,
  })
  const token = body.token
  if (typeof token !== 'string' || !token) throw malformed('assemblyai', 'no "token"')
  if (token.length > 8192 || /\s/.test(token)) throw malformed('assemblyai', 'the token is not a plain string')
  if (token.trim() === options.apiKey.trim()) throw malformed('assemblyai', 'it returned the API key itself instead of a temporary token')
  const granted = typeof body.expires_in_seconds === 'number' && body.expires_in_seconds > 0 ? body.expires_in_seconds : seconds
  const base = parseBase(options.baseUrl, 'The endpoint')
  const scheme = base.protocol === 'https:' ? 'wss:' : 'ws:'
  return {
    protocol: 'assemblyai',
    url: `${scheme}//${base.host}/v1/ws?token=${encodeURIComponent(token)}`,
    protocols: [],
    expiresAt: (options.now ?? Date.now)() + granted * 1000,
    inputSampleRate: 24000,
    outputSampleRate: 24000,
  }
}

/** Speko S2S: POST {base}/v1/sessions -> wsUrl, wsToken as the only subprotocol, rates. */
export async function mintSpeko(options: SpekoMintOptions): Promise<SessionCredential> {
  const s2s: Record<string, unknown> = {
    provider: options.upstream,
    model: options.model,
    voice: options.voice,
    inputSampleRate: options.inputSampleRate,
    outputSampleRate: options.outputSampleRate,
    tools: options.tools.map((tool) => ({ name: tool.name, description: tool.description, parameters: tool.parameters })),
  }
  if (options.instructions) s2s.systemPrompt = options.instructions
  const request: Record<string, unknown> = { mode: 's2s', s2s }
  if (options.ttlSeconds !== undefined) request.ttlSeconds = clampInt(options.ttlSeconds, 60, 1800, 900)
  const body = await keyedRequest({
    provider: 'speko',
    url: joinUrl(options.baseUrl, '/v1/sessions'),
    method: 'POST',
    apiKey: options.apiKey,
    body: request,
    options,
  })
  if (body.transport === 'provider_direct' && typeof body.wsUrl !== 'string') {
    throw new MintError(
      'provider_error',
      'Speko offered a provider-direct session (the client would talk to the upstream provider itself), which Earshot does not support. Use the OpenAI provider directly, or ask Speko for a proxied session.',
    )
  }
  const { wsUrl, wsToken } = body
  if (typeof wsUrl !== 'string' || !wsUrl) throw malformed('speko', 'no "wsUrl"')
  let socketUrl: URL
  try {
    socketUrl = new URL(wsUrl)
  } catch {
    throw malformed('speko', '"wsUrl" is not a URL')
  }
  if (socketUrl.protocol !== 'ws:' && socketUrl.protocol !== 'wss:') throw malformed('speko', '"wsUrl" is not a ws:// or wss:// URL')
  if (typeof wsToken !== 'string' || !wsToken) throw malformed('speko', 'no "wsToken"')
  if (!TOKEN_RE.test(wsToken) || wsToken.length > 4096) throw malformed('speko', 'the wsToken has characters a socket subprotocol cannot carry')
  if (wsToken.trim() === options.apiKey.trim() || wsUrl.includes(options.apiKey.trim())) {
    throw malformed('speko', 'it put the API key itself into the socket credential')
  }
  const rate = (value: unknown, fallback: number) => (value === 16000 || value === 24000 ? value : fallback)
  const expiresAtRaw = body.expiresAt
  let expiresAt: number | null = null
  if (typeof expiresAtRaw === 'string') {
    const parsed = Date.parse(expiresAtRaw)
    expiresAt = Number.isNaN(parsed) ? null : parsed
  } else if (typeof expiresAtRaw === 'number' && Number.isFinite(expiresAtRaw)) {
    expiresAt = expiresAtRaw < 1e12 ? expiresAtRaw * 1000 : expiresAtRaw
  }
  const credential: SessionCredential = {
    protocol: 'speko',
    url: socketUrl.toString(),
    protocols: [wsToken],
    expiresAt,
    inputSampleRate: rate(body.inputSampleRate, options.inputSampleRate),
    outputSampleRate: rate(body.outputSampleRate, options.outputSampleRate),
  }
  if (typeof body.sessionId === 'string' && body.sessionId) credential.sessionId = body.sessionId
  return credential
}

/** Every short-lived secret a credential carries (for log scrubbing). */
export function credentialSecrets(credential: SessionCredential): string[] {
  const secrets: string[] = []
  for (const protocol of credential.protocols) {
    if (protocol === 'realtime') continue
    secrets.push(protocol.startsWith('openai-insecure-api-key.') ? protocol.slice('openai-insecure-api-key.'.length) : protocol)
  }
  try {
    const token = new URL(credential.url).searchParams.get('token')
    if (token) secrets.push(token)
  } catch {
    // not a URL: nothing to add
  }
  return secrets
}

/**
 * Minting short-lived socket credentials in main (and in the CLI, which runs this very code).
 *
 * The real API key is used on exactly one request per mint: the provider's REST endpoint, as
 * `Authorization: Bearer <key>`. What comes back is a SessionCredential: the socket URL, the
 * subprotocols, the expiry and the sample rates. It never contains the key, and no error message
 * built here contains it either (provider text is scrubbed before it is quoted).
 */
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { protocolDescriptor } from '../../shared/providers'
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

/** Who answers on a protocol, in messages ("OpenAI rejected the API key"). */
const nameOf = (provider: MintProvider): string => protocolDescriptor(provider).name

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
  /**
   * websocket (default): the ek_ key rides in the socket's subprotocols. webrtc: the renderer POSTs
   * its SDP offer to {base}/realtime/calls with the ek_ key as a Bearer token.
   */
  transport?: 'websocket' | 'webrtc'
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
  /** Idempotency-Key of this logical mint (default: a fresh UUID); every retry reuses it. */
  idempotencyKey?: string
  /** Tries for an ambiguous failure (no answer, 5xx), same key each time (default 2, at most 3). */
  attempts?: number
  /** The caller can open WebRTC (the voice window with it allowed); needed for Speko's OpenAI sessions. */
  webrtc?: boolean
  /** Pause before a retry (default 300 ms). */
  retryDelayMs?: number
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
  /** Extra request headers (Speko's Idempotency-Key). */
  headers?: Record<string, string>
  options: MintCommon
}

/** Sends the one keyed request and returns the parsed JSON body of a 2xx reply. */
async function keyedRequest(spec: RequestSpec): Promise<Record<string, unknown>> {
  const name = nameOf(spec.provider)
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
  Object.assign(headers, spec.headers)

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
  return new MintError('protocol_error', `${nameOf(provider)} sent an unexpected reply to the session request: ${what}.`)
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
  if (options.transport === 'webrtc') {
    return {
      protocol: 'openai',
      transport: 'webrtc',
      url: joinUrl(options.baseUrl, '/realtime/calls'),
      protocols: [],
      bearer: value,
      expiresAt,
      inputSampleRate: 24000,
      outputSampleRate: 24000,
    }
  }
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

/** Speko S2S: POST {base}/v1/sessions -> a proxy (wsUrl/wsToken) or a provider_direct session. */
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
  // One key per logical mint, reused by every retry, so a retry never creates a second billed session.
  const idempotencyKey = options.idempotencyKey?.trim() || randomUUID()
  const attempts = Math.max(1, Math.min(3, options.attempts ?? 2))
  let body: Record<string, unknown> | undefined
  for (let attempt = 1; body === undefined; attempt++) {
    try {
      body = await keyedRequest({
        provider: 'speko',
        url: joinUrl(options.baseUrl, '/v1/sessions'),
        method: 'POST',
        apiKey: options.apiKey,
        body: request,
        headers: { 'Idempotency-Key': idempotencyKey },
        options,
      })
    } catch (error) {
      // Only an ambiguous failure (no answer, or a 5xx) may have created the session: retry it.
      const ambiguous = error instanceof MintError && (error.code === 'offline' || error.code === 'provider_unavailable')
      if (!ambiguous || attempt >= attempts) throw error
      await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 300))
    }
  }
  if (body.transport === 'provider_direct' || (body.transport !== undefined && body.wsUrl === undefined)) return spekoDirect(body, options)
  return spekoProxy(body, options)
}

const SpekoRate = z.union([z.literal(16000), z.literal(24000)])

/** The legacy proxy reply (wsUrl/wsToken). Unknown fields are ignored, as the SDKs do. */
const SpekoProxyReply = z.object({
  sessionId: z.string().min(1).max(500).optional(),
  wsUrl: z.string({ error: 'no "wsUrl"' }).min(1, 'no "wsUrl"').max(8192),
  wsToken: z.string({ error: 'no "wsToken"' }).min(1, 'no "wsToken"').max(4096, 'the wsToken is too long'),
  inputSampleRate: z.unknown().optional(),
  outputSampleRate: z.unknown().optional(),
  expiresAt: z.union([z.string(), z.number()]).optional(),
})

const SpekoTool = z.object({ name: z.string().min(1).max(64), description: z.string().max(4000).default(''), parameters: z.record(z.string(), z.unknown()).default({}) })

/** The provider_direct reply (Speko TypeScript SDK SessionCreateResponse; Python RealtimeSessionInfo). */
const SpekoDirectReply = z.object({
  transport: z.literal('provider_direct'),
  sessionId: z.string().min(1).max(500),
  planId: z.string().max(500).optional(),
  attemptId: z.string().min(1).max(500),
  provider: z.string().max(100),
  model: z.string().min(1).max(200),
  adapter: z.enum(['openai.realtime.v1', 'xai.realtime.v1', 'google.live.v1']),
  providerTransport: z.enum(['websocket', 'webrtc']),
  endpoint: z.string().min(1).max(2048),
  sidebandUrl: z.string().max(2048).optional(),
  credential: z.object({ kind: z.literal('bearer'), value: z.string().min(1).max(4096), expiresAt: z.string().max(100) }),
  telemetry: z.object({ endpoint: z.string().min(1).max(2048), token: z.string().min(1).max(4096), flushIntervalMs: z.number().int().min(1000).max(3_600_000) }),
  reservation: z.object({ id: z.string().max(500), authorizedDurationSeconds: z.number().int().nonnegative(), leaseExpiresAt: z.string().max(100).optional() }),
  session: z
    .object({ voice: z.string().max(200).optional(), instructions: z.string().max(100_000).optional(), temperature: z.number().optional(), tools: z.array(SpekoTool).max(128).optional() })
    .optional(),
  inputSampleRate: SpekoRate.optional(),
  outputSampleRate: SpekoRate.optional(),
  expiresAt: z.string().max(100),
})

/** The first problem zod found, as a short phrase ("credential.value is missing"). */
function zodProblem(error: z.ZodError): string {
  const issue = error.issues[0]
  if (!issue) return 'it does not have the expected fields'
  const path = issue.path.map(String).join('.')
  if (issue.code === 'invalid_type' && issue.input === undefined) return path ? `"${path}" is missing` : 'it is empty'
  if (!path) return issue.message
  return /^no "/.test(issue.message) ? issue.message : `"${path}" is not valid (${issue.message})`
}

/** What works today, named in every unsupported-upstream message. */
const WORKING_CHOICES = 'What works today: Speko sessions on the xAI upstream (xai.realtime.v1 over WebSocket), on the OpenAI upstream in the window (openai.realtime.v1 over WebRTC) or proxied by Speko, or the OpenAI or AssemblyAI provider with your own key.'

function spekoProxy(raw: Record<string, unknown>, options: SpekoMintOptions): SessionCredential {
  const parsed = SpekoProxyReply.safeParse(raw)
  if (!parsed.success) throw malformed('speko', zodProblem(parsed.error))
  const { wsUrl, wsToken } = parsed.data
  let socketUrl: URL
  try {
    socketUrl = new URL(wsUrl)
  } catch {
    throw malformed('speko', '"wsUrl" is not a URL')
  }
  if (socketUrl.protocol !== 'ws:' && socketUrl.protocol !== 'wss:') throw malformed('speko', '"wsUrl" is not a ws:// or wss:// URL')
  if (!TOKEN_RE.test(wsToken)) throw malformed('speko', 'the wsToken has characters a socket subprotocol cannot carry')
  if (wsToken.trim() === options.apiKey.trim() || wsUrl.includes(options.apiKey.trim())) {
    throw malformed('speko', 'it put the API key itself into the socket credential')
  }
  const rate = (value: unknown, fallback: number) => (value === 16000 || value === 24000 ? value : fallback)
  const credential: SessionCredential = {
    protocol: 'speko',
    url: socketUrl.toString(),
    protocols: [wsToken],
    expiresAt: parseExpiry(parsed.data.expiresAt),
    inputSampleRate: rate(parsed.data.inputSampleRate, options.inputSampleRate),
    outputSampleRate: rate(parsed.data.outputSampleRate, options.outputSampleRate),
  }
  if (parsed.data.sessionId) credential.sessionId = parsed.data.sessionId
  return credential
}

function parseExpiry(value: unknown): number | null {
  if (typeof value === 'string') {
    const parsed = Date.parse(value)
    return Number.isNaN(parsed) ? null : parsed
  }
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e12 ? value * 1000 : value
  return null
}

/** The documented xAI realtime endpoint (the Speko SDK accepts only this one). */
export const XAI_REALTIME_ENDPOINT = 'wss://api.x.ai/v1/realtime'

function spekoDirect(raw: Record<string, unknown>, options: SpekoMintOptions): SessionCredential {
  // The upstream and transport decide first, so an unsupported one gets its own message.
  const adapter = typeof raw.adapter === 'string' ? raw.adapter : ''
  const transport = typeof raw.providerTransport === 'string' ? raw.providerTransport : ''
  if (adapter === 'google.live.v1') {
    throw new MintError('provider_error', `Speko chose Gemini Live (google.live.v1) for this session, which Earshot does not support yet. ${WORKING_CHOICES}`)
  }
  if (adapter === 'openai.realtime.v1' && transport !== 'webrtc') {
    throw new MintError('provider_error', `Speko chose OpenAI Realtime over ${transport || 'an unnamed transport'} (openai.realtime.v1) for this session, which Earshot does not support (Speko's OpenAI sessions are spoken over WebRTC). ${WORKING_CHOICES}`)
  }
  if (adapter === 'openai.realtime.v1' && !options.webrtc) {
    throw new MintError(
      'provider_error',
      `Speko chose OpenAI Realtime over WebRTC (openai.realtime.v1) for this session, which needs WebRTC: the command line has none, and Earshot's window opens it only when the Speko upstream in Settings is "openai". ${WORKING_CHOICES}`,
    )
  }
  if (adapter === 'xai.realtime.v1' && transport === 'webrtc') {
    throw new MintError('provider_error', `Speko chose xAI realtime over WebRTC for this session, which Earshot does not support (xAI is spoken over WebSocket). ${WORKING_CHOICES}`)
  }
  if (adapter && adapter !== 'xai.realtime.v1' && adapter !== 'openai.realtime.v1') {
    throw new MintError('provider_error', `Speko chose an upstream adapter Earshot does not know ("${adapter.slice(0, 60)}"). ${WORKING_CHOICES}`)
  }
  const parsed = SpekoDirectReply.safeParse(raw)
  if (!parsed.success) throw malformed('speko', `${zodProblem(parsed.error)} in its provider_direct session`)
  const reply = parsed.data
  const apiKey = options.apiKey.trim()
  const base = parseBase(options.baseUrl, 'The endpoint')
  const localSpeko = isLoopback(base.hostname)

  let endpoint: URL
  try {
    endpoint = new URL(reply.endpoint)
  } catch {
    throw malformed('speko', '"endpoint" is not a URL')
  }
  const plainUrl = !endpoint.search && !endpoint.hash && !endpoint.username && !endpoint.password
  if (reply.adapter === 'openai.realtime.v1') {
    // The one calls endpoint the SDK accepts; a Speko on this computer (a simulator) may name a local one.
    const documented = endpoint.protocol === 'https:' && endpoint.hostname === 'api.openai.com' && (endpoint.port === '' || endpoint.port === '443')
    const local = localSpeko && (endpoint.protocol === 'http:' || endpoint.protocol === 'https:') && isLoopback(endpoint.hostname)
    if ((!documented && !local) || endpoint.pathname !== '/v1/realtime/calls' || !plainUrl) {
      throw malformed('speko', `the OpenAI endpoint "${reply.endpoint.slice(0, 100)}" is not ${OPENAI_CALLS_ENDPOINT}`)
    }
  } else {
    const documented = endpoint.protocol === 'wss:' && endpoint.hostname === 'api.x.ai' && (endpoint.port === '' || endpoint.port === '443')
    // A Speko on this computer (a simulator) may point at a local xAI-compatible socket.
    const local = localSpeko && (endpoint.protocol === 'ws:' || endpoint.protocol === 'wss:') && isLoopback(endpoint.hostname)
    if ((!documented && !local) || endpoint.pathname !== '/v1/realtime' || !plainUrl) {
      throw malformed('speko', `the xAI endpoint "${reply.endpoint.slice(0, 100)}" is not ${XAI_REALTIME_ENDPOINT}`)
    }
  }

  let telemetryUrl: URL
  try {
    telemetryUrl = new URL(reply.telemetry.endpoint)
  } catch {
    throw malformed('speko', '"telemetry.endpoint" is not a URL')
  }
  // The telemetry token goes only to the Speko host Earshot already trusts with the key (and the
  // window's security policy allows exactly that origin).
  if (telemetryUrl.origin !== `${base.protocol}//${base.host}` || telemetryUrl.username || telemetryUrl.password) {
    throw malformed('speko', `the telemetry endpoint ${telemetryUrl.protocol}//${telemetryUrl.host} is not Speko's own host ${base.host}`)
  }

  const secret = reply.credential.value
  if (!TOKEN_RE.test(secret)) {
    throw malformed('speko', reply.adapter === 'openai.realtime.v1' ? 'the OpenAI client secret has characters an Authorization header cannot carry' : 'the xAI client secret has characters a socket subprotocol cannot carry')
  }
  if (secret.trim() === apiKey || reply.telemetry.token.trim() === apiKey) throw malformed('speko', 'it put the API key itself into the session credential')
  if ((reply.inputSampleRate ?? 24000) !== 24000 || (reply.outputSampleRate ?? 24000) !== 24000) {
    throw malformed('speko', `${reply.adapter === 'openai.realtime.v1' ? 'OpenAI' : 'xAI'} realtime needs 24 kHz audio both ways, and the session asks for another rate`)
  }

  const upstreamSession: NonNullable<SessionCredential['upstreamSession']> = {}
  if (reply.session?.voice !== undefined) upstreamSession.voice = reply.session.voice
  if (reply.session?.instructions !== undefined) upstreamSession.instructions = reply.session.instructions
  if (reply.session?.tools !== undefined) upstreamSession.tools = reply.session.tools
  const common = {
    expiresAt: parseExpiry(reply.credential.expiresAt) ?? parseExpiry(reply.expiresAt),
    inputSampleRate: 24000,
    outputSampleRate: 24000,
    sessionId: reply.sessionId,
    telemetry: {
      url: telemetryUrl.toString(),
      token: reply.telemetry.token,
      flushIntervalMs: reply.telemetry.flushIntervalMs,
      sessionId: reply.sessionId,
      attemptId: reply.attemptId,
      authorizedDurationMs: reply.reservation.authorizedDurationSeconds * 1000,
    },
    upstreamSession,
  }
  if (reply.adapter === 'openai.realtime.v1') {
    // The model Speko resolved is the one its secret was minted for; session.update names it.
    upstreamSession.model = reply.model
    return { protocol: 'openai', transport: 'webrtc', url: endpoint.toString(), protocols: [], bearer: secret, sidebandUrl: spekoSidebandUrl(reply.sidebandUrl, telemetryUrl, reply.sessionId), ...common }
  }
  const url = new URL(endpoint.toString())
  url.searchParams.set('model', reply.model)
  return { protocol: 'xai', url: url.toString(), protocols: [`${XAI_SUBPROTOCOL}${secret}`], ...common }
}

/** The documented calls endpoint of Speko's OpenAI upstream (the Speko SDK accepts only this one). */
export const OPENAI_CALLS_ENDPOINT = 'https://api.openai.com/v1/realtime/calls'

/**
 * Where a Speko OpenAI call is bound (docs/protocols/speko.md): on the telemetry endpoint's origin,
 * at /v1/sessions/<sessionId>/sidebands/openai, as the SDK requires.
 */
function spekoSidebandUrl(raw: string | undefined, telemetry: URL, sessionId: string): string {
  if (!raw) throw malformed('speko', '"sidebandUrl" is missing in its OpenAI session')
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw malformed('speko', '"sidebandUrl" is not a URL')
  }
  if (url.origin !== telemetry.origin || url.pathname !== `/v1/sessions/${encodeURIComponent(sessionId)}/sidebands/openai` || url.search || url.hash || url.username || url.password) {
    throw malformed('speko', `the sideband URL "${raw.slice(0, 100)}" is not this session's on Speko's own host`)
  }
  return url.toString()
}

const XAI_SUBPROTOCOL = 'xai-client-secret.'

/** Every short-lived secret a credential carries (for log scrubbing). */
export function credentialSecrets(credential: SessionCredential): string[] {
  const secrets: string[] = []
  for (const protocol of credential.protocols) {
    if (protocol === 'realtime') continue
    if (protocol.startsWith('openai-insecure-api-key.')) secrets.push(protocol.slice('openai-insecure-api-key.'.length))
    else if (protocol.startsWith(XAI_SUBPROTOCOL)) secrets.push(protocol.slice(XAI_SUBPROTOCOL.length))
    else secrets.push(protocol)
  }
  if (credential.telemetry) secrets.push(credential.telemetry.token)
  if (credential.bearer) secrets.push(credential.bearer)
  try {
    const token = new URL(credential.url).searchParams.get('token')
    if (token) secrets.push(token)
  } catch {
    // not a URL: nothing to add
  }
  return secrets
}

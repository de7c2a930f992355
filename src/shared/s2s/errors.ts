/**
 * Stable error codes and human messages for the speech-to-speech core: maps socket close codes,
 * provider error codes and thrown values to S2SError. Pure TypeScript.
 */
import type { ProtocolId, S2SError, S2SErrorCode } from './types'

export const ERROR_CODES: readonly S2SErrorCode[] = [
  'auth_failed',
  'token_expired',
  'rate_limited',
  'provider_unavailable',
  'offline',
  'connection_lost',
  'session_expired',
  'protocol_error',
  'provider_error',
  'tool_error',
  'timeout',
  'microphone',
  'internal',
]

/** A short human sentence per code, used when the provider gave nothing better. */
export const HUMAN_MESSAGES: Record<S2SErrorCode, string> = {
  auth_failed: 'The provider rejected the API key or session token. Check the key in Settings.',
  token_expired: 'The session token expired before the connection opened. Try again.',
  rate_limited: 'The provider is rate limiting requests. Wait a moment and try again.',
  provider_unavailable: 'The provider is unavailable right now. Try again later.',
  offline: 'Could not reach the provider. Check your internet connection.',
  connection_lost: 'The connection to the provider was lost.',
  session_expired: 'The provider ended the session because it reached its maximum length.',
  protocol_error: 'The provider sent something Earshot did not understand.',
  provider_error: 'The provider reported an error.',
  tool_error: 'A tool failed.',
  timeout: 'The provider did not answer in time.',
  microphone: 'The microphone could not be used.',
  internal: 'Something went wrong inside Earshot.',
}

export function isErrorCode(value: unknown): value is S2SErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value)
}

export function makeError(code: S2SErrorCode, message?: string, extra: Partial<Omit<S2SError, 'code' | 'message'>> = {}): S2SError {
  const error: S2SError = { code, message: message && message.trim() ? message : HUMAN_MESSAGES[code], fatal: extra.fatal ?? false }
  if (extra.providerCode !== undefined) error.providerCode = extra.providerCode
  if (extra.retryAfterSeconds !== undefined) error.retryAfterSeconds = extra.retryAfterSeconds
  return error
}

/** An Error carrying an S2SError (what connect() rejects with). */
export class S2SSessionError extends Error {
  readonly error: S2SError
  constructor(error: S2SError) {
    super(error.message)
    this.name = 'S2SSessionError'
    this.error = error
  }
  get code(): S2SErrorCode {
    return this.error.code
  }
}

/**
 * Any thrown value (a MintError from main, an S2SSessionError, a plain Error, a string) -> an
 * S2SError. Values that already carry a known code keep it; everything else is 'internal'.
 */
export function toS2SError(value: unknown, fallback: S2SErrorCode = 'internal', fatal = true): S2SError {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>
    if (typeof v.toS2SError === 'function') {
      try {
        const e = (v.toS2SError as () => unknown)()
        if (e && typeof e === 'object' && isErrorCode((e as S2SError).code)) return { ...(e as S2SError) }
      } catch {
        /* fall through */
      }
    }
    if (v.error && typeof v.error === 'object' && isErrorCode((v.error as S2SError).code)) return { ...(v.error as S2SError) }
    if (isErrorCode(v.code)) {
      const retry = typeof v.retryAfterSeconds === 'number' ? v.retryAfterSeconds : undefined
      return makeError(v.code, typeof v.message === 'string' ? v.message : undefined, {
        fatal: typeof v.fatal === 'boolean' ? v.fatal : fatal,
        ...(retry !== undefined ? { retryAfterSeconds: retry } : {}),
      })
    }
    if (typeof v.message === 'string') return makeError(fallback, `${HUMAN_MESSAGES[fallback]} (${v.message})`, { fatal })
  }
  if (typeof value === 'string' && value) return makeError(fallback, `${HUMAN_MESSAGES[fallback]} (${value})`, { fatal })
  return makeError(fallback, undefined, { fatal })
}

/**
 * A socket close -> the error it means, or null for a normal close. `opened` says whether the
 * socket ever opened: a close before open is a failed handshake (a browser sees only 1006 and not
 * the HTTP status, so a bad key and no network look alike there).
 */
export function errorFromClose(code: number, reason: string, opened: boolean, protocol?: ProtocolId): S2SError | null {
  const why = typeof reason === 'string' ? reason.slice(0, 200) : ''
  const suffix = why ? ` (${code}: ${why})` : ` (close code ${code})`
  const lower = why.toLowerCase()
  if (!opened) {
    // Codes only Earshot's WebRTC transport closes with before open: the HTTP answer it did see.
    // They come first: their reasons quote the server ("Unauthorized", "invalid token"), which is
    // not about the user's key when the transport says so.
    if (code === 4002) return makeError('provider_error', `The provider refused this session's short-lived credential, not your key${suffix}. Try again in a moment.`, { fatal: true })
    if (code === 4029) return makeError('rate_limited', HUMAN_MESSAGES.rate_limited + suffix, { fatal: true })
    if (code === 4000) return makeError('provider_error', `The provider refused the connection${suffix}.`, { fatal: true })
    if (code === 4001 || code === 4003 || code === 1008 || /unauthori|forbidden|invalid.*(key|token)/.test(lower)) {
      return makeError('auth_failed', HUMAN_MESSAGES.auth_failed + suffix, { fatal: true })
    }
    if (code === 1011) return makeError('provider_unavailable', HUMAN_MESSAGES.provider_unavailable + suffix, { fatal: true })
    return makeError('offline', `Could not connect to the provider${protocol ? ` (${protocol})` : ''}. Check your internet connection and the key${suffix}.`, { fatal: true })
  }
  if (/maximum duration|session[_ ]expired/.test(lower)) return makeError('session_expired', HUMAN_MESSAGES.session_expired + suffix)
  switch (code) {
    case 1000:
    case 1005:
      return null
    case 1001:
      return makeError('connection_lost', HUMAN_MESSAGES.connection_lost + suffix)
    case 1008:
    case 4001:
    case 4003:
      return makeError('auth_failed', HUMAN_MESSAGES.auth_failed + suffix, { fatal: true })
    case 4000:
      return makeError('protocol_error', `The provider refused the session request${suffix}.`, { fatal: true })
    case 4029:
      return makeError('rate_limited', HUMAN_MESSAGES.rate_limited + suffix, { fatal: true })
    case 1011:
    case 1012:
    case 1013:
    case 1014:
      return makeError('provider_unavailable', HUMAN_MESSAGES.provider_unavailable + suffix)
    default:
      return makeError('connection_lost', HUMAN_MESSAGES.connection_lost + suffix)
  }
}

/** Provider error codes that are routine protocol chatter: logged, never shown as errors. */
const ROUTINE_PROVIDER_CODES = new Set([
  'response_cancel_not_active',
  'item_truncate_invalid_item_id',
  'input_audio_buffer_commit_empty',
])

export function isRoutineProviderError(code: string | undefined, message: string | undefined): boolean {
  if (code && ROUTINE_PROVIDER_CODES.has(code)) return true
  return !!message && /already shorter than/i.test(message)
}

/** A provider's error code/type/message -> S2SError (OpenAI error events, AssemblyAI session.error, Speko error). */
export function errorFromProvider(code: string | undefined, message: string | undefined, type?: string): S2SError {
  const c = (code ?? '').toLowerCase()
  const t = (type ?? '').toLowerCase()
  const text = typeof message === 'string' && message.trim() ? message.trim().slice(0, 500) : undefined
  const extra = code ? { providerCode: code } : {}
  if (c === 'session_expired' || /maximum duration/i.test(text ?? '')) return makeError('session_expired', text ?? HUMAN_MESSAGES.session_expired, { ...extra, fatal: false })
  if (/unauthori[sz]ed|invalid_api_key|authentication|forbidden|session_forbidden|permission/.test(c) || t === 'authentication_error') {
    return makeError('auth_failed', text ? `${HUMAN_MESSAGES.auth_failed} (${text})` : undefined, { ...extra, fatal: true })
  }
  if (/token_expired|expired_token/.test(c)) return makeError('token_expired', text, { ...extra, fatal: true })
  if (/rate_limit|too_many|quota/.test(c) || t === 'rate_limit_error' || t === 'insufficient_quota') {
    return makeError('rate_limited', text ? `${HUMAN_MESSAGES.rate_limited} (${text})` : undefined, { ...extra, fatal: false })
  }
  if (c === 'beta_api_shape_disabled') return makeError('protocol_error', text, { ...extra, fatal: true })
  if (t === 'server_error' || /server_error|unavailable|overloaded|provider_connect_failed/.test(c)) {
    return makeError('provider_unavailable', text ? `${HUMAN_MESSAGES.provider_unavailable} (${text})` : undefined, { ...extra, fatal: false })
  }
  return makeError('provider_error', text ? `The provider reported an error: ${text}` : undefined, { ...extra, fatal: false })
}

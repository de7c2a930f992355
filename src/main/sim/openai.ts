/**
 * OpenAI Realtime (GA) simulator: REST `POST /v1/realtime/client_secrets` and the socket at
 * `/v1/realtime?model=…`, following docs/protocols/openai-realtime.md.
 *
 *   const sim = await startOpenAISim({ turns: [{ user: 'hi', reply: 'Hello there.' }] })
 *   // OPENAI_BASE_URL = sim.baseUrl (http://127.0.0.1:P/v1), OPENAI_API_KEY = sim.apiKey
 *   ... sim.wire.types({ dir: 'out' }) ...
 *   await sim.close()
 */
import type { SessionCredential } from '../../shared/s2s/types'
import {
  AudioStreamer,
  Ids,
  isObj,
  randomId,
  retryAfterHeaders,
  simBasics,
  simHandle,
  type Faults,
  type SimHandle,
  type SimOptions,
  type SimRecords,
} from './common'
import {
  DEFAULT_MALFORMED,
  renderReply,
  replyDurationMs,
  resolveTurn,
  wordDeltas,
  type FaultPoint,
  type SimScript,
  type SimTurn,
  type ToolResultSeen,
  type TurnContext,
} from './script'
import { bearer, b64ToBytes, bytesToB64, isBase64, startSimServer, type HttpReply, type HttpRequestInfo, type SimChannel, type SimServer } from './server'
import { EnergyVad, bytesToPcm16, pcm16ToBytes } from './vad'
import { synthesizeVoice } from './voice'
import type { WireLog } from './wire'

export const OPENAI_RATE = 24000

export interface OpenAISimOptions extends SimOptions {
  /** Accept the real API key on the socket (as a server-side client would). Default false: refused, so a leak fails loudly. */
  acceptApiKeyOnSocket?: boolean
  /** Refuse a socket URL without ?model= (default true). */
  requireModel?: boolean
  /** Delay between a function_call response's last item and its response.done (default 200 ms, as measured live). */
  toolResponseDoneDelayMs?: number
  /**
   * What the reply audio carries: 'voice' (default) the synthetic voice-like tone; 'silence' the
   * same length of silence, for a client that speaks the transcript itself (the app's Demo speaks
   * it with the system's speech synthesis, and two voices at once would be noise).
   */
  replyAudio?: 'voice' | 'silence'
  /** Send the whole reply transcript with the first audio chunk (real models' text runs ahead of their audio too). */
  transcriptAhead?: boolean
  /**
   * 'xai': speak xAI's realtime dialect instead (docs/protocols/xai.md): conversation.created first
   * (no session.created), voice and turn_detection on the session itself, cumulative
   * `input_audio_transcription.updated`, and no server-side cancel on barge-in (the client's
   * response.cancel stops the reply). The Speko simulator's provider_direct mode uses it.
   */
  dialect?: 'openai' | 'xai'
  /** What rate_limits.updated reports (default: far from every limit). */
  rateLimits?: { name: string; limit: number; remaining: number; reset_seconds: number }[]
  /** What the model says when idle_timeout_ms fires (default "Are you still there?"). */
  idleReply?: string
  /**
   * Answer `POST /v1/realtime/calls` (the WebRTC transport) with this peer: pass `simWebRtc` from
   * ./webrtc. Without it the endpoint is a 404, and the app's Demo never loads a WebRTC stack.
   */
  webrtc?: SimWebRtc
}

/** A call's audio as the session drives it: microphone PCM in, reply PCM out in real time (24 kHz mono). */
export interface SimCallMedia {
  onAudio(listener: (pcm: Int16Array) => void): void
  /** Queues a reply's audio for the remote track; its first frame fires 'started' for it. */
  enqueue(pcm: Int16Array, responseId: string): void
  /** That reply has no more audio: its 'stopped' fires once its audio has played. */
  end(responseId: string): void
  /** Drops what is queued (output_audio_buffer.clear, a barge-in). */
  clear(): void
  /** Per reply: 'started' on its first frame, 'stopped' after its last (a next reply's audio may follow at once). */
  onPlayout(listener: (event: 'started' | 'stopped', responseId: string) => void): void
  /** A reply is on the track (or queued for it). */
  readonly playing: boolean
  /** The reply on the track now, and how much of it has gone out. */
  readonly current: string | null
  readonly playedMs: number
}

/** One answered WebRTC call: the answer SDP, its `oai-events` channel and its media. */
export interface SimCall {
  answer: string
  channel: SimChannel
  media: SimCallMedia
  /** Fires once the data channel is open. */
  onOpen(listener: () => void): void
  hangUp(): void
}

export type SimWebRtc = (offer: string, connId: number, wire: WireLog) => Promise<SimCall>

/** Models that take `reasoning` (the reasoning-capable gpt-realtime-2 family). */
export function simTakesReasoning(model: string): boolean {
  return /^gpt-realtime-2(?:[.-]|$)/.test(model)
}
const REASONING_EFFORTS = ['minimal', 'low', 'medium', 'high', 'xhigh']
/** Fields of each turn_detection type [N-RT ServerVad / SemanticVad]. */
const SERVER_VAD_KEYS = new Set(['type', 'threshold', 'prefix_padding_ms', 'silence_duration_ms', 'idle_timeout_ms', 'create_response', 'interrupt_response'])
const SEMANTIC_VAD_KEYS = new Set(['type', 'eagerness', 'create_response', 'interrupt_response'])

interface Ephemeral {
  value: string
  expiresAtMs: number
  session: Record<string, unknown>
}

interface Item {
  id: string
  type: 'message' | 'function_call' | 'function_call_output'
  role?: 'user' | 'assistant' | 'system'
  status: 'in_progress' | 'completed' | 'incomplete'
  content?: Array<Record<string, unknown>>
  call_id?: string
  name?: string
  arguments?: string
  output?: string
  /** Assistant/user audio (PCM16 24 kHz) held for retrieve and truncate. */
  audio?: Int16Array
}

const GA_SESSION_KEYS = new Set([
  'type', 'model', 'output_modalities', 'instructions', 'audio', 'tools', 'tool_choice', 'max_output_tokens', 'include',
  'truncation', 'tracing', 'prompt', 'reasoning', 'id', 'object', 'expires_at', 'parallel_tool_calls', 'client_secret',
])
const CLIENT_EVENTS = [
  'session.update', 'input_audio_buffer.append', 'input_audio_buffer.commit', 'input_audio_buffer.clear',
  'conversation.item.create', 'conversation.item.retrieve', 'conversation.item.truncate', 'conversation.item.delete',
  'response.create', 'response.cancel', 'output_audio_buffer.clear',
]

class ProtocolError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message)
  }
}

/** The session a fresh GA socket or call starts with (before any session.update). */
export function defaultSession(model: string): Record<string, unknown> {
  return {
    type: 'realtime',
    object: 'realtime.session',
    id: randomId('sess_', 10),
    model,
    output_modalities: ['audio'],
    instructions: '',
    tools: [],
    tool_choice: 'auto',
    max_output_tokens: 'inf',
    tracing: null,
    truncation: 'auto',
    prompt: null,
    expires_at: 0,
    include: null,
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: OPENAI_RATE },
        transcription: null,
        noise_reduction: null,
        turn_detection: {
          type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500,
          idle_timeout_ms: null, create_response: true, interrupt_response: true,
        },
      },
      output: { format: { type: 'audio/pcm', rate: OPENAI_RATE }, voice: 'alloy', speed: 1 },
    },
  }
}

function deepMerge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(patch)) {
    const b = out[k]
    out[k] = isObj(v) && isObj(b) && k !== 'turn_detection' && k !== 'format' ? deepMerge(b, v) : v
  }
  return out
}

/** Validates a GA session object (session.update or the mint body); throws ProtocolError. */
/** xAI's session fields (the Speko SDK's xAISessionUpdate): voice and turn_detection sit on the session. */
const XAI_SESSION_KEYS = new Set(['type', 'model', 'output_modalities', 'instructions', 'voice', 'turn_detection', 'audio', 'tools', 'tool_choice', 'id', 'object'])

function validateSession(s: unknown, prefix = 'session', dialect: 'openai' | 'xai' = 'openai', model0 = 'gpt-realtime'): Record<string, unknown> {
  if (!isObj(s)) throw new ProtocolError('missing_required_parameter', `Missing required parameter: '${prefix}'.`, prefix)
  const keys = dialect === 'xai' ? XAI_SESSION_KEYS : GA_SESSION_KEYS
  for (const k of Object.keys(s)) {
    if (!keys.has(k)) throw new ProtocolError('unknown_parameter', `Unknown parameter: '${prefix}.${k}'.`, `${prefix}.${k}`)
  }
  if (s.type === undefined) throw new ProtocolError('missing_required_parameter', `Missing required parameter: '${prefix}.type'.`, `${prefix}.type`)
  if (s.type !== 'realtime') {
    throw new ProtocolError('invalid_value', `Invalid value: '${String(s.type)}'. Supported values are: 'realtime'.`, `${prefix}.type`)
  }
  if (s.output_modalities !== undefined) {
    const m = s.output_modalities
    if (!Array.isArray(m) || m.length !== 1 || (m[0] !== 'audio' && m[0] !== 'text')) {
      throw new ProtocolError('invalid_value', "Invalid modalities: output_modalities must be ['audio'] or ['text'].", `${prefix}.output_modalities`)
    }
  }
  const audio = s.audio
  if (audio !== undefined) {
    if (!isObj(audio)) throw new ProtocolError('invalid_type', `Invalid type for '${prefix}.audio'.`, `${prefix}.audio`)
    for (const dir of Object.keys(audio)) {
      if (dir !== 'input' && dir !== 'output') throw new ProtocolError('unknown_parameter', `Unknown parameter: '${prefix}.audio.${dir}'.`, `${prefix}.audio.${dir}`)
      const d = audio[dir]
      if (!isObj(d)) throw new ProtocolError('invalid_type', `Invalid type for '${prefix}.audio.${dir}'.`, `${prefix}.audio.${dir}`)
      const allowed =
        dialect === 'xai' ? ['format', ...(dir === 'input' ? ['transcription'] : [])] : dir === 'input' ? ['format', 'noise_reduction', 'transcription', 'turn_detection'] : ['format', 'voice', 'speed']
      for (const k of Object.keys(d)) {
        if (!allowed.includes(k)) throw new ProtocolError('unknown_parameter', `Unknown parameter: '${prefix}.audio.${dir}.${k}'.`, `${prefix}.audio.${dir}.${k}`)
      }
      const f = d.format
      if (f !== undefined) {
        const p = `${prefix}.audio.${dir}.format`
        if (!isObj(f)) throw new ProtocolError('invalid_type', `Invalid type for '${p}': expected an object, but got ${typeof f}.`, p)
        if (f.type !== 'audio/pcm' && f.type !== 'audio/pcmu' && f.type !== 'audio/pcma') {
          throw new ProtocolError('invalid_value', `Invalid value: '${String(f.type)}'. Supported values are: 'audio/pcm', 'audio/pcmu', and 'audio/pcma'.`, `${p}.type`)
        }
        if (f.type === 'audio/pcm' && f.rate !== undefined && f.rate !== OPENAI_RATE) {
          throw new ProtocolError('invalid_value', `Invalid value: ${String(f.rate)}. Only a 24000 Hz sample rate is supported.`, `${p}.rate`)
        }
      }
      const td = d.turn_detection
      if (dir === 'input' && td !== undefined && td !== null) {
        const p = `${prefix}.audio.input.turn_detection`
        if (!isObj(td) || (td.type !== 'server_vad' && td.type !== 'semantic_vad')) {
          throw new ProtocolError('invalid_value', `Invalid value for '${p}.type'. Supported values are: 'server_vad' and 'semantic_vad'.`, `${p}.type`)
        }
        if (dialect === 'openai') {
          const known = td.type === 'server_vad' ? SERVER_VAD_KEYS : SEMANTIC_VAD_KEYS
          for (const k of Object.keys(td)) {
            if (!known.has(k)) throw new ProtocolError('unknown_parameter', `Unknown parameter: '${p}.${k}'.`, `${p}.${k}`)
          }
          if (td.eagerness !== undefined && !['low', 'medium', 'high', 'auto'].includes(String(td.eagerness))) {
            throw new ProtocolError('invalid_value', `Invalid value: '${String(td.eagerness)}'. Supported values are: 'low', 'medium', 'high', and 'auto'.`, `${p}.eagerness`)
          }
          for (const k of ['silence_duration_ms', 'prefix_padding_ms']) {
            if (td[k] !== undefined && (typeof td[k] !== 'number' || !Number.isInteger(td[k]) || (td[k] as number) < 0)) {
              throw new ProtocolError('invalid_type', `Invalid type for '${p}.${k}': expected an integer.`, `${p}.${k}`)
            }
          }
          if (td.idle_timeout_ms !== undefined && td.idle_timeout_ms !== null && (typeof td.idle_timeout_ms !== 'number' || !Number.isInteger(td.idle_timeout_ms) || td.idle_timeout_ms <= 0)) {
            throw new ProtocolError('invalid_type', `Invalid type for '${p}.idle_timeout_ms': expected a positive integer or null.`, `${p}.idle_timeout_ms`)
          }
        }
      }
      const nr = d.noise_reduction
      if (dir === 'input' && nr !== undefined && nr !== null) {
        const p = `${prefix}.audio.input.noise_reduction`
        if (!isObj(nr) || (nr.type !== 'near_field' && nr.type !== 'far_field')) {
          throw new ProtocolError('invalid_value', `Invalid value for '${p}.type'. Supported values are: 'near_field' and 'far_field'.`, `${p}.type`)
        }
      }
    }
  }
  const tr = s.truncation
  if (dialect === 'openai' && tr !== undefined && tr !== 'auto' && tr !== 'disabled') {
    const p = `${prefix}.truncation`
    if (!isObj(tr) || tr.type !== 'retention_ratio') {
      throw new ProtocolError('invalid_value', `Invalid value for '${p}'. Supported values are: 'auto', 'disabled', or {type: 'retention_ratio'}.`, p)
    }
    for (const k of Object.keys(tr)) {
      if (k !== 'type' && k !== 'retention_ratio' && k !== 'token_limits') throw new ProtocolError('unknown_parameter', `Unknown parameter: '${p}.${k}'.`, `${p}.${k}`)
    }
    if (typeof tr.retention_ratio !== 'number' || tr.retention_ratio < 0 || tr.retention_ratio > 1) {
      throw new ProtocolError('invalid_value', `Invalid value for '${p}.retention_ratio': expected a number from 0.0 to 1.0.`, `${p}.retention_ratio`)
    }
  }
  if (dialect === 'openai' && s.reasoning !== undefined && s.reasoning !== null) {
    const p = `${prefix}.reasoning`
    const model = typeof s.model === 'string' ? s.model : model0
    if (!simTakesReasoning(model)) throw new ProtocolError('unsupported_parameter', `Unsupported parameter: '${p}' is not supported with the model '${model}'.`, p)
    if (!isObj(s.reasoning) || (s.reasoning.effort !== undefined && !REASONING_EFFORTS.includes(String(s.reasoning.effort)))) {
      throw new ProtocolError('invalid_value', `Invalid value for '${p}.effort'. Supported values are: ${REASONING_EFFORTS.map((e) => `'${e}'`).join(', ')}.`, `${p}.effort`)
    }
  }
  if (s.tools !== undefined) {
    if (!Array.isArray(s.tools)) throw new ProtocolError('invalid_type', `Invalid type for '${prefix}.tools'.`, `${prefix}.tools`)
    s.tools.forEach((t: unknown, i: number) => {
      const p = `${prefix}.tools[${i}]`
      if (!isObj(t)) throw new ProtocolError('invalid_type', `Invalid type for '${p}'.`, p)
      if (t.type !== 'function' && t.type !== 'mcp') throw new ProtocolError('invalid_value', `Invalid value for '${p}.type'.`, `${p}.type`)
      if (t.type === 'function') {
        if ('function' in t) throw new ProtocolError('unknown_parameter', `Unknown parameter: '${p}.function'.`, `${p}.function`)
        if (typeof t.name !== 'string' || !t.name) throw new ProtocolError('missing_required_parameter', `Missing required parameter: '${p}.name'.`, `${p}.name`)
      }
    })
  }
  return s
}

function pcmMs(samples: number): number {
  return (samples * 1000) / OPENAI_RATE
}

/** The simulator process: REST + sockets. */
export async function startOpenAISim(script: SimScript, options: OpenAISimOptions = {}): Promise<SimHandle> {
  const { wire, apiKey, records, faults } = simBasics(script, options, 'sk-sim-')
  const keys = new Map<string, Ephemeral>()
  const sessions: OpenAISession[] = []
  const calls: SimCall[] = []
  let baseUrl = ''
  let wsUrl = ''

  function mint(body: Record<string, unknown>): Ephemeral {
    let ttlMs = 600_000
    const ea = body.expires_after
    if (isObj(ea) && typeof ea.seconds === 'number') ttlMs = ea.seconds * 1000
    if (options.tokenTtlMs !== undefined) ttlMs = options.tokenTtlMs
    const now = Date.now()
    const sess = isObj(body.session) ? body.session : {}
    const model = typeof sess.model === 'string' ? sess.model : 'gpt-realtime'
    const session = deepMerge(defaultSession(model), sess)
    const e: Ephemeral = { value: randomId('ek_', 16), expiresAtMs: now + ttlMs, session }
    e.session.expires_at = Math.floor(e.expiresAtMs / 1000)
    keys.set(e.value, e)
    return e
  }

  const answerCall = (req: HttpRequestInfo) =>
    answerWebRtcCall(req, {
      webrtc: options.webrtc,
      wire,
      server,
      session(key) {
        const e = keys.get(key)
        if (options.rejectKey || !e) return 'Incorrect API key provided.'
        if (Date.now() >= e.expiresAtMs) return 'Your ephemeral key has expired.'
        return structuredClone(e.session)
      },
      open(call, session) {
        calls.push(call)
        call.onOpen(() => {
          const s = new OpenAISession(call.channel, session, script, options, records, faults, false, call.media)
          sessions.push(s)
          s.start()
        })
      },
    })

  const server = await startSimServer<{ session: Record<string, unknown> }>(wire, {
    http(req): HttpReply | Promise<HttpReply> {
      if ((req.method === 'POST' || req.method === 'OPTIONS') && req.path === '/v1/realtime/calls') return answerCall(req)
      if (req.method !== 'POST' || req.path !== '/v1/realtime/client_secrets') {
        return { status: 404, body: { error: { message: `Invalid URL (${req.method} ${req.path})`, type: 'invalid_request_error', param: null, code: null } } }
      }
      const key = bearer(req.headers)
      if (options.rejectKey || key !== apiKey) {
        const shown = key ? `${key.slice(0, 3)}*****${key.slice(-4)}` : ''
        return {
          status: 401,
          body: {
            error: key
              ? { message: `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' }
              : { message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", type: 'invalid_request_error', param: null, code: null },
          },
        }
      }
      if (options.mintFault) {
        const { status, retryAfterSeconds } = options.mintFault
        return {
          status,
          headers: retryAfterHeaders(retryAfterSeconds),
          body: { error: status === 429
            ? { message: 'Rate limit reached for requests. Please try again later.', type: 'requests', param: null, code: 'rate_limit_exceeded' }
            : { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } },
        }
      }
      let body: unknown = {}
      if (req.body.trim()) {
        try {
          body = JSON.parse(req.body)
        } catch {
          return { status: 400, body: { error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error', param: null, code: null } } }
        }
      }
      if (!isObj(body)) return { status: 400, body: { error: { message: 'Invalid body: expected an object.', type: 'invalid_request_error', param: null, code: 'invalid_type' } } }
      try {
        const ea = body.expires_after
        if (ea !== undefined) {
          if (!isObj(ea) || ea.anchor !== 'created_at') throw new ProtocolError('invalid_value', "Invalid value for 'expires_after.anchor'. Supported values are: 'created_at'.", 'expires_after.anchor')
          if (typeof ea.seconds !== 'number' || ea.seconds < 10 || ea.seconds > 7200) {
            throw new ProtocolError('invalid_value', "Invalid 'expires_after.seconds': must be between 10 and 7200.", 'expires_after.seconds')
          }
        }
        if (body.session !== undefined) validateSession(body.session)
      } catch (err) {
        if (err instanceof ProtocolError) return { status: 400, body: { error: { message: err.message, type: 'invalid_request_error', param: err.param, code: err.code } } }
        throw err
      }
      const e = mint(body)
      return { status: 200, body: { value: e.value, expires_at: Math.floor(e.expiresAtMs / 1000), session: e.session } }
    },

    upgrade(info) {
      const refuse = (status: number, message: string, code: string | null = null) =>
        ({ accept: false as const, status, body: { error: { message, type: 'invalid_request_error', param: null, code } } })
      if (info.path !== '/v1/realtime') return refuse(404, `Invalid URL (GET ${info.path})`)
      const model = info.query.model
      if ((options.requireModel ?? true) && !model && !info.query.call_id && info.query.intent !== 'transcription') {
        return refuse(400, "Missing required parameter: 'model'.", 'missing_required_parameter')
      }
      const prefix = 'openai-insecure-api-key.'
      const fromProto = info.protocols.find((p) => p.startsWith(prefix))?.slice(prefix.length)
      const key = fromProto ?? bearer(info.headers)
      if (fromProto !== undefined && !info.protocols.includes('realtime')) return refuse(400, "Subprotocol 'realtime' is required.")
      if (!key) return refuse(401, "You didn't provide an API key.", 'missing_api_key')
      let session: Record<string, unknown>
      if (key === apiKey && options.acceptApiKeyOnSocket) {
        session = defaultSession(model ?? 'gpt-realtime')
      } else {
        const e = keys.get(key)
        if (!e) return refuse(401, 'Incorrect API key provided.', 'invalid_api_key')
        if (Date.now() >= e.expiresAtMs) return refuse(401, 'Your ephemeral key has expired.', 'invalid_api_key')
        session = structuredClone(e.session)
        session.id = randomId('sess_', 10)
        if (model) session.model = model
      }
      return { accept: true, protocol: info.protocols.includes('realtime') ? 'realtime' : '', state: { session } }
    },

    connection(conn, state, info) {
      const s = new OpenAISession(conn, state.session, script, options, records, faults, info.protocols.includes('openai-beta.realtime-v1'))
      sessions.push(s)
      s.start()
    },
  })

  baseUrl = `${server.origin}/v1`
  wsUrl = `ws://127.0.0.1:${server.port}/v1/realtime`
  return simHandle(server, {
    protocol: 'openai',
    baseUrl,
    wsUrl,
    apiKey,
    env: { OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: baseUrl },
    wire,
    records,
    credential(): SessionCredential {
      const e = mint({})
      return {
        protocol: 'openai',
        url: `${wsUrl}?model=${encodeURIComponent(String(e.session.model))}`,
        protocols: ['realtime', `openai-insecure-api-key.${e.value}`],
        expiresAt: e.expiresAtMs,
        inputSampleRate: OPENAI_RATE,
        outputSampleRate: OPENAI_RATE,
      }
    },
    expireCredentials() {
      for (const e of keys.values()) e.expiresAtMs = 0
    },
  }, () => {
    for (const s of sessions) s.dispose()
    for (const c of calls) c.hangUp()
  })
}

/** What answerWebRtcCall needs from the simulator that hosts the calls endpoint. */
export interface CallEndpoint {
  webrtc: SimWebRtc | undefined
  wire: WireLog
  server: SimServer
  /** The session an ephemeral key opens, or why it opens none (a 401). */
  session(key: string): Record<string, unknown> | string
  /** The call is answered: start its session once the data channel opens (see SimCall.onOpen). */
  open(call: SimCall, session: Record<string, unknown>, callId: string): void
}

/**
 * `POST /v1/realtime/calls` with an ephemeral key and an SDP offer: 201 with the answer and a
 * Location naming the call (docs/protocols/openai-realtime.md, "WebRTC"). Browsers post the offer
 * themselves, so the endpoint answers CORS and lets the page read Location. Shared by the OpenAI
 * simulator and the Speko simulator's OpenAI upstream.
 */
export async function answerWebRtcCall(req: HttpRequestInfo, endpoint: CallEndpoint): Promise<HttpReply> {
  const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'authorization, content-type', 'access-control-allow-methods': 'POST', 'access-control-expose-headers': 'Location' }
  const fail = (status: number, message: string, code: string | null = null): HttpReply =>
    ({ status, headers: cors, body: { error: { message, type: 'invalid_request_error', param: null, code } } })
  const webrtc = endpoint.webrtc
  if (!webrtc) return fail(404, `Invalid URL (${req.method} ${req.path})`)
  if (req.method === 'OPTIONS') return { status: 204, body: undefined, headers: cors }
  const key = bearer(req.headers)
  if (!key) return fail(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
  const session = endpoint.session(key)
  if (typeof session === 'string') return fail(401, session, 'invalid_api_key')
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/sdp') return fail(400, `Unsupported content type '${type || '(none)'}': send the SDP offer as application/sdp.`, 'unsupported_content_type')
  if (!/^v=0\r?$/m.test(req.body) || !/^m=audio /m.test(req.body)) return fail(400, 'Invalid SDP offer: expected an offer with an audio section.', 'invalid_offer')
  const id = endpoint.server.nextConnId()
  let call: SimCall
  try {
    call = await webrtc(req.body, id, endpoint.wire)
  } catch (err) {
    return fail(400, `Invalid SDP offer: ${err instanceof Error ? err.message : String(err)}`, 'invalid_offer')
  }
  endpoint.server.conns.push(call.channel)
  session.id = randomId('sess_', 10)
  const callId = randomId('rtc_', 12)
  endpoint.open(call, session, callId)
  return { status: 201, body: undefined, text: call.answer, headers: { ...cors, 'content-type': 'application/sdp', location: `/v1/realtime/calls/${callId}` } }
}

interface ActiveResponse {
  id: string
  kind: 'speech' | 'tools'
  output: Item[]
  item?: Item
  streamer?: AudioStreamer
  transcript: string
  sentText: string
  turnIndex: number
  timers: NodeJS.Timeout[]
}

interface PendingTools {
  turn: SimTurn
  ctx: TurnContext
  callIds: string[]
  results: ToolResultSeen[]
  responseDone: boolean
}

/** One realtime socket (OpenAI GA, or xAI's dialect with options.dialect 'xai'). */
export class OpenAISession {
  private readonly ids = new Ids()
  private readonly items = new Map<string, Item>()
  private readonly order: string[] = []
  private vad: EnergyVad
  private bufferSamples: number[] = []
  /** All input audio ever appended (ms offsets of timeout_triggered are from its start). */
  private writtenSamples = 0
  private responsesDone = 0
  private idleTimer: NodeJS.Timeout | null = null
  private pendingUserItemId: string | null = null
  private active: ActiveResponse | null = null
  private pendingTools: PendingTools | null = null
  /** A user turn committed and waiting for a response (create_response, or a client response.create). */
  private unansweredTurn: { speechMs: number; itemId: string } | null = null
  private queuedTurn = false
  private turnIndex = 0
  private greeted = false
  private audioProduced = false
  private timers: NodeJS.Timeout[] = []
  private disposed = false
  /** WebRTC: the reply whose audio is on the track (it outlives its response.done while it plays). */
  private readonly playingItems = new Map<string, Item>()
  /** WebRTC: a response whose audio was cleared; the rest of its audio never reaches the track. */
  private silencedResponseId: string | null = null

  constructor(
    private readonly conn: SimChannel,
    private session: Record<string, unknown>,
    private readonly script: SimScript,
    private readonly options: OpenAISimOptions,
    private readonly records: SimRecords,
    private readonly faults: Faults,
    private readonly betaHandshake: boolean,
    /** A WebRTC call: audio on its tracks instead of in events (docs/protocols/openai-realtime.md, "WebRTC"). */
    private readonly media: SimCallMedia | null = null,
  ) {
    this.vad = this.makeVad()
    conn.onMessage((data, isBinary) => this.onMessage(data, isBinary))
    conn.onClose(() => this.dispose())
    media?.onAudio((pcm) => this.ingest(pcm))
    media?.onPlayout((event, responseId) => {
      this.send({ type: event === 'started' ? 'output_audio_buffer.started' : 'output_audio_buffer.stopped', response_id: responseId })
      if (event === 'stopped') this.playingItems.delete(responseId)
    })
  }

  private get c(): number {
    return this.conn.id
  }

  private makeVad(): EnergyVad {
    const td = this.turnDetection()
    return new EnergyVad({
      sampleRate: OPENAI_RATE,
      thresholdRms: this.options.vad?.thresholdRms,
      startMs: this.options.vad?.startMs,
      silenceMs: this.options.vad?.silenceMs ?? (typeof td?.silence_duration_ms === 'number' ? td.silence_duration_ms : 500),
      prefixPaddingMs: typeof td?.prefix_padding_ms === 'number' ? td.prefix_padding_ms : 300,
    })
  }

  private get xai(): boolean {
    return this.options.dialect === 'xai'
  }

  private turnDetection(): Record<string, unknown> | null {
    if (this.xai) return isObj(this.session.turn_detection) ? this.session.turn_detection : null
    const a = this.session.audio
    const inp = isObj(a) ? a.input : undefined
    const td = isObj(inp) ? inp.turn_detection : undefined
    return isObj(td) ? td : null
  }

  private transcriptionOn(): boolean {
    const a = this.session.audio
    const inp = isObj(a) ? a.input : undefined
    return isObj(inp) && isObj(inp.transcription)
  }

  private declaredTools(): string[] {
    const t = this.session.tools
    return Array.isArray(t) ? t.filter(isObj).map((x) => String(x.name ?? '')).filter(Boolean) : []
  }

  start(): void {
    if (this.xai) this.send({ type: 'conversation.created', conversation: { id: this.ids.next('conv_'), object: 'realtime.conversation' } })
    else this.send({ type: 'session.created', session: this.session })
    if (this.betaHandshake) {
      this.error('beta_api_shape_disabled', 'The beta Realtime API shape is no longer supported. Use the GA interface.', null, null)
      this.conn.close(4000, 'beta_api_shape_disabled')
      return
    }
    const max = this.options.sessionMaxMs ?? 60 * 60_000
    this.later(max, () => {
      const minutes = Math.round(max / 60_000)
      const message = `Your session hit the maximum duration of ${minutes} minutes.`
      this.error('session_expired', message, null, null)
      this.conn.close(1001, message)
    })
    this.fault('ready')
  }

  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    for (const t of this.timers) clearTimeout(t)
    this.timers = []
    if (this.active) {
      this.active.streamer?.cancel()
      for (const t of this.active.timers) clearTimeout(t)
    }
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
  }

  /**
   * server_vad idle_timeout_ms [N-RT ServerVad.idle_timeout_ms, InputAudioBufferTimeoutTriggered]:
   * counted from response.done plus the reply's playback time; when no speech came by then, the
   * server sends input_audio_buffer.timeout_triggered, commits the (silent) buffer as a user item
   * and generates a response.
   */
  private armIdle(replyAudioMs: number): void {
    this.clearIdle()
    const td = this.turnDetection()
    if (this.xai || !td || td.type !== 'server_vad' || typeof td.idle_timeout_ms !== 'number') return
    const idleMs = td.idle_timeout_ms
    const startMs = Math.round(pcmMs(this.writtenSamples) + replyAudioMs)
    this.idleTimer = this.later(replyAudioMs + idleMs, () => {
      this.idleTimer = null
      const now = this.turnDetection()
      if (this.active || this.pendingUserItemId || !now || now.type !== 'server_vad' || now.idle_timeout_ms !== idleMs) return
      const itemId = this.ids.next('item_u')
      const endMs = Math.max(startMs, Math.round(pcmMs(this.writtenSamples)))
      this.send({ type: 'input_audio_buffer.timeout_triggered', audio_start_ms: startMs, audio_end_ms: endMs, item_id: itemId })
      this.commit(true, 0, itemId, true)
      this.unansweredTurn = null
      this.startSpeech({ reply: this.options.idleReply ?? 'Are you still there?' }, this.ctx(-1, 0, []), false)
    })
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      if (!this.disposed) fn()
    }, ms)
    this.timers.push(t)
    return t
  }

  private send(event: Record<string, unknown>): void {
    this.conn.sendJson({ event_id: this.ids.next(`event_${this.c}_`), ...event })
  }

  private error(code: string, message: string, param: string | null, clientEventId: string | null, type = 'invalid_request_error'): void {
    this.records.errors.push({ conn: this.c, code, message })
    this.send({ type: 'error', error: { type, code, message, param, event_id: clientEventId } })
  }

  private fault(point: FaultPoint): boolean {
    const due = this.faults.take(point, this.turnIndex, this.c)
    for (const f of due) {
      if (f.kind === 'drop') {
        if (f.code !== undefined) this.conn.close(f.code, f.reason ?? '')
        else this.conn.drop()
        this.dispose()
      } else if (f.kind === 'error') {
        this.error(f.code, f.message ?? `Simulated error ${f.code}`, null, null, f.code === 'server_error' ? 'server_error' : 'invalid_request_error')
        if (f.close !== undefined) {
          this.conn.close(f.close, f.message ?? f.code)
          this.dispose()
        }
      } else {
        for (const fr of f.frames ?? DEFAULT_MALFORMED) this.conn.sendRaw(fr)
      }
    }
    return this.disposed
  }

  private onMessage(data: string | Uint8Array, isBinary: boolean): void {
    if (this.disposed) return
    if (isBinary || typeof data !== 'string') {
      this.error('invalid_value', 'Binary frames are not supported; send JSON text events.', null, null)
      return
    }
    let ev: unknown
    try {
      ev = JSON.parse(data)
    } catch {
      this.error('invalid_json', "We couldn't parse the JSON you sent. Please check the event and try again.", null, null)
      return
    }
    if (!isObj(ev)) {
      this.error('invalid_type', 'Invalid type for event: expected an object.', null, null)
      return
    }
    const clientId = typeof ev.event_id === 'string' ? ev.event_id : null
    try {
      this.handle(ev, clientId)
    } catch (err) {
      if (err instanceof ProtocolError) this.error(err.code, err.message, err.param, clientId)
      else throw err
    }
  }

  private handle(ev: Record<string, unknown>, _clientId: string | null): void {
    const type = ev.type
    if (typeof type !== 'string') throw new ProtocolError('missing_required_parameter', "Missing required parameter: 'type'.", 'type')
    switch (type) {
      case 'session.update':
        return this.sessionUpdate(ev)
      case 'input_audio_buffer.append':
        return this.append(ev)
      case 'input_audio_buffer.commit':
        return this.commit(false)
      case 'input_audio_buffer.clear':
        this.bufferSamples = []
        this.vad.reset()
        this.pendingUserItemId = null
        this.send({ type: 'input_audio_buffer.cleared' })
        return
      case 'conversation.item.create':
        return this.itemCreate(ev)
      case 'conversation.item.retrieve':
        return this.itemRetrieve(ev)
      case 'conversation.item.truncate':
        return this.itemTruncate(ev)
      case 'conversation.item.delete':
        return this.itemDelete(ev)
      case 'response.create':
        return this.responseCreate(ev)
      case 'response.cancel':
        return this.responseCancel(ev)
      case 'output_audio_buffer.clear':
        if (!this.media) throw new ProtocolError('invalid_value', 'output_audio_buffer.clear is only supported for WebRTC and SIP sessions.', 'type')
        return this.clearOutput()
      default:
        throw new ProtocolError(
          'invalid_value',
          `Invalid value: '${type}'. Supported values are: ${CLIENT_EVENTS.map((e) => `'${e}'`).join(', ')}.`,
          'type',
        )
    }
  }

  private sessionUpdate(ev: Record<string, unknown>): void {
    const s = validateSession(ev.session, 'session', this.options.dialect, typeof this.session.model === 'string' ? this.session.model : 'gpt-realtime')
    const out = isObj(s.audio) && isObj(s.audio.output) ? s.audio.output : undefined
    const curOut = isObj(this.session.audio) && isObj(this.session.audio.output) ? this.session.audio.output : undefined
    if (out && out.voice !== undefined && this.audioProduced && JSON.stringify(out.voice) !== JSON.stringify(curOut?.voice)) {
      throw new ProtocolError('invalid_value', 'Cannot update a conversation\'s voice if assistant audio is present.', 'session.audio.output.voice')
    }
    this.session = deepMerge(this.session, s)
    const silence = this.options.vad?.silenceMs
    const td = this.turnDetection()
    this.vad.silenceMs = silence ?? (typeof td?.silence_duration_ms === 'number' ? td.silence_duration_ms : 500)
    this.vad.prefixPaddingMs = typeof td?.prefix_padding_ms === 'number' ? td.prefix_padding_ms : 300
    this.send({ type: 'session.updated', session: this.session })
  }

  private append(ev: Record<string, unknown>): void {
    const audio = ev.audio
    if (typeof audio !== 'string') throw new ProtocolError('missing_required_parameter', "Missing required parameter: 'audio'.", 'audio')
    if (!isBase64(audio)) throw new ProtocolError('invalid_value', 'Invalid base64 in audio.', 'audio')
    this.ingest(bytesToPcm16(b64ToBytes(audio)))
  }

  /** Input audio, from input_audio_buffer.append or (WebRTC) the microphone track. */
  private ingest(pcm: Int16Array): void {
    if (this.disposed) return
    for (const s of pcm) this.bufferSamples.push(s)
    this.writtenSamples += pcm.length
    const td = this.turnDetection()
    if (!td) return
    for (const e of this.vad.push(pcm)) {
      if (this.disposed) return
      if (e.type === 'start') this.speechStarted(e.atMs, td)
      else this.speechStopped(e.atMs, e.speechMs, td)
    }
  }

  private speechStarted(atMs: number, td: Record<string, unknown>): void {
    this.clearIdle()
    const itemId = this.ids.next('item_u')
    this.pendingUserItemId = itemId
    if (this.fault('user-speech')) return
    const interrupt = td.interrupt_response !== false && (this.script.bargeIn ?? true)
    if (this.xai && this.active && (this.script.bargeIn ?? true)) {
      // xAI documents no interrupt_response: the reply goes on until the client cancels it.
      this.records.bargeIns.push({ conn: this.c, responseId: this.active.id, atMs })
      this.send({ type: 'input_audio_buffer.speech_started', audio_start_ms: atMs, item_id: itemId })
      return
    }
    if ((this.active || this.media?.playing) && interrupt) {
      this.records.bargeIns.push({ conn: this.c, responseId: this.active?.id ?? this.media?.current ?? '', atMs })
      this.send({ type: 'input_audio_buffer.speech_started', audio_start_ms: atMs, item_id: itemId })
      this.cancelActive('turn_detected')
      // On WebRTC the server also stops what is playing and truncates the item itself.
      if (this.media?.playing) this.clearOutput()
      return
    }
    this.send({ type: 'input_audio_buffer.speech_started', audio_start_ms: atMs, item_id: itemId })
  }

  private speechStopped(atMs: number, speechMs: number, td: Record<string, unknown>): void {
    const itemId = this.pendingUserItemId ?? this.ids.next('item_u')
    this.send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: atMs, item_id: itemId })
    this.commit(true, speechMs, itemId)
    if (td.create_response !== false) {
      if (this.active) this.queuedTurn = true
      else this.startNextResponse()
    }
  }

  /** Commits the input buffer into a user message item. */
  private commit(fromVad: boolean, speechMs?: number, vadItemId?: string, silent = false): void {
    const samples = this.bufferSamples.length
    if (!fromVad && samples < OPENAI_RATE / 10) {
      throw new ProtocolError(
        'input_audio_buffer_commit_empty',
        `Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has ${pcmMs(samples).toFixed(2)}ms of audio.`,
      )
    }
    const itemId = vadItemId ?? this.ids.next('item_u')
    this.pendingUserItemId = null
    const audio = Int16Array.from(this.bufferSamples)
    this.bufferSamples = []
    const previous = this.order[this.order.length - 1] ?? null
    const transcribe = this.transcriptionOn()
    const item: Item = { id: itemId, type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio', transcript: null }], audio }
    this.items.set(itemId, item)
    this.order.push(itemId)
    this.send({ type: 'input_audio_buffer.committed', item_id: itemId, previous_item_id: previous })
    this.send({ type: 'conversation.item.added', item: this.publicItem(item, false), previous_item_id: previous })
    this.send({ type: 'conversation.item.done', item: this.publicItem(item, false), previous_item_id: previous })
    const userMs = speechMs ?? pcmMs(audio.length)
    this.unansweredTurn = { speechMs: userMs, itemId }
    if (transcribe && !silent) {
      const ctx = this.ctx(this.turnIndex, userMs, [])
      const user = resolveTurn(this.script, ctx).user ?? ''
      let soFar = ''
      for (const d of wordDeltas(user)) {
        soFar += d
        // xAI sends cumulative corrections (.updated) where OpenAI sends deltas.
        if (this.xai) this.send({ type: 'conversation.item.input_audio_transcription.updated', item_id: itemId, content_index: 0, transcript: soFar })
        else this.send({ type: 'conversation.item.input_audio_transcription.delta', item_id: itemId, content_index: 0, delta: d })
      }
      item.content = [{ type: 'input_audio', transcript: user }]
      this.send({
        type: 'conversation.item.input_audio_transcription.completed',
        item_id: itemId,
        content_index: 0,
        transcript: user,
        usage: { type: 'duration', seconds: Math.round(userMs / 100) / 10 },
      })
    }
  }

  private ctx(index: number, userSpeechMs: number, toolResults: ToolResultSeen[]): TurnContext {
    return { index, userSpeechMs, declaredTools: this.declaredTools(), toolResults }
  }

  private publicItem(item: Item, withAudio: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = { id: item.id, object: 'realtime.item', type: item.type, status: item.status }
    if (item.type === 'message') {
      out.role = item.role
      out.content = (item.content ?? []).map((c) => {
        if (!withAudio || !item.audio || (c.type !== 'output_audio' && c.type !== 'input_audio')) return c
        return { ...c, audio: bytesToB64(pcm16ToBytes(item.audio)) }
      })
    } else if (item.type === 'function_call') {
      Object.assign(out, { call_id: item.call_id, name: item.name, arguments: item.arguments ?? '' })
    } else {
      Object.assign(out, { call_id: item.call_id, output: item.output ?? '' })
    }
    return out
  }

  private itemCreate(ev: Record<string, unknown>): void {
    const raw = ev.item
    if (!isObj(raw)) throw new ProtocolError('missing_required_parameter', "Missing required parameter: 'item'.", 'item')
    const id = typeof raw.id === 'string' && raw.id ? raw.id : this.ids.next('item_c')
    if (this.items.has(id)) throw new ProtocolError('invalid_value', `Item with id '${id}' already exists.`, 'item.id')
    let item: Item
    if (raw.type === 'function_call_output') {
      if (typeof raw.call_id !== 'string') throw new ProtocolError('missing_required_parameter', "Missing required parameter: 'item.call_id'.", 'item.call_id')
      if (typeof raw.output !== 'string') throw new ProtocolError('invalid_type', "Invalid type for 'item.output': expected a string.", 'item.output')
      const call = [...this.items.values()].find((i) => i.type === 'function_call' && i.call_id === raw.call_id)
      if (!call) throw new ProtocolError('invalid_value', `Tool call ID '${raw.call_id}' not found in conversation.`, 'item.call_id')
      item = { id, type: 'function_call_output', status: 'completed', call_id: raw.call_id, output: raw.output }
      const pt = this.pendingTools
      const afterDone = pt ? pt.responseDone : true
      this.records.toolResults.push({ conn: this.c, callId: raw.call_id, output: raw.output, afterDone, afterInterrupted: false, t: performance.now() })
      if (pt && pt.callIds.includes(raw.call_id)) pt.results.push({ callId: raw.call_id, name: call.name ?? '', output: raw.output })
    } else if (raw.type === 'message') {
      if (raw.role !== 'user' && raw.role !== 'system' && raw.role !== 'assistant') {
        throw new ProtocolError('invalid_value', "Invalid value for 'item.role'. Supported values are: 'user', 'system', 'assistant'.", 'item.role')
      }
      if (!Array.isArray(raw.content)) throw new ProtocolError('missing_required_parameter', "Missing required parameter: 'item.content'.", 'item.content')
      item = { id, type: 'message', role: raw.role, status: 'completed', content: raw.content.filter(isObj) }
      if (raw.role === 'user') this.unansweredTurn = { speechMs: 0, itemId: id }
    } else if (raw.type === 'function_call') {
      item = { id, type: 'function_call', status: 'completed', call_id: String(raw.call_id ?? ''), name: String(raw.name ?? ''), arguments: String(raw.arguments ?? '') }
    } else {
      throw new ProtocolError('invalid_value', `Invalid value for 'item.type': '${String(raw.type)}'.`, 'item.type')
    }
    const prevParam = ev.previous_item_id
    let previous = this.order[this.order.length - 1] ?? null
    if (prevParam === 'root') {
      previous = null
      this.order.unshift(id)
    } else if (typeof prevParam === 'string') {
      const at = this.order.indexOf(prevParam)
      if (at < 0) throw new ProtocolError('invalid_value', `Previous item with id '${prevParam}' not found.`, 'previous_item_id')
      previous = prevParam
      this.order.splice(at + 1, 0, id)
    } else {
      this.order.push(id)
    }
    this.items.set(id, item)
    this.send({ type: 'conversation.item.added', item: this.publicItem(item, false), previous_item_id: previous })
    this.send({ type: 'conversation.item.done', item: this.publicItem(item, false), previous_item_id: previous })
  }

  private itemRetrieve(ev: Record<string, unknown>): void {
    const id = ev.item_id
    const item = typeof id === 'string' ? this.items.get(id) : undefined
    if (!item) throw new ProtocolError('item_retrieve_invalid_item_id', `Item with item_id not found: ${String(id)}`, 'item_id')
    this.send({ type: 'conversation.item.retrieved', item: this.publicItem(item, true) })
  }

  private itemTruncate(ev: Record<string, unknown>): void {
    const id = ev.item_id
    const item = typeof id === 'string' ? this.items.get(id) : undefined
    if (!item) throw new ProtocolError('item_truncate_invalid_item_id', `Item with item_id not found: ${String(id)}`, 'item_id')
    if (item.type !== 'message' || item.role !== 'assistant') {
      throw new ProtocolError('invalid_value', 'Only assistant messages can be truncated.', 'item_id')
    }
    if (ev.content_index !== 0) throw new ProtocolError('invalid_value', "Invalid value for 'content_index': only 0 is supported.", 'content_index')
    const ms = ev.audio_end_ms
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0) {
      throw new ProtocolError('invalid_value', "Invalid value for 'audio_end_ms': expected a non-negative integer.", 'audio_end_ms')
    }
    const have = item.audio ? pcmMs(item.audio.length) : 0
    if (ms > Math.ceil(have)) {
      throw new ProtocolError('invalid_value', `Audio content of ${Math.floor(have)}ms is already shorter than ${ms}ms`, 'audio_end_ms')
    }
    // The server deletes the transcript of a truncated item and keeps only the heard audio.
    if (item.audio) item.audio = item.audio.slice(0, Math.round((ms * OPENAI_RATE) / 1000))
    item.content = (item.content ?? []).map((c) => (c.type === 'output_audio' ? { ...c, transcript: '' } : c))
    this.records.truncations.push({ conn: this.c, itemId: item.id, audioEndMs: ms })
    this.send({ type: 'conversation.item.truncated', item_id: item.id, content_index: 0, audio_end_ms: ms })
  }

  private itemDelete(ev: Record<string, unknown>): void {
    const id = ev.item_id
    if (typeof id !== 'string' || !this.items.has(id)) {
      throw new ProtocolError('item_delete_invalid_item_id', `Item with item_id not found: ${String(id)}`, 'item_id')
    }
    this.items.delete(id)
    this.order.splice(this.order.indexOf(id), 1)
    this.send({ type: 'conversation.item.deleted', item_id: id })
  }

  private responseCreate(_ev: Record<string, unknown>): void {
    if (this.active) {
      throw new ProtocolError(
        'conversation_already_has_active_response',
        `Conversation already has an active response in progress: ${this.active.id}. Wait until the response is finished before creating a new one.`,
      )
    }
    this.startNextResponse(true)
  }

  private responseCancel(ev: Record<string, unknown>): void {
    const rid = ev.response_id
    if (!this.active || (typeof rid === 'string' && rid !== this.active.id)) {
      throw new ProtocolError('response_cancel_not_active', 'Cancellation failed: no active response found')
    }
    this.cancelActive('client_cancelled')
  }

  /** Decides what the next response says: tool follow-up, a user turn, the greeting, or a fresh turn. */
  private startNextResponse(explicit = false): void {
    this.queuedTurn = false
    const pt = this.pendingTools
    if (pt && explicit && pt.results.length > 0) {
      this.pendingTools = null
      this.startSpeech(pt.turn, { ...pt.ctx, toolResults: pt.results })
      return
    }
    if (!this.unansweredTurn && explicit && !this.greeted && this.turnIndex === 0) {
      this.greeted = true
      this.startSpeech({ reply: this.script.greeting ?? 'Hello! How can I help you today?' }, this.ctx(-1, 0, []), false)
      return
    }
    const speechMs = this.unansweredTurn?.speechMs ?? 0
    this.unansweredTurn = null
    this.pendingTools = null
    const ctx = this.ctx(this.turnIndex, speechMs, [])
    const turn = resolveTurn(this.script, ctx)
    this.records.turns.push({ conn: this.c, index: this.turnIndex, userSpeechMs: speechMs, user: turn.user ?? '' })
    this.turnIndex++
    if (turn.toolCalls && turn.toolCalls.length > 0) this.startToolCalls(turn, ctx)
    else this.startSpeech(turn, ctx)
  }

  private newResponse(kind: 'speech' | 'tools', turnIndex: number): ActiveResponse {
    this.clearIdle()
    const r: ActiveResponse = { id: this.ids.next('resp_'), kind, output: [], transcript: '', sentText: '', turnIndex, timers: [] }
    this.active = r
    this.send({
      type: 'response.created',
      response: { id: r.id, object: 'realtime.response', status: 'in_progress', status_details: null, output: [], conversation_id: 'conv_sim', output_modalities: ['audio'], max_output_tokens: 'inf', audio: { output: { format: { type: 'audio/pcm', rate: OPENAI_RATE }, voice: this.voice() } }, usage: null, metadata: null },
    })
    this.send({ type: 'rate_limits.updated', rate_limits: this.options.rateLimits ?? [{ name: 'requests', limit: 10000, remaining: 9999, reset_seconds: 0.006 }, { name: 'tokens', limit: 2000000, remaining: 1995000, reset_seconds: 0.15 }] })
    return r
  }

  private voice(): string {
    if (this.xai) return typeof this.session.voice === 'string' ? this.session.voice : 'eve'
    const a = this.session.audio
    const o = isObj(a) && isObj(a.output) ? a.output : undefined
    return typeof o?.voice === 'string' ? o.voice : 'alloy'
  }

  private startToolCalls(turn: SimTurn, ctx: TurnContext): void {
    const r = this.newResponse('tools', ctx.index)
    const callIds: string[] = []
    ;(turn.toolCalls ?? []).forEach((call, outputIndex) => {
      const itemId = this.ids.next('item_f')
      const callId = this.ids.next('call_')
      callIds.push(callId)
      const args = JSON.stringify(call.arguments)
      const item: Item = { id: itemId, type: 'function_call', status: 'in_progress', call_id: callId, name: call.name, arguments: '' }
      const previous = this.order[this.order.length - 1] ?? null
      this.items.set(itemId, item)
      this.order.push(itemId)
      this.send({ type: 'response.output_item.added', response_id: r.id, output_index: outputIndex, item: this.publicItem(item, false) })
      this.send({ type: 'conversation.item.added', item: this.publicItem(item, false), previous_item_id: previous })
      this.send({ type: 'response.function_call_arguments.delta', response_id: r.id, item_id: itemId, output_index: outputIndex, call_id: callId, delta: args })
      this.send({ type: 'response.function_call_arguments.done', response_id: r.id, item_id: itemId, output_index: outputIndex, call_id: callId, name: call.name, arguments: args })
      item.arguments = args
      item.status = 'completed'
      this.send({ type: 'response.output_item.done', response_id: r.id, output_index: outputIndex, item: this.publicItem(item, false) })
      this.send({ type: 'conversation.item.done', item: this.publicItem(item, false), previous_item_id: previous })
      r.output.push(item)
    })
    this.pendingTools = { turn, ctx, callIds, results: [], responseDone: false }
    if (this.fault('tool-call')) return
    // A real model takes a moment between the call items and response.done; clients that send
    // response.create before response.done get conversation_already_has_active_response.
    r.timers.push(this.later(this.options.toolResponseDoneDelayMs ?? 200, () => this.finishResponse(r, 'completed')))
  }

  private startSpeech(turn: SimTurn, ctx: TurnContext, countsAsTurn = true): void {
    const text = renderReply(turn, ctx)
    const r = this.newResponse('speech', ctx.index)
    r.transcript = text
    const itemId = this.ids.next('item_a')
    const item: Item = { id: itemId, type: 'message', role: 'assistant', status: 'in_progress', content: [], audio: new Int16Array(0) }
    const previous = this.order[this.order.length - 1] ?? null
    this.items.set(itemId, item)
    this.order.push(itemId)
    r.item = item
    r.output.push(item)
    this.send({ type: 'response.output_item.added', response_id: r.id, output_index: 0, item: this.publicItem(item, false) })
    this.send({ type: 'conversation.item.added', item: this.publicItem(item, false), previous_item_id: previous })
    this.send({ type: 'response.content_part.added', response_id: r.id, item_id: itemId, output_index: 0, content_index: 0, part: { type: 'audio', transcript: '' } })
    const voice = synthesizeVoice(text, OPENAI_RATE, { durationMs: replyDurationMs(this.script, turn, text) })
    const pcm = this.options.replyAudio === 'silence' ? new Int16Array(voice.length) : voice
    const words = wordDeltas(text)
    let wordsSent = 0
    const parts: Int16Array[] = []
    const streamer = new AudioStreamer(
      pcm,
      OPENAI_RATE,
      this.options.chunkMs ?? 100,
      this.options.audioPace ?? 2,
      (chunk, index, total) => {
        parts.push(chunk)
        this.audioProduced = true
        if (this.media) {
          // WebRTC: the audio goes on the track; no output_audio.delta events.
          if (this.silencedResponseId !== r.id) {
            this.playingItems.set(r.id, item)
            this.media.enqueue(chunk, r.id)
          }
        } else {
          this.send({ type: 'response.output_audio.delta', response_id: r.id, item_id: itemId, output_index: 0, content_index: 0, delta: bytesToB64(pcm16ToBytes(chunk)) })
        }
        const upTo = this.options.transcriptAhead ? words.length : Math.ceil(((index + 1) / total) * words.length)
        while (wordsSent < upTo) {
          const d = words[wordsSent++]!
          r.sentText += d
          this.send({ type: 'response.output_audio_transcript.delta', response_id: r.id, item_id: itemId, output_index: 0, content_index: 0, delta: d })
        }
        item.audio = concat(parts)
      },
      () => this.finishSpeech(r, 'completed', countsAsTurn),
      () => void this.fault('mid-reply'),
    )
    r.streamer = streamer
    streamer.start()
  }

  private finishSpeech(r: ActiveResponse, status: 'completed' | 'cancelled', countsAsTurn: boolean, reason?: string): void {
    if (this.active !== r || this.disposed) return
    const item = r.item!
    const transcript = status === 'completed' ? r.transcript : r.sentText.trim()
    item.status = status === 'completed' ? 'completed' : 'incomplete'
    item.content = [{ type: 'output_audio', transcript }]
    const base = { response_id: r.id, item_id: item.id, output_index: 0, content_index: 0 }
    // A cancelled reply's queued audio still plays on WebRTC until the client clears it.
    this.media?.end(r.id)
    this.send({ type: 'response.output_audio.done', ...base })
    this.send({ type: 'response.output_audio_transcript.done', ...base, transcript })
    this.send({ type: 'response.content_part.done', ...base, part: { type: 'audio', transcript } })
    this.send({ type: 'response.output_item.done', response_id: r.id, output_index: 0, item: this.publicItem(item, false) })
    this.send({ type: 'conversation.item.done', item: this.publicItem(item, false), previous_item_id: this.order[this.order.indexOf(item.id) - 1] ?? null })
    this.finishResponse(r, status, reason)
    if (status === 'completed' && countsAsTurn) this.fault('after-reply')
  }

  private finishResponse(r: ActiveResponse, status: 'completed' | 'cancelled', reason?: string): void {
    if (this.active !== r || this.disposed) return
    for (const t of r.timers) clearTimeout(t)
    this.active = null
    const audioMs = r.item?.audio ? pcmMs(r.item.audio.length) : 0
    const outAudio = Math.round(audioMs / 50)
    const outText = Math.max(1, Math.round(r.transcript.length / 4))
    // Every response re-reads the session prefix (instructions, tools) and the conversation; after
    // the first one the prompt cache serves the prefix: cached tokens are part of input_tokens [N-RT
    // RealtimeResponseUsageInputTokenDetails].
    const cachedText = this.responsesDone > 0 ? 64 : 0
    const cachedAudio = this.responsesDone > 0 ? 10 : 0
    this.responsesDone++
    const usage = {
      total_tokens: 120 + outAudio + outText,
      input_tokens: 120,
      output_tokens: outAudio + outText,
      input_token_details: { text_tokens: 100, audio_tokens: 20, image_tokens: 0, cached_tokens: cachedText + cachedAudio, cached_tokens_details: { text_tokens: cachedText, audio_tokens: cachedAudio, image_tokens: 0 } },
      output_token_details: { text_tokens: outText, audio_tokens: outAudio },
    }
    this.send({
      type: 'response.done',
      response: {
        id: r.id, object: 'realtime.response', status,
        status_details: status === 'cancelled' ? { type: 'cancelled', reason: reason ?? 'client_cancelled' } : null,
        output: r.output.map((i) => this.publicItem(i, false)), conversation_id: 'conv_sim', output_modalities: ['audio'],
        max_output_tokens: 'inf', audio: { output: { format: { type: 'audio/pcm', rate: OPENAI_RATE }, voice: this.voice() } },
        usage, metadata: null,
      },
    })
    if (r.kind === 'tools' && this.pendingTools) {
      this.pendingTools.responseDone = true
      if (status === 'completed' && this.fault('after-reply')) return
    }
    if (status === 'completed' && r.kind === 'speech') this.armIdle(audioMs)
    if (this.queuedTurn && !this.disposed) this.startNextResponse()
  }

  /**
   * WebRTC: drops the reply audio still queued for the track, truncates the item to what was heard
   * (the server does this itself on WebRTC; clients send no conversation.item.truncate) and says
   * output_audio_buffer.cleared.
   */
  private clearOutput(): void {
    const media = this.media!
    const current = media.current
    const item = current ? this.playingItems.get(current) : undefined
    const heardMs = media.playedMs
    media.clear()
    this.playingItems.clear()
    // "Stops generating audio" [N-RT OutputAudioBufferClearEvent]: a reply still generating stays silent.
    if (this.active) this.silencedResponseId = this.active.id
    if (item) {
      if (item.audio) item.audio = item.audio.slice(0, Math.round((heardMs * OPENAI_RATE) / 1000))
      item.content = (item.content ?? []).map((c) => (c.type === 'output_audio' ? { ...c, transcript: '' } : c))
      this.records.truncations.push({ conn: this.c, itemId: item.id, audioEndMs: heardMs, by: 'server' })
    }
    this.send({ type: 'output_audio_buffer.cleared', ...(current ? { response_id: current } : {}) })
  }

  private cancelActive(reason: 'turn_detected' | 'client_cancelled'): void {
    const r = this.active
    if (!r) return
    r.streamer?.cancel()
    if (r.kind === 'speech') this.finishSpeech(r, 'cancelled', false, reason)
    else {
      this.pendingTools = null
      this.finishResponse(r, 'cancelled', reason)
    }
  }
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

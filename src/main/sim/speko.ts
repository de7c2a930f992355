/**
 * Speko S2S simulator: REST `POST /v1/sessions` and, by default, the proxy ("legacy") socket at
 * the returned `wsUrl` (`/v1/realtime/<sessionId>/ws`), following docs/protocols/speko-proxy.md (and docs/protocols/speko.md for provider_direct).
 *
 * With `transport: 'provider_direct'` the same POST answers as the newer Speko API does: an
 * `xai.realtime.v1` session over websocket whose `endpoint` is this server's `/v1/realtime`, an
 * xAI-compatible socket (the OpenAI simulator in its xAI dialect, authenticated by the only
 * subprotocol `xai-client-secret.<credential>`), and a telemetry endpoint
 * (`POST /v1/sessions/<id>/telemetry`, Bearer telemetry token) whose reports land in
 * records.telemetry. `directAdapter` makes it answer with another adapter (openai.realtime.v1
 * over webrtc, google.live.v1) for the clients' unsupported-upstream paths.
 *
 * Both modes honour `Idempotency-Key`: a repeated key returns the session it created first
 * (records.mints says which answers were replays); `dropFirstMint` processes the first POST and
 * cuts the connection before answering, as a lost reply would.
 *
 * - The wsToken must be the only subprotocol and is echoed back. Unknown token: HTTP 401 at the
 *   handshake. Expired or reused token: `{t:"error", code:"TOKEN_EXPIRED"|"TOKEN_USED"}`, close 1008
 *   (close codes for auth failures are not documented; 1008 is our choice).
 * - `ready` carries the negotiated rates; `readyRates` overrides the requested ones.
 * - Binary PCM16 both ways; reply audio goes out as 20 ms frames paced in real time.
 * - Barge-in: `{t:"interruption", at:"user"}`, then the spoken part of the reply as a final
 *   assistant transcript. Tool calls carry JSON-string arguments; results come back as
 *   `{t:"tool_result", callId, output}` and the reply follows once all arrived.
 * - Session TTL (`ttlSeconds`, capped at 1800, or options.sessionMaxMs): `{t:"end"}` then close 1000.
 */
import type { SessionCredential } from '../../shared/s2s/types'
import { AudioStreamer, Ids, isObj, playedFraction, randomId, retryAfterHeaders, simBasics, simHandle, type Faults, type SimHandle, type SimOptions, type SimRecords } from './common'
import {
  DEFAULT_MALFORMED,
  renderReply,
  replyDurationMs,
  resolveTurn,
  spokenPrefix,
  wordDeltas,
  type FaultPoint,
  type SimScript,
  type SimTurn,
  type ToolResultSeen,
  type TurnContext,
} from './script'
import { answerWebRtcCall, defaultSession, OpenAISession, type SimCall, type SimWebRtc } from './openai'
import { bearer, startSimServer, type HttpReply, type SimConn } from './server'
import { EnergyVad, bytesToPcm16, pcm16ToBytes } from './vad'
import { synthesizeVoice } from './voice'

export interface SpekoSimOptions extends SimOptions {
  /** Rates the `ready` frame announces, overriding the requested ones (e.g. { input: 16000, output: 16000 }). */
  readyRates?: { input?: 16000 | 24000; output?: 16000 | 24000 }
  /** Allow a wsToken to open more than one socket (single use by default; unconfirmed: see "POST /v1/sessions for S2S" in docs/protocols/speko-proxy.md). */
  tokenReuse?: boolean
  /** Send `{t:"error", code:"S2S_PROVIDER_CONNECT_FAILED"}` + close 1011 instead of `ready`. */
  providerConnectFails?: boolean
  /** What POST /v1/sessions returns: the legacy proxy (default) or a provider_direct session. */
  transport?: 'proxy' | 'provider_direct'
  /** provider_direct: the adapter to announce (default xai.realtime.v1 over websocket). */
  directAdapter?: 'xai.realtime.v1' | 'openai.realtime.v1' | 'google.live.v1'
  /** provider_direct: telemetry flush interval announced (default 15000 ms). */
  flushIntervalMs?: number
  /** provider_direct: the reservation's authorized duration (default 900 s). */
  authorizedDurationSeconds?: number
  /** Process the first POST /v1/sessions, then cut the connection instead of answering. */
  dropFirstMint?: boolean
  /**
   * provider_direct `openai.realtime.v1`: answer the WebRTC calls with this peer (pass `simWebRtc`
   * from ./webrtc). The endpoint is this simulator's own `/v1/realtime/calls`.
   */
  webrtc?: SimWebRtc
}

const PROVIDERS = ['openai', 'google', 'xai', 'inworld', 'alibaba', 'speko-lab']

interface SpekoSessionRecord {
  sessionId: string
  attemptId: string
  /** provider_direct: the xAI client secret and the telemetry token. */
  xaiSecret: string
  telemetryToken: string
  model: string
  voice: string
  wsToken: string
  tokenExpiresAtMs: number
  used: boolean
  inputSampleRate: number
  outputSampleRate: number
  ttlMs: number
  tools: string[]
  systemPrompt: string
}

function err(status: number, code: string, message: string): HttpReply {
  return { status, body: { error: { code, message } } }
}

export async function startSpekoSim(script: SimScript, options: SpekoSimOptions = {}): Promise<SimHandle> {
  const { wire, apiKey, records, faults } = simBasics(script, options, 'spk-sim-')
  const byId = new Map<string, SpekoSessionRecord>()
  const bySecret = new Map<string, SpekoSessionRecord>()
  const byIdempotencyKey = new Map<string, HttpReply>()
  const live: Array<{ dispose(): void }> = []
  const calls: SimCall[] = []
  /** Call ids bound to a session's sideband (media may flow only for these). */
  const bound = new Set<string>()
  const direct = options.transport === 'provider_direct'
  let droppedFirst = false
  let origin = ''
  let port = 0

  function create(body: Record<string, unknown>): SpekoSessionRecord {
    const s2s = isObj(body.s2s) ? body.s2s : {}
    const rate = (v: unknown) => (v === 16000 || v === 24000 ? v : 24000)
    const ttl = Math.min(1800, typeof body.ttlSeconds === 'number' ? body.ttlSeconds : 900)
    const rec: SpekoSessionRecord = {
      sessionId: randomId('sess_', 10),
      attemptId: randomId('att_', 10),
      xaiSecret: randomId(options.directAdapter === 'openai.realtime.v1' ? 'ek_' : 'xai_eph_', 20),
      telemetryToken: randomId('tel_', 20),
      model: typeof s2s.model === 'string' ? s2s.model : 'grok-voice-think-fast-1.0',
      voice: typeof s2s.voice === 'string' ? s2s.voice : 'eve',
      wsToken: randomId('wst_', 20),
      tokenExpiresAtMs: Date.now() + (options.tokenTtlMs ?? 300_000),
      used: false,
      inputSampleRate: rate(s2s.inputSampleRate),
      outputSampleRate: rate(s2s.outputSampleRate),
      ttlMs: options.sessionMaxMs ?? ttl * 1000,
      tools: Array.isArray(s2s.tools) ? s2s.tools.filter(isObj).map((t) => String(t.name ?? '')) : [],
      systemPrompt: typeof s2s.systemPrompt === 'string' ? s2s.systemPrompt : '',
    }
    byId.set(rec.sessionId, rec)
    bySecret.set(rec.xaiSecret, rec)
    return rec
  }

  /** The provider_direct answer (the Speko SDKs' SessionCreateResponse). */
  function directSession(rec: SpekoSessionRecord) {
    const adapter = options.directAdapter ?? 'xai.realtime.v1'
    const provider = adapter === 'openai.realtime.v1' ? 'openai' : adapter === 'google.live.v1' ? 'google' : 'xai'
    const endpoint =
      adapter === 'openai.realtime.v1'
        ? `${origin}/v1/realtime/calls`
        : adapter === 'google.live.v1'
          ? 'wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContentConstrained'
          : `ws://127.0.0.1:${port}/v1/realtime`
    const leaseMs = (options.authorizedDurationSeconds ?? 900) * 1000
    return {
      mode: 's2s',
      transport: 'provider_direct',
      sessionId: rec.sessionId,
      planId: `plan_${rec.sessionId}`,
      attemptId: rec.attemptId,
      provider,
      model: rec.model,
      adapter,
      providerTransport: adapter === 'openai.realtime.v1' ? 'webrtc' : 'websocket',
      endpoint,
      ...(adapter === 'openai.realtime.v1' ? { sidebandUrl: `${origin}/v1/sessions/${rec.sessionId}/sidebands/openai` } : {}),
      credential: { kind: 'bearer', value: rec.xaiSecret, expiresAt: new Date(rec.tokenExpiresAtMs).toISOString() },
      telemetry: { endpoint: `${origin}/v1/sessions/${rec.sessionId}/telemetry`, token: rec.telemetryToken, flushIntervalMs: options.flushIntervalMs ?? 15_000 },
      reservation: {
        id: `res_${rec.sessionId}`,
        authorizedDurationSeconds: options.authorizedDurationSeconds ?? 900,
        leaseExpiresAt: new Date(Date.now() + leaseMs).toISOString(),
        billing: { mode: 'direct_entitlement', state: 'estimated', maximumAmountMicros: '250000', currency: 'USD' },
      },
      session: { voice: rec.voice, ...(rec.systemPrompt ? { instructions: rec.systemPrompt } : {}) },
      inputSampleRate: 24000,
      outputSampleRate: 24000,
      expiresAt: new Date(Date.now() + rec.ttlMs).toISOString(),
    }
  }

  type Req = { method: string; path: string; headers: Record<string, string>; body: string }
  // The page posts from app://earshot: the session routes answer CORS as a browser-facing API must.
  const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'authorization, content-type', 'access-control-allow-methods': 'POST' }

  /**
   * What every POST /v1/sessions/<id>/<route> for the page checks first: the route, CORS, POST, the
   * session, its telemetry token, a JSON body. A reply when the request stops there; null when it
   * is not this route.
   */
  function sessionRoute(req: Req, route: RegExp): { reply: HttpReply } | { rec: SpekoSessionRecord; token: string; body: unknown } | null {
    const m = route.exec(req.path)
    if (!m) return null
    if (req.method === 'OPTIONS') return { reply: { status: 204, body: undefined, headers: cors } }
    if (req.method !== 'POST') return { reply: { ...err(405, 'METHOD_NOT_ALLOWED', 'POST only'), headers: cors } }
    const rec = byId.get(m[1]!)
    if (!rec) return { reply: { ...err(404, 'NOT_FOUND', 'Unknown session'), headers: cors } }
    const token = bearer(req.headers) ?? ''
    if (token !== rec.telemetryToken) return { reply: { ...err(401, 'UNAUTHORIZED', 'Invalid telemetry token'), headers: cors } }
    try {
      return { rec, token, body: JSON.parse(req.body) as unknown }
    } catch {
      return { reply: { ...err(400, 'INVALID_REQUEST', 'Body must be JSON'), headers: cors } }
    }
  }

  /** POST /v1/sessions/<id>/telemetry: the provider_direct usage reports. */
  function telemetry(req: Req): HttpReply | null {
    const r = sessionRoute(req, /^\/v1\/sessions\/([^/]+)\/telemetry$/)
    if (!r || 'reply' in r) return r?.reply ?? null
    const { rec, token, body } = r
    if (!isObj(body) || !Array.isArray(body.events) || !body.events.every(isObj)) return { ...err(400, 'INVALID_REQUEST', 'events[] is required'), headers: cors }
    records.telemetry.push({ sessionId: rec.sessionId, token, events: body.events as Array<Record<string, unknown>> })
    return { status: 202, body: { accepted: body.events.length }, headers: cors }
  }

  /**
   * POST /v1/sessions/<id>/sidebands/openai (provider_direct OpenAI over WebRTC): the client binds
   * its call id, with the telemetry token, before it applies the answer. Speko then attaches its own
   * provider-side sideband; here the call's media and events may flow once it is bound.
   */
  function sideband(req: Req): HttpReply | null {
    const r = sessionRoute(req, /^\/v1\/sessions\/([^/]+)\/sidebands\/openai$/)
    if (!r || 'reply' in r) return r?.reply ?? null
    const { rec, body } = r
    if (!isObj(body) || body.attempt_id !== rec.attemptId) return { ...err(400, 'INVALID_REQUEST', 'attempt_id does not match this session'), headers: cors }
    if (typeof body.provider_session_id !== 'string' || !/^[A-Za-z0-9_-]{8,256}$/.test(body.provider_session_id)) {
      return { ...err(400, 'INVALID_REQUEST', 'provider_session_id must be the OpenAI call id'), headers: cors }
    }
    bound.add(body.provider_session_id)
    records.sidebands.push({ sessionId: rec.sessionId, attemptId: rec.attemptId, callId: body.provider_session_id })
    return { status: 204, body: undefined, headers: cors }
  }

  function publicSession(rec: SpekoSessionRecord) {
    return {
      mode: 's2s',
      sessionId: rec.sessionId,
      wsUrl: `ws://127.0.0.1:${port}/v1/realtime/${rec.sessionId}/ws`,
      wsToken: rec.wsToken,
      inputSampleRate: rec.inputSampleRate,
      outputSampleRate: rec.outputSampleRate,
      expiresAt: new Date(rec.tokenExpiresAtMs).toISOString(),
    }
  }

  const server = await startSimServer<{ rec: SpekoSessionRecord; xai?: boolean }>(wire, {
    http(req): HttpReply | Promise<HttpReply> {
      const reported = telemetry(req) ?? sideband(req)
      if (reported) return reported
      if ((req.method === 'POST' || req.method === 'OPTIONS') && req.path === '/v1/realtime/calls') {
        return answerWebRtcCall(req, {
          webrtc: direct && options.directAdapter === 'openai.realtime.v1' ? options.webrtc : undefined,
          wire,
          server,
          session(key) {
            const rec = bySecret.get(key)
            if (!rec) return 'Incorrect API key provided.'
            if (Date.now() >= rec.tokenExpiresAtMs) return 'Your ephemeral key has expired.'
            return { ...defaultSession(rec.model), instructions: rec.systemPrompt }
          },
          open(call, session, callId) {
            calls.push(call)
            const rec = bySecret.get(bearer(req.headers) ?? '')!
            call.onOpen(() => {
              if (!bound.has(callId)) {
                // No media or events for a call Speko cannot meter.
                records.errors.push({ conn: call.channel.id, code: 'call_not_bound', message: 'call not bound' })
                call.channel.sendJson({ type: 'error', error: { type: 'invalid_request_error', code: 'call_not_bound', message: 'This call was not bound to its Speko session.', param: null, event_id: null } })
                call.channel.close(1008, 'call_not_bound')
                return
              }
              const s = new OpenAISession(call.channel, session, script, { ...options, sessionMaxMs: options.sessionMaxMs ?? rec.ttlMs }, records, faults, false, call.media)
              live.push(s)
              s.start()
            })
          },
        })
      }
      if (req.method !== 'POST' || req.path !== '/v1/sessions') return err(404, 'NOT_FOUND', `No route for ${req.method} ${req.path}`)
      const key = bearer(req.headers)
      if (options.rejectKey || key !== apiKey) return err(401, 'UNAUTHORIZED', 'Invalid or missing API key')
      if (options.mintFault) {
        const { status, retryAfterSeconds } = options.mintFault
        return {
          ...err(status, status === 429 ? 'RATE_LIMITED' : 'INTERNAL', status === 429 ? 'Too many requests' : 'Internal error'),
          headers: retryAfterHeaders(retryAfterSeconds),
        }
      }
      let body: unknown
      try {
        body = JSON.parse(req.body)
      } catch {
        return err(400, 'INVALID_REQUEST', 'Body must be JSON')
      }
      if (!isObj(body)) return err(400, 'INVALID_REQUEST', 'Body must be an object')
      if (body.mode !== 's2s') return err(400, 'INVALID_REQUEST', 'mode must be "s2s" for speech-to-speech sessions')
      const s2s = body.s2s
      if (!isObj(s2s)) return err(400, 'INVALID_REQUEST', 's2s is required when mode is "s2s"')
      for (const k of Object.keys(s2s)) {
        if (k.includes('_')) return err(400, 'INVALID_REQUEST', `Unknown field s2s.${k} (fields are camelCase)`)
      }
      if (typeof s2s.provider !== 'string' || !PROVIDERS.includes(s2s.provider)) return err(400, 'INVALID_REQUEST', `s2s.provider must be one of ${PROVIDERS.join(', ')}`)
      if (typeof s2s.model !== 'string' || !s2s.model) return err(400, 'INVALID_REQUEST', 's2s.model is required')
      for (const r of ['inputSampleRate', 'outputSampleRate']) {
        if (s2s[r] !== undefined && s2s[r] !== 16000 && s2s[r] !== 24000) return err(400, 'INVALID_REQUEST', `s2s.${r} must be 16000 or 24000`)
      }
      if (s2s.tools !== undefined) {
        if (!Array.isArray(s2s.tools)) return err(400, 'INVALID_REQUEST', 's2s.tools must be an array')
        for (const t of s2s.tools) {
          if (!isObj(t) || typeof t.name !== 'string' || 'function' in t) {
            return err(400, 'INVALID_REQUEST', 'Each tool is flat: {name, description, parameters}')
          }
        }
      }
      if (body.webhookTags !== undefined && body.agentId === undefined) return err(400, 'INVALID_REQUEST', 'webhookTags requires agentId')
      const idempotencyKey = req.headers['idempotency-key'] ?? null
      const seen = idempotencyKey ? byIdempotencyKey.get(idempotencyKey) : undefined
      if (seen) {
        records.mints.push({ sessionId: String((seen.body as { sessionId?: unknown }).sessionId), idempotencyKey, replayed: true })
        return seen
      }
      const rec = create(body)
      const reply: HttpReply = { status: 200, body: direct ? directSession(rec) : publicSession(rec) }
      if (idempotencyKey) byIdempotencyKey.set(idempotencyKey, reply)
      records.mints.push({ sessionId: rec.sessionId, idempotencyKey, replayed: false })
      if (options.dropFirstMint && !droppedFirst) {
        droppedFirst = true
        return { ...reply, drop: true }
      }
      return reply
    },
    upgrade(info) {
      if (info.path === '/v1/realtime') {
        // The provider_direct xAI-compatible socket: the client secret is the only subprotocol.
        const prefix = 'xai-client-secret.'
        const offered = info.protocols
        const rec = offered.length === 1 && offered[0]!.startsWith(prefix) ? bySecret.get(offered[0]!.slice(prefix.length)) : undefined
        if (!rec) return { accept: false, status: 401, body: { error: { code: 'unauthorized', message: 'Offer exactly one subprotocol: xai-client-secret.<ephemeral token>' } } }
        if (!info.query.model) return { accept: false, status: 400, body: { error: { code: 'missing_model', message: 'model is required' } } }
        return { accept: true, protocol: offered[0]!, state: { rec, xai: true } }
      }
      const m = /^\/v1\/realtime\/([^/]+)\/ws$/.exec(info.path)
      const rec = m ? byId.get(m[1]!) : undefined
      if (!rec) return { accept: false, status: 404, body: { error: { code: 'NOT_FOUND', message: 'Unknown session' } } }
      if (info.protocols.length !== 1 || info.protocols[0] !== rec.wsToken) {
        return { accept: false, status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'wsToken must be the only subprotocol' } } }
      }
      return { accept: true, protocol: rec.wsToken, state: { rec } }
    },
    connection(conn, state, info) {
      const rec = state.rec
      if (state.xai) {
        if (Date.now() >= rec.tokenExpiresAtMs) {
          conn.close(1008, 'client secret expired')
          return
        }
        const session = xaiSession(info.query.model ?? rec.model, rec)
        const s = new OpenAISession(conn, session, script, { ...options, dialect: 'xai', sessionMaxMs: options.sessionMaxMs ?? rec.ttlMs }, records, faults, false)
        live.push(s)
        s.start()
        return
      }
      if (Date.now() >= rec.tokenExpiresAtMs || (rec.used && !options.tokenReuse)) {
        const code = rec.used ? 'TOKEN_USED' : 'TOKEN_EXPIRED'
        records.errors.push({ conn: conn.id, code, message: 'token' })
        conn.sendJson({ t: 'error', code, message: rec.used ? 'wsToken has already been used' : 'wsToken has expired' })
        conn.close(1008, code === 'TOKEN_USED' ? 'Token already used' : 'Token expired')
        return
      }
      rec.used = true
      if (options.providerConnectFails) {
        records.errors.push({ conn: conn.id, code: 'S2S_PROVIDER_CONNECT_FAILED', message: 'provider' })
        conn.sendJson({ t: 'error', code: 'S2S_PROVIDER_CONNECT_FAILED', message: 'openai-realtime: invalid model' })
        conn.close(1011, 'Provider connect failed')
        return
      }
      const c = new SpekoConnection(conn, rec, script, options, records, faults)
      live.push(c)
      c.start()
    },
  })
  origin = server.origin
  port = server.port

  return simHandle(server, {
    protocol: 'speko',
    baseUrl: origin,
    wsUrl: `ws://127.0.0.1:${port}/v1/realtime`,
    apiKey,
    env: { SPEKO_API_KEY: apiKey, SPEKO_BASE_URL: origin },
    wire,
    records,
    credential(): SessionCredential {
      const rec = create({ mode: 's2s', s2s: { provider: direct ? 'xai' : 'openai', model: direct ? 'grok-voice-think-fast-1.0' : 'gpt-realtime' } })
      if (direct) {
        return {
          protocol: 'xai',
          url: `ws://127.0.0.1:${port}/v1/realtime?model=${encodeURIComponent(rec.model)}`,
          protocols: [`xai-client-secret.${rec.xaiSecret}`],
          expiresAt: rec.tokenExpiresAtMs,
          inputSampleRate: 24000,
          outputSampleRate: 24000,
          sessionId: rec.sessionId,
          telemetry: {
            url: `${origin}/v1/sessions/${rec.sessionId}/telemetry`,
            token: rec.telemetryToken,
            flushIntervalMs: options.flushIntervalMs ?? 15_000,
            sessionId: rec.sessionId,
            attemptId: rec.attemptId,
            authorizedDurationMs: (options.authorizedDurationSeconds ?? 900) * 1000,
          },
        }
      }
      const p = publicSession(rec)
      return {
        protocol: 'speko',
        url: p.wsUrl,
        protocols: [p.wsToken],
        expiresAt: rec.tokenExpiresAtMs,
        inputSampleRate: rec.inputSampleRate,
        outputSampleRate: rec.outputSampleRate,
        sessionId: rec.sessionId,
      }
    },
    expireCredentials() {
      for (const r of byId.values()) r.tokenExpiresAtMs = 0
    },
  }, () => {
    for (const c of live) c.dispose()
    for (const c of calls) c.hangUp()
  })
}

interface Reply {
  text: string
  startedAt: number
  durationMs: number
  streamer: AudioStreamer | null
  isTurn: boolean
  sentWords: number
}

class SpekoConnection {
  private readonly ids = new Ids()
  private vad: EnergyVad
  private inRate: number
  private outRate: number
  private active: Reply | null = null
  private toolWait: { turn: SimTurn; ctx: TurnContext; calls: Array<{ callId: string; name: string }>; results: ToolResultSeen[] } | null = null
  private turnIndex = 0
  private timers: NodeJS.Timeout[] = []
  private disposed = false
  private inputSamples = 0
  private outputSamples = 0
  /** Input since the last turn ended or was cleared. */
  private turnSamples = 0
  /** The client ends its own turns (it sent a turn control frame). */
  private clientTurns = false

  constructor(
    private readonly conn: SimConn,
    private readonly rec: SpekoSessionRecord,
    private readonly script: SimScript,
    private readonly options: SpekoSimOptions,
    private readonly records: SimRecords,
    private readonly faults: Faults,
  ) {
    this.inRate = options.readyRates?.input ?? rec.inputSampleRate
    this.outRate = options.readyRates?.output ?? rec.outputSampleRate
    this.vad = new EnergyVad({ sampleRate: this.inRate, ...options.vad, prefixPaddingMs: 0 })
  }

  private get c(): number {
    return this.conn.id
  }

  start(): void {
    this.conn.onMessage((d, b) => this.onMessage(d, b))
    this.conn.onClose(() => this.dispose())
    this.conn.sendJson({ t: 'ready', inputSampleRate: this.inRate, outputSampleRate: this.outRate })
    this.later(this.rec.ttlMs, () => {
      this.stopActive()
      this.conn.sendJson({ t: 'end', reason: 'ttl_expired' })
      this.conn.close(1000, 'session ended')
      this.dispose()
    })
    if (this.fault('ready')) return
    if (this.script.greeting) this.speak({ reply: this.script.greeting }, this.ctx(-1, 0, []), false)
  }

  dispose(): void {
    this.disposed = true
    this.stopActive()
    for (const t of this.timers) clearTimeout(t)
  }

  private later(ms: number, fn: () => void): void {
    this.timers.push(setTimeout(() => !this.disposed && fn(), ms))
  }

  private error(code: string, message: string): void {
    this.records.errors.push({ conn: this.c, code, message })
    this.conn.sendJson({ t: 'error', code, message })
  }

  private fault(point: FaultPoint): boolean {
    for (const f of this.faults.take(point, this.turnIndex, this.c)) {
      if (f.kind === 'drop') {
        if (f.code !== undefined) this.conn.close(f.code, f.reason ?? '')
        else this.conn.drop()
        this.dispose()
      } else if (f.kind === 'error') {
        this.error(f.code, f.message ?? `Simulated error ${f.code}`)
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

  private ctx(index: number, userSpeechMs: number, toolResults: ToolResultSeen[]): TurnContext {
    return { index, userSpeechMs, declaredTools: this.rec.tools, toolResults }
  }

  private onMessage(data: string | Uint8Array, isBinary: boolean): void {
    if (this.disposed) return
    if (isBinary && data instanceof Uint8Array) {
      if (data.byteLength % 2 !== 0) return this.error('INVALID_AUDIO', 'Binary frames must be PCM16 (an even number of bytes).')
      const pcm = bytesToPcm16(data)
      this.inputSamples += pcm.length
      this.turnSamples += pcm.length
      for (const e of this.vad.push(pcm)) {
        if (this.disposed) return
        if (e.type === 'start') this.speechStarted(e.atMs)
        else if (!this.clientTurns) {
          this.turnSamples = 0
          this.userTurnEnded(e.speechMs)
        }
      }
      return
    }
    let msg: unknown
    try {
      msg = JSON.parse(String(data))
    } catch {
      return this.error('INVALID_MESSAGE', 'Text frames must be JSON.')
    }
    if (!isObj(msg) || typeof msg.t !== 'string') return this.error('INVALID_MESSAGE', 'JSON frames must carry a string "t".')
    switch (msg.t) {
      case 'control':
        // A client that sends turn controls ends its own turns (push-to-talk): from then on the
        // server's VAD still hears speech start (barge-in) but never ends a turn by itself.
        // UNCONFIRMED how the hosted proxy's upstream VAD treats such a client; this is Earshot's
        // model of it (docs/protocols/speko-proxy.md).
        if (msg.action === 'commit' || msg.action === 'end_turn') {
          this.clientTurns = true
          const ms = Math.round((this.turnSamples * 1000) / this.inRate)
          this.turnSamples = 0
          this.vad.reset()
          if (!this.active) this.userTurnEnded(ms)
          return
        }
        if (msg.action === 'clear') {
          this.clientTurns = true
          this.turnSamples = 0
          this.vad.reset()
          return
        }
        return this.error('INVALID_MESSAGE', `Unknown control action: ${String(msg.action)}`)
      case 'interrupt':
        if (this.active) this.interrupt(0)
        return
      case 'tool_result':
        return this.toolResult(msg)
      default:
        return this.error('INVALID_MESSAGE', `Unknown frame type: ${msg.t}`)
    }
  }

  private speechStarted(atMs: number): void {
    if (this.fault('user-speech')) return
    if (this.active && (this.script.bargeIn ?? true)) this.interrupt(atMs)
  }

  private interrupt(atMs: number): void {
    const r = this.active
    if (!r) return
    this.records.bargeIns.push({ conn: this.c, responseId: 'reply', atMs })
    r.streamer?.cancel()
    this.active = null
    this.conn.sendJson({ t: 'interruption', at: 'user' })
    const heard = spokenPrefix(r.text, playedFraction(r.startedAt, r.durationMs))
    this.conn.sendJson({ t: 'transcript', role: 'assistant', text: heard, final: true })
    this.toolWait = null
  }

  private userTurnEnded(speechMs: number): void {
    if (this.active) return
    const ctx = this.ctx(this.turnIndex, speechMs, [])
    const turn = resolveTurn(this.script, ctx)
    const user = turn.user ?? ''
    let partial = ''
    for (const w of wordDeltas(user).slice(0, -1)) {
      partial += w
      this.conn.sendJson({ t: 'transcript', role: 'user', text: partial.trim(), final: false })
    }
    this.conn.sendJson({ t: 'transcript', role: 'user', text: user, final: true })
    this.records.turns.push({ conn: this.c, index: this.turnIndex, userSpeechMs: speechMs, user })
    this.turnIndex++
    if (turn.toolCalls && turn.toolCalls.length > 0) {
      const calls = turn.toolCalls.map((call) => ({ callId: this.ids.next('call_'), name: call.name, args: call.arguments }))
      this.toolWait = { turn, ctx, calls: calls.map(({ callId, name }) => ({ callId, name })), results: [] }
      for (const call of calls) this.conn.sendJson({ t: 'tool_call', callId: call.callId, name: call.name, arguments: JSON.stringify(call.args) })
      this.fault('tool-call')
      return
    }
    this.speak(turn, ctx, true)
  }

  private toolResult(msg: Record<string, unknown>): void {
    const callId = msg.callId
    const output = msg.output
    if (typeof callId !== 'string' || typeof output !== 'string') return this.error('INVALID_MESSAGE', 'tool_result needs string callId and string output.')
    const tw = this.toolWait
    this.records.toolResults.push({ conn: this.c, callId, output, afterDone: true, afterInterrupted: tw === null, t: performance.now() })
    const call = tw?.calls.find((c) => c.callId === callId)
    if (!tw || !call) return this.error('UNKNOWN_TOOL_CALL', `No pending tool call ${callId}`)
    if (tw.results.some((r) => r.callId === callId)) return this.error('INVALID_MESSAGE', `Duplicate tool_result for ${callId}`)
    tw.results.push({ callId, name: call.name, output })
    if (tw.results.length === tw.calls.length) {
      this.toolWait = null
      this.speak(tw.turn, { ...tw.ctx, toolResults: tw.results }, true)
    }
  }

  private speak(turn: SimTurn, ctx: TurnContext, isTurn: boolean): void {
    const text = renderReply(turn, ctx)
    const pcm = synthesizeVoice(text, this.outRate, { durationMs: replyDurationMs(this.script, turn, text) })
    const words = wordDeltas(text)
    const r: Reply = { text, startedAt: performance.now(), durationMs: 0, streamer: null, isTurn, sentWords: 0 }
    this.active = r
    const streamer = new AudioStreamer(
      pcm,
      this.outRate,
      this.options.chunkMs ?? 20,
      this.options.audioPace ?? 1,
      (chunk, index, total) => {
        this.outputSamples += chunk.length
        this.conn.sendBinary(pcm16ToBytes(chunk))
        // A partial assistant transcript every ~10 frames.
        const upTo = Math.ceil(((index + 1) / total) * words.length)
        if (upTo > r.sentWords && (index % 10 === 0 || index === total - 1) && index < total - 1) {
          r.sentWords = upTo
          this.conn.sendJson({ t: 'transcript', role: 'assistant', text: words.slice(0, upTo).join('').trim(), final: false })
        }
      },
      () => {
        const rest = r.durationMs - (performance.now() - r.startedAt)
        if (rest > 1) this.later(rest, () => this.finish(r))
        else this.finish(r)
      },
      () => void (isTurn && this.fault('mid-reply')),
    )
    r.streamer = streamer
    r.durationMs = streamer.durationMs
    streamer.start()
  }

  private finish(r: Reply): void {
    if (this.active !== r || this.disposed) return
    this.active = null
    this.conn.sendJson({ t: 'transcript', role: 'assistant', text: r.text, final: true })
    // Token estimates: ~10 audio tokens per second in, ~20 out (deterministic, not OpenAI's real rates).
    this.conn.sendJson({
      t: 'usage',
      inputAudioTokens: Math.round((this.inputSamples / this.inRate) * 10),
      outputAudioTokens: Math.round((this.outputSamples / this.outRate) * 20),
    })
    if (r.isTurn) this.fault('after-reply')
  }

  private stopActive(): void {
    this.active?.streamer?.cancel()
    this.active = null
  }
}


/** The xAI session a provider_direct socket starts with (before the client's session.update). */
function xaiSession(model: string, rec: SpekoSessionRecord): Record<string, unknown> {
  return {
    type: 'realtime',
    object: 'realtime.session',
    id: randomId('sess_', 10),
    model,
    output_modalities: ['audio'],
    instructions: rec.systemPrompt,
    voice: rec.voice,
    turn_detection: { type: 'server_vad' },
    audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, transcription: null }, output: { format: { type: 'audio/pcm', rate: 24000 } } },
    tools: [],
    tool_choice: 'auto',
  }
}

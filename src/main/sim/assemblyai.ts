/**
 * AssemblyAI Voice Agent simulator: REST `GET /v1/token?expires_in_seconds=N` and the socket at
 * `/v1/ws?token=…`, following docs/protocols/assemblyai.md.
 *
 * Behaviour worth knowing:
 * - A token opens ONE session; an expired, unknown or reused token gets `session.error`
 *   `unauthorized` as the first frame, then close 1008 (the close code is not documented).
 * - `session.update` (or `session.resume`) must be the first message; `input.audio` before
 *   `session.ready` gets `session.error` `invalid_format` and is ignored.
 * - Replies are paced in real time (audioPace 1) and a reply stays active until its audio has
 *   played, so a user speaking during it interrupts it: `transcript.agent` with `interrupted:true`
 *   and the spoken part of the text, then `reply.done` `status:"interrupted"`.
 * - A tool turn: `reply.started` → `tool.call`(s) → [transition phrase audio → `transcript.agent`]
 *   → `reply.done`; once every result arrived after that `reply.done`, the spoken reply follows.
 *   Every `tool.result` is recorded with whether it came after `reply.done` and whether that reply
 *   was interrupted (the client must then drop it).
 * - The greeting comes from `session.update.session.greeting` (the script's greeting is not used).
 * - After a drop the session is kept `resumeWindowMs` (30 s) for `session.resume` with a fresh token.
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
import { bearer, b64ToBytes, bytesToB64, isBase64, startSimServer, type HttpReply, type SimConn } from './server'
import { EnergyVad, bytesToPcm16, pcm16ToBytes } from './vad'
import { synthesizeVoice } from './voice'

export const ASSEMBLYAI_RATE = 24000

export interface AssemblyAISimOptions extends SimOptions {
  /** How tool.call carries its arguments: `arguments` object (current, default), a JSON string, or the older `args` dict. */
  toolArgumentsAs?: 'object' | 'string' | 'args'
  /** How long a dropped session can be resumed (default 30 000 ms). */
  resumeWindowMs?: number
  /** Answer every session.resume with this error instead of resuming. */
  refuseResume?: 'session_not_found' | 'session_forbidden'
  /** reply.done `status` on normal completion: "completed" (default) or absent. */
  replyDoneStatus?: 'completed' | 'absent'
}

interface Token {
  value: string
  expiresAtMs: number
  used: boolean
  maxSessionMs: number
}

export async function startAssemblyAISim(script: SimScript, options: AssemblyAISimOptions = {}): Promise<SimHandle> {
  const { wire, apiKey, records, faults } = simBasics(script, options, 'aai-sim-')
  const tokens = new Map<string, Token>()
  const sessions = new Map<string, AAISession>()
  let connIndex = 0

  function mint(expiresInSeconds: number, maxSessionSeconds: number): Token {
    const t: Token = {
      value: randomId('aai_tok_', 20),
      expiresAtMs: Date.now() + (options.tokenTtlMs ?? expiresInSeconds * 1000),
      used: false,
      maxSessionMs: options.sessionMaxMs ?? maxSessionSeconds * 1000,
    }
    tokens.set(t.value, t)
    return t
  }

  const ctx: SimContext = { script, options, records, faults, sessions, nextConnIndex: () => connIndex++ }

  const server = await startSimServer<{ token: Token | null }>(wire, {
    http(req): HttpReply {
      if (req.method !== 'GET' || req.path !== '/v1/token') return { status: 404, body: { error: 'Not found' } }
      const auth = req.headers['authorization'] ?? ''
      const key = bearer(req.headers) ?? auth.trim()
      if (!key) return { status: 401, body: { error: 'Authentication error, API token missing/invalid' } }
      if (options.rejectKey || key !== apiKey) return { status: 401, body: { error: 'Authentication error, API token missing/invalid' } }
      if (options.mintFault) {
        const { status, retryAfterSeconds } = options.mintFault
        return {
          status,
          headers: retryAfterHeaders(retryAfterSeconds),
          body: { error: status === 429 ? 'Too many requests' : 'Internal server error' },
        }
      }
      const raw = req.query.expires_in_seconds
      const n = raw === undefined ? NaN : Number(raw)
      if (!Number.isInteger(n) || n < 1 || n > 600) {
        return { status: 400, body: { error: 'expires_in_seconds is required and must be an integer between 1 and 600' } }
      }
      const rawMax = req.query.max_session_duration_seconds
      const max = rawMax === undefined ? 10800 : Number(rawMax)
      if (!Number.isInteger(max) || max < 60 || max > 10800) {
        return { status: 400, body: { error: 'max_session_duration_seconds must be an integer between 60 and 10800' } }
      }
      const t = mint(n, max)
      return { status: 200, body: { token: t.value, expires_in_seconds: n } }
    },
    upgrade(info) {
      if (info.path !== '/v1/ws') return { accept: false, status: 404, body: { error: 'Not found' } }
      const tokenValue = info.query.token
      if (!tokenValue) {
        if (bearer(info.headers) === apiKey && !options.rejectKey) return { accept: true, protocol: '', state: { token: mint(600, 10800) } }
        return { accept: false, status: 401, body: { error: 'Missing token' } }
      }
      return { accept: true, protocol: '', state: { token: tokens.get(tokenValue) ?? null } }
    },
    connection(conn, state) {
      ctx.nextConnIndex()
      const t = state.token
      if (!t || t.used || Date.now() >= t.expiresAtMs) {
        records.errors.push({ conn: conn.id, code: 'unauthorized', message: 'token' })
        conn.sendJson({ type: 'session.error', code: 'unauthorized', message: !t ? 'Invalid token' : t.used ? 'Token has already been used' : 'Token has expired' })
        conn.close(1008, 'unauthorized')
        return
      }
      t.used = true
      new AAIConnection(conn, ctx, t.maxSessionMs).listen()
    },
  })

  const baseUrl = server.origin
  const wsUrl = `ws://127.0.0.1:${server.port}/v1/ws`
  return simHandle(server, {
    protocol: 'assemblyai',
    baseUrl,
    wsUrl,
    apiKey,
    env: { ASSEMBLYAI_API_KEY: apiKey, ASSEMBLYAI_AGENTS_URL: baseUrl },
    wire,
    records,
    credential(): SessionCredential {
      const t = mint(600, 10800)
      return {
        protocol: 'assemblyai',
        url: `${wsUrl}?token=${encodeURIComponent(t.value)}`,
        protocols: [],
        expiresAt: t.expiresAtMs,
        inputSampleRate: ASSEMBLYAI_RATE,
        outputSampleRate: ASSEMBLYAI_RATE,
      }
    },
    expireCredentials() {
      for (const t of tokens.values()) t.expiresAtMs = 0
    },
  }, () => {
    for (const s of sessions.values()) s.dispose()
  })
}

interface SimContext {
  script: SimScript
  options: AssemblyAISimOptions
  records: SimRecords
  faults: Faults
  sessions: Map<string, AAISession>
  nextConnIndex(): number
}

/** One socket: waits for the first message, then hands over to a (new or resumed) session. */
/** The simulator's silence window when the session sets no turn pacing (EnergyVad's default). */
const DEFAULT_SILENCE_MS = 500

class AAIConnection {
  private session: AAISession | null = null
  private first = true

  constructor(
    private readonly conn: SimConn,
    private readonly ctx: SimContext,
    private readonly maxSessionMs: number,
  ) {}

  listen(): void {
    this.conn.onMessage((data, isBinary) => this.onMessage(data, isBinary))
    this.conn.onClose(() => this.session?.detach(this.conn))
  }

  private error(code: string, message: string): void {
    this.ctx.records.errors.push({ conn: this.conn.id, code, message })
    this.conn.sendJson({ type: 'session.error', code, message })
  }

  private onMessage(data: string | Uint8Array, isBinary: boolean): void {
    if (isBinary || typeof data !== 'string') return this.error('invalid_format', 'Binary frames are not supported; send JSON with base64 audio.')
    let msg: unknown
    try {
      msg = JSON.parse(data)
    } catch {
      return this.error('invalid_format', 'Message is not valid JSON.')
    }
    if (!isObj(msg) || typeof msg.type !== 'string') return this.error('invalid_format', 'Message must be an object with a string "type".')
    if (this.session) return this.session.handle(msg)
    const wasFirst = this.first
    this.first = false
    if (msg.type === 'session.update') {
      const s = new AAISession(randomId('sess_', 12), this.ctx, this.maxSessionMs)
      if (!s.configure(msg.session, this.conn)) return
      this.ctx.sessions.set(s.id, s)
      this.session = s
      s.attach(this.conn, false)
      return
    }
    if (msg.type === 'session.resume') {
      const id = msg.session_id
      if (typeof id !== 'string') return this.error('invalid_format', 'session.resume requires session_id.')
      const s = this.ctx.sessions.get(id)
      const refuse = this.ctx.options.refuseResume
      if (refuse === 'session_forbidden' || (s && s.attached)) return this.error('session_forbidden', 'Session belongs to another connection or API key')
      if (refuse === 'session_not_found' || !s || !s.resumable()) {
        return this.error('session_not_found', 'Session not found or grace window has expired')
      }
      // A9: session.ready hands out a resume_token; one sent back must be the latest (UNCONFIRMED).
      if (msg.resume_token !== undefined && msg.resume_token !== s.resumeToken) {
        return this.error('session_forbidden', 'resume_token does not match this session')
      }
      this.session = s
      s.attach(this.conn, true)
      return
    }
    if (msg.type === 'input.audio') return this.error('invalid_format', 'Audio received before session.ready; send session.update first.')
    this.error('invalid_format', wasFirst ? 'The first message must be session.update or session.resume.' : `Unexpected ${msg.type} before session.ready.`)
  }
}

interface Reply {
  id: string
  itemId: string
  text: string
  startedAt: number
  durationMs: number
  streamer: AudioStreamer | null
  /** Tool calls made in this reply, with their ids. */
  calls: Array<{ callId: string; name: string }>
  turn: SimTurn
  ctx: TurnContext
  /** Counts as a spoken user-facing reply (not the greeting) for fault points. */
  isTurn: boolean
}

interface ToolWait {
  reply: Reply
  done: boolean
  interrupted: boolean
  results: ToolResultSeen[]
}

const KNOWN_CLIENT = new Set(['session.update', 'session.resume', 'input.audio', 'tool.result', 'reply.create', 'session.end'])

class AAISession {
  private conn: SimConn | null = null
  attached = false
  /** The resume_token of the latest session.ready (A9). */
  resumeToken = ''
  private droppedAt = 0
  private ended = false
  private config: Record<string, unknown> = {}
  private readonly ids = new Ids()
  private vad: EnergyVad
  private active: Reply | null = null
  private toolWait: ToolWait | null = null
  private turnIndex = 0
  private timers: NodeJS.Timeout[] = []
  private maxTimer: NodeJS.Timeout | null = null
  private disposed = false

  constructor(
    readonly id: string,
    private readonly ctx: SimContext,
    private readonly maxSessionMs: number,
  ) {
    this.vad = new EnergyVad({ sampleRate: ASSEMBLYAI_RATE, ...ctx.options.vad, prefixPaddingMs: 0 })
  }

  private get c(): number {
    return this.conn?.id ?? -1
  }

  resumable(): boolean {
    return !this.ended && !this.attached && Date.now() - this.droppedAt <= (this.ctx.options.resumeWindowMs ?? 30_000)
  }

  dispose(): void {
    this.disposed = true
    this.stopActive()
    for (const t of this.timers) clearTimeout(t)
    if (this.maxTimer) clearTimeout(this.maxTimer)
  }

  private send(msg: Record<string, unknown>): void {
    this.conn?.sendJson(msg)
  }

  private error(code: string, message: string): void {
    this.ctx.records.errors.push({ conn: this.c, code, message })
    this.send({ type: 'session.error', code, message })
  }

  /** Validates the first session.update; false (after a session.error) when it is unusable. */
  configure(session: unknown, conn: SimConn): boolean {
    const fail = (message: string): false => {
      this.ctx.records.errors.push({ conn: conn.id, code: 'invalid_format', message })
      conn.sendJson({ type: 'session.error', code: 'invalid_format', message })
      return false
    }
    if (!isObj(session)) return fail('session.update requires a "session" object.')
    const problem = validateConfig(session)
    if (problem) return fail(problem)
    this.config = session
    this.applyTurnDetection()
    return true
  }

  private applyTurnDetection(): void {
    const td = isObj(this.config.input) && isObj(this.config.input.turn_detection) ? this.config.input.turn_detection : {}
    // The turn ends after min_silence of silence (the simulator's turn model is always confident;
    // max_silence only bounds it). Without pacing fields, the simulator's default silence window.
    if (this.ctx.options.vad?.silenceMs !== undefined) return
    this.vad.silenceMs = typeof td.min_silence === 'number' && td.min_silence > 0 ? Math.min(td.min_silence, typeof td.max_silence === 'number' ? td.max_silence : Infinity) : DEFAULT_SILENCE_MS
  }

  private bargeInAllowed(): boolean {
    const td = isObj(this.config.input) && isObj(this.config.input.turn_detection) ? this.config.input.turn_detection : {}
    return td.interrupt_response !== false && (this.ctx.script.bargeIn ?? true)
  }

  private declaredTools(): string[] {
    return Array.isArray(this.config.tools) ? this.config.tools.filter(isObj).map((t) => String(t.name ?? '')).filter(Boolean) : []
  }

  attach(conn: SimConn, resumed: boolean): void {
    this.conn = conn
    this.attached = true
    this.resumeToken = randomId('rt_', 16)
    this.send({ type: 'session.ready', session_id: this.id, resume_token: this.resumeToken })
    if (!this.maxTimer) {
      this.maxTimer = setTimeout(() => {
        if (this.disposed) return
        this.ended = true
        this.send({ type: 'session.ended', reason: 'max_session_duration' })
        this.conn?.close(1000, 'session ended')
      }, this.maxSessionMs)
    }
    if (this.fault('ready')) return
    if (!resumed && typeof this.config.greeting === 'string' && this.config.greeting) {
      const ctx = this.turnCtx(-1, 0, [])
      this.startReply({ reply: this.config.greeting }, ctx, false, false)
    }
  }

  detach(conn: SimConn): void {
    if (this.conn !== conn) return
    this.stopActive()
    this.conn = null
    this.attached = false
    this.droppedAt = Date.now()
    this.vad.reset()
    // A tool call in flight is lost with the connection.
    this.toolWait = null
  }

  private fault(point: FaultPoint): boolean {
    if (!this.conn) return true
    const conn = this.conn
    for (const f of this.ctx.faults.take(point, this.turnIndex, conn.id)) {
      if (f.kind === 'drop') {
        if (f.code !== undefined) conn.close(f.code, f.reason ?? '')
        else conn.drop()
        this.detach(conn)
      } else if (f.kind === 'error') {
        this.error(f.code, f.message ?? `Simulated error ${f.code}`)
        if (f.close !== undefined) {
          conn.close(f.close, f.message ?? f.code)
          this.detach(conn)
        }
      } else {
        for (const fr of f.frames ?? DEFAULT_MALFORMED) conn.sendRaw(fr)
      }
    }
    return this.conn !== conn
  }

  private later(ms: number, fn: () => void): void {
    this.timers.push(setTimeout(() => !this.disposed && fn(), ms))
  }

  handle(msg: Record<string, unknown>): void {
    if (this.ended) return
    switch (msg.type) {
      case 'session.update':
        return this.update(msg.session)
      case 'session.resume':
        return this.error('invalid_format', 'session.resume is only valid as the first message.')
      case 'input.audio':
        return this.audio(msg.audio)
      case 'tool.result':
        return this.toolResult(msg)
      case 'reply.create':
        if (msg.instructions !== undefined && typeof msg.instructions !== 'string') {
          return this.error('invalid_format', 'reply.create instructions must be a string.')
        }
        if (this.active) return this.error('invalid_format', 'A reply is already in progress.')
        return this.startTurn(0, '')
      case 'session.end':
        this.ended = true
        this.stopActive()
        this.send({ type: 'session.ended' })
        this.conn?.close(1000, 'session ended')
        this.ctx.sessions.delete(this.id)
        return
      default:
        return this.error('invalid_format', `Unknown message type: ${String(msg.type)}${KNOWN_CLIENT.has(String(msg.type)) ? '' : ''}`)
    }
  }

  private update(session: unknown): void {
    if (!isObj(session)) return this.error('invalid_format', 'session.update requires a "session" object.')
    const problem = validateConfig(session)
    if (problem) return this.error('invalid_format', problem)
    const out = isObj(session.output) ? session.output : {}
    const curOut = isObj(this.config.output) ? this.config.output : {}
    const changed = (a: unknown, b: unknown) => a !== undefined && JSON.stringify(a) !== JSON.stringify(b)
    if (changed(session.greeting, this.config.greeting)) return this.error('immutable_field', 'greeting cannot be changed after session.ready')
    if (changed(out.voice, curOut.voice)) return this.error('immutable_field', 'output.voice cannot be changed after session.ready')
    if (changed(out.format, curOut.format)) return this.error('immutable_field', 'output.format cannot be changed after session.ready')
    const input = isObj(session.input) ? { ...(isObj(this.config.input) ? this.config.input : {}), ...session.input } : this.config.input
    this.config = { ...this.config, ...session, ...(input !== undefined ? { input } : {}), output: { ...curOut, ...out } }
    this.applyTurnDetection()
    this.send({ type: 'session.updated', session: this.config })
  }

  private audio(audio: unknown): void {
    if (typeof audio !== 'string' || !isBase64(audio)) return this.error('invalid_format', 'input.audio requires base64 "audio".')
    const pcm = bytesToPcm16(b64ToBytes(audio))
    for (const e of this.vad.push(pcm)) {
      if (!this.conn) return
      if (e.type === 'start') {
        this.send({ type: 'input.speech.started' })
        if (this.fault('user-speech')) return
        if (this.active && this.bargeInAllowed()) this.interrupt(e.atMs)
      } else {
        this.userTurnEnded(e.speechMs)
      }
    }
  }

  private userTurnEnded(speechMs: number): void {
    if (this.active) return // barge-in disabled: the user talked over the agent; ignore like a server with interrupt_response false
    const ctx = this.turnCtx(this.turnIndex, speechMs, [])
    const user = resolveTurn(this.ctx.script, ctx).user ?? ''
    const words = wordDeltas(user)
    let partial = ''
    for (const w of words.slice(0, -1)) {
      partial += w
      this.send({ type: 'transcript.user.delta', text: partial.trim() })
    }
    this.send({ type: 'input.speech.stopped' })
    this.send({ type: 'transcript.user', text: user, item_id: this.ids.next('item_u') })
    this.startTurn(speechMs, user)
  }

  private turnCtx(index: number, userSpeechMs: number, toolResults: ToolResultSeen[]): TurnContext {
    return { index, userSpeechMs, declaredTools: this.declaredTools(), toolResults }
  }

  private startTurn(speechMs: number, user: string): void {
    this.toolWait = null
    const ctx = this.turnCtx(this.turnIndex, speechMs, [])
    const turn = resolveTurn(this.ctx.script, ctx)
    this.ctx.records.turns.push({ conn: this.c, index: this.turnIndex, userSpeechMs: speechMs, user: turn.user ?? user })
    this.turnIndex++
    this.startReply(turn, ctx, (turn.toolCalls?.length ?? 0) > 0, true)
  }

  private startReply(turn: SimTurn, ctx: TurnContext, withTools: boolean, isTurn: boolean): void {
    const text = withTools ? (turn.transition ?? '') : renderReply(turn, ctx)
    const reply: Reply = {
      id: this.ids.next('reply_'), itemId: this.ids.next('item_a'), text, startedAt: performance.now(), durationMs: 0,
      streamer: null, calls: [], turn, ctx, isTurn,
    }
    this.active = reply
    this.send({ type: 'reply.started', reply_id: reply.id })
    if (withTools) {
      for (const call of turn.toolCalls ?? []) {
        const callId = this.ids.next('call_')
        reply.calls.push({ callId, name: call.name })
        const as = this.ctx.options.toolArgumentsAs ?? 'object'
        const args = as === 'string' ? { arguments: JSON.stringify(call.arguments) } : as === 'args' ? { args: call.arguments } : { arguments: call.arguments }
        this.send({ type: 'tool.call', call_id: callId, name: call.name, ...args })
      }
      this.toolWait = { reply, done: false, interrupted: false, results: [] }
      if (this.fault('tool-call')) return
    }
    if (!text) {
      this.later(30, () => this.finishReply(reply))
      return
    }
    const pcm = synthesizeVoice(text, ASSEMBLYAI_RATE, { durationMs: replyDurationMs(this.ctx.script, turn, text) })
    const streamer = new AudioStreamer(
      pcm,
      ASSEMBLYAI_RATE,
      this.ctx.options.chunkMs ?? 50,
      this.ctx.options.audioPace ?? 1,
      (chunk) => this.send({ type: 'reply.audio', data: bytesToB64(pcm16ToBytes(chunk)) }),
      () => {
        // The reply is heard until its last chunk has played (real-time playback model).
        const rest = reply.durationMs - (performance.now() - reply.startedAt)
        if (rest > 1) this.later(rest, () => this.finishReply(reply))
        else this.finishReply(reply)
      },
      () => void (isTurn && !withTools && this.fault('mid-reply')),
    )
    reply.streamer = streamer
    reply.durationMs = streamer.durationMs
    streamer.start()
    this.scheduleAgentDeltas(reply)
  }

  /**
   * A6: `transcript.agent.delta` is incremental, one word per event with `start_ms`/`end_ms` from
   * the start of the reply, sent as the word is spoken. An interrupted reply sends no more words.
   */
  private scheduleAgentDeltas(reply: Reply): void {
    const words = reply.text.split(/\s+/).filter(Boolean)
    const total = words.reduce((n, w) => n + w.length + 1, 0)
    let at = 0
    for (const word of words) {
      const startMs = Math.round((at / total) * reply.durationMs)
      at += word.length + 1
      const endMs = Math.round((at / total) * reply.durationMs)
      this.later(startMs, () => {
        if (this.active !== reply || !this.conn) return
        this.send({ type: 'transcript.agent.delta', delta: word, start_ms: startMs, end_ms: endMs })
      })
    }
  }

  private finishReply(reply: Reply): void {
    if (this.active !== reply || !this.conn) return
    this.active = null
    if (reply.text) this.send({ type: 'transcript.agent', text: reply.text, reply_id: reply.id, item_id: reply.itemId, interrupted: false })
    const status = this.ctx.options.replyDoneStatus === 'absent' ? {} : { status: 'completed' }
    this.send({ type: 'reply.done', reply_id: reply.id, ...status })
    const tw = this.toolWait
    if (tw && tw.reply === reply) {
      tw.done = true
      if (this.fault('after-reply')) return
      this.maybeFollowUp()
      return
    }
    if (reply.isTurn) this.fault('after-reply')
  }

  private interrupt(atMs: number): void {
    const reply = this.active
    if (!reply) return
    this.ctx.records.bargeIns.push({ conn: this.c, responseId: reply.id, atMs })
    reply.streamer?.cancel()
    this.active = null
    const heard = spokenPrefix(reply.text, playedFraction(reply.startedAt, reply.durationMs))
    if (reply.text) this.send({ type: 'transcript.agent', text: heard, reply_id: reply.id, item_id: reply.itemId, interrupted: true })
    this.send({ type: 'reply.done', reply_id: reply.id, status: 'interrupted' })
    if (this.toolWait && this.toolWait.reply === reply) {
      this.toolWait.done = true
      this.toolWait.interrupted = true
    }
  }

  private stopActive(): void {
    this.active?.streamer?.cancel()
    this.active = null
  }

  private toolResult(msg: Record<string, unknown>): void {
    const callId = msg.call_id
    const result = msg.result
    if (typeof callId !== 'string' || typeof result !== 'string') {
      return this.error('invalid_format', 'tool.result requires string call_id and string result (JSON-encoded).')
    }
    if (msg.is_error !== undefined && typeof msg.is_error !== 'boolean') {
      return this.error('invalid_format', 'tool.result is_error must be a boolean.')
    }
    const tw = this.toolWait
    const call = tw?.reply.calls.find((c) => c.callId === callId)
    this.ctx.records.toolResults.push({
      conn: this.c, callId, output: result, afterDone: tw ? tw.done : true, afterInterrupted: tw ? tw.interrupted : false, t: performance.now(),
    })
    if (!tw || !call) return this.error('invalid_format', `Unknown call_id: ${callId}`)
    if (tw.interrupted) return // the reply was interrupted; the result is ignored
    if (tw.results.some((r) => r.callId === callId)) return this.error('invalid_format', `Duplicate tool.result for ${callId}`)
    tw.results.push({ callId, name: call.name, output: result })
    this.maybeFollowUp()
  }

  private maybeFollowUp(): void {
    const tw = this.toolWait
    if (!tw || !tw.done || tw.interrupted || this.active) return
    if (tw.results.length < tw.reply.calls.length) return
    this.toolWait = null
    this.startReply(tw.reply.turn, { ...tw.reply.ctx, toolResults: tw.results }, false, true)
  }
}

/** Checks a session config; returns a problem description or null. */
function validateConfig(s: Record<string, unknown>): string | null {
  if (s.tools !== undefined) {
    if (!Array.isArray(s.tools)) return 'session.tools must be an array.'
    for (const t of s.tools) {
      if (!isObj(t)) return 'Each tool must be an object.'
      if ('function' in t) return 'Tool schema is flat: {type:"function", name, description, parameters} (no nested "function").'
      if (typeof t.name !== 'string' || !t.name) return 'Each tool needs a name.'
      if (t.timeout_seconds !== undefined && !(typeof t.timeout_seconds === 'number' && t.timeout_seconds > 0)) {
        return 'tool timeout_seconds must be a positive number.'
      }
    }
  }
  for (const dir of ['input', 'output'] as const) {
    const d = s[dir]
    if (d === undefined) continue
    if (!isObj(d)) return `session.${dir} must be an object.`
    const f = d.format
    if (f !== undefined) {
      if (!isObj(f)) return `session.${dir}.format must be an object.`
      if (f.encoding !== undefined && f.encoding !== 'audio/pcm' && f.encoding !== 'audio/pcmu' && f.encoding !== 'audio/pcma') {
        return `Unsupported encoding: ${String(f.encoding)}`
      }
      if ((f.encoding ?? 'audio/pcm') === 'audio/pcm' && f.sample_rate !== undefined && f.sample_rate !== ASSEMBLYAI_RATE) {
        return `Unsupported sample_rate for audio/pcm: ${String(f.sample_rate)} (24000 only).`
      }
    }
  }
  if ('turn_detection' in s) return 'session.turn_detection moved to session.input.turn_detection.'
  return null
}

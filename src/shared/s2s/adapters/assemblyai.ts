/**
 * AssemblyAI Voice Agent adapter (protocol 'assemblyai'): translates the wire protocol of
 * wss://agents.assemblyai.com/v1/ws to and from the normalised S2S model. Pure TypeScript.
 *
 * Protocol facts: docs/protocols/assemblyai.md. In short:
 *   - the socket URL already carries ?token= (one-time token, minted per connection);
 *   - `session.update` is the very first message (or `session.resume` on a reconnect);
 *   - audio (`input.audio`, base64 PCM16 24 kHz in `audio`) only after `session.ready`;
 *   - reply audio arrives in `reply.audio.data`; there is no cancel frame (barge-in = flush locally);
 *   - tool results are held until `reply.done` is the latest event, and discarded when that
 *     `reply.done` says `status: "interrupted"`;
 *   - `session.end` on a clean stop; the server answers `session.ended` and closes with 1000.
 * Old event names (before the March 2026 rename) are accepted on input, never sent.
 */
import type {
  AdapterHost,
  AdapterStartOptions,
  ConversationTurn,
  ProviderAdapter,
  ResumeState,
  S2SError,
  S2SErrorCode,
  SessionConfig,
  ToolDeclaration,
  ToolResultStatus,
  TurnTaking,
} from '../types'
import { base64ToInt16, int16ToBase64 } from '../pcm'
import {
  describe,
  incrementalPart,
  inferToolStatus,
  isObject,
  preview,
  readJsonFrame,
  readToolCall,
  rejectedToolOutput,
  safeStringify,
  str,
  type Json,
} from './wire'
import { own } from '../../own'

/** AssemblyAI speaks PCM16 at 24 kHz only (other PCM rates are undocumented). */
export const ASSEMBLYAI_SAMPLE_RATE = 24_000
/** The server keeps a dropped session this long for `session.resume`. */
export const ASSEMBLYAI_RESUME_WINDOW_MS = 30_000

/**
 * Push-to-talk on a protocol with no end-of-turn message: the turn pacing (`input.turn_detection`
 * `min_silence` / `max_silence`, mutable with session.update after session.ready) is held long
 * while the key is down, so a pause does not end the turn, and switched to the shortest pacing
 * AssemblyAI documents (its "aggressive" turn-detection preset) at release, followed by exactly
 * `max_silence` of trailing silence, which ends the turn whatever the model thinks of it.
 */
export const ASSEMBLYAI_HOLD_PACING = { min_silence: 3000, max_silence: 6000 } as const
export const ASSEMBLYAI_RELEASE_PACING = { min_silence: 160, max_silence: 400 } as const

type Pacing = 'adaptive' | 'hold' | 'release'

function turnDetection(pacing: Pacing): Json {
  if (pacing === 'adaptive') return { interrupt_response: true }
  return { interrupt_response: true, ...(pacing === 'hold' ? ASSEMBLYAI_HOLD_PACING : ASSEMBLYAI_RELEASE_PACING) }
}
/** Upper bound of conversation text carried into a fresh session when a resume fails. */
const MAX_CARRIED_CONTEXT_CHARS = 4_000
/** An unasked session.ended after at least this long is treated as the duration cap (renew). */
const MIN_SESSION_MS_BEFORE_RENEW = 60_000

/** Old event names (docs/protocols/assemblyai.md, "A11. Event-name history") mapped to the current ones. Input only. */
const LEGACY_EVENT_NAMES: Record<string, string> = {
  'speech.started': 'input.speech.started',
  'speech.stopped': 'input.speech.stopped',
  'response.audio': 'reply.audio',
  'response.transcript': 'transcript.agent',
  'response.started': 'reply.started',
  'response.done': 'reply.done',
  'function.call': 'tool.call',
}

type Phase = 'idle' | 'configuring' | 'resuming' | 'ready' | 'ending' | 'ended' | 'closed'

interface CallRecord {
  name: string
  replyId: string | undefined
  /** The reply this call belonged to was interrupted: its result must never be sent. */
  cancelled: boolean
  /** A result has been queued, sent or dropped. */
  settled: boolean
}

interface PendingResult {
  callId: string
  name: string
  output: string
  status: ToolResultStatus
}

/**
 * AssemblyAI's resume state: the session id plus tool results that were waiting for reply.done
 * when the socket dropped (the resumed session may still be waiting for them). The extra field
 * rides along in the ResumeState object the runtime hands to the next connection's adapter.
 */
export interface AssemblyAIResumeState extends ResumeState {
  pendingResults?: PendingResult[]
  /** The `resume_token` of the session's latest `session.ready` (A9), sent back with session.resume. */
  resumeToken?: string
}

export interface AssemblyAIAdapterOptions {
  /** Carry the recent conversation into the prompt of a fresh session when resume fails (default true). */
  carryContextOnFallback?: boolean
}

/**
 * Provider error codes with their own Earshot code and message (A10). `session_expired` renews
 * the session like the duration cap does; the capacity codes are not the user's fault.
 */
const OWN_ERROR_CODES: Record<string, { code: S2SErrorCode; message: string }> = {
  session_expired: {
    code: 'session_expired',
    message: 'The AssemblyAI session reached its time limit; continuing in a new session with the conversation so far',
  },
  at_capacity: {
    code: 'provider_unavailable',
    message: 'AssemblyAI has no capacity for a voice session right now. Try again in a moment',
  },
  concurrency_exceeded: {
    code: 'rate_limited',
    message: 'Your AssemblyAI account already has as many voice sessions open as it may. Close another session and try again',
  },
}

export class AssemblyAIAdapter implements ProviderAdapter {
  readonly protocol = 'assemblyai' as const

  private host: AdapterHost | null = null
  private config: SessionConfig | null = null
  private phase: Phase = 'idle'
  private sessionId: string | null = null
  /** `resume_token` from the latest session.ready (A9); null when the server sent none. */
  private resumeToken: string | null = null
  private droppedAt: number | null = null
  /** host.now() at the latest session.ready. */
  private readyAt: number | null = null
  /** This connection resumed an earlier session (session.resume answered by session.ready). */
  private resumed = false
  /** The session ended cleanly (session.ended or our session.end): nothing to resume. */
  private cleanlyEnded = false

  private activeReplyId: string | null = null
  private replySeq = 0
  /** Replies whose audio we stopped playing (barge-in): later audio of theirs is dropped. */
  private readonly flushedReplies = new Set<string>()
  /** The latest reply that sent audio, and how many samples it sent (to know whether it still plays). */
  private lastAudioReplyId: string | null = null
  private readonly audioSamples = new Map<string, number>()

  /** True when the latest event (of those that matter for tool results) was a reply.done. */
  private replyDoneLatest = false
  private readonly calls = new Map<string, CallRecord>()
  private pending: PendingResult[] = []
  /** Held results of a dropped connection, offered to the next one through resumeState(). */
  private carried: PendingResult[] = []
  /** Held results handed over by the previous connection (sent once the resume succeeds). */
  private inherited: PendingResult[] = []

  private userPartial = ''
  private agentPartial = ''
  /** The entry key the current reply's words were streamed under (the final must land on it). */
  private agentPartialKey: string | null = null
  /** Recent final transcript lines, carried into a fresh session if resume fails. */
  private readonly history: string[] = []
  /** Conversation handed over by the runtime on a reconnect/renewal (preferred over our own). */
  private runtimeHistory: ConversationTurn[] | null = null
  private readonly carryContext: boolean
  private turnTaking: TurnTaking = 'auto'
  /** The pacing the server was last told. */
  private pacing: Pacing = 'adaptive'

  constructor(options: AssemblyAIAdapterOptions = {}) {
    this.carryContext = options.carryContextOnFallback ?? true
  }

  get acceptsAudio(): boolean {
    return this.phase === 'ready'
  }

  start(host: AdapterHost, options: AdapterStartOptions): void {
    this.host = host
    this.config = options.config
    this.turnTaking = options.config.turnTaking ?? 'auto'
    // Per-connection state starts over; the session id and history survive for resume.
    this.activeReplyId = null
    this.lastAudioReplyId = null
    this.audioSamples.clear()
    this.flushedReplies.clear()
    this.replyDoneLatest = false
    this.userPartial = ''
    this.agentPartial = ''
    this.agentPartialKey = null
    this.cleanlyEnded = false
    this.resumed = false

    this.runtimeHistory = Array.isArray(options.history) && options.history.length > 0 ? options.history : null
    const resume = options.resume
    if (resume && typeof resume.sessionId === 'string' && resume.sessionId !== '') {
      this.sessionId = resume.sessionId
      this.droppedAt = typeof resume.droppedAt === 'number' && resume.droppedAt > 0 ? resume.droppedAt : null
      this.inherited = readPendingResults((resume as AssemblyAIResumeState).pendingResults)
      const token = (resume as AssemblyAIResumeState).resumeToken
      this.resumeToken = typeof token === 'string' && token !== '' ? token : null
      this.phase = 'resuming'
      // A9: session_id as documented, plus the resume_token that session.ready carried.
      this.sendJson({
        type: 'session.resume',
        session_id: resume.sessionId,
        ...(this.resumeToken !== null ? { resume_token: this.resumeToken } : {}),
      })
      return
    }
    this.sessionId = null
    this.resumeToken = null
    this.droppedAt = null
    this.phase = 'configuring'
    this.pacing = this.turnTaking === 'manual' ? 'hold' : 'adaptive'
    const config = { ...options.config, turnTaking: this.turnTaking }
    if (this.runtimeHistory && this.carryContext) {
      // A fresh session continuing an earlier conversation (renewal, or the resume window passed).
      this.sendJson(buildSessionUpdate({ ...config, greeting: '' }, this.carriedContext()))
    } else {
      this.history.length = 0
      this.sendJson(buildSessionUpdate(config))
    }
  }

  handleMessage(data: string | ArrayBuffer): void {
    try {
      this.handleMessageUnsafe(data)
    } catch (err) {
      // Nothing the server sends may crash the session.
      this.emitError('protocol_error', `AssemblyAI: could not handle a server frame (${describe(err)})`, false)
    }
  }

  /** A new `tools` array replaces the previous one (mutable after session.ready). */
  updateTools(tools: ToolDeclaration[]): void {
    if (this.config) this.config = { ...this.config, tools }
    if (this.phase !== 'ready') return
    this.sendJson({ type: 'session.update', session: { tools: tools.map(declareTool) } })
  }

  sendAudio(pcm: Int16Array): void {
    if (this.phase !== 'ready' || pcm.length === 0) return
    this.sendJson({ type: 'input.audio', audio: int16ToBase64(pcm) })
  }

  sendToolResult(callId: string, output: string, explicitStatus?: ToolResultStatus): void {
    const call = this.calls.get(callId)
    const text = typeof output === 'string' ? output : safeStringify(output)
    const status = explicitStatus ?? inferToolStatus(text)
    if (!call) {
      if (this.resumed && this.phase !== 'closed' && this.phase !== 'ended') {
        // A call from before the drop: the resumed server session may still be waiting for it.
        const carried: CallRecord = { name: '', replyId: undefined, cancelled: false, settled: true }
        this.calls.set(callId, carried)
        this.pending.push({ callId, name: '', output: text, status })
        if (this.replyDoneLatest) this.flushPending()
        return
      }
      this.host?.log(`assemblyai: result for ${callId} dropped (not a call of this session or connection)`)
      this.host?.emit({ type: 'tool.result', callId, name: '', output: text, status, sent: false })
      return
    }
    if (call.settled) {
      this.host?.log(`assemblyai: duplicate result for ${callId} ignored`)
      return
    }
    call.settled = true
    if (call.cancelled || this.phase === 'closed' || this.phase === 'ended') {
      // The reply was interrupted (or the socket is gone): AssemblyAI must not get this result.
      this.host?.emit({ type: 'tool.result', callId, name: call.name, output: text, status, sent: false })
      return
    }
    this.pending.push({ callId, name: call.name, output: text, status })
    if (this.replyDoneLatest) this.flushPending()
  }

  interrupt(): void {
    // There is no cancel frame: stop playback locally and drop the rest of that reply's audio.
    const replyId = this.playingReplyId()
    if (replyId === null) {
      this.host?.emit({ type: 'bargein' })
      return
    }
    this.flushedReplies.add(replyId)
    this.host?.emit({ type: 'bargein', responseId: replyId, itemId: replyId })
  }

  setTurnTaking(mode: TurnTaking): void {
    if (mode === this.turnTaking) return
    this.turnTaking = mode
    this.setPacing(mode === 'manual' ? 'hold' : 'adaptive')
  }

  /** Push-to-talk press: hold the turn open (a pause while the key is down must not end it). */
  beginTurn(): void {
    if (this.turnTaking === 'manual') this.setPacing('hold')
  }

  /**
   * Push-to-talk release, after the tail: the shortest pacing, then its max_silence of silence
   * (the VAD needs audio to measure silence; between presses nothing is sent).
   */
  endTurn(): boolean {
    if (this.phase !== 'ready') return false
    this.setPacing('release')
    const frame = Math.round((ASSEMBLYAI_SAMPLE_RATE * 20) / 1000)
    const silence = new Int16Array(frame)
    for (let ms = 0; ms < ASSEMBLYAI_RELEASE_PACING.max_silence; ms += 20) this.sendAudio(silence)
    return true
  }

  /** No clear message exists: the next press's audio continues this turn. */
  cancelTurn(): void {}

  private setPacing(pacing: Pacing): void {
    if (this.phase !== 'ready' || pacing === this.pacing) return
    this.pacing = pacing
    this.sendJson({ type: 'session.update', session: { input: { turn_detection: turnDetection(pacing) } } })
  }

  /**
   * Asks the agent to reply now (`reply.create`, A5). With `instructions`, they steer this one
   * reply only, as the API reference's example shows.
   */
  requestReply(instructions?: string): void {
    if (this.phase !== 'ready') return
    const text = typeof instructions === 'string' ? instructions.trim() : ''
    this.sendJson(text !== '' ? { type: 'reply.create', instructions: text } : { type: 'reply.create' })
  }

  end(): void {
    if (this.phase === 'ended' || this.phase === 'closed' || this.phase === 'idle') return
    this.cleanlyEnded = true
    this.phase = 'ending'
    this.sendJson({ type: 'session.end' })
  }

  resumeState(): AssemblyAIResumeState | null {
    let resumable = !this.cleanlyEnded && this.sessionId !== null && this.droppedAt !== null
    if (resumable && this.host && this.droppedAt !== null && this.host.now() - this.droppedAt > ASSEMBLYAI_RESUME_WINDOW_MS) resumable = false
    if (!resumable || this.sessionId === null || this.droppedAt === null) {
      this.dropCarried('the session cannot be resumed')
      return null
    }
    const state: AssemblyAIResumeState = { sessionId: this.sessionId, droppedAt: this.droppedAt }
    if (this.resumeToken !== null) state.resumeToken = this.resumeToken
    if (this.carried.length > 0) state.pendingResults = this.carried.map((r) => ({ ...r }))
    return state
  }

  handleClose(code: number, reason: string): void {
    const wasEnding = this.phase === 'ending' || this.phase === 'ended' || this.cleanlyEnded
    const wasResuming = this.phase === 'resuming'
    this.phase = 'closed'
    for (const call of this.calls.values()) if (!call.settled) call.cancelled = true
    this.activeReplyId = null
    // Results still waiting for reply.done go to the resumed session, if there will be one.
    this.carried.push(...this.pending, ...this.inherited)
    this.pending = []
    this.inherited = []
    if (wasEnding || this.sessionId === null) this.dropCarried('the connection closed before AssemblyAI could take it')
    if (!wasEnding && this.sessionId !== null) {
      // A resume attempt that never got ready keeps the original drop time (the grace window runs from it).
      if (!(wasResuming && this.droppedAt !== null)) this.droppedAt = this.host?.now() ?? 0
      this.host?.log(`assemblyai: socket closed (${code} ${reason}); session ${this.sessionId} resumable for 30 s`)
    }
  }

  // ---------------------------------------------------------------------------------------------

  private handleMessageUnsafe(data: string | ArrayBuffer): void {
    if (typeof data !== 'string') {
      this.emitError('protocol_error', 'AssemblyAI sent a binary frame; this protocol uses JSON text frames only', false)
      return
    }
    const read = readJsonFrame(data, 'type')
    if ('problem' in read) {
      const what = read.problem === 'not_json' ? 'that is not JSON' : 'without a "type"'
      this.emitError('protocol_error', `AssemblyAI sent a frame ${what}: ${preview(data)}`, false)
      return
    }
    const msg = read.frame
    const type = own(LEGACY_EVENT_NAMES, msg.type as string) ?? (msg.type as string)

    switch (type) {
      case 'session.ready':
      case 'session.created': // tolerated: never documented for this API, harmless to accept
        return this.onSessionReady(msg)
      case 'session.updated':
        this.host?.log('assemblyai: session.updated')
        return
      case 'session.ended':
        return this.onSessionEnded(msg)
      case 'session.error':
      case 'error':
        return this.onError(msg)
      case 'reply.error':
        return this.onReplyError(msg)
      case 'input.speech.started':
        return this.onSpeechStarted()
      case 'input.speech.stopped':
        this.host?.emit({ type: 'user.speech.stopped' })
        return
      case 'transcript.user.delta':
        return this.onUserDelta(msg)
      case 'transcript.user':
        return this.onUserFinal(msg)
      case 'reply.started':
        return this.onReplyStarted(msg)
      case 'reply.audio':
        return this.onReplyAudio(msg)
      case 'transcript.agent.delta': // A6: incremental words with start_ms/end_ms
        return this.onAgentDelta(msg)
      case 'transcript.agent':
        return this.onAgentFinal(msg)
      case 'reply.done':
        return this.onReplyDone(msg, str(msg.status) === 'interrupted')
      case 'response.interrupted': // old name; replaced by reply.done{status:"interrupted"}
        return this.onReplyDone(msg, true)
      case 'tool.call':
        return this.onToolCall(msg)
      default:
        // Unknown events are forward-compatible noise, not errors.
        this.host?.log(`assemblyai: ignored event ${preview(type, 60)}`)
    }
  }

  private onSessionReady(msg: Json): void {
    const id = str(msg.session_id) ?? str(msg.sessionId) ?? str(msg.id)
    if (id) this.sessionId = id
    // A9: session.ready carries a resume_token next to session_id; keep the latest one.
    const token = str(msg.resume_token)
    if (token) this.resumeToken = token
    const wasResume = this.phase === 'resuming'
    if (this.phase === 'ended' || this.phase === 'closed' || this.phase === 'ending') return
    this.phase = 'ready'
    this.droppedAt = null
    this.readyAt = this.host?.now() ?? null
    if (wasResume) {
      this.resumed = true
      for (const result of this.inherited) {
        this.calls.set(result.callId, { name: result.name, replyId: undefined, cancelled: false, settled: true })
        this.pending.push(result)
      }
      this.inherited = []
      // No reply is in progress as far as this connection knows, and a reply.done that came
      // during the drop is lost: results of calls made before the drop go out at once rather
      // than wait for a reply.done that may never come.
      this.replyDoneLatest = true
      this.host?.log(`assemblyai: session ${this.sessionId ?? '?'} resumed`)
    }
    this.host?.emit({
      type: 'ready',
      inputSampleRate: ASSEMBLYAI_SAMPLE_RATE,
      outputSampleRate: ASSEMBLYAI_SAMPLE_RATE,
      ...(this.sessionId ? { sessionId: this.sessionId } : {}),
    })
    if (wasResume) this.flushPending()
    // The mode may have changed while the session was being configured.
    const want: Pacing = this.turnTaking === 'manual' ? (this.pacing === 'release' ? 'release' : 'hold') : 'adaptive'
    if (want !== this.pacing) this.setPacing(want)
  }

  private onSessionEnded(msg: Json): void {
    const requested = this.phase === 'ending'
    const wasReady = this.phase === 'ready'
    this.cleanlyEnded = true
    this.phase = 'ended'
    this.dropPending('the session ended')
    if (requested) return
    const why = str(msg.reason) ?? str(msg.code) ?? 'no reason given'
    const readyFor = this.readyAt === null || !this.host ? 0 : this.host.now() - this.readyAt
    if (wasReady && readyFor >= MIN_SESSION_MS_BEFORE_RENEW) {
      // The client never ends an AssemblyAI session by itself and the agent cannot hang up, so an
      // unasked session.ended is the duration cap (or a server failure): renew with the conversation.
      this.emit({
        code: 'session_expired',
        providerCode: 'session.ended',
        fatal: false,
        message: `AssemblyAI ended the session (${preview(why, 80)}); continuing in a new session with the conversation so far.`,
      })
      return
    }
    // Ended right away: renewing could loop, so the session ends here.
    this.host?.emit({ type: 'closed', reason: 'agent' })
  }

  private onError(msg: Json): void {
    const nested = isObject(msg.error) ? msg.error : undefined
    const providerCode = str(msg.code) ?? str(nested?.code) ?? str(msg.error_code) ?? 'unknown'
    const providerMessage =
      str(msg.message) ?? str(nested?.message) ?? (typeof msg.error === 'string' ? msg.error : undefined) ?? 'no message'

    if (this.phase === 'resuming' && (providerCode === 'session_not_found' || providerCode === 'session_forbidden')) {
      return this.fallBackToFreshSession(providerCode, providerMessage)
    }
    if (providerCode === 'unauthorized') {
      this.emit({
        code: 'token_expired',
        providerCode,
        fatal: true,
        message:
          `AssemblyAI rejected the session token (${providerMessage}). Tokens are one-time and must open ` +
          'the socket within their window; mint a new one for every connection.',
      })
      return
    }
    const beforeReady = this.phase === 'configuring' || this.phase === 'resuming'
    const ownCode = own(OWN_ERROR_CODES, providerCode)
    if (ownCode) {
      // A10 (UNCONFIRMED codes): each has its own code and human message.
      this.emit({ code: ownCode.code, providerCode, fatal: ownCode.code === 'session_expired' ? false : beforeReady, message: `${ownCode.message} (${providerMessage})` })
      return
    }
    const code: S2SErrorCode =
      providerCode === 'session_not_found' || providerCode === 'session_forbidden' ? 'session_expired' : 'provider_error'
    this.emit({
      code,
      providerCode,
      // Before session.ready the session cannot start; afterwards the server keeps going
      // (immutable_field, invalid_format...) unless it also closes the socket.
      fatal: beforeReady,
      message: `AssemblyAI error ${providerCode}: ${providerMessage}`,
    })
  }

  /**
   * `reply.error` (A6, UNCONFIRMED): one reply failed, the session goes on. The user sees the
   * message, and the reply counts as done so the status leaves "thinking".
   */
  private onReplyError(msg: Json): void {
    const nested = isObject(msg.error) ? msg.error : undefined
    const providerCode = str(msg.code) ?? str(nested?.code) ?? 'reply_error'
    const providerMessage = str(msg.message) ?? str(nested?.message) ?? 'no message'
    const replyId = str(msg.reply_id) ?? this.activeReplyId ?? undefined
    this.emit({ code: 'provider_error', providerCode, fatal: false, message: `AssemblyAI could not finish its reply (${providerCode}: ${providerMessage}).` })
    this.onReplyDone(replyId ? { ...msg, reply_id: replyId } : msg, false)
  }

  private fallBackToFreshSession(providerCode: string, providerMessage: string): void {
    const config = this.config
    const lostId = this.sessionId
    this.sessionId = null
    this.droppedAt = null
    // Calls of the lost session can never be answered there.
    for (const call of this.calls.values()) if (!call.settled) call.cancelled = true
    this.dropPending('the session could not be resumed')
    const lost = this.inherited
    this.inherited = []
    for (const result of lost) this.host?.emit({ type: 'tool.result', ...result, sent: false })
    this.phase = 'configuring'
    if (config) {
      const carried = this.carryContext ? this.carriedContext() : ''
      // Do not greet again: the user was mid-conversation.
      this.sendJson(buildSessionUpdate({ ...config, greeting: '' }, carried))
    }
    // Not 'session_expired': that code makes the runtime renew, and we already started fresh here.
    this.emit({
      code: 'provider_error',
      providerCode,
      fatal: false,
      message:
        `AssemblyAI could not resume session ${lostId ?? ''} (${providerCode}: ${providerMessage}); ` +
        'started a fresh session on the same connection' +
        (this.carryContext && this.carriedContext() !== '' ? ' with the recent conversation as context.' : '.'),
    })
  }

  private onSpeechStarted(): void {
    this.replyDoneLatest = false
    const playing = this.playingReplyId()
    if (playing !== null && !this.flushedReplies.has(playing)) {
      // The user barged in: flush playback now (~300 ms sooner than waiting for reply.done).
      this.flushedReplies.add(playing)
      this.host?.emit({ type: 'bargein', responseId: playing, itemId: playing })
    }
    this.userPartial = ''
    this.host?.emit({ type: 'user.speech.started' })
  }

  private onUserDelta(msg: Json): void {
    const text = str(msg.text) ?? str(msg.delta) ?? str(msg.transcript)
    if (text === undefined) return this.malformed('transcript.user.delta', 'text')
    // AssemblyAI partials carry the utterance so far; the normalised model wants the new part.
    const delta = incrementalPart(this.userPartial, text)
    this.userPartial = text.startsWith(this.userPartial) ? text : this.userPartial + delta
    if (delta === '') return
    const itemId = str(msg.item_id)
    this.host?.emit({ type: 'user.delta', text: delta, ...(itemId ? { itemId } : {}) })
  }

  private onUserFinal(msg: Json): void {
    const text = str(msg.text) ?? str(msg.transcript)
    if (text === undefined) return this.malformed('transcript.user', 'text')
    this.userPartial = ''
    const itemId = str(msg.item_id)
    this.remember(`User: ${text}`)
    this.host?.emit({ type: 'user.final', text, ...(itemId ? { itemId } : {}) })
  }

  private onReplyStarted(msg: Json): void {
    this.replyDoneLatest = false
    const id = str(msg.reply_id) ?? str(msg.response_id) ?? this.localReplyId()
    this.activeReplyId = id
    this.agentPartial = ''
    this.agentPartialKey = null
    this.host?.emit({ type: 'reply.started', responseId: id })
  }

  private onReplyAudio(msg: Json): void {
    const b64 = str(msg.data) ?? str(msg.audio) ?? str(msg.delta)
    if (b64 === undefined) return this.malformed('reply.audio', 'data')
    const replyId = str(msg.reply_id) ?? this.activeReplyId ?? this.implicitReply()
    if (this.flushedReplies.has(replyId)) return // barged in: the rest of this reply is dropped
    let pcm: Int16Array
    try {
      pcm = base64ToInt16(b64)
    } catch {
      this.emitError('protocol_error', 'AssemblyAI sent reply audio that is not valid base64', false)
      return
    }
    if (pcm.length === 0) return
    this.lastAudioReplyId = replyId
    this.audioSamples.set(replyId, (this.audioSamples.get(replyId) ?? 0) + pcm.length)
    this.host?.emit({ type: 'audio', responseId: replyId, itemId: replyId, pcm })
  }

  /**
   * `transcript.agent.delta` is incremental (A6): each event carries only the newly spoken word(s)
   * in `delta`, timed by `start_ms`/`end_ms` from the start of the reply. Words are appended as they
   * come, never diffed against the text so far (a repeated word is a new word).
   */
  private onAgentDelta(msg: Json): void {
    const piece = str(msg.delta) ?? str(msg.text)
    if (piece === undefined) return this.malformed('transcript.agent.delta', 'delta')
    if (piece === '') return
    const delta = this.agentPartial === '' || /^\s/.test(piece) || /\s$/.test(this.agentPartial) ? piece : ` ${piece}`
    this.agentPartial += delta
    const responseId = str(msg.reply_id) ?? this.activeReplyId ?? undefined
    this.agentPartialKey ??= responseId ?? null
    this.host?.emit({ type: 'agent.delta', text: delta, ...(responseId ? { responseId, itemId: responseId } : {}) })
  }

  private onAgentFinal(msg: Json): void {
    const text = str(msg.text) ?? str(msg.transcript) ?? ''
    const responseId = str(msg.reply_id) ?? this.activeReplyId ?? undefined
    // The final lands on the entry its words built (the deltas carry no item_id), else on its item.
    const itemId = this.agentPartialKey ?? str(msg.item_id) ?? responseId
    const interrupted = msg.interrupted === true || (responseId !== undefined && this.flushedReplies.has(responseId))
    this.agentPartial = ''
    this.agentPartialKey = null
    if (text !== '') this.remember(`Assistant: ${text}${interrupted ? ' [interrupted]' : ''}`)
    this.host?.emit({
      type: 'agent.final',
      text,
      interrupted,
      ...(responseId ? { responseId } : {}),
      ...(itemId ? { itemId } : {}),
    })
  }

  private onReplyDone(msg: Json, interrupted: boolean): void {
    const replyId = str(msg.reply_id) ?? this.activeReplyId ?? this.localReplyId()
    if (interrupted && !this.flushedReplies.has(replyId)) {
      // The server stopped the reply; whatever is still queued locally must not play.
      this.flushedReplies.add(replyId)
      this.host?.emit({ type: 'bargein', responseId: replyId, itemId: replyId })
    }
    if (this.activeReplyId === replyId || str(msg.reply_id) === undefined) this.activeReplyId = null
    this.host?.emit({ type: 'reply.done', responseId: replyId, status: interrupted ? 'interrupted' : 'completed' })
    this.replyDoneLatest = true
    if (interrupted) {
      this.dropPending('the reply was interrupted')
      for (const call of this.calls.values()) if (!call.settled) call.cancelled = true
    } else {
      this.flushPending()
    }
  }

  private onToolCall(msg: Json): void {
    this.replyDoneLatest = false
    const callId = str(msg.call_id) ?? str(msg.callId) ?? str(msg.id)
    if (callId === undefined) return this.malformed('tool.call', 'call_id')
    if (this.calls.has(callId)) {
      this.host?.log(`assemblyai: duplicate tool.call ${callId} ignored`)
      return
    }
    const name = str(msg.name) ?? ''
    const replyId = str(msg.reply_id) ?? this.activeReplyId ?? undefined
    const record: CallRecord = { name, replyId, cancelled: false, settled: false }
    this.calls.set(callId, record)

    const raw = msg.arguments !== undefined ? msg.arguments : msg.args
    const parsed = readToolCall(name, raw)
    if (!parsed.ok) {
      this.emitError('tool_error', `AssemblyAI tool call ${callId} could not run: ${parsed.problem}`, false)
      // The model still gets an answer (held like any other result).
      this.sendToolResult(callId, rejectedToolOutput(parsed.problem))
      return
    }
    this.host?.emit({
      type: 'tool.call',
      callId,
      name,
      arguments: parsed.value,
      rawArguments: parsed.raw,
      ...(replyId ? { responseId: replyId } : {}),
    })
  }

  // ---------------------------------------------------------------------------------------------

  private flushPending(): void {
    if (this.pending.length === 0 || this.phase !== 'ready') return
    const batch = this.pending
    this.pending = []
    for (const result of batch) {
      // A8: a failed, denied or unknown tool is flagged with is_error (UNCONFIRMED field).
      this.sendJson({
        type: 'tool.result',
        call_id: result.callId,
        result: result.output,
        ...(result.status !== 'ok' ? { is_error: true } : {}),
      })
      this.host?.emit({ type: 'tool.result', ...result, sent: true })
    }
  }

  private dropPending(why: string): void {
    if (this.pending.length === 0) return
    const batch = this.pending
    this.pending = []
    for (const result of batch) {
      this.host?.log(`assemblyai: tool result ${result.callId} dropped: ${why}`)
      this.host?.emit({ type: 'tool.result', ...result, sent: false })
    }
  }

  private dropCarried(why: string): void {
    if (this.carried.length === 0) return
    const batch = this.carried
    this.carried = []
    for (const result of batch) {
      this.host?.log(`assemblyai: tool result ${result.callId} dropped: ${why}`)
      this.host?.emit({ type: 'tool.result', ...result, sent: false })
    }
  }

  /** The reply whose audio may still be playing locally, or null. */
  private playingReplyId(): string | null {
    if (this.activeReplyId !== null) return this.activeReplyId
    const last = this.lastAudioReplyId
    if (last === null || this.flushedReplies.has(last) || !this.host) return null
    const samples = this.audioSamples.get(last) ?? 0
    const receivedMs = (samples / ASSEMBLYAI_SAMPLE_RATE) * 1000
    let playedMs = receivedMs
    try {
      playedMs = this.host.playback.playedMs(last)
    } catch {
      // A broken reporter must not break the session; assume it finished.
    }
    return Number.isFinite(playedMs) && playedMs + 1 < receivedMs ? last : null
  }

  private implicitReply(): string {
    // Audio without reply.started (old servers): open a reply so the audio has an id.
    const id = this.localReplyId()
    this.activeReplyId = id
    this.host?.emit({ type: 'reply.started', responseId: id })
    return id
  }

  private localReplyId(): string {
    this.replySeq += 1
    return `aai_reply_${this.replySeq}`
  }

  private remember(line: string): void {
    this.history.push(line)
    let total = this.history.reduce((n, l) => n + l.length + 1, 0)
    while (total > MAX_CARRIED_CONTEXT_CHARS && this.history.length > 1) {
      total -= (this.history.shift() ?? '').length + 1
    }
  }

  private carriedContext(): string {
    const lines = this.runtimeHistory
      ? this.runtimeHistory
          .filter((turn) => turn && typeof turn.text === 'string' && turn.text.trim() !== '')
          .map((turn) => `${turn.role === 'user' ? 'User' : 'Assistant'}: ${turn.text}`)
      : this.history
    if (lines.length === 0) return ''
    let text = lines.join('\n')
    if (text.length > MAX_CARRIED_CONTEXT_CHARS) text = text.slice(text.length - MAX_CARRIED_CONTEXT_CHARS)
    return text
  }

  private malformed(event: string, field: string): void {
    this.emitError('protocol_error', `AssemblyAI sent ${event} without a usable "${field}"`, false)
  }

  private emitError(code: S2SErrorCode, message: string, fatal: boolean): void {
    this.emit({ code, message, fatal })
  }

  private emit(error: S2SError): void {
    this.host?.emit({ type: 'error', error })
  }

  private sendJson(frame: Json): void {
    if (!this.host) return
    try {
      this.host.send(JSON.stringify(frame))
    } catch (err) {
      this.emitError('connection_lost', `AssemblyAI: could not send ${String(frame.type)} (${describe(err)})`, false)
    }
  }
}

export function createAssemblyAIAdapter(options?: AssemblyAIAdapterOptions): AssemblyAIAdapter {
  return new AssemblyAIAdapter(options)
}

/**
 * The first message of a fresh session. Conservative: only documented fields; greeting only when
 * non-empty (an empty greeting means the agent waits for the user); FLAT tool declarations.
 */
export function buildSessionUpdate(config: SessionConfig, carriedContext = ''): Json {
  const format = { encoding: 'audio/pcm', sample_rate: ASSEMBLYAI_SAMPLE_RATE }
  let prompt = config.instructions ?? ''
  if (carriedContext !== '') {
    prompt =
      (prompt === '' ? '' : `${prompt}\n\n`) +
      'The connection dropped and this is a new session continuing the same conversation. ' +
      `Recent conversation so far:\n${carriedContext}`
  }
  const session: Json = {}
  if (prompt !== '') session.system_prompt = prompt
  if (typeof config.greeting === 'string' && config.greeting.trim() !== '') session.greeting = config.greeting
  session.input = { format, turn_detection: turnDetection(config.turnTaking === 'manual' ? 'hold' : 'adaptive') }
  const output: Json = { format }
  if (typeof config.voice === 'string' && config.voice !== '') output.voice = config.voice
  session.output = output
  session.tools = (config.tools ?? []).map(declareTool)
  return { type: 'session.update', session }
}

/**
 * Seconds the agent waits for a tool's result (A8, UNCONFIRMED field). At least Earshot's longest
 * confirmation wait (settings.tools.confirmTimeoutSeconds, at most 600 s) plus time to run the tool,
 * so a user still deciding is never cut off by the server.
 */
export const ASSEMBLYAI_TOOL_TIMEOUT_SECONDS = 630

function declareTool(tool: { name: string; description?: string; parameters?: unknown }): Json {
  return {
    type: 'function',
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
    timeout_seconds: ASSEMBLYAI_TOOL_TIMEOUT_SECONDS,
  }
}

// ---- helpers ---------------------------------------------------------------------------------------

function readPendingResults(value: unknown): PendingResult[] {
  if (!Array.isArray(value)) return []
  const out: PendingResult[] = []
  for (const item of value) {
    if (!isObject(item) || typeof item.callId !== 'string' || typeof item.output !== 'string') continue
    const status = item.status === 'error' || item.status === 'denied' ? item.status : 'ok'
    out.push({ callId: item.callId, name: typeof item.name === 'string' ? item.name : '', output: item.output, status })
  }
  return out
}

/**
 * One conversation over one S2SSession at a time: what the voice window and the CLI both need,
 * written once. It owns the session (opened on the first press, closed when idle), the order of a
 * barge-in (silence first, then tell the provider, so truncation reads what was really played),
 * the end of a push-to-talk turn (after the tail has gone out, the provider's explicit end of
 * turn), the tool-call lifecycle (run through the tools port, answered once), idle close, and the
 * transcript (a pure reducer, ./transcript.ts). Everything platform-specific comes in through the
 * ports (./ports.ts); nothing here touches a DOM, Node or a clock of its own.
 *
 * Turn taking (TurnPolicy):
 *  - push-to-talk: press() starts capture at once (the audio port's pre-roll keeps what was said
 *    just before the key went down; frames wait while the session connects). release() stops it;
 *    the port sends its tail and calls captureEnded(); then the session ends the turn the
 *    provider's way (S2SSession.endTurn). A press shorter than MIN_PRESS_MS is dropped instead.
 *    Between presses no audio is sent at all.
 *  - provider-vad: capture stays open while the policy holds and the provider's VAD ends turns.
 */
import { S2SSession, type TimerLike } from '../s2s/session'
import type { S2SError, S2SEvent, SessionStatus, TurnTaking } from '../s2s/types'
import type { PendingConfirmation } from '../tools/types'
import { ConversationStartError, type AudioPort, type SessionPort, type SessionTelemetry, type ToolsPort, type TurnPolicy, type TurnSink } from './ports'
import { initialTranscript, reduceTranscript, type Entry, type ErrorAction, type TranscriptChange, type TranscriptInput, type TranscriptState } from './transcript'

/** A session nobody talked to for this long is closed (reopened on the next press). */
export const IDLE_CLOSE_MS = 5 * 60_000
/** A push-to-talk press shorter than this is a slip of the finger: its audio is dropped, not answered. */
export const MIN_PRESS_MS = 100

export interface ConversationState {
  status: SessionStatus
  /** The microphone is sending (a press held or latched, or the open microphone of provider-vad). */
  capturing: boolean
  policy: TurnPolicy
  /** Tool calls waiting for the user. */
  pending: PendingConfirmation[]
  /** What went wrong, while status is 'error'. */
  error: string | null
}

export type ConversationEvent =
  /** Everything the session emits, unchanged, in order. */
  | S2SEvent
  /** The transcript changed (entries to put, lines to announce). */
  | { type: 'transcript'; changes: TranscriptChange[] }
  /** state changed (status, capturing, policy, pending). */
  | { type: 'state'; state: ConversationState }
  /** A session could not be opened (no key, minting failed). */
  | { type: 'start-failed'; code: string; message: string }
  /** A tool call finished and its result was handed to the session. */
  | { type: 'tool.finished'; callId: string; name: string; arguments: unknown; output: string; status: 'ok' | 'error' | 'denied' }

export interface ConversationOptions {
  audio: AudioPort
  tools: ToolsPort
  session: SessionPort
  policy: TurnPolicy
  sink?: TurnSink
  telemetry?: SessionTelemetry
  now?: () => number
  timers?: TimerLike
  idleCloseMs?: number
  log?: (line: string) => void
  /** Passed to every S2SSession (tests shorten backoffs and timeouts). */
  sessionOptions?: { maxReconnectAttempts?: number; reconnectDelayMs?: (attempt: number) => number; connectTimeoutMs?: number; renewAfterMs?: number | null }
}

/** What fixes a session error. */
export function actionFor(code: string): ErrorAction {
  if (code === 'auth_failed' || code === 'missing_key') return 'key'
  if (code === 'microphone') return 'microphone'
  return 'retry'
}

const defaultTimers: TimerLike = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
}

export class Conversation {
  private readonly options: ConversationOptions
  private readonly audio: AudioPort
  private readonly now: () => number
  private readonly timers: TimerLike
  private readonly listeners = new Set<(event: ConversationEvent) => void>()
  private readonly offs: Array<() => void> = []

  private stateValue: ConversationState
  private transcriptState: TranscriptState = initialTranscript()
  private sessionValue: S2SSession | null = null
  private starting: Promise<S2SSession | null> | null = null
  private ready = false
  private pressedAt: number | null = null
  /** The capture was stopped and its tail is on its way: what to do when captureEnded() comes. */
  private releasing: 'end' | 'cancel' | null = null
  /** A push-to-talk turn ended while the session was still being opened. */
  private settleOnOpen: 'end' | 'cancel' | null = null
  /** The provider's VAD hears the user (speech started, not yet stopped): a turn is in progress. */
  private userSpeaking = false
  private idleTimer: unknown = null
  private disposed = false
  private readonly toolRuns = new Set<Promise<void>>()
  /** The last audio item of each reply still in progress (the port ends it at reply.done). */
  private readonly lastItemOf = new Map<string, string>()

  constructor(options: ConversationOptions) {
    this.options = options
    this.audio = options.audio
    this.now = options.now ?? (() => Date.now())
    this.timers = options.timers ?? defaultTimers
    this.stateValue = { status: 'idle', capturing: false, policy: options.policy, pending: [], error: null }
    const { tools } = options
    if (tools.onPending) this.offs.push(tools.onPending((pending) => this.setPending(pending)))
    if (tools.onDeclarationsChanged) {
      this.offs.push(
        tools.onDeclarationsChanged((declarations) => {
          const outcome = this.sessionValue?.updateTools(declarations)
          if (outcome) this.options.log?.(`tool list changed: ${outcome}`)
        }),
      )
    }
  }

  // ------------------------------------------------------------------------------------------
  // What the outside sees
  // ------------------------------------------------------------------------------------------

  on(listener: (event: ConversationEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get state(): ConversationState {
    return this.stateValue
  }

  get session(): S2SSession | null {
    return this.sessionValue
  }

  /** The provider takes audio now (frames offered earlier wait in the audio port). */
  get acceptsAudio(): boolean {
    return this.ready && this.sessionValue !== null
  }

  get transcript(): TranscriptState {
    return this.transcriptState
  }

  get turnTaking(): TurnTaking {
    return this.stateValue.policy === 'push-to-talk' ? 'manual' : 'auto'
  }

  // ------------------------------------------------------------------------------------------
  // Turn taking
  // ------------------------------------------------------------------------------------------

  /** Push-to-talk went down (the key, the button, a toggle press). A press while the agent speaks is a barge-in. */
  press(): void {
    if (this.disposed) return
    if (this.releasing) {
      // Pressed again before the last tail went out: one turn, the tail and the new press merge.
      this.releasing = null
      this.audio.startCapture()
      this.set({ capturing: true })
      return
    }
    if (this.stateValue.capturing) return
    this.clearIdle()
    this.pressedAt = this.now()
    this.bargeIn()
    if (this.turnTaking === 'manual') this.sessionValue?.beginTurn()
    this.audio.startCapture()
    this.set({ capturing: true })
    void this.ensureSession()
  }

  /** Push-to-talk came up: the tail goes out, then the turn ends (captureEnded). */
  release(): void {
    if (!this.stateValue.capturing || this.releasing) return
    const held = this.pressedAt === null ? Infinity : this.now() - this.pressedAt
    this.releasing = this.turnTaking === 'manual' && held < MIN_PRESS_MS ? 'cancel' : 'end'
    this.pressedAt = null
    this.set({ capturing: false })
    this.audio.stopCapture()
  }

  /** The capture was cancelled (muted, the session failed, the mode changed): no turn, no reply. */
  cancel(): void {
    if (!this.stateValue.capturing) {
      if (this.releasing) this.releasing = 'cancel'
      return
    }
    this.releasing = 'cancel'
    this.pressedAt = null
    this.set({ capturing: false })
    this.audio.stopCapture()
  }

  /** The audio port sent the tail of a stopped capture. */
  captureEnded(): void {
    const how = this.releasing
    this.releasing = null
    if (!how) return
    if (this.turnTaking === 'manual') this.settleTurn(how)
    this.armIdle()
  }

  /** Ends (or drops) a push-to-talk turn; still opening the session, once it exists (and, in S2SSession, once it is ready). */
  private settleTurn(how: 'end' | 'cancel'): void {
    const session = this.sessionValue
    if (!session) this.settleOnOpen = this.starting ? how : null
    else if (how === 'end') session.endTurn()
    else session.cancelTurn()
  }

  /**
   * Switches between push-to-talk and the provider's turn detection, mid-session too. A turn in
   * progress is neither lost nor answered twice: leaving push-to-talk mid-press ends the press's
   * turn the push-to-talk way (what is said from then on is the provider's to end); leaving the
   * open microphone while the provider hears the user speak ends that turn with a commit, since
   * with turn detection off nobody else would.
   */
  setPolicy(policy: TurnPolicy): void {
    if (policy === this.stateValue.policy) return
    const wasCapturing = this.stateValue.capturing
    const session = this.sessionValue
    if (policy === 'provider-vad') {
      const held = this.pressedAt === null ? Infinity : this.now() - this.pressedAt
      const how = this.releasing ?? (wasCapturing ? (held < MIN_PRESS_MS ? 'cancel' : 'end') : null)
      this.releasing = null
      this.pressedAt = null
      if (how) this.settleTurn(how)
      this.set({ policy })
      session?.setTurnTaking(this.turnTaking)
      // A press in progress goes on as open-microphone audio: the provider's VAD ends what follows.
      // (Whoever chose the policy opens the microphone, or feeds audio through a local speech gate.)
      return
    }
    const midUtterance = this.userSpeaking
    this.set({ policy })
    session?.setTurnTaking(this.turnTaking)
    if (midUtterance) {
      this.userSpeaking = false
      session?.endTurn()
    }
    if (wasCapturing) {
      this.releasing = null
      this.set({ capturing: false })
      this.audio.stopCapture()
      this.armIdle()
    }
  }

  /** provider-vad: capture open for as long as the policy holds (the session opens at once). */
  openMicrophone(): void {
    if (this.disposed || this.stateValue.policy !== 'provider-vad' || this.stateValue.capturing) return
    this.clearIdle()
    this.audio.startCapture()
    this.set({ capturing: true })
    void this.ensureSession()
  }

  /** The user starts talking over the reply: stop it now, then tell the provider. */
  bargeIn(): void {
    const s = this.sessionValue
    const playing = this.audio.isPlaying
    // A provider that already finished sending the reply may not emit 'bargein': flush anyway.
    const interrupt = s !== null && (playing || s.status === 'speaking' || s.status === 'thinking')
    if (!playing) {
      if (interrupt) s.interrupt()
      return
    }
    // Silence first, then tell the provider: the adapter's truncation reads how much of the reply
    // was really played, which is only final once playback has stopped rendering it.
    const flushed = this.audio.flush()
    if (interrupt) {
      void flushed.then(() => {
        if (this.sessionValue === s) s.interrupt()
      })
    }
    this.transcribe({ type: 'local-bargein' })
  }

  // ------------------------------------------------------------------------------------------
  // Audio in
  // ------------------------------------------------------------------------------------------

  /** A capture frame (PCM16 mono at the session's input rate). */
  sendAudio(pcm: Int16Array): void {
    this.sessionValue?.sendAudio(pcm)
  }

  // ------------------------------------------------------------------------------------------
  // The session
  // ------------------------------------------------------------------------------------------

  /** Starts a session unless one is up or starting. Resolves null when it could not start. */
  ensureSession(): Promise<S2SSession | null> {
    if (this.sessionValue) return Promise.resolve(this.sessionValue)
    if (this.starting) return this.starting
    this.starting = this.startSession().finally(() => {
      this.starting = null
    })
    return this.starting
  }

  /** Ends the connection (the transcript stays; the next press opens a new one). */
  async hangUp(): Promise<void> {
    this.cancel()
    await this.sessionValue?.close()
  }

  /** Tool runs still under way (the CLI waits for them so every call gets its line). */
  get runningTools(): ReadonlySet<Promise<void>> {
    return this.toolRuns
  }

  async dispose(): Promise<void> {
    this.disposed = true
    for (const off of this.offs.splice(0)) off()
    this.clearIdle()
    await this.sessionValue?.close().catch(() => undefined)
    await this.options.telemetry?.close().catch(() => undefined)
  }

  /** Shows an error in the transcript (the window's own problems, e.g. a muted microphone). */
  showError(message: string, action: ErrorAction): void {
    this.transcribe({ type: 'error', message, action, at: this.now() })
  }

  private async startSession(): Promise<S2SSession | null> {
    this.setStatus('connecting')
    let opened
    try {
      opened = await this.options.session.open()
    } catch (error) {
      const code = error instanceof ConversationStartError ? error.code : typeof error === 'object' && error && 'code' in error ? String((error as { code: unknown }).code) : 'internal'
      const message = error instanceof Error ? error.message : String(error)
      this.startFailed(code, message)
      return null
    }
    if (this.disposed) return null
    const session = new S2SSession({
      ...this.options.sessionOptions,
      mint: this.options.telemetry ? this.options.telemetry.wrapMint(opened.mint) : opened.mint,
      socketFactory: this.options.session.socketFactory,
      config: { ...opened.config, turnTaking: this.turnTaking },
      ...(opened.initialHistory?.length ? { initialHistory: opened.initialHistory } : {}),
      playback: this.audio.reporter,
      createAdapter: this.options.session.createAdapter,
      now: this.now,
      timers: this.timers,
      log: this.options.log,
    })
    this.sessionValue = session
    this.ready = false
    session.on((event) => this.onEvent(session, event))
    // The press that opened this session began its turn before the session existed.
    if (this.turnTaking === 'manual' && (this.stateValue.capturing || this.releasing || this.settleOnOpen)) session.beginTurn()
    const settle = this.settleOnOpen
    this.settleOnOpen = null
    if (settle === 'end') session.endTurn()
    else if (settle === 'cancel') session.cancelTurn()
    this.options.sink?.begin?.({ provider: opened.provider, model: opened.model, at: this.now() })
    await session.connect().catch(() => undefined)
    return this.sessionValue === session ? session : null
  }

  private startFailed(code: string, message: string): void {
    this.showError(message, actionFor(code))
    this.releasing = null
    this.settleOnOpen = null
    this.pressedAt = null
    if (this.stateValue.capturing) this.audio.stopCapture()
    this.audio.discard?.()
    this.set({ capturing: false, error: message })
    this.setStatus('error')
    this.emit({ type: 'start-failed', code, message })
  }

  private onEvent(session: S2SSession, event: S2SEvent): void {
    if (session !== this.sessionValue) return
    try {
      this.options.telemetry?.handle(event)
    } catch (error) {
      this.options.log?.(`telemetry: ${String(error)}`)
    }
    switch (event.type) {
      case 'status':
        if (event.status === 'reconnecting') this.ready = false
        this.setStatus(event.status)
        if (event.status === 'listening' || event.status === 'ready') this.armIdle()
        break
      case 'ready':
        this.ready = true
        this.transcribe({ type: 'ready' })
        this.audio.setRates(event.inputSampleRate, event.outputSampleRate)
        this.audio.ready?.()
        break
      case 'user.speech.started':
        this.userSpeaking = true
        this.transcribe({ type: 'speech-started', at: this.now() })
        break
      case 'user.speech.stopped':
        this.userSpeaking = false
        break
      case 'user.delta':
      case 'user.final':
        this.transcribe({ type: 'user', ...(event.itemId ? { itemId: event.itemId } : {}), text: event.text, final: event.type === 'user.final', at: this.now() })
        break
      case 'agent.delta': {
        const key = event.itemId ?? event.responseId
        this.transcribe({ type: 'agent-delta', ...(key ? { key } : {}), text: event.text, at: this.now() })
        break
      }
      case 'agent.final': {
        const key = event.itemId ?? event.responseId
        this.transcribe({ type: 'agent-final', ...(key ? { key } : {}), text: event.text, interrupted: event.interrupted, at: this.now() })
        break
      }
      case 'audio':
        this.lastItemOf.set(event.responseId, event.itemId)
        this.audio.play(event)
        break
      case 'bargein': {
        const playing = this.audio.isPlaying
        void this.audio.flush()
        const key = event.itemId ?? event.responseId
        this.transcribe({ type: 'bargein', ...(key ? { key } : {}), playing })
        break
      }
      case 'reply.done':
        this.audio.endReply(event.responseId, this.lastItemOf.get(event.responseId) ?? null)
        this.lastItemOf.delete(event.responseId)
        this.transcribe({ type: 'reply-done', status: event.status, playing: this.audio.isPlaying })
        break
      case 'tool.call':
        this.runTool(session, event)
        break
      case 'usage': {
        const { type: _type, ...usage } = event
        this.options.sink?.usage?.(usage)
        break
      }
      case 'error':
        this.sessionError(event.error)
        break
      case 'closed':
        this.sessionValue = null
        this.ready = false
        this.userSpeaking = false
        this.clearIdle()
        this.lastItemOf.clear()
        this.audio.discard?.()
        this.transcribe({ type: 'closed' })
        if (this.stateValue.capturing && this.stateValue.policy === 'push-to-talk') {
          // The press outlived the session: the next press opens a new one.
          this.releasing = null
          this.pressedAt = null
          this.audio.stopCapture()
          this.set({ capturing: false })
        }
        this.options.sink?.end?.(this.now())
        if (event.reason !== 'error') this.setStatus('idle')
        break
      default:
        break
    }
    this.emit(event)
  }

  private sessionError(error: S2SError): void {
    // A dropped connection that the runtime is reconnecting is shown as the status, not an error.
    if (!error.fatal && (error.code === 'connection_lost' || error.code === 'session_expired')) return
    const wait = error.retryAfterSeconds ? ` Try again in ${error.retryAfterSeconds} s.` : ''
    this.showError(`${error.message}${wait}`, error.fatal ? actionFor(error.code) : 'none')
    if (error.fatal) {
      this.releasing = null
      this.pressedAt = null
      if (this.stateValue.capturing) this.audio.stopCapture()
      this.set({ capturing: false, error: error.message })
      this.setStatus('error')
    }
  }

  /** Something happened that counts as use (a local speech gate opened or closed): the idle clock starts again. */
  activity(): void {
    this.armIdle()
  }

  private armIdle(): void {
    this.clearIdle()
    // An open microphone (provider VAD, capture on) keeps its session; everything else closes when idle.
    if (!this.sessionValue || (this.stateValue.policy === 'provider-vad' && this.stateValue.capturing)) return
    const ms = this.options.idleCloseMs ?? IDLE_CLOSE_MS
    this.idleTimer = this.timers.setTimeout(() => {
      this.idleTimer = null
      if (this.stateValue.capturing || this.releasing || this.audio.isPlaying || this.stateValue.pending.length > 0 || this.toolRuns.size > 0) {
        this.armIdle()
        return
      }
      void this.sessionValue?.close()
    }, ms)
  }

  private clearIdle(): void {
    if (this.idleTimer !== null) this.timers.clearTimeout(this.idleTimer)
    this.idleTimer = null
  }

  // ------------------------------------------------------------------------------------------
  // Tools
  // ------------------------------------------------------------------------------------------

  private runTool(session: S2SSession, event: Extract<S2SEvent, { type: 'tool.call' }>): void {
    const shown = event.rawArguments || JSON.stringify(event.arguments ?? {})
    this.transcribe({ type: 'tool-call', callId: event.callId, name: event.name, args: shown, at: this.now() })
    const waiting = this.stateValue.pending.find((p) => p.callId === event.callId)
    if (waiting) this.transcribe(waitingInput(waiting))
    let args: unknown = event.arguments
    if (args === undefined || args === null) args = event.rawArguments ? parseMaybeJson(event.rawArguments) : {}
    const run: Promise<void> = this.options.tools
      .run({ callId: event.callId, name: event.name, arguments: args, rawArguments: event.rawArguments })
      .catch((error: unknown) => ({ output: JSON.stringify({ error: error instanceof Error ? error.message : String(error), code: 'failed' }), status: 'error' as const }))
      .then((result) => {
        this.transcribe({ type: 'tool-finished', callId: event.callId, status: result.status, output: result.output })
        session.submitToolResult(event.callId, result.output, result.status)
        this.emit({ type: 'tool.finished', callId: event.callId, name: event.name, arguments: args, output: result.output, status: result.status })
      })
      .finally(() => {
        this.toolRuns.delete(run)
        this.armIdle()
      })
    this.toolRuns.add(run)
  }

  /** The calls waiting for the user (the tools port reports them; a decision's answer may too). */
  setPending(pending: PendingConfirmation[]): void {
    const before = this.stateValue.pending
    this.set({ pending })
    for (const p of pending) this.transcribe(waitingInput(p))
    for (const old of before) {
      if (!pending.some((p) => p.callId === old.callId)) this.transcribe({ type: 'tool-resumed', callId: old.callId })
    }
  }

  // ------------------------------------------------------------------------------------------
  // Helpers
  // ------------------------------------------------------------------------------------------

  private transcribe(input: TranscriptInput): void {
    const step = reduceTranscript(this.transcriptState, input)
    this.transcriptState = step.state
    if (step.changes.length === 0) return
    const sink = this.options.sink
    if (sink?.entry) {
      for (const change of step.changes) if (change.type === 'put' && isSettled(change.entry)) sink.entry(change.entry)
    }
    this.emit({ type: 'transcript', changes: step.changes })
  }

  private setStatus(status: SessionStatus): void {
    if (this.stateValue.status !== status) this.set(status === 'error' ? { status } : { status, error: null })
  }

  private set(patch: Partial<ConversationState>): void {
    this.stateValue = { ...this.stateValue, ...patch }
    this.emit({ type: 'state', state: this.stateValue })
  }

  private emit(event: ConversationEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event)
      } catch (error) {
        this.options.log?.(`conversation listener threw on ${event.type}: ${String(error)}`)
      }
    }
  }
}

function waitingInput(p: PendingConfirmation): TranscriptInput {
  return { type: 'tool-waiting', callId: p.callId, summary: p.summary, expiresAt: p.expiresAt, ...(p.source ? { source: p.source } : {}), ...(p.allowAlways === false ? { allowAlways: false } : {}) }
}

/** Entries that go to the record: finals, finished tool calls, errors. */
function isSettled(entry: Entry): boolean {
  if (entry.kind === 'user' || entry.kind === 'agent') return entry.final
  if (entry.kind === 'tool') return entry.state === 'done' || entry.state === 'failed' || entry.state === 'denied'
  return true
}

/** JSON when the text is JSON, else the text itself (tool arguments and results). */
export function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * The speech-to-speech session runtime: one connection to one provider through a ProviderAdapter,
 * used by the renderer (browser WebSocket), the CLI and the tests (`ws` or in-memory sockets).
 *
 * It owns what adapters do not: the socket, minting (a fresh credential for every connection),
 * audio buffering until the provider accepts audio, the status machine, tool-call bookkeeping
 * (each callId emitted and answered once, across reconnects too), reconnects after a drop with
 * bounded backoff, proactive renewal before a provider's session cap (conversation carried over as
 * text), and a clean close. Nothing that arrives on the socket can throw out of it: adapter
 * exceptions become 'protocol_error' events, listener exceptions are logged.
 */
import { S2SSessionError, errorFromClose, makeError, toS2SError } from './errors'
import type {
  AdapterHost,
  ConversationTurn,
  PlaybackReporter,
  ProtocolId,
  ProviderAdapter,
  ResumeState,
  S2SError,
  S2SEvent,
  SessionConfig,
  SessionCredential,
  SessionStatus,
  SocketFactory,
  SocketLike,
  ToolDeclaration,
  ToolResultStatus,
  TurnTaking,
} from './types'

/** Timer functions (injectable so tests drive time with a fake clock). */
export interface TimerLike {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface S2SSessionOptions {
  /** Returns a fresh credential; called for the first connection and for every reconnect. */
  mint: () => Promise<SessionCredential>
  socketFactory: SocketFactory
  config: SessionConfig
  playback: PlaybackReporter
  createAdapter: (protocol: ProtocolId) => ProviderAdapter
  now?: () => number
  timers?: TimerLike
  log?: (line: string) => void
  /** Reconnect attempts after a drop before giving up (default 4). */
  maxReconnectAttempts?: number
  /** Delay before reconnect attempt n (1-based); default 250 ms doubling, at most 4 s. */
  reconnectDelayMs?: (attempt: number) => number
  /** Audio kept while the provider cannot take it yet; the oldest is dropped beyond this (default 5000 ms). */
  maxBufferedAudioMs?: number
  /** Overrides the adapter's renewAfterMs (null: never renew proactively). */
  renewAfterMs?: number | null
  /** When renewal falls due mid-reply it waits for the reply to end, at most this long (default 120 s). */
  renewMaxWaitMs?: number
  /** From opening a socket to the provider's ready (default 15 s). */
  connectTimeoutMs?: number
  /** close(): how long to wait for the socket to close (default 2 s). */
  closeTimeoutMs?: number
  /**
   * A conversation this session continues ("Continue" in history): given to the adapter on the
   * first start as its history (OpenAI replays it as text items, AssemblyAI carries it in the
   * system prompt) and kept for reconnects and renewals like the session's own turns.
   */
  initialHistory?: ConversationTurn[]
}

export type S2SListener = (event: S2SEvent) => void

type ConnectMode = 'initial' | 'reconnect' | 'renew'

const OPEN = 1

const defaultTimers: TimerLike = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
}

function toFrame(data: unknown): string | ArrayBuffer | null {
  if (typeof data === 'string') return data
  if (data instanceof ArrayBuffer) return data
  if (ArrayBuffer.isView(data)) {
    const view = data as ArrayBufferView
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice().buffer
  }
  if (Array.isArray(data) && data.every((d) => ArrayBuffer.isView(d))) {
    // ws 'fragments' binary type: concatenate.
    const parts = data as ArrayBufferView[]
    const total = parts.reduce((n, p) => n + p.byteLength, 0)
    const out = new Uint8Array(total)
    let o = 0
    for (const p of parts) {
      out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), o)
      o += p.byteLength
    }
    return out.buffer
  }
  return null
}

export class S2SSession {
  private readonly options: S2SSessionOptions
  private readonly timers: TimerLike
  private readonly now: () => number
  private readonly listeners = new Set<S2SListener>()

  private statusValue: SessionStatus = 'idle'
  private generation = 0
  private socket: SocketLike | null = null
  private adapter: ProviderAdapter | null = null
  private credential: SessionCredential | null = null
  private opened = false
  private everReady = false
  private readyNow = false
  private closing = false
  private ended = false
  private agentEnded = false
  private renewing = false
  private renewPending = false
  private hasSentAudio = false
  private reconnectAttempt = 0

  private audioQueue: Int16Array[] = []
  private audioQueued = 0
  private readonly seenCalls = new Map<string, string>()
  private readonly answeredCalls = new Set<string>()
  private pendingResults: { callId: string; output: string; status: ToolResultStatus }[] = []
  private readonly historyTurns: ConversationTurn[] = []

  private connectTimer: unknown = null
  private reconnectTimer: unknown = null
  private renewTimer: unknown = null
  private renewWaitTimer: unknown = null

  private connectSettle: { resolve: () => void; reject: (e: Error) => void } | null = null
  private connectPromise: Promise<void> | null = null
  private closePromise: Promise<void> | null = null
  private closeResolve: (() => void) | null = null
  private rates = { input: 24000, output: 24000 }
  private turnTakingMode: TurnTaking
  /** Manual turn taking: a user turn that ended while the provider was not ready yet is ended once it is. */
  private turnEndPending: 'end' | 'cancel' | null = null
  /** Manual turn taking: a press began while the provider was not ready. */
  private turnBeginPending = false

  constructor(options: S2SSessionOptions) {
    this.options = options
    this.timers = options.timers ?? defaultTimers
    this.now = options.now ?? (() => Date.now())
    this.turnTakingMode = options.config.turnTaking ?? 'auto'
    for (const turn of options.initialHistory ?? []) {
      if (turn && (turn.role === 'user' || turn.role === 'assistant') && typeof turn.text === 'string' && turn.text.trim()) this.historyTurns.push({ role: turn.role, text: turn.text })
    }
  }

  /** How user turns end now (the config's turnTaking until setTurnTaking changes it). */
  get turnTaking(): TurnTaking {
    return this.turnTakingMode
  }

  /** Current status (also reported as 'status' events). */
  get status(): SessionStatus {
    return this.statusValue
  }

  /** Authoritative rates once ready (the credential's requested rates before). */
  get inputSampleRate(): number {
    return this.rates.input
  }

  get outputSampleRate(): number {
    return this.rates.output
  }

  /** Final user/agent transcripts so far (what a renewal carries over). */
  get history(): readonly ConversationTurn[] {
    return this.historyTurns
  }

  on(listener: S2SListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Mints, opens the socket and starts the session. Resolves once the provider is ready. */
  connect(): Promise<void> {
    if (this.connectPromise) return this.connectPromise
    if (this.ended) return Promise.reject(new S2SSessionError(makeError('internal', 'This session has ended; create a new one.', { fatal: true })))
    this.connectPromise = new Promise<void>((resolve, reject) => {
      this.connectSettle = { resolve, reject }
    })
    // A rejection nobody awaits must not become an unhandled rejection: errors are events too.
    this.connectPromise.catch(() => undefined)
    this.setStatus('connecting')
    void this.openConnection('initial', null)
    return this.connectPromise
  }

  /** PCM16 mono at the input rate. Buffered (bounded) until the provider accepts audio. */
  sendAudio(pcm: Int16Array): void {
    if (this.ended || this.closing || !(pcm instanceof Int16Array) || pcm.length === 0) return
    if (this.canSendAudio()) {
      this.flushAudio()
      this.pushAudio(pcm)
      return
    }
    const copy = pcm.slice()
    this.audioQueue.push(copy)
    this.audioQueued += copy.length
    const max = Math.max(1, Math.round(((this.options.maxBufferedAudioMs ?? 5000) * this.rates.input) / 1000))
    while (this.audioQueued > max && this.audioQueue.length > 1) {
      const dropped = this.audioQueue.shift() as Int16Array
      this.audioQueued -= dropped.length
    }
  }

  /**
   * A tool finished. Each callId is answered once: later results for it (or results for calls
   * this session never emitted) are ignored and false is returned.
   */
  submitToolResult(callId: string, output: string, status: ToolResultStatus = 'ok'): boolean {
    if (typeof callId !== 'string' || this.answeredCalls.has(callId) || !this.seenCalls.has(callId)) {
      this.log(`tool result for ${String(callId)} ignored (unknown or already answered)`)
      return false
    }
    this.answeredCalls.add(callId)
    const text = typeof output === 'string' ? output : JSON.stringify(output ?? null)
    if (this.ended) {
      this.emit({ type: 'tool.result', callId, name: this.seenCalls.get(callId) ?? '', output: text, status, sent: false })
      return true
    }
    if (this.adapter && this.readyNow) this.deliverToolResult(callId, text, status)
    else this.pendingResults.push({ callId, output: text, status })
    return true
  }

  /** Local barge-in: the adapter stops/cancels/truncates as its protocol wants and emits 'bargein'. */
  interrupt(): void {
    if (this.ended) return
    if (this.adapter && this.readyNow) {
      this.guard(() => this.adapter?.interrupt(), 'interrupt')
    } else {
      this.emit({ type: 'bargein' })
    }
    if (this.statusValue === 'speaking' || this.statusValue === 'thinking') this.setStatus('listening')
  }

  /** Asks for a reply now; false when the protocol has no such request or the session is not ready. */
  requestReply(): boolean {
    const adapter = this.adapter
    if (!adapter || !this.readyNow || typeof adapter.requestReply !== 'function') return false
    this.guard(() => adapter.requestReply?.(), 'requestReply')
    return true
  }

  /** Commits the audio sent so far as a user turn; false when unsupported or not ready. */
  commit(): boolean {
    const adapter = this.adapter
    if (!adapter || !this.readyNow || typeof adapter.commit !== 'function') return false
    this.flushAudio()
    this.guard(() => adapter.commit?.(), 'commit')
    return true
  }

  /**
   * Switches between push-to-talk ('manual') and the provider's turn detection ('auto'). Takes
   * effect at once on a ready connection and is the mode of every later connection.
   */
  setTurnTaking(mode: TurnTaking): void {
    if (mode === this.turnTakingMode) return
    this.turnTakingMode = mode
    const adapter = this.adapter
    // Once the adapter has started (socket open), it was configured with the old mode: tell it now
    // (each adapter sends the switch when its protocol allows, or at its ready).
    if (adapter && this.opened && typeof adapter.setTurnTaking === 'function') this.guard(() => adapter.setTurnTaking?.(mode), 'setTurnTaking')
  }

  /** Push-to-talk press: a user turn starts (before its audio). Nothing to do while not ready. */
  beginTurn(): void {
    if (this.ended) return
    const adapter = this.adapter
    if (!adapter || !this.readyNow) {
      // Sent at ready, before the audio held for it (a press that opened the session).
      this.turnBeginPending = true
      return
    }
    if (typeof adapter.beginTurn === 'function') this.guard(() => adapter.beginTurn?.(), 'beginTurn')
  }

  /**
   * Push-to-talk release, once the tail has been handed to sendAudio: every buffered frame goes
   * out, then the adapter ends the turn. While the provider is not ready (still connecting, or
   * reconnecting) the end waits for it, after the buffered audio. Emits 'turn.ended'.
   */
  endTurn(): void {
    this.settleTurn('end')
  }

  /** Push-to-talk: drop the turn in progress (a press too short to mean anything). */
  cancelTurn(): void {
    this.settleTurn('cancel')
  }

  private settleTurn(how: 'end' | 'cancel'): void {
    if (this.ended || this.closing) return
    const adapter = this.adapter
    if (!adapter || !this.readyNow) {
      this.turnEndPending = how
      return
    }
    this.turnEndPending = null
    this.flushAudio()
    if (how === 'cancel') {
      if (typeof adapter.cancelTurn === 'function') this.guard(() => adapter.cancelTurn?.(), 'cancelTurn')
      this.emit({ type: 'turn.ended', committed: false })
      return
    }
    let committed = false
    if (typeof adapter.endTurn === 'function') {
      this.guard(() => {
        committed = adapter.endTurn?.() === true
      }, 'endTurn')
    }
    this.emit({ type: 'turn.ended', committed })
    if (committed && this.statusValue === 'listening') this.setStatus('thinking')
  }

  /**
   * The tools the model may call changed (an MCP server came or went). Every later connection
   * declares the new list; the live one gets it now where the protocol allows ('sent'), otherwise
   * from the next session ('next_session', Speko); 'stored' when no connection is ready yet.
   */
  updateTools(tools: ToolDeclaration[]): 'sent' | 'next_session' | 'stored' {
    const copy = tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters }))
    this.options.config = { ...this.options.config, tools: copy }
    const adapter = this.adapter
    if (!adapter || !this.readyNow || this.ended) return 'stored'
    if (typeof adapter.updateTools !== 'function') return 'next_session'
    this.guard(() => adapter.updateTools?.(copy), 'updateTools')
    return 'sent'
  }

  /** Clean end: the adapter's end message, then a normal close. Resolves when the socket closed. */
  close(): Promise<void> {
    if (this.closePromise) return this.closePromise
    if (this.ended) return Promise.resolve()
    this.closing = true
    this.clearTimers()
    this.closePromise = new Promise<void>((resolve) => {
      this.closeResolve = resolve
    })
    const socket = this.socket
    if (this.adapter && socket && socket.readyState === OPEN) this.guard(() => this.adapter?.end(), 'end')
    if (socket && socket.readyState <= OPEN) {
      try {
        socket.close(1000, 'client closed')
      } catch (e) {
        this.log(`close failed: ${String(e)}`)
      }
      const gen = this.generation
      this.timers.setTimeout(() => {
        if (gen === this.generation) this.finish('user')
      }, this.options.closeTimeoutMs ?? 2000)
    } else {
      this.finish('user')
    }
    return this.closePromise
  }

  // -------------------------------------------------------------------------------------------
  // Connection
  // -------------------------------------------------------------------------------------------

  private async openConnection(mode: ConnectMode, resume: ResumeState | null): Promise<void> {
    const gen = ++this.generation
    this.opened = false
    this.readyNow = false
    let credential: SessionCredential
    try {
      credential = await this.options.mint()
      if (!credential || typeof credential.url !== 'string' || !Array.isArray(credential.protocols)) {
        throw new S2SSessionError(makeError('internal', 'Minting returned an invalid credential.', { fatal: true }))
      }
    } catch (e) {
      if (gen !== this.generation || this.ended || this.closing) return
      const message = e && typeof e === 'object' && 'message' in e ? String((e as { message: unknown }).message) : String(e)
      const fallback = /fetch|network|ECONN|ENOTFOUND|EAI_AGAIN|offline/i.test(message) ? 'offline' : 'internal'
      this.connectionFailed(mode, toS2SError(e, fallback, true))
      return
    }
    if (gen !== this.generation || this.ended || this.closing) return
    this.credential = credential
    if (!this.everReady) this.rates = { input: credential.inputSampleRate || 24000, output: credential.outputSampleRate || 24000 }

    let adapter: ProviderAdapter
    let socket: SocketLike
    try {
      adapter = this.options.createAdapter(credential.protocol)
      socket = this.options.socketFactory(credential.url, credential.protocols, credential)
    } catch (e) {
      this.connectionFailed(mode, toS2SError(e, 'offline', true))
      return
    }
    this.adapter = adapter
    this.socket = socket
    try {
      socket.binaryType = 'arraybuffer'
    } catch {
      /* some sockets fix their binary type */
    }
    this.connectTimer = this.timers.setTimeout(() => {
      if (gen !== this.generation || this.readyNow) return
      this.detachSocket(true)
      this.connectionFailed(mode, makeError('timeout', 'The provider did not get ready in time.', { fatal: true }))
    }, this.options.connectTimeoutMs ?? 15000)

    const host: AdapterHost = {
      send: (data) => {
        if (gen !== this.generation || !this.socket || this.socket.readyState !== OPEN) {
          this.log('dropped a frame: the socket is not open')
          return
        }
        try {
          this.socket.send(data)
        } catch (e) {
          this.log(`send failed: ${String(e)}`)
        }
      },
      sendMedia: (pcm) => {
        const media = this.socket
        if (gen !== this.generation || !media || typeof media.sendAudio !== 'function') return false
        if (media.readyState !== OPEN) return true // dropped, as a frame on a closed socket is
        try {
          media.sendAudio(pcm)
        } catch (e) {
          this.log(`audio track write failed: ${String(e)}`)
        }
        return true
      },
      emit: (event) => {
        if (gen !== this.generation) return
        this.handleAdapterEvent(event)
      },
      now: this.now,
      playback: this.options.playback,
      log: (line) => this.log(`[${credential.protocol}] ${line}`),
    }

    socket.onopen = () => {
      if (gen !== this.generation) return
      this.opened = true
      const history = mode !== 'initial' || this.historyTurns.length > 0 ? this.historyTurns.slice() : undefined
      this.guard(
        () =>
          adapter.start(host, {
            config: { ...this.options.config, turnTaking: this.turnTakingMode },
            credential,
            ...(resume ? { resume } : {}),
            ...(history ? { history } : {}),
          }),
        'start',
      )
      this.afterAdapterActivity()
    }
    socket.onmessage = (event) => {
      if (gen !== this.generation) return
      const frame = toFrame(event?.data)
      if (frame === null) {
        this.log('ignored a frame of an unknown type')
        return
      }
      this.guard(() => adapter.handleMessage(frame), 'handleMessage')
      this.afterAdapterActivity()
    }
    socket.onerror = () => {
      if (gen !== this.generation) return
      this.log('socket error (a close follows)')
    }
    socket.onclose = (event) => {
      if (gen !== this.generation) return
      const code = typeof event?.code === 'number' ? event.code : 1006
      const reason = typeof event?.reason === 'string' ? event.reason : ''
      this.handleSocketClose(mode, code, reason)
    }
  }

  private handleSocketClose(mode: ConnectMode, code: number, reason: string): void {
    const adapter = this.adapter
    if (adapter) this.guard(() => adapter.handleClose(code, reason), 'handleClose')
    if (this.ended) return
    const opened = this.opened
    const wasReady = this.readyNow
    this.detachSocket(false)
    if (this.closing) return this.finish('user')
    if (this.agentEnded) return this.finish('agent')
    const error = errorFromClose(code, reason, opened, this.credential?.protocol)
    if (!wasReady) {
      // The connection never became ready: a failed attempt.
      this.connectionFailed(mode, error ?? makeError('connection_lost', `The provider closed the connection before it was ready (${code}${reason ? `: ${reason}` : ''}).`, { fatal: true }))
      return
    }
    if (!error) {
      // A normal close the adapter did not announce: the provider ended the session.
      this.log(`provider closed normally (${code})`)
      return this.finish('agent')
    }
    if (error.fatal) {
      this.emit({ type: 'error', error })
      return this.finish('error')
    }
    if (error.code !== 'session_expired' || !this.renewing) this.emit({ type: 'error', error })
    const resume = adapter ? this.safe(() => adapter.resumeState(), null) : null
    this.scheduleReconnect(resume ? { ...resume, droppedAt: resume.droppedAt || this.now() } : null)
  }

  /** A connection attempt failed before the provider was ready. */
  private connectionFailed(mode: ConnectMode, error: S2SError): void {
    if (this.ended || this.closing) return
    this.clearTimer('connectTimer')
    if (mode === 'initial' || error.code === 'auth_failed' || (error.fatal && error.code !== 'offline' && error.code !== 'timeout' && error.code !== 'connection_lost' && error.code !== 'provider_unavailable')) {
      this.emit({ type: 'error', error: { ...error, fatal: true } })
      this.finish('error', error)
      return
    }
    this.log(`reconnect attempt failed: ${error.message}`)
    this.scheduleReconnect(null)
  }

  private scheduleReconnect(resume: ResumeState | null): void {
    this.readyNow = false
    this.adapter = null
    this.reconnectAttempt++
    const max = this.options.maxReconnectAttempts ?? 4
    if (this.reconnectAttempt > max) {
      const error = makeError('connection_lost', `The connection to the provider was lost and ${max} attempts to reconnect failed.`, { fatal: true })
      this.emit({ type: 'error', error })
      this.finish('error', error)
      return
    }
    this.setStatus('reconnecting')
    const delay = (this.options.reconnectDelayMs ?? ((n: number) => Math.min(4000, 250 * 2 ** (n - 1))))(this.reconnectAttempt)
    const mode: ConnectMode = this.renewing ? 'renew' : 'reconnect'
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null
      if (this.ended || this.closing) return
      void this.openConnection(mode, resume)
    }, Math.max(0, delay))
  }

  /** Proactive renewal: end this provider session cleanly and start a fresh one with the history. */
  private renew(): void {
    if (this.ended || this.closing || this.renewing) return
    this.renewing = true
    this.renewPending = false
    this.clearTimer('renewTimer')
    this.clearTimer('renewWaitTimer')
    this.log('renewing the session before the provider cap')
    if (this.adapter && this.socket?.readyState === OPEN) this.guard(() => this.adapter?.end(), 'end')
    this.detachSocket(true)
    this.readyNow = false
    this.adapter = null
    this.setStatus('reconnecting')
    void this.openConnection('renew', null)
  }

  private detachSocket(close: boolean): void {
    this.clearTimer('connectTimer')
    const socket = this.socket
    this.socket = null
    this.opened = false
    if (!socket) return
    socket.onopen = null
    socket.onmessage = null
    socket.onerror = null
    socket.onclose = null
    if (close && socket.readyState <= OPEN) {
      try {
        socket.close(1000, 'renew')
      } catch {
        /* already closing */
      }
    }
  }

  private finish(reason: 'user' | 'agent' | 'error' | 'timeout', error?: S2SError): void {
    if (this.ended) return
    this.ended = true
    this.readyNow = false
    this.clearTimers()
    this.detachSocket(true)
    this.generation++
    for (const pending of this.pendingResults) {
      this.emit({ type: 'tool.result', callId: pending.callId, name: this.seenCalls.get(pending.callId) ?? '', output: pending.output, status: pending.status, sent: false })
    }
    this.pendingResults = []
    this.audioQueue = []
    this.audioQueued = 0
    this.setStatus(reason === 'error' ? 'error' : 'idle')
    this.emit({ type: 'closed', reason })
    if (this.connectSettle) {
      const settle = this.connectSettle
      this.connectSettle = null
      settle.reject(new S2SSessionError(error ?? makeError(reason === 'error' ? 'connection_lost' : 'internal', reason === 'user' ? 'The session was closed before it was ready.' : undefined, { fatal: true })))
    }
    this.closeResolve?.()
  }

  // -------------------------------------------------------------------------------------------
  // Events
  // -------------------------------------------------------------------------------------------

  private handleAdapterEvent(event: S2SEvent): void {
    if (this.ended || !event || typeof event !== 'object') return
    switch (event.type) {
      case 'status':
        if (event.status === 'listening' || event.status === 'thinking' || event.status === 'speaking') this.setStatus(event.status)
        return
      case 'ready': {
        this.clearTimer('connectTimer')
        const firstReady = !this.everReady
        this.everReady = true
        this.readyNow = true
        this.reconnectAttempt = 0
        this.renewing = false
        if (event.inputSampleRate > 0 && event.outputSampleRate > 0) this.rates = { input: event.inputSampleRate, output: event.outputSampleRate }
        if (this.turnBeginPending) {
          this.turnBeginPending = false
          const adapter = this.adapter
          if (adapter && typeof adapter.beginTurn === 'function') this.guard(() => adapter.beginTurn?.(), 'beginTurn')
        }
        this.emit(event)
        this.flushToolResults()
        this.flushAudio()
        this.setStatus(this.hasSentAudio ? 'listening' : 'ready')
        if (this.turnEndPending) this.settleTurn(this.turnEndPending)
        this.scheduleRenewal()
        if (firstReady && this.connectSettle) {
          const settle = this.connectSettle
          this.connectSettle = null
          settle.resolve()
        }
        return
      }
      case 'tool.call':
        if (typeof event.callId !== 'string' || this.seenCalls.has(event.callId)) {
          this.log(`duplicate tool call ${String(event.callId)} dropped`)
          return
        }
        this.seenCalls.set(event.callId, event.name)
        this.emit(event)
        return
      case 'user.final':
        if (typeof event.text === 'string' && event.text.trim()) this.historyTurns.push({ role: 'user', text: event.text })
        this.emit(event)
        return
      case 'agent.final':
        if (typeof event.text === 'string' && event.text.trim()) this.historyTurns.push({ role: 'assistant', text: event.text })
        this.emit(event)
        return
      case 'user.speech.started':
        this.emit(event)
        this.setStatus('listening')
        return
      case 'user.speech.stopped':
      case 'reply.started':
        this.emit(event)
        this.setStatus('thinking')
        return
      case 'audio':
      case 'agent.delta':
        this.emit(event)
        this.setStatus('speaking')
        return
      case 'bargein':
        this.emit(event)
        this.setStatus('listening')
        return
      case 'reply.done':
        this.emit(event)
        this.setStatus(this.hasSentAudio ? 'listening' : 'ready')
        if (this.renewPending && this.outstandingToolCalls() === 0) this.renew()
        return
      case 'error': {
        const error = event.error && typeof event.error === 'object' ? event.error : makeError('protocol_error', undefined)
        this.emit({ type: 'error', error })
        if (error.fatal) {
          this.finish('error', error)
        } else if (error.code === 'session_expired') {
          this.renew()
        }
        return
      }
      case 'closed':
        // The provider ended the session on purpose (or the adapter gave up).
        if (event.reason === 'agent' || event.reason === 'user') this.agentEnded = true
        this.finish(event.reason === 'user' ? 'agent' : event.reason)
        return
      default:
        this.emit(event)
    }
  }

  private emit(event: S2SEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event)
      } catch (e) {
        this.log(`listener threw on ${event.type}: ${String(e)}`)
      }
    }
  }

  private setStatus(status: SessionStatus): void {
    if (this.statusValue === status) return
    if (this.ended && status !== 'idle' && status !== 'error') return
    if (this.statusValue === 'reconnecting' && !this.readyNow && status !== 'idle' && status !== 'error') return
    if (this.statusValue === 'connecting' && !this.readyNow && status !== 'ready' && status !== 'idle' && status !== 'error' && status !== 'reconnecting') return
    this.statusValue = status
    this.emit({ type: 'status', status })
  }

  // -------------------------------------------------------------------------------------------
  // Audio, tools, renewal
  // -------------------------------------------------------------------------------------------

  private canSendAudio(): boolean {
    const adapter = this.adapter
    if (!adapter || !this.socket || this.socket.readyState !== OPEN || !this.opened) return false
    return this.safe(() => adapter.acceptsAudio === true, false)
  }

  private pushAudio(pcm: Int16Array): void {
    const adapter = this.adapter
    if (!adapter) return
    this.guard(() => adapter.sendAudio(pcm), 'sendAudio')
    if (!this.hasSentAudio) {
      this.hasSentAudio = true
      if (this.statusValue === 'ready') this.setStatus('listening')
    }
  }

  private flushAudio(): void {
    if (this.audioQueue.length === 0 || !this.canSendAudio()) return
    const queue = this.audioQueue
    this.audioQueue = []
    this.audioQueued = 0
    for (const pcm of queue) this.pushAudio(pcm)
  }

  private afterAdapterActivity(): void {
    if (this.audioQueue.length > 0) this.flushAudio()
  }

  private deliverToolResult(callId: string, output: string, status: ToolResultStatus): void {
    const adapter = this.adapter
    if (!adapter) return
    this.guard(() => adapter.sendToolResult(callId, output, status), 'sendToolResult')
  }

  private flushToolResults(): void {
    const pending = this.pendingResults
    this.pendingResults = []
    for (const p of pending) this.deliverToolResult(p.callId, p.output, p.status)
  }

  /** A reply or a tool call is in progress: not a good moment to renew. */
  private busy(): boolean {
    return this.statusValue === 'speaking' || this.statusValue === 'thinking' || this.outstandingToolCalls() > 0
  }

  private outstandingToolCalls(): number {
    let n = 0
    for (const callId of this.seenCalls.keys()) if (!this.answeredCalls.has(callId)) n++
    return n
  }

  private scheduleRenewal(): void {
    this.clearTimer('renewTimer')
    const adapterRenew = this.adapter ? this.safe(() => this.adapter?.renewAfterMs ?? null, null) : null
    const after = this.options.renewAfterMs !== undefined ? this.options.renewAfterMs : adapterRenew
    if (typeof after !== 'number' || !(after > 0)) return
    this.renewTimer = this.timers.setTimeout(() => {
      this.renewTimer = null
      if (this.ended || this.closing) return
      if (this.busy()) {
        // Wait for the reply (and any tool call and its follow-up reply) to finish.
        this.renewPending = true
        this.renewWaitTimer = this.timers.setTimeout(() => {
          this.renewWaitTimer = null
          if (this.renewPending) this.renew()
        }, this.options.renewMaxWaitMs ?? 120_000)
      } else {
        this.renew()
      }
    }, after)
  }

  // -------------------------------------------------------------------------------------------
  // Helpers
  // -------------------------------------------------------------------------------------------

  private clearTimer(name: 'connectTimer' | 'reconnectTimer' | 'renewTimer' | 'renewWaitTimer'): void {
    const handle = this[name]
    if (handle !== null) this.timers.clearTimeout(handle)
    this[name] = null
  }

  private clearTimers(): void {
    this.clearTimer('connectTimer')
    this.clearTimer('reconnectTimer')
    this.clearTimer('renewTimer')
    this.clearTimer('renewWaitTimer')
  }

  /** Runs adapter code; an exception becomes a (non-fatal) protocol_error event. */
  private guard(fn: () => void, where: string): void {
    try {
      fn()
    } catch (e) {
      const message = e && typeof e === 'object' && 'message' in e ? String((e as { message: unknown }).message) : String(e)
      this.log(`adapter ${where} threw: ${message}`)
      this.emit({ type: 'error', error: makeError('protocol_error', `Earshot could not handle a provider message (${where}: ${message.slice(0, 200)}).`) })
    }
  }

  private safe<T>(fn: () => T, fallback: T): T {
    try {
      return fn()
    } catch {
      return fallback
    }
  }

  private log(line: string): void {
    try {
      this.options.log?.(line)
    } catch {
      /* a logger must not break the session */
    }
  }

}

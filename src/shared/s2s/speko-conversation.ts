/**
 * SpekoConversation: a small facade with the semantics of Speko's own browser helper
 * (`RealtimeVoiceConversation` in @spekoai/client, docs/protocols/speko-proxy.md, "B5. Audio negotiation and readiness" and "B6. Statuses and close handling"), built on the
 * S2SSession runtime and the Speko adapter. Pure TypeScript: the socket factory and the playback
 * sink are injected, so the same code runs in the renderer (browser WebSocket + an AudioWorklet
 * player), in the CLI (`ws` + a simulated clock) and in tests (in-memory sockets).
 *
 *   const conv = await SpekoConversation.create({ sessionId, wsUrl, wsToken, socketFactory, ... })
 *   conv.sendAudio(pcm)   // capture at conv.inputSampleRate (the ready frame may change it)
 *   await conv.endSession()
 *
 * Semantics kept from the official client:
 *   - create() resolves once the server's ready frame arrived (10 s, else it rejects with
 *     "Realtime session did not become ready"); an error frame before ready is the rejection.
 *   - status: connecting -> connected -> disconnecting -> disconnected; mode: speaking while reply
 *     audio is queued, listening otherwise (an interruption flushes playback and goes listening).
 *   - endSession() closes with 1000 "client_stopped" and reports {reason: "user"}; a server close
 *     with 1000/1005 reports "agent", any other "error" with the close reason as message.
 *   - setMicMuted(true) stops frames from being sent; setVolume clamps to 0..1.
 *   - onError gets "WebSocket transport error" and provider errors as "CODE: message".
 * Differences: it never reconnects (a Speko token opens one socket), and tool calls can be
 * answered through onToolCall (the official helper has no tool API; without a handler the agent
 * gets an error result instead of silence).
 */
import { SpekoAdapter } from './adapters/speko'
import { S2SSession, type TimerLike } from './session'
import type { S2SEvent, SessionConfig, SessionCredential, SocketFactory, SocketLike, ToolResultStatus } from './types'

export type ConversationStatus = 'connecting' | 'connected' | 'disconnecting' | 'disconnected'
export type ConversationMode = 'listening' | 'speaking'
export type DisconnectionReason = 'user' | 'agent' | 'error' | 'timeout' | 'unknown'

export interface DisconnectionDetails {
  reason: DisconnectionReason
  message?: string
}

export interface ConversationMessage {
  source: 'user' | 'agent'
  text: string
  isFinal: boolean
}

export interface ConversationToolCall {
  callId: string
  name: string
  arguments: unknown
}

/** Where reply audio goes (the renderer's player worklet, the CLI's simulated speaker, a test). */
export interface PlaybackSink {
  /** PCM16 mono at `sampleRate`, queued after what is already playing. */
  play(pcm: Int16Array, sampleRate: number, itemId: string): void
  /** Stop now and drop everything queued (barge-in, end). */
  flush(): void
  /** 0..1 (already clamped). */
  setVolume(volume: number): void
  /** Milliseconds of this item actually heard (used for barge-in decisions). */
  playedMs?(itemId: string): number
  /** The sink calls the listener whenever its queue runs dry (mode goes back to listening). */
  onIdle?(listener: () => void): void
}

export interface SpekoConversationOptions {
  /** From POST /v1/sessions (minted in main; the API key never comes here). */
  sessionId: string
  wsUrl: string
  wsToken: string
  expiresAt?: string
  inputSampleRate?: number
  outputSampleRate?: number
  socketFactory: SocketFactory
  playback?: PlaybackSink
  onConnect?: (details: { conversationId: string }) => void
  onDisconnect?: (details: DisconnectionDetails) => void
  onMessage?: (message: ConversationMessage) => void
  onTranscript?: (transcript: ConversationMessage[]) => void
  onStatusChange?: (status: ConversationStatus) => void
  onModeChange?: (mode: ConversationMode) => void
  onError?: (error: Error) => void
  /** The ready frame's rates (the capture side resamples to inputSampleRate). */
  onRates?: (rates: { inputSampleRate: number; outputSampleRate: number }) => void
  /** Answers the agent's tool calls; the returned string is sent as the tool output. */
  onToolCall?: (call: ConversationToolCall) => string | Promise<string>
  /** Default 10 000 ms, as the official client. */
  readyTimeoutMs?: number
  timers?: TimerLike
  now?: () => number
  log?: (line: string) => void
}

export const READY_TIMEOUT_MESSAGE = 'Realtime session did not become ready'
const DEFAULT_READY_TIMEOUT_MS = 10_000
const DEFAULT_RATE = 24_000

const defaultTimers: TimerLike = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
}

/** A SocketLike that lets the facade see close reasons and transport errors, and close as the official client does. */
class ObservedSocket implements SocketLike {
  private openHandler: SocketLike['onopen'] = null
  private messageHandler: SocketLike['onmessage'] = null
  private closeHandler: SocketLike['onclose'] = null
  private errorHandler: SocketLike['onerror'] = null
  /** close() was called on our side: the close event that follows is not the server's doing. */
  private closedLocally = false

  constructor(
    private readonly inner: SocketLike,
    private readonly hooks: {
      /** A close the server initiated (not one we asked for). */
      closed(code: number, reason: string): void
      transportError(): void
      /** When set, every close we initiate uses 1000 and this reason. */
      closeReason(): string | null
    },
  ) {
    inner.onclose = (event) => {
      try {
        if (!this.closedLocally) this.hooks.closed(typeof event?.code === 'number' ? event.code : 1006, typeof event?.reason === 'string' ? event.reason : '')
      } finally {
        this.closeHandler?.(event)
      }
    }
    inner.onerror = (event) => {
      try {
        this.hooks.transportError()
      } finally {
        this.errorHandler?.(event)
      }
    }
  }

  get readyState(): number {
    return this.inner.readyState
  }
  get protocol(): string {
    return this.inner.protocol
  }
  get binaryType(): string {
    return this.inner.binaryType
  }
  set binaryType(value: string) {
    this.inner.binaryType = value
  }
  get onopen(): SocketLike['onopen'] {
    return this.openHandler
  }
  set onopen(handler: SocketLike['onopen']) {
    this.openHandler = handler
    this.inner.onopen = handler
  }
  get onmessage(): SocketLike['onmessage'] {
    return this.messageHandler
  }
  set onmessage(handler: SocketLike['onmessage']) {
    this.messageHandler = handler
    this.inner.onmessage = handler
  }
  get onclose(): SocketLike['onclose'] {
    return this.closeHandler
  }
  set onclose(handler: SocketLike['onclose']) {
    this.closeHandler = handler
  }
  get onerror(): SocketLike['onerror'] {
    return this.errorHandler
  }
  set onerror(handler: SocketLike['onerror']) {
    this.errorHandler = handler
  }
  send(data: string | ArrayBuffer | ArrayBufferView): void {
    this.inner.send(data)
  }
  close(code?: number, reason?: string): void {
    this.closedLocally = true
    const own = this.hooks.closeReason()
    if (own !== null) this.inner.close(1000, own)
    else this.inner.close(code, reason)
  }
}

export class SpekoConversation {
  private readonly options: SpekoConversationOptions
  private readonly session: S2SSession
  private readonly timers: TimerLike
  private statusValue: ConversationStatus = 'disconnected'
  private modeValue: ConversationMode = 'listening'
  private micMuted = false
  private volume = 1
  private socket: ObservedSocket | null = null
  private stopping = false
  private disconnectReported = false
  private lastClose: { code: number; reason: string } | null = null
  private lastError: string | null = null
  private readonly partial = { user: '', agent: '' }
  private transcriptList: ConversationMessage[] = []
  private rates: { inputSampleRate: number; outputSampleRate: number }

  private constructor(options: SpekoConversationOptions) {
    this.options = options
    this.timers = options.timers ?? defaultTimers
    this.rates = {
      inputSampleRate: options.inputSampleRate ?? DEFAULT_RATE,
      outputSampleRate: options.outputSampleRate ?? DEFAULT_RATE,
    }
    const expires = options.expiresAt ? Date.parse(options.expiresAt) : NaN
    const credential: SessionCredential = {
      protocol: 'speko',
      url: options.wsUrl,
      protocols: [options.wsToken],
      expiresAt: Number.isFinite(expires) ? expires : null,
      inputSampleRate: this.rates.inputSampleRate,
      outputSampleRate: this.rates.outputSampleRate,
      sessionId: options.sessionId,
    }
    // Speko takes its prompt, voice and tools at minting; nothing here reaches the wire.
    const config: SessionConfig = {
      instructions: '',
      greeting: '',
      voice: '',
      model: '',
      tools: [],
      turnDetection: 'server_vad',
      transcriptionModel: '',
    }
    const sink = options.playback
    this.session = new S2SSession({
      mint: async () => credential,
      socketFactory: (url, protocols) => {
        const socket = new ObservedSocket(options.socketFactory(url, protocols), {
          closed: (code, reason) => {
            this.lastClose = { code, reason }
          },
          transportError: () => {
            if (!this.stopping) this.reportError(new Error('WebSocket transport error'))
          },
          closeReason: () => (this.stopping ? 'client_stopped' : null),
        })
        this.socket = socket
        return socket
      },
      config,
      playback: {
        playedMs: (itemId) => {
          try {
            return sink?.playedMs ? sink.playedMs(itemId) : 0
          } catch {
            return 0
          }
        },
      },
      createAdapter: () => new SpekoAdapter(),
      timers: this.timers,
      ...(options.now ? { now: options.now } : {}),
      ...(options.log ? { log: options.log } : {}),
      maxReconnectAttempts: 0,
      connectTimeoutMs: (options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS) + 1_000,
    })
    this.session.on((event) => this.onEvent(event))
    sink?.onIdle?.(() => {
      if (this.statusValue === 'connected') this.setMode('listening')
    })
  }

  /** Opens the socket and resolves once the server is ready (10 s at most). */
  static async create(options: SpekoConversationOptions): Promise<SpekoConversation> {
    const conversation = new SpekoConversation(options)
    await conversation.connect()
    return conversation
  }

  getId(): string {
    return this.options.sessionId
  }

  isOpen(): boolean {
    return this.statusValue === 'connected' && this.socket?.readyState === 1
  }

  get status(): ConversationStatus {
    return this.statusValue
  }

  get mode(): ConversationMode {
    return this.modeValue
  }

  get inputSampleRate(): number {
    return this.rates.inputSampleRate
  }

  get outputSampleRate(): number {
    return this.rates.outputSampleRate
  }

  get isMicMuted(): boolean {
    return this.micMuted
  }

  get currentVolume(): number {
    return this.volume
  }

  /** Transcript turns so far (a non-final entry is replaced by the next one from the same source). */
  get transcript(): ConversationMessage[] {
    return this.transcriptList.map((m) => ({ ...m }))
  }

  /** Capture audio: PCM16 mono at inputSampleRate. Dropped while muted or not connected. */
  sendAudio(pcm: Int16Array): void {
    if (this.micMuted || this.statusValue !== 'connected') return
    this.session.sendAudio(pcm)
  }

  async setMicMuted(muted: boolean): Promise<void> {
    this.micMuted = muted === true
  }

  setVolume(volume: number): void {
    if (typeof volume !== 'number' || Number.isNaN(volume)) return
    this.volume = Math.max(0, Math.min(1, volume))
    try {
      this.options.playback?.setVolume(this.volume)
    } catch (err) {
      this.options.log?.(`playback setVolume failed: ${String(err)}`)
    }
  }

  /** Stops the agent now (sends {"t":"interrupt"} and flushes playback). */
  interrupt(): void {
    if (this.statusValue !== 'connected') return
    this.session.interrupt()
  }

  async endSession(): Promise<void> {
    if (this.statusValue === 'disconnected' || this.statusValue === 'disconnecting') return
    this.setStatus('disconnecting')
    this.stopping = true
    this.flushPlayback()
    await this.session.close()
    this.setStatus('disconnected')
    this.reportDisconnect({ reason: 'user' })
  }

  // ---------------------------------------------------------------------------------------------

  private async connect(): Promise<void> {
    this.setStatus('connecting')
    const readyTimeoutMs = this.options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS
    let timer: unknown = null
    const timeout = new Promise<never>((_, reject) => {
      timer = this.timers.setTimeout(() => reject(new Error(READY_TIMEOUT_MESSAGE)), readyTimeoutMs)
    })
    try {
      await Promise.race([this.session.connect(), timeout])
    } catch (err) {
      this.timers.clearTimeout(timer)
      const error = err instanceof Error ? err : new Error(String(err))
      const timedOut = error.message === READY_TIMEOUT_MESSAGE
      const details: DisconnectionDetails = timedOut
        ? { reason: 'timeout', message: READY_TIMEOUT_MESSAGE }
        : this.lastClose === null && this.lastError !== null
          ? { reason: 'error', message: this.lastError }
          : this.closeDetails(error.message)
      const endedByUser = this.stopping // endSession() during connect reports 'user' itself
      this.stopping = true
      await this.session.close().catch(() => undefined)
      if (!endedByUser) {
        this.setStatus('disconnected')
        this.reportDisconnect(details)
      }
      throw error
    }
    this.timers.clearTimeout(timer)
    this.setStatus('connected')
    this.safeCall(() => this.options.onConnect?.({ conversationId: this.options.sessionId }))
    this.setMode('listening')
  }

  private onEvent(event: S2SEvent): void {
    switch (event.type) {
      case 'ready':
        this.rates = { inputSampleRate: event.inputSampleRate, outputSampleRate: event.outputSampleRate }
        this.safeCall(() => this.options.onRates?.({ ...this.rates }))
        return
      case 'audio':
        if (this.statusValue === 'disconnecting' || this.statusValue === 'disconnected') return
        this.setMode('speaking')
        try {
          this.options.playback?.play(event.pcm, this.rates.outputSampleRate, event.itemId)
        } catch (err) {
          this.options.log?.(`playback failed: ${String(err)}`)
        }
        return
      case 'bargein':
        this.flushPlayback()
        this.setMode('listening')
        return
      case 'reply.done':
        // Without a sink that reports when it runs dry, the reply's end is the best signal.
        if (!this.options.playback?.onIdle) this.setMode('listening')
        return
      case 'user.delta':
        return this.message('user', (this.partial.user += event.text), false)
      case 'user.final':
        this.partial.user = ''
        return this.message('user', event.text, true)
      case 'agent.delta':
        return this.message('agent', (this.partial.agent += event.text), false)
      case 'agent.final':
        this.partial.agent = ''
        return this.message('agent', event.text, true)
      case 'tool.call':
        void this.answerTool(event.callId, event.name, event.arguments)
        return
      case 'error':
        this.lastError = event.error.message
        this.reportError(new Error(event.error.message))
        return
      case 'closed':
        this.onClosed(event.reason)
        return
      default:
        return
    }
  }

  private onClosed(reason: 'user' | 'agent' | 'error' | 'timeout'): void {
    if (this.stopping) return // endSession()/connect() report it themselves
    if (this.statusValue === 'connecting') return // connect() rejects and reports
    this.flushPlayback()
    this.setStatus('disconnected')
    if (reason === 'agent') this.reportDisconnect({ reason: 'agent' })
    else if (reason === 'timeout') this.reportDisconnect({ reason: 'timeout' })
    else this.reportDisconnect(this.closeDetails(this.lastError ?? undefined))
  }

  /** docs/protocols/speko-proxy.md, "B6. Statuses and close handling": 1000/1005 from the server = the agent ended it; anything else = error with the close reason. */
  private closeDetails(fallbackMessage?: string): DisconnectionDetails {
    const close = this.lastClose
    if (close && (close.code === 1000 || close.code === 1005)) {
      return close.reason ? { reason: 'agent', message: close.reason } : { reason: 'agent' }
    }
    const message = close?.reason || fallbackMessage
    return message ? { reason: 'error', message } : { reason: 'error' }
  }

  private async answerTool(callId: string, name: string, args: unknown): Promise<void> {
    let output: string
    let status: ToolResultStatus = 'ok'
    const handler = this.options.onToolCall
    if (!handler) {
      output = JSON.stringify({ error: `No tools are available in this conversation (asked for "${name}").` })
      status = 'error'
    } else {
      try {
        const result = await handler({ callId, name, arguments: args })
        output = typeof result === 'string' ? result : JSON.stringify(result ?? null)
      } catch (err) {
        output = JSON.stringify({ error: `Tool "${name}" failed: ${err instanceof Error ? err.message : String(err)}` })
        status = 'error'
      }
    }
    this.session.submitToolResult(callId, output, status)
  }

  private message(source: 'user' | 'agent', text: string, isFinal: boolean): void {
    const message: ConversationMessage = { source, text, isFinal }
    const last = this.transcriptList[this.transcriptList.length - 1]
    if (last && last.source === source && !last.isFinal) this.transcriptList[this.transcriptList.length - 1] = message
    else this.transcriptList.push(message)
    this.safeCall(() => this.options.onMessage?.({ ...message }))
    this.safeCall(() => this.options.onTranscript?.(this.transcript))
  }

  private flushPlayback(): void {
    try {
      this.options.playback?.flush()
    } catch (err) {
      this.options.log?.(`playback flush failed: ${String(err)}`)
    }
  }

  private reportError(error: Error): void {
    this.safeCall(() => this.options.onError?.(error))
  }

  private reportDisconnect(details: DisconnectionDetails): void {
    if (this.disconnectReported) return
    this.disconnectReported = true
    this.safeCall(() => this.options.onDisconnect?.(details))
  }

  private setStatus(status: ConversationStatus): void {
    if (this.statusValue === status) return
    this.statusValue = status
    if (status === 'disconnected') this.setMode('listening')
    this.safeCall(() => this.options.onStatusChange?.(status))
  }

  private setMode(mode: ConversationMode): void {
    if (this.modeValue === mode) return
    this.modeValue = mode
    this.safeCall(() => this.options.onModeChange?.(mode))
  }

  /** A callback that throws must not break the conversation. */
  private safeCall(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.options.log?.(`callback threw: ${String(err)}`)
    }
  }
}

/**
 * The voice window's session wiring (no React): the audio engine, the speech-to-speech session on
 * the browser WebSocket, push-to-talk commands from main, always-listening, tool calls forwarded to
 * main, and the transcript. React reads it through subscribe()/getState().
 *
 * Turn taking: push-to-talk starts capture at once (the engine's pre-roll ring holds the half
 * second before the press, and frames wait in the engine while the session connects). On release
 * the engine sends its ~300 ms tail; then we send END_PAD_MS of silence so the provider's server
 * VAD closes the turn (no provider needs a special "end of turn" message that way). In
 * always-listening mode capture never stops and the provider's VAD does all the work.
 */
import { AudioEngine, MicrophoneError } from '../audio'
import type { EarshotApi } from '../../shared/ipc/api'
import type { DesktopStatus } from '../../shared/ipc/channels/desktop'
import type { SessionStart } from '../../shared/ipc/channels/session'
import { createAdapter, S2SSession } from '../../shared/s2s'
import type { S2SError, S2SEvent, SessionStatus, SocketFactory, SocketLike } from '../../shared/s2s/types'
import type { Settings } from '../../shared/settings/schema'
import type { PendingConfirmation } from '../../shared/tools/types'
import { TranscriptStore, type ErrorAction } from './transcript'

export type UiStatus = SessionStatus

export interface VoiceState {
  status: UiStatus
  /** The microphone is sending (push-to-talk held or latched, or always-listening). */
  capturing: boolean
  /** A microphone problem (shown at the top of the window with its fix). */
  micError: { message: string; fix: string | null; action: ErrorAction } | null
  /** A speaker problem (the default output is used instead). */
  outputNote: string | null
  /** The microphone in use fell back to the default device. */
  micFallback: boolean
  alwaysListening: boolean
  muted: boolean
  /** Write/external tool calls waiting for the user. */
  pending: PendingConfirmation[]
}

/** Silence sent after a push-to-talk turn so the provider's VAD ends the turn. */
export const END_PAD_MS = 700
/** A session nobody talked to for this long is closed (reopened on the next press). */
export const IDLE_CLOSE_MS = 5 * 60_000

const browserSocket: SocketFactory = (url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike

export interface VoiceOptions {
  socketFactory?: SocketFactory
  engine?: AudioEngine
  log?: (line: string) => void
}

/** Maps a session error to the action that fixes it. */
export function actionFor(code: string): ErrorAction {
  if (code === 'auth_failed') return 'key'
  if (code === 'microphone') return 'microphone'
  return 'retry'
}

export class VoiceController {
  readonly transcript: TranscriptStore
  private readonly api: EarshotApi
  private readonly engine: AudioEngine
  private readonly socketFactory: SocketFactory
  private readonly log: (line: string) => void
  private state: VoiceState = {
    status: 'idle',
    capturing: false,
    micError: null,
    outputNote: null,
    micFallback: false,
    alwaysListening: false,
    muted: false,
    pending: [],
  }
  private readonly listeners = new Set<() => void>()
  private readonly levelListeners = new Set<(level: number) => void>()
  private settings: Settings | null = null
  private session: S2SSession | null = null
  private starting: Promise<S2SSession | null> | null = null
  private sessionReady = false
  private connection = 0
  private micOpen: Promise<boolean> | null = null
  private offs: Array<() => void> = []
  private disposed = false
  // transcript bookkeeping
  private userEntryFor = new Map<string, string>()
  private pendingUserEntry: string | null = null
  private seq = 0
  private lastAgentEntry: string | null = null
  private toolEntries = new Map<string, string>()
  private idleTimer: ReturnType<typeof setTimeout> | null = null
  private padNext = false
  /** Main says the always-listening microphone is open (enabled, not muted, not paused). */
  private alwaysActive = false

  constructor(api: EarshotApi, transcript = new TranscriptStore(), options: VoiceOptions = {}) {
    this.api = api
    this.transcript = transcript
    this.socketFactory = options.socketFactory ?? browserSocket
    this.log = options.log ?? (() => {})
    this.engine = options.engine ?? new AudioEngine({ maxBufferedMs: 30_000 })
    this.engine.setSink({
      isReady: () => this.sessionReady && this.session !== null,
      send: (pcm) => this.session?.sendAudio(pcm),
    })
    this.offs.push(
      this.engine.on('level', (l) => {
        for (const listener of this.levelListeners) listener(l.rms)
      }),
      this.engine.on('error', (e) => this.micFailed(e)),
      this.engine.on('device', (d) => this.set({ micFallback: d.fallback })),
      this.engine.on('stopped', () => this.afterCaptureTail()),
    )
  }

  // ------------------------------------------------------------------------------------------
  // React's view
  // ------------------------------------------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  getState = (): VoiceState => this.state

  onLevel(listener: (level: number) => void): () => void {
    this.levelListeners.add(listener)
    return () => this.levelListeners.delete(listener)
  }

  private set(patch: Partial<VoiceState>): void {
    this.state = { ...this.state, ...patch }
    for (const listener of [...this.listeners]) listener()
  }

  // ------------------------------------------------------------------------------------------
  // Lifecycle
  // ------------------------------------------------------------------------------------------

  /** Listens to main (push-to-talk, always-listening, confirmations, settings) and opens the microphone. */
  start(settings: Settings): void {
    this.settings = settings
    const api = this.api
    this.offs.push(
      api.on('desktop:ptt', ({ commands }) => {
        for (const command of commands) this.pttCommand(command)
      }),
      api.on('desktop:status', (status) => this.desktopStatus(status)),
      api.on('tools:pending', (pending) => this.pendingChanged(pending)),
      api.on('settings:changed', (next) => this.settingsChanged(next)),
    )
    api.tools
      .pending()
      .then((p) => this.pendingChanged(p))
      .catch(() => {})
    api.desktop
      .status()
      .then((s) => this.desktopStatus(s))
      .catch(() => {})
    void this.openMic()
  }

  async dispose(): Promise<void> {
    this.disposed = true
    for (const off of this.offs.splice(0)) off()
    if (this.idleTimer) clearTimeout(this.idleTimer)
    await this.session?.close().catch(() => {})
    await this.engine.close()
  }

  get audio(): AudioEngine {
    return this.engine
  }

  // ------------------------------------------------------------------------------------------
  // Microphone
  // ------------------------------------------------------------------------------------------

  /** Opens (or re-opens) the microphone; true when it is open. Errors are shown, not thrown. */
  openMic(force = false): Promise<boolean> {
    if (this.micOpen && !force) return this.micOpen
    const s = this.settings
    const run = (async () => {
      try {
        await this.engine.init()
        await this.engine.openMicrophone({
          deviceId: s?.audio.inputDeviceId ?? null,
          processing: s ? { echoCancellation: s.audio.echoCancellation, noiseSuppression: s.audio.noiseSuppression, autoGainControl: s.audio.autoGainControl } : {},
          alwaysListening: this.state.alwaysListening,
        })
        if (s) {
          this.engine.setVolume(s.audio.volume)
          if (s.audio.outputDeviceId) void this.applyOutput(s.audio.outputDeviceId)
        }
        this.set({ micError: null })
        return true
      } catch (error) {
        await this.micFailed(error)
        this.micOpen = null
        return false
      }
    })()
    this.micOpen = run
    return run
  }

  private async micFailed(error: unknown): Promise<void> {
    const name = error instanceof MicrophoneError ? (error.domName ?? error.code) : error instanceof Error ? error.name : 'Error'
    let message = error instanceof Error ? error.message : String(error)
    let fix: string | null = null
    let action: ErrorAction = 'microphone'
    const code = error instanceof MicrophoneError ? error.code : 'unknown'
    try {
      const status = await this.api.desktop.reportMicrophoneError({ name: name.slice(0, 100) })
      if (status.message) message = status.message
      fix = status.fix
      if (status.settingsUrl) action = 'mic-settings'
    } catch {
      /* main's help is optional; the engine's message stands */
    }
    if (code === 'denied' && action !== 'mic-settings') action = 'retry'
    this.set({ micError: { message, fix, action }, capturing: false })
  }

  async setInputDevice(deviceId: string | null): Promise<void> {
    await this.api.settings.update({ patch: { audio: { inputDeviceId: deviceId } } })
    if (this.settings) this.settings = { ...this.settings, audio: { ...this.settings.audio, inputDeviceId: deviceId } }
    await this.openMic(true)
  }

  private async applyOutput(deviceId: string | null): Promise<void> {
    const result = await this.engine.setOutputDevice(deviceId)
    this.set({ outputNote: result.ok ? null : (result.message ?? 'The chosen speaker could not be used.') })
  }

  // ------------------------------------------------------------------------------------------
  // Talking
  // ------------------------------------------------------------------------------------------

  /** The on-screen button went down: capture starts here at once, main's machine decides the rest. */
  talkDown(): void {
    if (this.state.muted) {
      this.api.desktop.talk({ action: 'down' }).catch(() => {})
      return
    }
    // A press while capturing (toggle mode, or a latched auto tap) is the "stop" press: main decides.
    if (!this.state.capturing) {
      this.bargeIn()
      void this.beginCapture()
    }
    this.api.desktop.talk({ action: 'down' }).catch((e: unknown) => this.log(`talk down: ${String(e)}`))
  }

  talkUp(): void {
    this.api.desktop.talk({ action: 'up' }).catch((e: unknown) => this.log(`talk up: ${String(e)}`))
  }

  /** The user starts talking while the agent speaks: stop the reply now. */
  private bargeIn(): void {
    const s = this.session
    const playing = this.engine.isPlaying
    // A provider that already finished sending the reply may not emit 'bargein': flush anyway.
    const interrupt = s !== null && (playing || s.status === 'speaking' || s.status === 'thinking')
    if (!playing) {
      if (interrupt) s.interrupt()
      return
    }
    // Silence first, then tell the provider: the adapter's truncation reads how much of the reply
    // was really played, which is only final once the playback worklet has stopped rendering it.
    // (The engine drops late audio of the flushed reply meanwhile.)
    const flushed = this.engine.flushPlayback()
    if (interrupt) {
      void flushed.then(() => {
        if (this.session === s) s.interrupt()
      })
    }
    const id = this.lastAgentEntry
    const entry = id ? this.transcript.get(id) : undefined
    if (id && entry?.kind === 'agent' && !entry.interrupted) this.transcript.update(id, 'agent', { interrupted: true })
  }

  private async beginCapture(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.padNext = false
    const micOk = await this.openMic()
    if (!micOk) return
    this.engine.startCapture()
    this.set({ capturing: true })
    void this.ensureSession()
  }

  private endCapture(): void {
    if (!this.state.capturing) return
    this.engine.stopCapture()
    this.padNext = !this.state.alwaysListening
    this.set({ capturing: false })
  }

  /** The tail after a push-to-talk release went out: pad with silence so the provider's VAD ends the turn. */
  private afterCaptureTail(): void {
    if (!this.padNext) return
    this.padNext = false
    const session = this.session
    if (!session) return
    const rate = this.engine.currentInputRate
    const frame = Math.round(rate / 50)
    for (let ms = 0; ms < END_PAD_MS; ms += 20) session.sendAudio(new Int16Array(frame))
    this.armIdleClose()
  }

  private pttCommand(command: { type: string; buffer?: boolean; reason?: string }): void {
    switch (command.type) {
      case 'connect':
        // No session without a microphone: the press is cancelled and the problem stays on screen.
        void this.openMic().then((ok) => {
          if (ok) void this.ensureSession()
          else this.api.desktop.talk({ action: 'cancel' }).catch(() => {})
        })
        return
      case 'start-capture':
        if (!this.state.capturing) {
          this.bargeIn()
          void this.beginCapture()
        }
        return
      case 'stop-capture':
        this.endCapture()
        return
      case 'flush-buffer':
        this.engine.flushBuffered()
        return
      case 'discard-buffer':
        this.engine.discardBuffered()
        return
      case 'blocked':
        this.endCapture()
        this.transcript.append(this.errorEntry('The microphone is muted. Unmute it to talk.', 'none'))
        return
    }
  }

  private desktopStatus(status: DesktopStatus): void {
    const wasActive = this.alwaysActive
    const active = status.alwaysListening.active
    this.alwaysActive = active
    this.set({ alwaysListening: status.alwaysListening.enabled, muted: status.muted })
    this.engine.setMuted(status.muted)
    if (active && (!wasActive || !this.state.capturing)) {
      void this.engine.setAlwaysListening(true).then(() => {
        if (this.alwaysActive) void this.beginCapture()
      })
    } else if (!active && wasActive) {
      this.endCapture()
      this.padNext = false
      void this.engine.setAlwaysListening(false)
    }
  }

  async setAlwaysListening(enabled: boolean): Promise<void> {
    const status = await this.api.desktop.setAlwaysListening({ enabled })
    this.desktopStatus(status)
  }

  // ------------------------------------------------------------------------------------------
  // The session
  // ------------------------------------------------------------------------------------------

  /** Starts a session unless one is up or starting. Resolves null when it could not start. */
  ensureSession(): Promise<S2SSession | null> {
    if (this.session) return Promise.resolve(this.session)
    if (this.starting) return this.starting
    this.starting = this.startSession().finally(() => {
      this.starting = null
    })
    return this.starting
  }

  /** Retry after an error. */
  retry(): void {
    this.set({ micError: null })
    void this.openMic(true).then((ok) => {
      if (ok) void this.ensureSession()
    })
  }

  /** Ends the conversation's connection (the transcript stays). */
  async hangUp(): Promise<void> {
    this.endCapture()
    this.padNext = false
    await this.session?.close()
  }

  private async startSession(): Promise<S2SSession | null> {
    this.setStatus('connecting')
    let start: SessionStart
    try {
      start = await this.api.session.start()
    } catch (error) {
      const code = typeof error === 'object' && error && 'code' in error ? String((error as { code: unknown }).code) : 'internal'
      const message = error instanceof Error ? error.message : String(error)
      this.showError(message, actionFor(code))
      this.engine.discardBuffered()
      this.endCapture()
      this.padNext = false
      this.setStatus('error', message)
      return null
    }
    let first: SessionStart['credential'] | null = start.credential
    this.engine.setInputRate(start.credential.inputSampleRate)
    this.engine.setOutputRate(start.credential.outputSampleRate)
    const session = new S2SSession({
      mint: async () => {
        if (first) {
          const c = first
          first = null
          return c
        }
        return (await this.api.session.start({ provider: start.provider })).credential
      },
      socketFactory: this.socketFactory,
      config: start.config,
      playback: this.engine.reporter,
      createAdapter,
      log: this.log,
    })
    this.session = session
    this.sessionReady = false
    session.on((event) => this.onEvent(session, event))
    await session.connect().catch(() => undefined)
    return this.session === session ? session : null
  }

  private setStatus(status: UiStatus, error: string | null = null): void {
    if (this.state.status !== status) this.set({ status })
    this.api.desktop.reportSession({ status, error: error ? error.slice(0, 500) : null }).catch(() => {})
  }

  private onEvent(session: S2SSession, event: S2SEvent): void {
    if (session !== this.session) return
    switch (event.type) {
      case 'status':
        if (event.status === 'reconnecting') this.sessionReady = false
        this.setStatus(event.status)
        if (event.status === 'listening' || event.status === 'ready') this.armIdleClose()
        return
      case 'ready':
        this.connection++
        this.sessionReady = true
        this.engine.handleEvent(event)
        this.engine.flushBuffered()
        return
      case 'user.speech.started':
        if (!this.pendingUserEntry) {
          const id = `u${++this.seq}`
          this.pendingUserEntry = id
          this.transcript.append({ kind: 'user', id, text: '', final: false, interrupted: false, at: Date.now() })
        }
        return
      case 'user.delta':
      case 'user.final': {
        const id = this.userEntry(event.itemId)
        const current = this.transcript.get(id)
        const final = event.type === 'user.final'
        const text = final ? event.text : `${current && current.kind === 'user' ? current.text : ''}${event.text}`
        this.transcript.update(id, 'user', { text: final && !text.trim() ? '(no words recognised)' : text, final })
        if (final) {
          if (this.pendingUserEntry === id) this.pendingUserEntry = null
          if (event.itemId) this.userEntryFor.delete(`${this.connection}:${event.itemId}`)
          if (text.trim()) this.transcript.announce(`You said: ${text}`)
        }
        return
      }
      case 'agent.delta': {
        const id = this.agentEntry(event.itemId ?? event.responseId)
        const current = this.transcript.get(id)
        if (current && current.kind === 'agent' && !current.final) this.transcript.update(id, 'agent', { text: current.text + event.text })
        return
      }
      case 'agent.final': {
        const id = this.agentEntry(event.itemId ?? event.responseId)
        const current = this.transcript.get(id)
        const interrupted = event.interrupted || (current?.kind === 'agent' && current.interrupted)
        this.transcript.update(id, 'agent', { text: event.text || (current?.kind === 'agent' ? current.text : ''), final: true, interrupted })
        if (event.text.trim()) this.transcript.announce(`Earshot said: ${event.text}${interrupted ? ' (interrupted)' : ''}`)
        return
      }
      case 'audio':
        this.engine.handleEvent(event)
        return
      case 'bargein': {
        const playing = this.engine.isPlaying
        this.engine.handleEvent(event)
        const key = event.itemId ?? event.responseId
        const id = key ? this.agentIdFor(key) : this.lastAgentEntry
        const entry = id ? this.transcript.get(id) : undefined
        if (id && entry?.kind === 'agent' && (playing || !entry.final)) this.transcript.update(id, 'agent', { interrupted: true })
        return
      }
      case 'reply.done':
        this.engine.endItem(this.lastAgentKey ?? '')
        if (event.status === 'interrupted' || event.status === 'cancelled') {
          const id = this.lastAgentEntry
          const entry = id ? this.transcript.get(id) : undefined
          if (id && entry?.kind === 'agent' && !entry.interrupted && (!entry.final || this.engine.isPlaying)) this.transcript.update(id, 'agent', { interrupted: true })
        }
        return
      case 'tool.call':
        void this.runTool(session, event.callId, event.name, event.arguments, event.rawArguments)
        return
      case 'error':
        this.sessionError(event.error)
        return
      case 'closed':
        this.session = null
        this.sessionReady = false
        this.pendingUserEntry = null
        if (this.idleTimer) clearTimeout(this.idleTimer)
        if (event.reason !== 'error') this.setStatus('idle')
        return
      default:
        return
    }
  }

  private lastAgentKey: string | null = null

  private agentIdFor(key: string): string {
    return `a${this.connection}:${key}`
  }

  private agentEntry(key: string | undefined): string {
    const id = this.agentIdFor(key ?? `r${this.seq}`)
    if (!this.transcript.has(id)) {
      this.transcript.append({ kind: 'agent', id, text: '', final: false, interrupted: false, at: Date.now() })
    }
    this.lastAgentEntry = id
    this.lastAgentKey = key ?? null
    return id
  }

  private userEntry(itemId: string | undefined): string {
    const key = itemId ? `${this.connection}:${itemId}` : null
    const known = key ? this.userEntryFor.get(key) : undefined
    if (known) return known
    let id = this.pendingUserEntry
    if (!id) {
      id = `u${++this.seq}`
      this.transcript.append({ kind: 'user', id, text: '', final: false, interrupted: false, at: Date.now() })
      this.pendingUserEntry = id
    }
    if (key) this.userEntryFor.set(key, id)
    return id
  }

  private errorEntry(message: string, action: ErrorAction) {
    return { kind: 'error' as const, id: `e${++this.seq}`, message, action, at: Date.now() }
  }

  private showError(message: string, action: ErrorAction): void {
    this.transcript.append(this.errorEntry(message, action))
    this.transcript.announce(`Error: ${message}`)
  }

  private sessionError(error: S2SError): void {
    // A dropped connection that the runtime is reconnecting is shown as the status, not an error.
    if (!error.fatal && (error.code === 'connection_lost' || error.code === 'session_expired')) return
    const wait = error.retryAfterSeconds ? ` Try again in ${error.retryAfterSeconds} s.` : ''
    this.showError(`${error.message}${wait}`, error.fatal ? actionFor(error.code) : 'none')
    if (error.fatal) {
      this.endCapture()
      this.padNext = false
      this.setStatus('error', error.message)
    }
  }

  private armIdleClose(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    if (this.state.alwaysListening) return
    this.idleTimer = setTimeout(() => {
      if (!this.state.capturing && !this.engine.isPlaying && this.state.pending.length === 0) void this.session?.close()
    }, IDLE_CLOSE_MS)
  }

  // ------------------------------------------------------------------------------------------
  // Tools
  // ------------------------------------------------------------------------------------------

  private async runTool(session: S2SSession, callId: string, name: string, args: unknown, raw: string): Promise<void> {
    const id = `t:${callId}`
    this.toolEntries.set(callId, id)
    const shown = raw || JSON.stringify(args ?? {})
    this.transcript.append({ kind: 'tool', id, callId, name, args: shown, state: 'running', summary: null, output: null, expiresAt: null, at: Date.now() })
    const pending = this.state.pending.find((p) => p.callId === callId)
    if (pending) this.markWaiting(pending)
    let output: string
    let status: 'ok' | 'error' | 'denied'
    try {
      const result = await this.api.tools.execute({ callId, name, arguments: args ?? raw })
      output = result.output
      status = result.status
    } catch (error) {
      output = JSON.stringify({ error: error instanceof Error ? error.message : String(error), code: 'failed' })
      status = 'error'
    }
    this.transcript.update(id, 'tool', { state: status === 'ok' ? 'done' : status === 'denied' ? 'denied' : 'failed', output, expiresAt: null })
    session.submitToolResult(callId, output, status)
  }

  private markWaiting(p: PendingConfirmation): void {
    const id = this.toolEntries.get(p.callId)
    if (!id) return
    const entry = this.transcript.get(id)
    if (entry?.kind === 'tool' && (entry.state === 'running' || entry.state === 'waiting')) {
      this.transcript.update(id, 'tool', { state: 'waiting', summary: p.summary, expiresAt: p.expiresAt, ...(p.source ? { source: p.source } : {}), ...(p.allowAlways === false ? { allowAlways: false } : {}) })
    }
  }

  private pendingChanged(pending: PendingConfirmation[]): void {
    const before = this.state.pending
    this.set({ pending })
    for (const p of pending) this.markWaiting(p)
    for (const old of before) {
      if (pending.some((p) => p.callId === old.callId)) continue
      const id = this.toolEntries.get(old.callId)
      const entry = id ? this.transcript.get(id) : undefined
      if (id && entry?.kind === 'tool' && entry.state === 'waiting') this.transcript.update(id, 'tool', { state: 'running' })
    }
  }

  /** The user's answer on a card. */
  async decide(callId: string, choice: 'allow_once' | 'always_allow' | 'deny'): Promise<void> {
    try {
      const pending = await this.api.tools.decide({ callId, choice })
      this.pendingChanged(pending)
    } catch (error) {
      this.showError(error instanceof Error ? error.message : String(error), 'none')
    }
  }

  // ------------------------------------------------------------------------------------------
  // Settings
  // ------------------------------------------------------------------------------------------

  private settingsChanged(next: Settings): void {
    const prev = this.settings
    this.settings = next
    if (!prev) return
    if (prev.audio.volume !== next.audio.volume) this.engine.setVolume(next.audio.volume)
    if (prev.audio.outputDeviceId !== next.audio.outputDeviceId) void this.applyOutput(next.audio.outputDeviceId)
    const p = prev.audio
    const n = next.audio
    if (p.echoCancellation !== n.echoCancellation || p.noiseSuppression !== n.noiseSuppression || p.autoGainControl !== n.autoGainControl) {
      void this.engine.setProcessing({ echoCancellation: n.echoCancellation, noiseSuppression: n.noiseSuppression, autoGainControl: n.autoGainControl })
    }
    if (p.inputDeviceId !== n.inputDeviceId) void this.openMic(true)
    if (prev.provider !== next.provider && this.session) void this.session.close()
  }
}

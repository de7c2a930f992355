/**
 * The voice window's wiring (no React): the AudioWorklet engine and window.earshot plugged into a
 * Conversation (src/shared/conversation), which holds the conversation's logic. This file only
 * translates: engine <-> AudioPort, window.earshot <-> ToolsPort / SessionPort, main's push-to-talk
 * edges <-> press/release/cancel, always-listening <-> the provider-vad policy, and the
 * Conversation's transcript changes <-> the block store React renders. React reads it through
 * subscribe()/getState().
 */
import { AudioEngine, MicrophoneError, type CaptureSink, type FrameInfo } from '../audio'
import { convertFrames } from '../audio/capture-core'
import { SpeechGate, SpeechGateError, type WakePhraseId } from '../audio/vad'
import type { EarshotApi } from '../../shared/ipc/api'
import type { DesktopStatus, PttCommand } from '../../shared/ipc/channels/desktop'
import { Conversation, ConversationStartError, NO_WORDS, type AudioPort, type ConversationEvent, type SessionPort, type ToolsPort, type TurnSink } from '../../shared/conversation'
import type { ContinueRequest, HistorySink } from './history-sink'
import { createAdapter, SpekoTelemetry } from '../../shared/s2s'
import type { SessionStatus, SocketFactory, SocketLike } from '../../shared/s2s/types'
import type { Settings } from '../../shared/settings/schema'
import type { PendingConfirmation } from '../../shared/tools/types'
import { TranscriptStore, type ErrorAction } from './transcript'
import { sendsFrame } from './uplink'
import { WebRtcSocket } from './webrtc-transport'

export { IDLE_CLOSE_MS, actionFor } from '../../shared/conversation'

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

const browserSocket: SocketFactory = (url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike

export interface VoiceOptions {
  socketFactory?: SocketFactory
  engine?: AudioEngine
  log?: (line: string) => void
  /** Where finished turns are kept (the history database in main). */
  history?: HistorySink
}

/** The Conversation's record, written to history as it happens (finals only; one line per entry). */
function historyTurnSink(history: HistorySink): TurnSink {
  const recorded = new Set<string>()
  return {
    begin: ({ provider, model }) => {
      recorded.clear()
      history.begin({ provider, model })
    },
    entry: (entry) => {
      // Append-only: the first final value of an entry is what is kept.
      if (recorded.has(entry.id)) return
      recorded.add(entry.id)
      if (entry.kind === 'user' || entry.kind === 'agent') {
        if (entry.text.trim() && entry.text !== NO_WORDS) history.turn({ role: entry.kind === 'user' ? 'user' : 'assistant', text: entry.text, interrupted: entry.interrupted, at: entry.at })
      } else if (entry.kind === 'tool') {
        let args: unknown = entry.args
        try {
          args = JSON.parse(entry.args)
        } catch {
          /* kept as text */
        }
        history.tool({ callId: entry.callId, name: entry.name, arguments: args, result: entry.output, status: entry.state === 'done' ? 'ok' : entry.state === 'denied' ? 'denied' : 'error', at: entry.at })
      }
    },
    usage: (usage) => history.usage(usage),
    end: () => history.end(),
  }
}

function errorCode(error: unknown): string {
  return typeof error === 'object' && error && 'code' in error ? String((error as { code: unknown }).code) : 'internal'
}

export class VoiceController {
  readonly transcript: TranscriptStore
  readonly conversation: Conversation
  private readonly api: EarshotApi
  private readonly engine: AudioEngine
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
  private micOpen: Promise<boolean> | null = null
  private offs: Array<() => void> = []
  /** The last error the session had (reported to main with the 'error' status, for the tray). */
  private lastError: string | null = null
  /** Main says the always-listening microphone is open (enabled, not muted, not paused). */
  private alwaysActive = false
  /** "Continue" in history: the next session carries this stored conversation. */
  private continueNext: ContinueRequest | null = null
  private readonly history: HistorySink | null
  /** A press is waiting for the microphone to open (a cold first press). */
  private pressWaiting = false
  /** A push-to-talk press (or latched toggle) is on, as far as main's machine knows. */
  private pressHeld = false
  /** Always-listening was switched off: its capture tail is dropped until the worklet has stopped. */
  private dropUntilStopped = false
  /** Always-listening's local speech gate: nothing leaves the machine while it is closed. */
  private gate: SpeechGate | null = null
  private gateOffs: Array<() => void> = []
  private gateOpen = false
  /** Frames the gate let through while the provider was not ready yet (with the rate they were captured at). */
  private gateHeld: { pcm: Int16Array; rate: number }[] = []
  private readonly conversationSink: CaptureSink

  constructor(api: EarshotApi, transcript = new TranscriptStore(), options: VoiceOptions = {}) {
    this.api = api
    this.transcript = transcript
    this.log = options.log ?? (() => {})
    const engine = options.engine ?? new AudioEngine({ maxBufferedMs: 30_000 })
    this.engine = engine
    this.history = options.history ?? null
    this.conversation = new Conversation({
      ...(this.history ? { sink: historyTurnSink(this.history) } : {}),
      audio: this.audioPort(),
      tools: this.toolsPort(),
      session: this.sessionPort(options.socketFactory ?? this.transportFor),
      policy: 'push-to-talk',
      // Speko provider_direct sessions report their usage to Speko (no-op for every other credential).
      telemetry: new SpekoTelemetry({ fetch: (url, init) => fetch(url, init), log: this.log }),
      log: this.log,
    })
    this.conversationSink = {
      isReady: () => this.conversation.acceptsAudio,
      send: (pcm, info) => {
        if (sendsFrame(info, this.uplinkIsTrack)) this.conversation.sendAudio(pcm)
      },
    }
    engine.setSink(this.conversationSink)
    this.offs.push(
      this.conversation.on((event) => this.onConversation(event)),
      engine.on('level', (l) => {
        for (const listener of this.levelListeners) listener(l.rms)
      }),
      engine.on('error', (e) => void this.micFailed(e)),
      engine.on('device', (d) => this.set({ micFallback: d.fallback })),
      engine.on('stopped', () => {
        if (this.dropUntilStopped) {
          // The tail of always-listening's capture never saw the gate: it goes nowhere.
          this.dropUntilStopped = false
          engine.discardBuffered()
          engine.setSink(this.conversationSink)
        }
        this.conversation.captureEnded()
      }),
    )
  }

  private audioPort(): AudioPort {
    const engine = this.engine
    return {
      startCapture: () => engine.startCapture(),
      stopCapture: () => engine.stopCapture(),
      setRates: (input, output) => {
        engine.setInputRate(input)
        engine.setOutputRate(output)
      },
      ready: () => engine.flushBuffered(),
      discard: () => {
        engine.discardBuffered()
        this.gateHeld = []
      },
      play: (event) => engine.play(event.itemId, event.pcm),
      endReply: (_responseId, itemId) => {
        if (itemId) engine.endItem(itemId)
      },
      flush: () => engine.flushPlayback().then(() => undefined),
      get isPlaying() {
        return engine.isPlaying
      },
      reporter: engine.reporter,
    }
  }

  private toolsPort(): ToolsPort {
    const api = this.api
    return {
      // A failed call becomes an error result in the Conversation.
      run: ({ callId, name, arguments: args, rawArguments }) => api.tools.execute({ callId, name, arguments: args ?? rawArguments }),
      onPending: (listener) => {
        api.tools
          .pending()
          .then(listener)
          .catch(() => {})
        return api.on('tools:pending', listener)
      },
      // MCP servers come and go: the live session gets the new list (Speko: from its next session).
      onDeclarationsChanged: (listener) => api.on('mcp:toolsChanged', (tools) => listener(tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })))),
    }
  }

  /** A WebSocket, or WebRTC when the credential says so (OpenAI with the WebRTC transport chosen). */
  /** The session's audio goes out on a WebRTC track (not in socket messages). */
  private uplinkIsTrack = false

  private readonly transportFor: SocketFactory = (url, protocols, credential) => {
    this.uplinkIsTrack = credential?.transport === 'webrtc'
    return this.uplinkIsTrack ? new WebRtcSocket(credential!, this.engine, { log: this.log }) : browserSocket(url, protocols)
  }

  private sessionPort(socketFactory: SocketFactory): SessionPort {
    const api = this.api
    const engine = this.engine
    return {
      socketFactory,
      createAdapter,
      open: async () => {
        const continued = this.continueNext
        this.continueNext = null
        let start
        try {
          start = await api.session.start(continued ? { continueFrom: continued.conversationId } : undefined)
        } catch (error) {
          throw new ConversationStartError(errorCode(error), error instanceof Error ? error.message : String(error))
        }
        let first: typeof start.credential | null = start.credential
        engine.setInputRate(start.credential.inputSampleRate)
        engine.setOutputRate(start.credential.outputSampleRate)
        return {
          config: start.config,
          provider: start.provider,
          model: start.config.model,
          ...(continued ? { initialHistory: continued.turns } : {}),
          mint: async () => {
            if (first) {
              const c = first
              first = null
              return c
            }
            return (await api.session.start({ provider: start.provider })).credential
          },
        }
      },
    }
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

  private onConversation(event: ConversationEvent): void {
    switch (event.type) {
      case 'transcript':
        for (const change of event.changes) {
          if (change.type === 'put') this.transcript.append(change.entry)
          else this.transcript.announce(change.text)
        }
        return
      case 'ready':
        this.flushGateHeld()
        return
      case 'reply.done':
        // With a wake phrase: a short follow-up accepts speech without it, as after any reply.
        if (this.gate && this.wakePhrase()) this.gate.armFollowUp()
        return
      case 'state': {
        const { status, capturing, pending, error } = event.state
        const statusChanged = status !== this.state.status
        if (error) this.lastError = error
        this.set({ status, capturing: capturing || this.gateOpen, pending })
        if (statusChanged) this.reportStatus(status)
        return
      }
      case 'start-failed':
        this.lastError = event.message
        return
      case 'user.final':
        this.spokenAnswer(event.text)
        return
      case 'closed':
        // A press (or a latched toggle) outlived the session: main's push-to-talk machine lets go too.
        if (this.pressHeld) this.api.desktop.talk({ action: 'cancel' }).catch(() => {})
        this.pressHeld = false
        this.releaseMicIfIdle()
        return
      case 'error':
        if (event.error.fatal) this.lastError = event.error.message
        return
      default:
        return
    }
  }

  private reportStatus(status: UiStatus): void {
    const error = status === 'error' ? (this.lastError ?? 'the session failed') : null
    if (status !== 'error') this.lastError = null
    this.api.desktop.reportSession({ status, error: error ? error.slice(0, 500) : null, gateOpen: this.gateOpen }).catch(() => {})
  }

  // ------------------------------------------------------------------------------------------
  // Lifecycle
  // ------------------------------------------------------------------------------------------

  /** Listens to main (push-to-talk, always-listening, settings) and opens the microphone. */
  start(settings: Settings): void {
    this.settings = settings
    const api = this.api
    this.offs.push(
      api.on('desktop:ptt', ({ commands }) => {
        for (const command of commands) this.pttCommand(command)
      }),
      api.on('desktop:status', (status) => this.desktopStatus(status)),
      api.on('settings:changed', (next) => this.settingsChanged(next)),
    )
    api.desktop
      .status()
      .then((s) => this.desktopStatus(s))
      .catch(() => {})
    // "Keep the microphone ready" (on by default): open now, so even the first press has its pre-roll.
    // Off: the first press opens it, and it closes with the conversation.
    if (settings.audio.keepMicReady) void this.openMic()
  }

  /** The conversation ended: with "Keep the microphone ready" off, the microphone closes too. */
  private releaseMicIfIdle(): void {
    if (this.settings?.audio.keepMicReady !== false || this.alwaysActive || this.state.capturing || this.pressWaiting) return
    this.engine.closeMicrophone()
    this.micOpen = null
  }

  async dispose(): Promise<void> {
    for (const off of this.offs.splice(0)) off()
    for (const off of this.gateOffs.splice(0)) off()
    this.gate?.dispose()
    this.gate = null
    await this.conversation.dispose()
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
    this.conversation.cancel()
    this.set({ micError: { message, fix, action } })
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

  /** A press: with the microphone open, the conversation takes it at once. No microphone, no session. */
  private press(): void {
    if (this.alwaysActive) {
      // Always-listening owns the microphone: a press only stops a reply (the gate hears the rest).
      this.conversation.bargeIn()
      return
    }
    this.pressHeld = true
    this.pressWaiting = true
    void this.openMic().then((ok) => {
      if (!this.pressWaiting) {
        // Released before the microphone opened: a press too short to capture anything.
        return
      }
      this.pressWaiting = false
      if (ok) this.conversation.press()
      else this.api.desktop.talk({ action: 'cancel' }).catch(() => {})
    })
  }

  private release(): void {
    this.pressHeld = false
    this.pressWaiting = false
    if (this.alwaysActive) return
    this.conversation.release()
  }

  private cancelPress(): void {
    this.pressHeld = false
    this.pressWaiting = false
    if (this.alwaysActive) return
    this.conversation.cancel()
  }

  /** The on-screen button went down: capture starts here at once, main's machine decides the rest. */
  talkDown(): void {
    // A press while capturing (toggle mode, or a latched auto tap) is the "stop" press: main decides.
    if (!this.state.muted && !this.state.capturing) this.press()
    this.api.desktop.talk({ action: 'down' }).catch((e: unknown) => this.log(`talk down: ${String(e)}`))
  }

  talkUp(): void {
    this.api.desktop.talk({ action: 'up' }).catch((e: unknown) => this.log(`talk up: ${String(e)}`))
  }

  /** Main's push-to-talk machine reports capture edges only. */
  private pttCommand(command: PttCommand): void {
    switch (command.type) {
      case 'start-capture':
        if (!this.state.capturing) this.press()
        return
      case 'stop-capture':
        if (command.reason === 'muted' || command.reason === 'cancel' || command.reason === 'session-ended') {
          this.cancelPress()
        } else {
          this.release()
        }
        return
      case 'blocked':
        this.cancelPress()
        this.conversation.showError('The microphone is muted. Unmute it to talk.', 'none')
        return
    }
  }

  private desktopStatus(status: DesktopStatus): void {
    const wasActive = this.alwaysActive
    const active = status.alwaysListening.active
    this.alwaysActive = active
    this.set({ alwaysListening: status.alwaysListening.enabled, muted: status.muted })
    this.engine.setMuted(status.muted)
    if (active && !wasActive) void this.startAlwaysListening()
    else if (!active && wasActive) this.stopAlwaysListening()
  }

  /**
   * Always-listening: the microphone stays open, but audio leaves the machine only while the local
   * speech gate (Silero VAD, optionally a wake phrase) hears someone speak to Earshot: the gate's
   * pre-roll first, then the speech, then its short hangover. The session opens when the gate
   * does and closes after the idle time; the provider's VAD ends each turn.
   */
  private async startAlwaysListening(): Promise<void> {
    await this.engine.setAlwaysListening(true)
    if (!this.alwaysActive || !(await this.openMic())) return
    let gate = this.gate
    if (!gate) {
      try {
        gate = await SpeechGate.create({ wakePhrase: this.wakePhrase() })
      } catch (error) {
        this.alwaysListeningFailed(error)
        return
      }
      if (!this.alwaysActive) {
        gate.dispose()
        return
      }
      this.gate = gate
      this.gateOffs.push(
        gate.on('frame', ({ pcm, info }) => this.gateFrame(pcm, info)),
        gate.on('open', () => {
          this.gateOpen = true
          this.reportStatus(this.state.status) // the tray: hearing you (streaming)
          this.set({ capturing: true })
          this.conversation.activity()
          void this.conversation.ensureSession()
        }),
        gate.on('close', () => {
          this.gateOpen = false
          this.reportStatus(this.state.status) // the tray: listening locally (nothing leaves)
          this.set({ capturing: this.conversation.state.capturing })
          this.conversation.activity()
        }),
        gate.on('error', (e) => this.alwaysListeningFailed(e)),
      )
    }
    gate.reset()
    this.conversation.setPolicy('provider-vad')
    this.dropUntilStopped = false
    this.engine.setSink(gate.sink)
    this.engine.startCapture()
  }

  private stopAlwaysListening(): void {
    // Until the worklet's tail is out, frames go nowhere; then the push-to-talk sink comes back.
    this.dropUntilStopped = true
    this.engine.setSink({ isReady: () => true, send: () => {} })
    this.engine.stopCapture()
    this.gate?.close()
    const wasOpen = this.gateOpen
    this.gateOpen = false
    this.gateHeld = []
    this.conversation.setPolicy('push-to-talk')
    if (wasOpen) this.reportStatus(this.state.status)
    this.set({ capturing: this.conversation.state.capturing })
    void this.engine.setAlwaysListening(false)
  }

  /** The speech detector could not load or failed: say so, offer push-to-talk, never stream everything instead. */
  private alwaysListeningFailed(error: unknown): void {
    const message = error instanceof SpeechGateError ? error.message : `Always-listening is off: the speech detector failed (${error instanceof Error ? error.message : String(error)}). Hold the talk button or your hotkey to talk instead.`
    for (const off of this.gateOffs.splice(0)) off()
    this.gate?.dispose()
    this.gate = null
    this.gateOpen = false
    this.stopAlwaysListening()
    this.conversation.showError(message, 'none')
    this.api.desktop.setAlwaysListening({ enabled: false }).then((s) => this.desktopStatus(s)).catch(() => {})
  }

  private wakePhrase(): WakePhraseId | null {
    return this.settings?.wakePhrase ?? null
  }

  /** Audio the gate let through: to the provider, or held (bounded) until it is ready. */
  private gateFrame(pcm: Int16Array, info: FrameInfo): void {
    if (this.conversation.acceptsAudio && this.gateHeld.length === 0 && info.rate === this.engine.currentInputRate) {
      this.conversation.sendAudio(pcm)
      return
    }
    this.gateHeld.push({ pcm, rate: info.rate })
    if (this.gateHeld.length > 1500) this.gateHeld.shift() // 30 s of 20 ms frames
    if (this.conversation.acceptsAudio) this.flushGateHeld()
    else void this.conversation.ensureSession() // the session closed while the gate was open
  }

  private flushGateHeld(): void {
    if (!this.conversation.acceptsAudio || this.gateHeld.length === 0) return
    const held = this.gateHeld
    this.gateHeld = []
    const target = this.engine.currentInputRate
    let i = 0
    while (i < held.length) {
      const rate = held[i]!.rate
      let j = i
      while (j < held.length && held[j]!.rate === rate) j++
      const run = held.slice(i, j).map((h) => h.pcm)
      for (const pcm of rate === target ? run : convertFrames(run, rate, target)) this.conversation.sendAudio(pcm)
      i = j
    }
  }

  async setAlwaysListening(enabled: boolean): Promise<void> {
    const status = await this.api.desktop.setAlwaysListening({ enabled })
    this.desktopStatus(status)
  }

  /** Retry after an error. */
  retry(): void {
    this.set({ micError: null })
    void this.openMic(true).then((ok) => {
      if (ok) void this.conversation.ensureSession()
    })
  }

  /** Ends the conversation's connection (the transcript stays). */
  async hangUp(): Promise<void> {
    this.pressWaiting = false
    await this.conversation.hangUp()
  }

  // ------------------------------------------------------------------------------------------
  // Tools
  // ------------------------------------------------------------------------------------------

  /**
   * The user's answer on a card. The voice window cannot allow anything itself: "allow" brings up
   * main's confirmation window (Enter there allows once); "deny" is always safe to take from here.
   */
  async decide(callId: string, choice: 'allow_once' | 'always_allow' | 'deny'): Promise<void> {
    try {
      const pending = choice === 'deny' ? await this.api.tools.deny({ callId }) : await this.api.tools.review({ callId })
      this.conversation.setPending(pending)
    } catch (error) {
      this.conversation.showError(error instanceof Error ? error.message : String(error), 'none')
    }
  }

  /**
   * While a confirmation waits, the user's words go to main, which matches them strictly: a short
   * "yes" allows a `write` call, "no" denies any; anything else decides nothing.
   */
  private spokenAnswer(transcript: string): void {
    const waiting = this.state.pending[0]
    if (!waiting || !transcript.trim() || transcript.length > 200) return
    this.api.tools
      .spokenAnswer({ callId: waiting.callId, transcript })
      .then((answer) => this.conversation.setPending(answer.pending))
      .catch((e: unknown) => this.log(`spoken answer: ${String(e)}`))
  }

  /** History's "Continue": a new session that carries the stored conversation as context. */
  async continueConversation(request: ContinueRequest): Promise<void> {
    await this.conversation.hangUp()
    this.continueNext = request
    if (await this.openMic()) await this.conversation.ensureSession()
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
    if (p.inputDeviceId !== n.inputDeviceId && this.micOpen) void this.openMic(true)
    if (!p.keepMicReady && n.keepMicReady) void this.openMic()
    else if (p.keepMicReady && !n.keepMicReady && !this.conversation.session) this.releaseMicIfIdle()
    if (prev.provider !== next.provider) void this.conversation.session?.close()
    if (prev.wakePhrase !== next.wakePhrase && this.gate) {
      this.gate.setWakePhrase(next.wakePhrase).catch((error: unknown) => this.alwaysListeningFailed(error))
    }
  }
}

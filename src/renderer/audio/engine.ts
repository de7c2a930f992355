/**
 * The renderer's audio engine: microphone capture and reply playback on ONE AudioContext with two
 * AudioWorklets. No React here; the voice UI drives it through this class.
 *
 *   mic -> MediaStreamSource -> [capture worklet] -> 20 ms PCM16 frames -> sink (the session)
 *                                      ^ input 1 (echo reference)
 *   play() -> [playback worklet: ring] -> GainNode (volume) -> destination (setSinkId)
 *
 * Decisions (measured in test/e2e/audio-*.test.ts and test/bench/audio.ts):
 * - The context runs at 24 kHz (the providers' usual rate): Chromium resamples the microphone into
 *   the context with its own sinc resampler (a 15 kHz tone does not alias into the capture, see
 *   the tests) and the device rate back out; 24 kHz replies play with no resampling at all. A
 *   16 kHz uplink (Speko) is resampled in the capture worklet by the shared windowed-sinc
 *   resampler, a 16 kHz reply on the main thread before it is posted.
 * - One context for both directions puts the playback signal and the microphone in the same
 *   graph, sample-aligned, which is what the echo gate needs (echo-gate.ts).
 * - Frames leave the worklet as transferred buffers; the engine holds them in order while the
 *   sink is not ready (session connecting) and sends them all, oldest first, once it is.
 */
import { Resampler } from '../../shared/s2s/pcm'
import type { PlaybackReporter, S2SEvent } from '../../shared/s2s/types'
import { convertFrames } from './capture-core'
import captureWorkletUrl from './capture-worklet.ts?worker&url'
import {
  audioConstraints,
  MicrophoneError,
  onDeviceChange,
  pickInputDevice,
  toMicrophoneError,
  type DeviceLike,
  type InputChoice,
  type ProcessingSettings,
} from './devices'
import playbackWorkletUrl from './playback-worklet.ts?worker&url'
import {
  CAPTURE_PROCESSOR,
  PLAYBACK_PROCESSOR,
  type CaptureConfig,
  type CaptureFrameMessage,
  type CaptureInMessage,
  type CaptureOutMessage,
  type EchoGateParams,
  type ItemCount,
  type PlaybackConfig,
  type PlaybackInMessage,
  type PlaybackOutMessage,
} from './protocol'

/** What the engine knows about each frame it hands to the sink: the worklet's frame message without the samples. */
export type FrameInfo = Omit<CaptureFrameMessage, 'type' | 'pcm'>

/** Where captured audio goes (the session). Frames wait in the engine while it is not ready. */
export interface CaptureSink {
  isReady(): boolean
  send(pcm: Int16Array, info: FrameInfo): void
}

/** The part of navigator.mediaDevices the engine uses (injectable for tests). */
export interface MediaDevicesLike {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>
  enumerateDevices(): Promise<DeviceLike[]>
  addEventListener(type: 'devicechange', listener: () => void): void
  removeEventListener(type: 'devicechange', listener: () => void): void
}

export interface AudioEngineOptions {
  /** AudioContext rate. Default 24000. */
  contextRate?: number
  /** Uplink PCM16 rate (changeable with setInputRate). Default 24000. */
  inputRate?: number
  /** Rate of the reply audio given to play() (changeable with setOutputRate). Default 24000. */
  outputRate?: number
  capture?: Partial<Omit<CaptureConfig, 'targetRate'>>
  playback?: Partial<PlaybackConfig>
  /** Most audio held while the sink is not ready (oldest dropped beyond). Default 60 s. */
  maxBufferedMs?: number
  volume?: number
  mediaDevices?: MediaDevicesLike
  /** Worklet module URLs (default: the Vite-built modules next to this file). */
  workletUrls?: { capture: string; playback: string }
}

export interface MicrophoneOptions {
  /** The user's choice; null = system default. */
  deviceId?: string | null
  processing?: Partial<ProcessingSettings>
  alwaysListening?: boolean
}

export type PlaybackEvent =
  | { type: 'started'; at: number; itemId: string; waitedMs: number }
  | { type: 'idle'; at: number }
  | { type: 'flushed'; at: number; sentAt: number; receivedAt: number; droppedMs: number }

export interface EngineEvents {
  level: { rms: number; peak: number; gated: boolean; at: number }
  device: { deviceId: string | null; label: string; fallback: boolean; wanted: string | null }
  error: MicrophoneError | Error
  playback: PlaybackEvent
  /** The tail after stopCapture() has gone out. */
  stopped: { at: number }
}

export interface OutputDeviceResult {
  ok: boolean
  /** Why the chosen speaker is not used (audio then plays on the system default). */
  message?: string
}

export interface FlushResult {
  /** Date.now() of the first silent render quantum. */
  silentAt: number
  sentAt: number
  droppedMs: number
}

interface ItemState {
  /** Context-rate samples posted to the worklet. */
  received: number
  /** Samples the worklet reported rendered. */
  rendered: number
  /** Date.now() of the last report. */
  reportAt: number
  /** Date.now() of the last quantum that rendered this item. */
  lastRenderAt: number
}

/**
 * WebRTC: the microphone as a MediaStreamTrack. The frames the session sends (pre-roll, gate and
 * tail included, exactly what a WebSocket would carry) play out in real time into the track.
 */
export interface Uplink {
  readonly track: MediaStreamTrack
  /** PCM16 mono at the session's input rate. */
  write(pcm: Int16Array): void
  /** Milliseconds written but not yet played into the track. */
  readonly bufferedMs: number
  /** Milliseconds written since the uplink opened (a mark for playedMs). */
  readonly writtenMs: number
  /** Milliseconds played into the track since the uplink opened. */
  readonly playedMs: number
  close(): void
}

/** WebRTC: the reply's remote track, playing (media element) until closed. */
export interface RemoteAudio {
  close(): void
}

const UPLINK_ITEM = 'uplink'

const DEFAULT_PROCESSING: ProcessingSettings = { echoCancellation: true, noiseSuppression: true, autoGainControl: true }

type Listener<T> = (value: T) => void

export class AudioEngine {
  readonly options: AudioEngineOptions
  private ctx: AudioContext | null = null
  private captureNode: AudioWorkletNode | null = null
  private playerNode: AudioWorkletNode | null = null
  private gainNode: GainNode | null = null
  private source: MediaStreamAudioSourceNode | null = null
  private stream: MediaStream | null = null
  private readonly listeners = new Map<keyof EngineEvents, Set<Listener<never>>>()
  private sink: CaptureSink | null = null
  private queue: { pcm: Int16Array; info: FrameInfo }[] = []
  private queuedSamples = 0
  private inputRate: number
  private outputRate: number
  private muted = false
  private alwaysListening = false
  private wanted: string | null = null
  private processing: ProcessingSettings = DEFAULT_PROCESSING
  private current: InputChoice | null = null
  private micOp: Promise<unknown> = Promise.resolve()
  private readonly devices: MediaDevicesLike | null
  private readonly deviceListener = () => void this.handleDeviceChange()
  // playback state
  private readonly items = new Map<string, ItemState>()
  private playing = false
  private currentItem: string | null = null
  /** Items whose playback was flushed (barge-in): their late audio is dropped, never played. */
  private readonly silenced = new Set<string>()
  private resampler: { itemId: string; rate: number; r: Resampler } | null = null
  private flushSeq = 0
  private readonly flushWaiters = new Map<number, (r: FlushResult) => void>()
  private gateParams: Partial<EchoGateParams> | undefined
  private closed = false
  // WebRTC: the reply plays from a remote track on a media element, not from the playback worklet.
  private remote: { element: HTMLAudioElement; source: MediaStreamAudioSourceNode | null } | null = null
  private remotePlaying = false
  private volume: number
  private outputDeviceId: string | null = null

  constructor(options: AudioEngineOptions = {}) {
    this.options = options
    this.inputRate = options.inputRate ?? 24000
    this.outputRate = options.outputRate ?? 24000
    this.volume = clamp01(options.volume ?? 1)
    this.devices = options.mediaDevices ?? (typeof navigator !== 'undefined' && navigator.mediaDevices ? (navigator.mediaDevices as unknown as MediaDevicesLike) : null)
  }

  // ------------------------------------------------------------------------------------------
  // Lifecycle
  // ------------------------------------------------------------------------------------------

  /** Creates the context and both worklets (no microphone yet; playback works from here on). */
  async init(): Promise<void> {
    if (this.ctx) return
    if (typeof AudioContext === 'undefined' || typeof AudioWorkletNode === 'undefined') {
      throw new MicrophoneError('unsupported', 'AudioWorklet is not available')
    }
    const ctx = new AudioContext({ sampleRate: this.options.contextRate ?? 24000, latencyHint: 'interactive' })
    this.ctx = ctx
    const urls = this.options.workletUrls ?? { capture: captureWorkletUrl, playback: playbackWorkletUrl }
    await ctx.audioWorklet.addModule(urls.capture)
    await ctx.audioWorklet.addModule(urls.playback)
    const captureConfig: Partial<CaptureConfig> = { ...this.options.capture, targetRate: this.inputRate }
    this.captureNode = new AudioWorkletNode(ctx, CAPTURE_PROCESSOR, {
      numberOfInputs: 2,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      channelCount: 1,
      channelCountMode: 'explicit',
      channelInterpretation: 'speakers',
      processorOptions: { config: captureConfig },
    })
    this.playerNode = new AudioWorkletNode(ctx, PLAYBACK_PROCESSOR, {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      processorOptions: { config: this.options.playback ?? {} },
    })
    this.gainNode = ctx.createGain()
    this.gainNode.gain.value = clamp01(this.options.volume ?? 1)
    this.playerNode.connect(this.gainNode)
    this.gainNode.connect(ctx.destination)
    this.gainNode.connect(this.captureNode, 0, 1)
    // The capture node outputs silence; connecting it keeps it pulled by the renderer.
    this.captureNode.connect(ctx.destination)
    this.captureNode.port.onmessage = (e: MessageEvent<CaptureOutMessage>) => this.onCaptureMessage(e.data)
    this.playerNode.port.onmessage = (e: MessageEvent<PlaybackOutMessage>) => this.onPlaybackMessage(e.data)
    this.devices?.addEventListener('devicechange', this.deviceListener)
    if (ctx.state !== 'running') await ctx.resume().catch(() => {})
  }

  /** Resumes a context the autoplay policy suspended (call from a user gesture). */
  async resume(): Promise<void> {
    await this.ctx?.resume()
  }

  get context(): AudioContext | null {
    return this.ctx
  }

  /** The post-volume output (for a visualiser or a test tap). */
  get output(): AudioNode | null {
    return this.gainNode
  }

  async close(): Promise<void> {
    this.closed = true
    this.devices?.removeEventListener('devicechange', this.deviceListener)
    this.stopStream()
    // Nothing leaves a closed engine, not even messages the worklets had already posted.
    this.sink = null
    this.queue = []
    this.queuedSamples = 0
    if (this.captureNode) this.captureNode.port.onmessage = null
    if (this.playerNode) this.playerNode.port.onmessage = null
    this.captureNode?.disconnect()
    this.playerNode?.disconnect()
    this.closeRemote()
    this.listeners.clear()
    for (const resolve of this.flushWaiters.values()) resolve({ silentAt: Date.now(), sentAt: Date.now(), droppedMs: 0 })
    this.flushWaiters.clear()
    await this.ctx?.close().catch(() => {})
    this.ctx = null
  }

  on<K extends keyof EngineEvents>(type: K, listener: Listener<EngineEvents[K]>): () => void {
    let set = this.listeners.get(type)
    if (!set) this.listeners.set(type, (set = new Set()))
    set.add(listener as Listener<never>)
    return () => set.delete(listener as Listener<never>)
  }

  private emit<K extends keyof EngineEvents>(type: K, value: EngineEvents[K]): void {
    for (const listener of this.listeners.get(type) ?? []) (listener as Listener<EngineEvents[K]>)(value)
  }

  /** Routes the session's events: rates from 'ready', reply audio, barge-in. */
  handleEvent(event: S2SEvent): void {
    if (event.type === 'ready') {
      this.setInputRate(event.inputSampleRate)
      this.setOutputRate(event.outputSampleRate)
    } else if (event.type === 'audio') this.play(event.itemId, event.pcm)
    else if (event.type === 'bargein') void this.flushPlayback()
    else if (event.type === 'reply.done') this.endResampler()
  }

  // ------------------------------------------------------------------------------------------
  // Microphone
  // ------------------------------------------------------------------------------------------

  /**
   * Opens the microphone (or re-opens it with new options) and connects it to the capture
   * worklet. Only the source node is swapped; the worklet, its pre-roll ring and any frames
   * waiting for the sink stay. Throws a MicrophoneError (denied, not-found, in-use...).
   */
  openMicrophone(options: MicrophoneOptions = {}): Promise<InputChoice> {
    if (options.deviceId !== undefined) this.wanted = options.deviceId
    if (options.processing) this.processing = { ...this.processing, ...options.processing }
    if (options.alwaysListening !== undefined) this.setGateEnabled(options.alwaysListening)
    return this.serial(() => this.reopen())
  }

  /** Picks another microphone (null = default). */
  setInputDevice(deviceId: string | null): Promise<InputChoice> {
    return this.openMicrophone({ deviceId })
  }

  /** Echo cancellation / noise suppression / AGC from settings; re-opens the microphone if open. */
  setProcessing(processing: Partial<ProcessingSettings>): Promise<InputChoice | null> {
    this.processing = { ...this.processing, ...processing }
    return this.stream ? this.serial(() => this.reopen()) : Promise.resolve(null)
  }

  /**
   * Always-listening mode: forces echo cancellation and noise suppression on and arms the echo
   * gate (push-to-talk needs neither: the press is the user's barge-in).
   */
  setAlwaysListening(on: boolean, gate?: Partial<EchoGateParams>): Promise<InputChoice | null> {
    if (gate) this.gateParams = { ...this.gateParams, ...gate }
    const changed = on !== this.alwaysListening
    this.setGateEnabled(on)
    return changed && this.stream ? this.serial(() => this.reopen()) : Promise.resolve(this.current)
  }

  private setGateEnabled(on: boolean): void {
    this.alwaysListening = on
    this.postCapture({ type: 'gate', enabled: on, ...(this.gateParams ? { params: this.gateParams } : {}) })
  }

  closeMicrophone(): void {
    this.stopStream()
    this.current = null
  }

  /** The microphone in use (null = none open). */
  get microphone(): InputChoice | null {
    return this.current
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.micOp.then(op, op)
    this.micOp = next.catch(() => {})
    return next
  }

  private async reopen(): Promise<InputChoice> {
    if (!this.ctx || !this.captureNode) await this.init()
    const devices = this.devices
    if (!devices) throw new MicrophoneError('unsupported', 'navigator.mediaDevices is missing')
    const list = await devices.enumerateDevices().catch(() => [] as DeviceLike[])
    let choice = pickInputDevice(list, this.wanted)
    let stream: MediaStream
    try {
      stream = await devices.getUserMedia({ audio: audioConstraints(choice.deviceId, this.processing, this.alwaysListening) as MediaTrackConstraints })
    } catch (error) {
      const mapped = toMicrophoneError(error)
      if (choice.deviceId === null || (mapped.code !== 'overconstrained' && mapped.code !== 'not-found' && mapped.code !== 'in-use')) throw mapped
      // The chosen device is gone or busy: the default one will do.
      choice = { deviceId: null, fallback: true }
      try {
        stream = await devices.getUserMedia({ audio: audioConstraints(null, this.processing, this.alwaysListening) as MediaTrackConstraints })
      } catch (again) {
        throw toMicrophoneError(again)
      }
    }
    if (this.closed || !this.ctx || !this.captureNode) {
      for (const t of stream.getTracks()) t.stop()
      throw new MicrophoneError('unknown', 'the audio engine was closed')
    }
    const source = this.ctx.createMediaStreamSource(stream)
    source.connect(this.captureNode, 0, 0)
    this.stopStream()
    this.source = source
    this.stream = stream
    this.current = choice
    const track = stream.getAudioTracks()[0]
    if (track) track.onended = () => void this.serial(() => this.reopenAfterLoss())
    this.emit('device', { deviceId: choice.deviceId, label: track?.label ?? '', fallback: choice.fallback, wanted: this.wanted })
    return choice
  }

  private async reopenAfterLoss(): Promise<InputChoice | null> {
    if (this.closed || !this.stream) return null
    try {
      return await this.reopen()
    } catch (error) {
      this.emit('error', toMicrophoneError(error))
      return null
    }
  }

  private async handleDeviceChange(): Promise<void> {
    if (!this.devices || !this.current || this.closed) return
    const list = await this.devices.enumerateDevices().catch(() => null)
    if (!list || !this.current) return
    const action = onDeviceChange(list, this.wanted, this.current)
    if (action === 'keep') return
    await this.serial(() => this.reopenAfterLoss())
  }

  private stopStream(): void {
    this.source?.disconnect()
    this.source = null
    if (this.stream) {
      for (const track of this.stream.getTracks()) {
        track.onended = null
        track.stop()
      }
    }
    this.stream = null
  }

  // ------------------------------------------------------------------------------------------
  // Capture control
  // ------------------------------------------------------------------------------------------

  /** Where frames go. A sink that is not ready gets them later, in order. */
  setSink(sink: CaptureSink | null): void {
    this.sink = sink
    this.drain()
  }

  /** Push-to-talk pressed (or always-listening on): pre-roll first, then live frames. */
  startCapture(): void {
    this.postCapture({ type: 'start' })
  }

  /** Released: keeps sending for the tail (~300 ms), then stops. */
  stopCapture(): void {
    this.postCapture({ type: 'stop' })
  }

  /** The session is ready: send what waited, oldest first. */
  flushBuffered(): void {
    this.drain()
  }

  /** The session ended before it was ready: drop what waited. */
  discardBuffered(): void {
    this.queue = []
    this.queuedSamples = 0
  }

  /** Audio waiting for the sink, in milliseconds. */
  get bufferedMs(): number {
    return this.queue.reduce((ms, e) => ms + (e.pcm.length / e.info.rate) * 1000, 0)
  }

  setMuted(muted: boolean): void {
    this.muted = muted
    this.postCapture({ type: 'mute', muted })
  }

  get isMuted(): boolean {
    return this.muted
  }

  /** The negotiated uplink rate (Speko's ready frame may change it). */
  setInputRate(rate: number): void {
    if (rate === this.inputRate) return
    this.inputRate = rate
    this.postCapture({ type: 'rate', rate })
  }

  get currentInputRate(): number {
    return this.inputRate
  }

  private postCapture(message: CaptureInMessage): void {
    this.captureNode?.port.postMessage(message)
  }

  private onCaptureMessage(m: CaptureOutMessage): void {
    if (m.type === 'frame') this.onFrame(m)
    else if (m.type === 'level') this.emit('level', { rms: m.rms, peak: m.peak, gated: m.gated, at: m.at })
    else if (m.type === 'stopped') this.emit('stopped', { at: m.at })
  }

  private onFrame(m: CaptureFrameMessage): void {
    const info: FrameInfo = { seq: m.seq, rate: m.rate, preroll: m.preroll, gated: m.gated, rms: m.rms, peak: m.peak, firstAt: m.firstAt, lastAt: m.lastAt }
    this.queue.push({ pcm: m.pcm, info })
    this.queuedSamples += m.pcm.length
    this.drain()
  }

  private drain(): void {
    const sink = this.sink
    if (!sink || !sink.isReady()) {
      this.trimQueue()
      return
    }
    while (this.queue.length > 0) {
      const head = this.queue[0]!
      if (head.info.rate === this.inputRate) {
        this.queue.shift()
        this.queuedSamples -= head.pcm.length
        sink.send(head.pcm, head.info)
        continue
      }
      // Frames captured at a rate the session no longer uses: convert the whole run.
      let n = 0
      while (n < this.queue.length && this.queue[n]!.info.rate === head.info.rate) n++
      const run = this.queue.splice(0, n)
      for (const e of run) this.queuedSamples -= e.pcm.length
      const converted = convertFrames(run.map((e) => e.pcm), head.info.rate, this.inputRate)
      converted.forEach((pcm, i) => {
        const src = run[Math.min(run.length - 1, Math.floor((i * head.info.rate) / this.inputRate))]!.info
        sink.send(pcm, { ...src, rate: this.inputRate })
      })
    }
  }

  private trimQueue(): void {
    const maxMs = this.options.maxBufferedMs ?? 60_000
    while (this.queue.length > 0 && (this.queuedSamples / this.inputRate) * 1000 > maxMs) {
      const dropped = this.queue.shift()!
      this.queuedSamples -= dropped.pcm.length
    }
  }

  // ------------------------------------------------------------------------------------------
  // Playback
  // ------------------------------------------------------------------------------------------

  /** The rate of the reply audio play() receives (from the session's ready event). */
  setOutputRate(rate: number): void {
    this.outputRate = rate
  }

  /** Queues reply audio (PCM16 mono at the output rate). The caller's array is not touched. */
  play(itemId: string, pcm: Int16Array, rate = this.outputRate): void {
    const ctx = this.ctx
    const player = this.playerNode
    if (!ctx || !player || pcm.length === 0) return
    // A reply the user interrupted stays silent, even if more of it arrives before the provider
    // has heard about the interruption.
    if (this.silenced.has(itemId)) return
    let data: Int16Array
    if (rate === ctx.sampleRate) {
      if (this.resampler) this.endResampler()
      data = pcm.slice()
    } else {
      if (!this.resampler || this.resampler.itemId !== itemId || this.resampler.rate !== rate) {
        this.endResampler()
        this.resampler = { itemId, rate, r: new Resampler(rate, ctx.sampleRate) }
      }
      data = this.resampler.r.processInt16(pcm)
    }
    this.post(itemId, data)
  }

  /** The reply item is complete: releases the resampler's last samples (only matters when resampling). */
  endItem(itemId: string): void {
    if (this.resampler?.itemId === itemId) this.endResampler()
  }

  private endResampler(): void {
    const r = this.resampler
    this.resampler = null
    if (!r) return
    const tail = r.r.flush()
    if (tail.length === 0) return
    const pcm = new Int16Array(tail.length)
    for (let i = 0; i < tail.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round((tail[i] as number) * 32768)))
    this.post(r.itemId, pcm)
  }

  private post(itemId: string, data: Int16Array): void {
    if (data.length === 0 || !this.playerNode) return
    let s = this.items.get(itemId)
    if (!s) {
      s = { received: 0, rendered: 0, reportAt: 0, lastRenderAt: 0 }
      this.items.set(itemId, s)
      if (this.items.size > 64) this.items.delete(this.items.keys().next().value as string)
    }
    s.received += data.length
    const message: PlaybackInMessage = { type: 'push', itemId, pcm: data, sentAt: Date.now() }
    this.playerNode.port.postMessage(message, [data.buffer])
  }

  /**
   * Barge-in: the playback worklet zeroes its ring as soon as the message arrives (the next render
   * quantum is silent). Resolves when the worklet confirms.
   */
  flushPlayback(): Promise<FlushResult> {
    if (this.remote) {
      // WebRTC: the server stops sending (output_audio_buffer.clear); what the jitter buffer still
      // holds is muted now, until the next reply starts.
      this.remote.element.muted = true
      this.remotePlaying = false
    }
    this.resampler = null
    for (const [id, item] of this.items) if (item.received > item.rendered) this.silenced.add(id)
    if (this.currentItem) this.silenced.add(this.currentItem)
    for (const id of this.silenced) {
      if (this.silenced.size <= 64) break
      this.silenced.delete(id)
    }
    const player = this.playerNode
    if (!player) return Promise.resolve({ silentAt: Date.now(), sentAt: Date.now(), droppedMs: 0 })
    const id = ++this.flushSeq
    const sentAt = Date.now()
    const done = new Promise<FlushResult>((resolve) => this.flushWaiters.set(id, resolve))
    player.port.postMessage({ type: 'flush', id, sentAt } satisfies PlaybackInMessage)
    return done
  }

  /** True from the first rendered sample until the ring runs dry or is flushed (WebRTC: while the server plays the reply). */
  get isPlaying(): boolean {
    return this.playing || (this.remote !== null && this.remotePlaying)
  }

  setVolume(volume: number): void {
    this.volume = clamp01(volume)
    if (this.remote) this.remote.element.volume = this.volume
    const gain = this.gainNode
    if (!gain || !this.ctx) return
    gain.gain.setTargetAtTime(this.volume, this.ctx.currentTime, 0.01)
  }

  // ------------------------------------------------------------------------------------------
  // WebRTC transport (OpenAI): the microphone as a track, the reply from a remote track
  // ------------------------------------------------------------------------------------------

  /**
   * The uplink track: a second playback-worklet ring (no start threshold) rendering the session's
   * frames into a MediaStreamAudioDestinationNode, so pre-roll, the speech gate and the tail work
   * as they do on a WebSocket. Silence when nothing is written.
   */
  openUplink(): Uplink {
    const ctx = this.ctx
    if (!ctx) throw new MicrophoneError('unsupported', 'The audio engine is not running.')
    const node = new AudioWorkletNode(ctx, PLAYBACK_PROCESSOR, {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      processorOptions: { config: { startThresholdMs: 0, maxStartWaitMs: 0 } satisfies PlaybackConfig },
    })
    const destination = ctx.createMediaStreamDestination()
    destination.channelCount = 1
    node.connect(destination)
    const track = destination.stream.getAudioTracks()[0]
    if (!track) throw new MicrophoneError('unsupported', 'No audio track could be made for the WebRTC connection.')
    let written = 0
    let rendered = 0
    let resampler: Resampler | null = null
    node.port.onmessage = (e: MessageEvent<PlaybackOutMessage>) => {
      const m = e.data
      if (m.type === 'progress' || m.type === 'idle' || m.type === 'flushed') {
        for (const [id, count] of m.items) if (id === UPLINK_ITEM) rendered = Math.max(rendered, count)
      }
    }
    const inputRate = () => this.inputRate
    return {
      track,
      write(pcm: Int16Array) {
        if (pcm.length === 0) return
        const rate = inputRate()
        let data: Int16Array
        if (rate === ctx.sampleRate) data = pcm.slice()
        else {
          if (!resampler) resampler = new Resampler(rate, ctx.sampleRate)
          data = resampler.processInt16(pcm)
        }
        if (data.length === 0) return
        written += data.length
        node.port.postMessage({ type: 'push', itemId: UPLINK_ITEM, pcm: data, sentAt: Date.now() } satisfies PlaybackInMessage, [data.buffer])
      },
      get bufferedMs() {
        return Math.max(0, ((written - rendered) / ctx.sampleRate) * 1000)
      },
      get writtenMs() {
        return (written / ctx.sampleRate) * 1000
      },
      get playedMs() {
        return (rendered / ctx.sampleRate) * 1000
      },
      close() {
        node.port.onmessage = null
        node.port.postMessage({ type: 'stop' } satisfies PlaybackInMessage)
        node.disconnect()
        track.stop()
      },
    }
  }

  /**
   * Plays the reply's remote track. A media element plays it (Chromium's echo canceller takes
   * WebRTC playout as its reference, and remote tracks are heard only through an element); the
   * same stream also feeds the capture worklet's echo reference, as the playback worklet does.
   */
  playRemote(stream: MediaStream): RemoteAudio {
    this.closeRemote()
    const element = document.createElement('audio')
    element.autoplay = true
    element.volume = this.volume
    element.srcObject = stream
    const sinkable = element as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }
    if (this.outputDeviceId && typeof sinkable.setSinkId === 'function') void sinkable.setSinkId(this.outputDeviceId).catch(() => {})
    let source: MediaStreamAudioSourceNode | null = null
    if (this.ctx && this.captureNode) {
      try {
        source = this.ctx.createMediaStreamSource(stream)
        source.connect(this.captureNode, 0, 1)
      } catch {
        source = null // no echo reference; Chromium's echo canceller still has the playout
      }
    }
    const remote = { element, source }
    this.remote = remote
    this.remotePlaying = false
    void element.play().catch(() => {})
    return {
      close: () => {
        if (this.remote === remote) this.closeRemote()
      },
    }
  }

  /** The server says its reply audio started or stopped playing on the remote track. */
  setRemotePlaying(playing: boolean): void {
    this.remotePlaying = playing
    // A reply after a barge-in is heard again (the cut one was muted at once, see flushPlayback).
    if (playing && this.remote) this.remote.element.muted = false
  }

  private closeRemote(): void {
    const remote = this.remote
    this.remote = null
    this.remotePlaying = false
    if (!remote) return
    remote.source?.disconnect()
    remote.element.pause()
    remote.element.srcObject = null
  }

  /** Chooses the speaker. Falls back to the default output with a message where it cannot. */
  async setOutputDevice(deviceId: string | null): Promise<OutputDeviceResult> {
    const ctx = this.ctx as (AudioContext & { setSinkId?: (id: string) => Promise<void> }) | null
    if (!ctx) return { ok: false, message: 'The audio engine is not running.' }
    if (typeof ctx.setSinkId !== 'function') {
      return { ok: deviceId === null, message: deviceId === null ? undefined : 'This version of the app cannot choose a speaker (AudioContext.setSinkId is missing); audio plays on the system default output.' }
    }
    this.outputDeviceId = deviceId
    const element = this.remote?.element as (HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }) | undefined
    if (element && typeof element.setSinkId === 'function') await element.setSinkId(deviceId ?? '').catch(() => {})
    try {
      await ctx.setSinkId(deviceId ?? '')
      return { ok: true }
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error'
      await ctx.setSinkId('').catch(() => {})
      return { ok: false, message: `The chosen speaker could not be used (${name}); audio plays on the system default output.` }
    }
  }

  /** Render-to-speaker delay the context reports (base + output latency), in ms. */
  get outputLatencyMs(): number {
    const ctx = this.ctx
    if (!ctx) return 0
    const base = Number.isFinite(ctx.baseLatency) ? ctx.baseLatency : 0
    const out = 'outputLatency' in ctx && Number.isFinite(ctx.outputLatency) ? ctx.outputLatency : 0
    return (base + out) * 1000
  }

  /** What truncation uses: ms of each item the user has really heard. */
  readonly reporter: PlaybackReporter = { playedMs: (itemId) => this.playedMs(itemId) }

  /** Samples of an item rendered (last worklet report) and posted, at the context rate. */
  counts(itemId: string): { rendered: number; received: number } | null {
    const s = this.items.get(itemId)
    return s ? { rendered: s.rendered, received: s.received } : null
  }

  playedMs(itemId: string, now = Date.now()): number {
    const s = this.items.get(itemId)
    const ctx = this.ctx
    if (!s || !ctx) return 0
    const rate = ctx.sampleRate
    const live = this.playing && this.currentItem === itemId
    let rendered = s.rendered
    // Between reports (one per render quantum) the item keeps playing: extrapolate, but never
    // by more than two quanta and never past what was received.
    if (live) rendered += Math.min(((now - s.reportAt) * rate) / 1000, 256)
    rendered = Math.min(rendered, s.received)
    // The last `latency` ms of rendered audio is still on its way to the speaker.
    const sinceLast = live ? 0 : now - s.lastRenderAt
    const ms = (rendered / rate) * 1000 - Math.max(0, this.outputLatencyMs - sinceLast)
    return Math.max(0, Math.min(ms, (s.received / rate) * 1000))
  }

  private applyCounts(items: ItemCount[], at: number, rendering: boolean): void {
    for (const [id, rendered] of items) {
      const s = this.items.get(id)
      if (!s) continue
      if (rendered > s.rendered && rendering) s.lastRenderAt = at
      s.rendered = Math.max(s.rendered, rendered)
      s.reportAt = at
    }
  }

  private onPlaybackMessage(m: PlaybackOutMessage): void {
    switch (m.type) {
      case 'progress': {
        this.applyCounts(m.items, m.at, true)
        const last = m.items[m.items.length - 1]
        if (last) this.currentItem = last[0]
        this.playing = true
        break
      }
      case 'started':
        this.playing = true
        this.currentItem = m.itemId
        this.emit('playback', { type: 'started', at: m.at, itemId: m.itemId, waitedMs: (m.waited / (this.ctx?.sampleRate ?? 24000)) * 1000 })
        break
      case 'idle':
        this.applyCounts(m.items, m.at, false)
        this.playing = false
        this.emit('playback', { type: 'idle', at: m.at })
        break
      case 'flushed': {
        this.applyCounts(m.items, m.at, false)
        this.playing = false
        const rate = this.ctx?.sampleRate ?? 24000
        const waiter = this.flushWaiters.get(m.id)
        this.flushWaiters.delete(m.id)
        const result: FlushResult = { silentAt: m.at, sentAt: m.sentAt, droppedMs: (m.dropped / rate) * 1000 }
        this.emit('playback', { type: 'flushed', at: m.at, sentAt: m.sentAt, receivedAt: m.receivedAt, droppedMs: result.droppedMs })
        waiter?.(result)
        break
      }
    }
  }
}

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.max(0, Math.min(1, v)) : 1
}

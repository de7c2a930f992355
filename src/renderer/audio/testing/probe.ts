/**
 * Test page script for the audio engine (bundled by test/fixtures/audio/page.ts with Vite, the
 * way the app is, and served under the app's CSP). Not part of the app: nothing imports it.
 * Exposes `window.audioProbe` for page.evaluate().
 */
import tapWorkletUrl from './tap-worklet.ts?worker&url'
import { AudioEngine, Earcons, type AudioEngineOptions, type EarconName, type FrameInfo, type MicrophoneOptions, type PlaybackEvent } from '../index'

interface SentFrame {
  pcm: Int16Array
  info: FrameInfo
  sentAt: number
}

interface TapChunk {
  at: number
  samples: Float32Array
}

class Probe {
  engine: AudioEngine | null = null
  frames: SentFrame[] = []
  ready = true
  levels: { rms: number; peak: number; gated: boolean; at: number }[] = []
  playback: PlaybackEvent[] = []
  devices: unknown[] = []
  errors: string[] = []
  tap: TapChunk[] = []
  earcons: Earcons | null = null
  private tapNode: AudioWorkletNode | null = null

  /** Closes the engine and forgets everything (the next test on the same page starts clean). */
  async reset(): Promise<void> {
    await this.engine?.close()
    this.engine = null
    this.frames = []
    this.ready = true
    this.levels = []
    this.playback = []
    this.devices = []
    this.errors = []
    this.tap = []
    this.tapNode = null
    this.earcons = null
    this.constraints = []
    this.target = new EventTarget()
  }

  async setup(options: AudioEngineOptions & { fakeDevices?: boolean } = {}, mic: MicrophoneOptions | false = {}): Promise<unknown> {
    const { fakeDevices, ...engineOptions } = options
    if (fakeDevices) engineOptions.mediaDevices = this.fakeDevices()
    const engine = new AudioEngine(engineOptions)
    this.engine = engine
    engine.on('level', (l) => this.levels.push(l))
    engine.on('playback', (p) => this.playback.push(p))
    engine.on('device', (d) => this.devices.push(d))
    engine.on('error', (e) => this.errors.push(`${e.name}: ${e.message}`))
    engine.setSink({
      isReady: () => this.ready,
      send: (pcm, info) => {
        if (this.engine === engine) this.frames.push({ pcm, info, sentAt: Date.now() })
      },
    })
    await engine.init()
    if (mic !== false) {
      try {
        await engine.openMicrophone(mic)
      } catch (error) {
        const e = error as { name?: string; code?: string; message?: string; domName?: string }
        return { error: { name: e.name, code: e.code, message: e.message, domName: e.domName } }
      }
    }
    return { rate: engine.context?.sampleRate, state: engine.context?.state, latencyMs: engine.outputLatencyMs }
  }

  // ---- a controllable device list around the real (fake-device) getUserMedia ----
  deviceList: { deviceId: string; kind: string; label: string }[] = []
  constraints: unknown[] = []
  private target = new EventTarget()
  private fakeDevices() {
    const real = navigator.mediaDevices
    return {
      getUserMedia: (c: MediaStreamConstraints) => {
        this.constraints.push(c.audio)
        return real.getUserMedia(c)
      },
      enumerateDevices: async () => this.deviceList.slice(),
      addEventListener: (t: 'devicechange', l: () => void) => this.target.addEventListener(t, l),
      removeEventListener: (t: 'devicechange', l: () => void) => this.target.removeEventListener(t, l),
    }
  }
  async realDevices() {
    return (await navigator.mediaDevices.enumerateDevices()).map((d) => ({ deviceId: d.deviceId, kind: d.kind, label: d.label }))
  }
  fireDeviceChange(): void {
    this.target.dispatchEvent(new Event('devicechange'))
  }

  // ---- capture results ----
  /** Frames as plain data (samples as arrays) from index `from`. */
  sent(from = 0, withSamples = true) {
    return this.frames.slice(from).map((f) => ({ ...f.info, sentAt: f.sentAt, length: f.pcm.length, samples: withSamples ? Array.from(f.pcm) : [] }))
  }

  // ---- playback ----
  /** Records everything the engine outputs (post-volume), in render order. */
  async startTap(): Promise<void> {
    const ctx = this.engine?.context
    const out = this.engine?.output
    if (!ctx || !out) throw new Error('no engine')
    await ctx.audioWorklet.addModule(tapWorkletUrl)
    const node = new AudioWorkletNode(ctx, 'earshot-test-tap', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1], channelCount: 1, channelCountMode: 'explicit' })
    node.port.onmessage = (e: MessageEvent<TapChunk>) => {
      if (this.tapNode === node) this.tap.push(e.data)
    }
    out.connect(node)
    node.connect(ctx.destination)
    this.tapNode = node
  }
  /** Tap summary: samples recorded, non-silent samples, RMS over the non-silent span. */
  tapStats(threshold = 1e-4) {
    let total = 0
    let first = -1
    let last = -1
    for (const chunk of this.tap) {
      for (let i = 0; i < chunk.samples.length; i++) {
        const v = chunk.samples[i] as number
        if (Math.abs(v) > threshold) {
          if (first < 0) first = total + i
          last = total + i
        }
      }
      total += chunk.samples.length
    }
    let spanSum = 0
    let k = 0
    for (const chunk of this.tap) {
      for (let i = 0; i < chunk.samples.length; i++, k++) if (k >= first && k <= last) spanSum += (chunk.samples[i] as number) ** 2
    }
    const span = first < 0 ? 0 : last - first + 1
    return { total, span, rms: span ? Math.sqrt(spanSum / span) : 0, nonSilent: this.countNonSilent(threshold) }
  }
  private countNonSilent(threshold: number): number {
    let n = 0
    for (const chunk of this.tap) for (const v of chunk.samples) if (Math.abs(v) > threshold) n++
    return n
  }
  clearTap(): void {
    this.tap = []
  }

  /** A sine as PCM16. */
  sine(ms: number, rate = 24000, freq = 440, amp = 0.5): Int16Array {
    const n = Math.round((rate * ms) / 1000)
    const pcm = new Int16Array(n)
    for (let i = 0; i < n; i++) pcm[i] = Math.round(Math.sin((2 * Math.PI * freq * i) / rate) * amp * 32767)
    return pcm
  }
  /** Plays `ms` of sine for `itemId` in chunks of `chunkMs`, all at once. */
  playSine(itemId: string, ms: number, opts: { chunkMs?: number; rate?: number; freq?: number; amp?: number } = {}): void {
    const rate = opts.rate ?? 24000
    const pcm = this.sine(ms, rate, opts.freq ?? 440, opts.amp ?? 0.5)
    const chunk = Math.round((rate * (opts.chunkMs ?? 100)) / 1000)
    for (let i = 0; i < pcm.length; i += chunk) this.engine?.play(itemId, pcm.subarray(i, i + chunk), rate)
  }

  /** Plays an earcon through the engine's output (as the voice window does); its length in ms. */
  async playEarcon(name: EarconName, volume = 0.6): Promise<number> {
    if (!this.engine) throw new Error('no engine')
    this.earcons ??= new Earcons(this.engine)
    this.earcons.configure({ enabled: true, volume })
    if (!(await this.earcons.play(name))) throw new Error(`${name} did not play`)
    return (this.earcons.last?.duration ?? 0) * 1000
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms))
  }
}

;(window as unknown as { audioProbe: Probe }).audioProbe = new Probe()
document.title = 'audio probe ready'

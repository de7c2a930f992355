/**
 * Test page script for the speech gate (bundled by test/fixtures/vad/page.ts with Vite, the way
 * the app is, and served under the app's CSP). Not part of the app: nothing imports it.
 * Exposes `window.vadProbe` for page.evaluate().
 *
 * Two ways in: `feedWav` reads a WAV the test server serves and pushes its 20 ms frames into the
 * gate as fast as the worker answers (the gate is a pure frame consumer, so 60 s of audio takes a
 * few seconds); `live` runs the real AudioEngine on the fake microphone into the gate.
 */
import { AudioEngine } from '../../index'
import type { FrameInfo } from '../../engine'
import { Resampler, floatToInt16 } from '../../../../shared/s2s/pcm'
import { SpeechGate, type SpeechGateOptions } from '../index'
import type { GateCloseEvent, GateOpenEvent } from '../gate-core'

interface OutFrame {
  seq: number
  preroll: boolean
  rms: number
  at: number
}

function frameRms(pcm: Int16Array): number {
  let sum = 0
  for (let i = 0; i < pcm.length; i++) sum += ((pcm[i] as number) / 32768) ** 2
  return pcm.length ? Math.sqrt(sum / pcm.length) : 0
}

function parseWav(buf: ArrayBuffer): { rate: number; samples: Float32Array } {
  const view = new DataView(buf)
  let offset = 12
  let rate = 0
  let channels = 1
  while (offset + 8 <= view.byteLength) {
    const id = String.fromCharCode(view.getUint8(offset), view.getUint8(offset + 1), view.getUint8(offset + 2), view.getUint8(offset + 3))
    const size = view.getUint32(offset + 4, true)
    if (id === 'fmt ') {
      channels = view.getUint16(offset + 10, true)
      rate = view.getUint32(offset + 12, true)
    } else if (id === 'data') {
      const n = Math.floor(Math.min(size, view.byteLength - offset - 8) / 2 / channels)
      const samples = new Float32Array(n)
      for (let i = 0; i < n; i++) samples[i] = view.getInt16(offset + 8 + i * 2 * channels, true) / 32768
      return { rate, samples }
    }
    offset += 8 + size + (size & 1)
  }
  throw new Error('no data chunk')
}

class VadProbe {
  gate: SpeechGate | null = null
  engine: AudioEngine | null = null
  out: OutFrame[] = []
  opens: (GateOpenEvent & { at: number })[] = []
  closes: (GateCloseEvent & { at: number })[] = []
  wakes: { score: number; seq: number }[] = []
  errors: { code: string; message: string }[] = []
  verdicts: { seq: number; vad: number | null; wake: number | null; workerMs: number }[] = []
  /** Frames the engine captured (live mode): seq, rms, when. */
  captured: { seq: number; rms: number; firstAt: number; lastAt: number }[] = []
  private seq = 0

  async reset(): Promise<void> {
    await this.engine?.close()
    this.engine = null
    this.gate?.dispose()
    this.gate = null
    this.out = []
    this.opens = []
    this.closes = []
    this.wakes = []
    this.errors = []
    this.verdicts = []
    this.captured = []
    this.seq = 0
  }

  /** Creates the gate; returns the typed error as data when it fails. */
  async create(options: SpeechGateOptions = {}, recordVerdicts = false) {
    try {
      const gate = await SpeechGate.create(options)
      this.gate = gate
      gate.on('frame', ({ info }) => this.out.push({ seq: info.seq, preroll: info.preroll, rms: info.rms, at: Date.now() }))
      gate.on('open', (e) => this.opens.push(e))
      gate.on('close', (e) => this.closes.push(e))
      gate.on('wake', (e) => this.wakes.push({ score: e.score, seq: e.seq }))
      gate.on('error', (e) => this.errors.push({ code: e.code, message: e.message }))
      if (recordVerdicts) gate.on('verdict', (v) => this.verdicts.push(v))
      return { ok: true as const, loadMs: gate.loadMs }
    } catch (error) {
      const e = error as { name?: string; code?: string; message?: string; detail?: string; fallback?: string }
      return { ok: false as const, error: { name: e.name, code: e.code, message: e.message, detail: e.detail, fallback: e.fallback } }
    }
  }

  async setWakePhrase(phrase: 'hey_jarvis' | 'hey_mycroft' | null) {
    try {
      await this.gate!.setWakePhrase(phrase)
      return { ok: true as const }
    } catch (error) {
      const e = error as { code?: string; message?: string }
      return { ok: false as const, error: { code: e.code, message: e.message } }
    }
  }

  /**
   * Pushes a served WAV (any rate, mono) through the gate as 20 ms PCM16 frames at `rate`,
   * `gain` applied, as fast as the worker answers. `gated`: frame indexes the echo gate marks.
   */
  async feedWav(url: string, opts: { rate?: number; gain?: number; gated?: [number, number][] } = {}) {
    const gate = this.gate
    if (!gate) throw new Error('no gate')
    const rate = opts.rate ?? 24000
    const { rate: fileRate, samples } = parseWav(await (await fetch(url)).arrayBuffer())
    const resampler = new Resampler(fileRate, rate)
    const resampled = resampler.process(samples.map((v) => v * (opts.gain ?? 1)))
    const pcm = floatToInt16(resampled)
    const n = rate / 50
    const first = this.seq
    const started = performance.now()
    let i = 0
    for (; i + n <= pcm.length; i += n) {
      const frame = pcm.slice(i, i + n)
      const seq = this.seq++
      const index = seq - first
      const gated = (opts.gated ?? []).some(([a, b]) => index >= a && index < b)
      if (gated) frame.fill(0)
      const t = Date.now()
      const info: FrameInfo = { seq, rate, preroll: false, gated, rms: frameRms(frame), peak: 0, firstAt: t, lastAt: t }
      gate.push(frame, info)
      if (gate.backlog >= 50) await gate.settled()
    }
    await gate.settled()
    return { frames: (i / n) | 0, firstSeq: first, ms: performance.now() - started, audioMs: ((i / n) | 0) * 20 }
  }

  /** RMS of each 20 ms frame of a served WAV at `rate` (to find speech onsets). */
  async wavFrames(url: string, rate = 24000): Promise<number[]> {
    const { rate: fileRate, samples } = parseWav(await (await fetch(url)).arrayBuffer())
    const pcm = floatToInt16(new Resampler(fileRate, rate).process(samples))
    const n = rate / 50
    const out: number[] = []
    for (let i = 0; i + n <= pcm.length; i += n) out.push(frameRms(pcm.subarray(i, i + n)))
    return out
  }

  /** The real engine on the fake microphone, always-listening, into the gate. */
  async live(): Promise<void> {
    const gate = this.gate
    if (!gate) throw new Error('no gate')
    const engine = new AudioEngine()
    this.engine = engine
    engine.setSink({
      isReady: () => true,
      send: (pcm, info) => {
        this.captured.push({ seq: info.seq, rms: info.rms, firstAt: info.firstAt, lastAt: info.lastAt })
        gate.sink.send(pcm, info)
      },
    })
    await engine.init()
    await engine.openMicrophone({ processing: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } })
    await engine.setAlwaysListening(true)
    engine.startCapture()
  }

  /** The agent speaks (a sine through the engine's playback) for `ms`. */
  playSine(ms: number, amp = 0.5): void {
    const rate = 24000
    const pcm = new Int16Array(Math.round((rate * ms) / 1000))
    for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * amp * 32767)
    for (let i = 0; i < pcm.length; i += 2400) this.engine?.play('agent', pcm.subarray(i, i + 2400), rate)
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms))
  }
}

;(window as unknown as { vadProbe: VadProbe }).vadProbe = new VadProbe()
document.title = 'vad probe ready'

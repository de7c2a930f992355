/**
 * Energy-based voice activity detection, the simulators' stand-in for a provider's server VAD.
 * Works on PCM16 mono in 20 ms windows: speech starts after `startMs` of windows whose RMS is
 * above the threshold and stops after `silenceMs` below it. Silence never triggers a turn; speech
 * from an espeak-ng WAV (or the simulators' own synthetic voice) does.
 */

export interface VadOptions {
  sampleRate: number
  /** RMS threshold on the -1..1 scale (default 0.02, about -34 dBFS). */
  thresholdRms?: number
  /** Speech must last this long before `start` fires (default 60 ms). */
  startMs?: number
  /** Silence that ends a turn (default 500 ms). */
  silenceMs?: number
  /** Reported start is moved back by this much, like OpenAI's prefix_padding_ms (default 300 ms). */
  prefixPaddingMs?: number
}

export type VadEvent =
  /** `atMs`: stream position of the speech start minus prefix padding (never below 0). */
  | { type: 'start'; atMs: number }
  /** `atMs`: stream position where speech ended (last voiced window); `speechMs`: voiced span. */
  | { type: 'stop'; atMs: number; speechMs: number }

const WINDOW_MS = 20

export class EnergyVad {
  readonly sampleRate: number
  thresholdRms: number
  startMs: number
  silenceMs: number
  prefixPaddingMs: number
  private readonly window: number
  private pending: number[] = []
  private processedWindows = 0
  private voicedRun = 0
  private silentRun = 0
  private speaking = false
  private speechStartWindow = 0
  private lastVoicedWindow = 0

  constructor(opts: VadOptions) {
    this.sampleRate = opts.sampleRate
    this.thresholdRms = opts.thresholdRms ?? 0.02
    this.startMs = opts.startMs ?? 60
    this.silenceMs = opts.silenceMs ?? 500
    this.prefixPaddingMs = opts.prefixPaddingMs ?? 300
    this.window = Math.max(1, Math.round((this.sampleRate * WINDOW_MS) / 1000))
  }

  /** Milliseconds of audio received so far. */
  get totalMs(): number {
    return ((this.processedWindows * this.window + this.pending.length) * 1000) / this.sampleRate
  }

  get inSpeech(): boolean {
    return this.speaking
  }

  /** Forget the current turn (e.g. the client cleared its buffer). */
  reset(): void {
    this.speaking = false
    this.voicedRun = 0
    this.silentRun = 0
  }

  push(pcm: Int16Array): VadEvent[] {
    const events: VadEvent[] = []
    for (const s of pcm) this.pending.push(s)
    while (this.pending.length >= this.window) {
      const win = this.pending.splice(0, this.window)
      let sum = 0
      for (const s of win) sum += (s / 32768) * (s / 32768)
      const rms = Math.sqrt(sum / win.length)
      const index = this.processedWindows++
      const voiced = rms >= this.thresholdRms
      if (voiced) {
        this.voicedRun++
        this.silentRun = 0
        this.lastVoicedWindow = index
        if (!this.speaking && this.voicedRun * WINDOW_MS >= this.startMs) {
          this.speaking = true
          this.speechStartWindow = index - this.voicedRun + 1
          events.push({ type: 'start', atMs: Math.max(0, this.speechStartWindow * WINDOW_MS - this.prefixPaddingMs) })
        }
      } else {
        this.voicedRun = 0
        this.silentRun++
        if (this.speaking && this.silentRun * WINDOW_MS >= this.silenceMs) {
          this.speaking = false
          const endMs = (this.lastVoicedWindow + 1) * WINDOW_MS
          events.push({ type: 'stop', atMs: endMs, speechMs: endMs - this.speechStartWindow * WINDOW_MS })
        }
      }
    }
    return events
  }
}

/** PCM16 little-endian bytes to samples (an odd trailing byte is ignored). */
export function bytesToPcm16(bytes: Uint8Array): Int16Array {
  const n = bytes.byteLength >> 1
  const out = new Int16Array(n)
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2)
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true)
  return out
}

/** Samples to PCM16 little-endian bytes. */
export function pcm16ToBytes(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length * 2)
  const view = new DataView(out.buffer)
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i] ?? 0, true)
  return out
}

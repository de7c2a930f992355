import { PcmFramer, Resampler, floatToInt16, frameSamples, int16ToFloat } from '../../shared/s2s/pcm'
import { EchoGate } from './echo-gate'
import type { CaptureConfig, CaptureFrameMessage, EchoGateParams } from './protocol'

export const FRAME_MS = 20

export const DEFAULT_CAPTURE_CONFIG: CaptureConfig = {
  targetRate: 24000,
  preRollMs: 600,
  tailMs: 300,
  levelIntervalMs: 50,
}

export interface CaptureCallbacks {
  frame(frame: CaptureFrameMessage): void
  level(rms: number, peak: number, gated: boolean, at: number): void
  stopped(at: number): void
}

function frameStats(pcm: Int16Array): { rms: number; peak: number } {
  let sum = 0
  let peak = 0
  for (let i = 0; i < pcm.length; i++) {
    const v = (pcm[i] as number) / 32768
    sum += v * v
    const a = v < 0 ? -v : v
    if (a > peak) peak = a
  }
  return { rms: pcm.length ? Math.sqrt(sum / pcm.length) : 0, peak }
}

/** Re-times PCM16 frames from one rate to another (used when the negotiated rate changes). */
export function convertFrames(frames: readonly Int16Array[], from: number, to: number): Int16Array[] {
  if (from === to || frames.length === 0) return frames.slice()
  const resampler = new Resampler(from, to)
  const framer = new PcmFramer(to, FRAME_MS)
  const out: Int16Array[] = []
  for (const frame of frames) out.push(...framer.push(floatToInt16(resampler.process(int16ToFloat(frame)))))
  const rest = framer.push(floatToInt16(resampler.flush()))
  out.push(...rest)
  const last = framer.flush()
  if (last) out.push(last)
  return out
}

interface HeldFrame {
  pcm: Int16Array
  rms: number
  peak: number
  firstAt: number
  lastAt: number
}

/**
 * The capture pipeline that runs inside the capture worklet, kept free of worklet globals so it
 * can be unit-tested: context-rate float samples in, 20 ms PCM16 frames at the negotiated rate out.
 *
 * - Resampling: the shared polyphase windowed-sinc resampler (Kaiser, cutoff below the lower
 *   Nyquist) when the context rate differs from the target rate; passthrough when equal.
 * - Idle (not talking): frames go to a pre-roll ring of `preRollMs`. `start()` sends the ring
 *   first (oldest first, marked preroll) and then live frames, so the first word is never lost.
 * - `stop()` keeps sending for `tailMs` (the last word), then goes back to filling the ring.
 * - Mute replaces the microphone by silence at the input (and clears the ring), so nothing
 *   captured while muted can leave later as pre-roll.
 * - The echo gate (see echo-gate.ts) decides live frames while it is enabled.
 */
export class CaptureCore {
  private config: CaptureConfig
  private readonly contextRate: number
  private resampler: Resampler
  private framer: PcmFramer
  private ring: HeldFrame[] = []
  private state: 'idle' | 'active' | 'tail' = 'idle'
  private tailLeft = 0
  private seq = 0
  private muted = false
  private gateEnabled = false
  private readonly gate = new EchoGate()
  private pendingFirstAt = 0
  private levelSum = 0
  private levelPeak = 0
  private levelCount = 0
  private levelGated = false
  private readonly callbacks: CaptureCallbacks
  private readonly now: () => number
  private silence = new Float32Array(128)
  private scratchFloat = new Float32Array(0)
  private scratchInt = new Int16Array(0)

  constructor(contextRate: number, config: Partial<CaptureConfig>, callbacks: CaptureCallbacks, now: () => number = Date.now) {
    this.contextRate = contextRate
    this.config = { ...DEFAULT_CAPTURE_CONFIG, ...config }
    this.callbacks = callbacks
    this.now = now
    this.resampler = new Resampler(contextRate, this.config.targetRate)
    this.framer = new PcmFramer(this.config.targetRate, FRAME_MS)
  }

  get targetRate(): number {
    return this.config.targetRate
  }

  get capturing(): boolean {
    return this.state !== 'idle'
  }

  get ringMs(): number {
    return this.ring.length * FRAME_MS
  }

  configure(config: Partial<CaptureConfig>): void {
    const rate = config.targetRate
    this.config = { ...this.config, ...config, targetRate: this.config.targetRate }
    if (rate !== undefined) this.setRate(rate)
    this.trimRing()
  }

  /** Switches the uplink rate; the pre-roll ring is converted so it stays usable. */
  setRate(rate: number): void {
    if (rate === this.config.targetRate) return
    const old = this.config.targetRate
    this.config = { ...this.config, targetRate: rate }
    const converted = convertFrames(this.ring.map((f) => f.pcm), old, rate)
    this.ring = converted.map((pcm, i) => {
      const src = this.ring[Math.min(this.ring.length - 1, Math.floor((i * old) / rate))]
      return { pcm, ...frameStats(pcm), firstAt: src?.firstAt ?? 0, lastAt: src?.lastAt ?? 0 }
    })
    this.trimRing()
    this.resampler = new Resampler(this.contextRate, rate)
    this.framer = new PcmFramer(rate, FRAME_MS)
  }

  setMuted(muted: boolean): void {
    this.muted = muted
    if (muted) {
      // Nothing captured before the mute may leave later: not the ring, not the resampler's
      // history, not a half-filled frame.
      this.ring = []
      this.resampler.reset()
      this.framer.reset()
    }
  }

  setGate(enabled: boolean, params?: Partial<EchoGateParams>): void {
    this.gateEnabled = enabled
    if (params) this.gate.setParams(params)
    if (!enabled) this.gate.reset()
  }

  get echoGate(): EchoGate {
    return this.gate
  }

  start(): void {
    if (this.state === 'active') return
    if (this.state === 'idle') {
      const ring = this.ring
      this.ring = []
      for (const held of ring) this.emit(held, true, false)
    }
    this.state = 'active'
  }

  stop(): void {
    if (this.state !== 'active') return
    this.tailLeft = Math.round(this.config.tailMs / FRAME_MS)
    this.state = 'tail'
    if (this.tailLeft === 0) this.finishTail()
  }

  /**
   * One render quantum: `mic` at the context rate (undefined = no source connected: silence),
   * `reference` = what the playback rendered in the same quantum (for the echo gate).
   */
  process(mic: Float32Array | undefined, reference: Float32Array | undefined, quantum = 128): void {
    const at = this.now()
    let input: Float32Array
    if (!mic || this.muted) {
      if (this.silence.length !== quantum) this.silence = new Float32Array(quantum)
      input = this.silence
    } else input = mic
    // Input level (throttled).
    for (let i = 0; i < input.length; i++) {
      const v = input[i] as number
      this.levelSum += v * v
      const a = v < 0 ? -v : v
      if (a > this.levelPeak) this.levelPeak = a
    }
    this.levelCount += input.length
    // Echo reference.
    if (reference && this.gateEnabled) {
      let sum = 0
      for (let i = 0; i < reference.length; i++) sum += (reference[i] as number) ** 2
      this.gate.reference(Math.sqrt(sum / Math.max(1, reference.length)), (reference.length / this.contextRate) * 1000)
    } else if (this.gateEnabled) this.gate.reference(0, (input.length / this.contextRate) * 1000)

    if (this.framer.buffered === 0) this.pendingFirstAt = at
    // The resampler and the PCM16 conversion write into reused scratch buffers (the framer copies
    // what it keeps), so the audio thread allocates nothing per render quantum but whole frames.
    const room = this.resampler.maxOutput(input.length)
    if (this.scratchFloat.length < room) {
      this.scratchFloat = new Float32Array(room)
      this.scratchInt = new Int16Array(room)
    }
    const resampled = this.resampler.process(input, this.scratchFloat)
    const frames = this.framer.push(floatToInt16(resampled, this.scratchInt.subarray(0, resampled.length)))
    for (let i = 0; i < frames.length; i++) {
      const pcm = frames[i] as Int16Array
      const held: HeldFrame = { pcm, ...frameStats(pcm), firstAt: i === 0 ? this.pendingFirstAt : at, lastAt: at }
      this.handle(held)
    }
    if (frames.length > 0 && this.framer.buffered > 0) this.pendingFirstAt = at

    if (this.levelCount >= (this.config.levelIntervalMs / 1000) * this.contextRate) {
      this.callbacks.level(Math.sqrt(this.levelSum / this.levelCount), this.levelPeak, this.levelGated, at)
      this.levelSum = 0
      this.levelPeak = 0
      this.levelCount = 0
    }
  }

  private handle(held: HeldFrame): void {
    if (this.state === 'idle') {
      this.ring.push(held)
      this.trimRing()
      return
    }
    let gated = false
    if (this.gateEnabled && !this.gate.pass(held.rms, FRAME_MS)) {
      gated = true
      held.pcm.fill(0)
    }
    this.levelGated = gated
    this.emit(held, false, gated)
    if (this.state === 'tail' && --this.tailLeft <= 0) this.finishTail()
  }

  private finishTail(): void {
    this.state = 'idle'
    this.callbacks.stopped(this.now())
  }

  private emit(held: HeldFrame, preroll: boolean, gated: boolean): void {
    this.callbacks.frame({
      type: 'frame',
      pcm: held.pcm,
      rate: this.config.targetRate,
      seq: this.seq++,
      preroll,
      gated,
      rms: held.rms,
      peak: held.peak,
      firstAt: held.firstAt,
      lastAt: held.lastAt,
    })
  }

  private trimRing(): void {
    const max = Math.max(0, Math.ceil(this.config.preRollMs / FRAME_MS))
    if (this.ring.length > max) this.ring.splice(0, this.ring.length - max)
  }

  /** Frame size at the current rate (480 at 24 kHz, 320 at 16 kHz). */
  get frameSize(): number {
    return frameSamples(this.config.targetRate, FRAME_MS)
  }
}

/**
 * The CLI's microphone: streams a file's samples as fixed 20 ms frames paced in real time, then
 * silence, like an open microphone. Frame k (covering [20k, 20k+20) ms of audio) is sent only once
 * 20(k+1) ms of wall time have passed since the stream began, so the provider never receives audio
 * ahead of the wall clock. While the provider cannot take audio (before ready, during a reconnect),
 * the stream pauses and resumes where it stopped, without a burst.
 */

export interface PacerClock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const realClock: PacerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

export interface PacedSenderOptions {
  /** Samples to stream (PCM16 mono at `rate`). */
  samples: Int16Array
  rate: number
  frameMs?: number
  /** Sends one frame; never called with a partial frame. */
  send(frame: Int16Array): void
  /** Whether the provider takes audio right now. Checked before every frame. */
  canSend(): boolean
  clock?: PacerClock
  /** Called once, when the last frame of the file (not of the silence) has been sent. */
  onFileEnd?(): void
  /**
   * Called when streaming (re)starts: frame k (k >= nextFrame) is due at streamStart + (k+1) frames
   * (streamStart is the clock time at which frame 0 would have begun).
   */
  onStart?(streamStart: number, nextFrame: number): void
}

export class PacedSender {
  readonly frameSize: number
  readonly frameMs: number
  private readonly clock: PacerClock
  /** Frames sent so far (file and silence). */
  private sent = 0
  /** Wall time at which frame `sent` may begin accumulating (pauses shift it). */
  private base = 0
  private timer: unknown = null
  private running = false
  private paused = true
  private fileEndSignalled = false
  private readonly fileFrames: number

  constructor(private readonly options: PacedSenderOptions) {
    this.frameMs = options.frameMs ?? 20
    this.frameSize = Math.round((options.rate * this.frameMs) / 1000)
    if (this.frameSize <= 0) throw new RangeError('Frame size must be at least one sample.')
    this.clock = options.clock ?? realClock
    this.fileFrames = Math.ceil(options.samples.length / this.frameSize)
  }

  /** Frames sent so far. */
  get framesSent(): number {
    return this.sent
  }

  /** True once every frame of the file has been sent (silence follows). */
  get fileDone(): boolean {
    return this.sent >= this.fileFrames
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.paused = true
    this.pump()
  }

  stop(): void {
    this.running = false
    if (this.timer !== null) this.clock.clearTimeout(this.timer)
    this.timer = null
  }

  /** Call when canSend() may have changed (e.g. the provider became ready). */
  poke(): void {
    if (!this.running) return
    if (this.timer !== null) this.clock.clearTimeout(this.timer)
    this.timer = null
    this.pump()
  }

  private frame(k: number): Int16Array {
    const out = new Int16Array(this.frameSize)
    const from = k * this.frameSize
    if (from < this.options.samples.length) out.set(this.options.samples.subarray(from, Math.min(from + this.frameSize, this.options.samples.length)))
    return out
  }

  private pump(): void {
    this.timer = null
    if (!this.running) return
    const now = this.clock.now()
    if (!this.options.canSend()) {
      this.paused = true
      this.timer = this.clock.setTimeout(() => this.pump(), this.frameMs)
      return
    }
    if (this.paused) {
      // (Re)start: the next frame covers audio from now on.
      this.paused = false
      this.base = now - this.sent * this.frameMs
      this.options.onStart?.(this.base, this.sent)
    }
    // Send every frame whose 20 ms have fully elapsed; never one ahead of the clock.
    while (this.running && this.options.canSend() && this.base + (this.sent + 1) * this.frameMs <= now) {
      this.options.send(this.frame(this.sent))
      this.sent++
      if (!this.fileEndSignalled && this.sent >= this.fileFrames) {
        this.fileEndSignalled = true
        this.options.onFileEnd?.()
      }
    }
    if (!this.running) return
    if (!this.options.canSend()) {
      this.paused = true
      this.timer = this.clock.setTimeout(() => this.pump(), this.frameMs)
      return
    }
    const due = this.base + (this.sent + 1) * this.frameMs
    this.timer = this.clock.setTimeout(() => this.pump(), Math.max(1, Math.ceil(due - this.clock.now())))
  }
}

/**
 * Earcons: short interface sounds (capture start, capture end, tool request, error), shipped as
 * WAV files in resources/earcons (made by scripts/make-earcons.mjs) and bundled by Vite.
 *
 * They play through the audio engine's output path: into the engine's post-volume node, which
 * feeds the chosen speaker (setSinkId) AND the capture worklet's echo-reference input. So an earcon
 * is never in the microphone path (nothing connects it to the capture source), and when the
 * microphone picks it up from the speakers in always-listening mode, the echo gate (echo-gate.ts)
 * sees it as playback and keeps that echo off the uplink, exactly as it does for the agent's voice.
 *
 *   const earcons = new Earcons(engine)           // AudioEngine has .context and .output
 *   earcons.configure({ enabled: true, volume: 0.6 })
 *   await earcons.play('capture-start')           // false when off, or the engine is not running
 *
 * Earcons play in the order they were asked for, one after another: each starts when the one
 * before it has finished (a press that fails at once is heard as capture start, then the error;
 * never the other way round, and never as two sounds on top of each other). Decoding an earcon the
 * first time takes a moment and finishes in no particular order, so the order is kept here, not
 * left to the decoder.
 */
import captureEndUrl from '../../../resources/earcons/capture-end.wav?url'
import captureStartUrl from '../../../resources/earcons/capture-start.wav?url'
import errorUrl from '../../../resources/earcons/error.wav?url'
import toolRequestUrl from '../../../resources/earcons/tool-request.wav?url'

export const EARCON_NAMES = ['capture-start', 'capture-end', 'tool-request', 'error'] as const
export type EarconName = (typeof EARCON_NAMES)[number]

export const EARCON_URLS: Record<EarconName, string> = {
  'capture-start': captureStartUrl,
  'capture-end': captureEndUrl,
  'tool-request': toolRequestUrl,
  error: errorUrl,
}

/** Where earcons go: the engine (its context and post-volume output node), or a stand-alone context. */
export interface EarconTarget {
  readonly context: AudioContext | null
  readonly output: AudioNode | null
}

export interface EarconSettings {
  enabled: boolean
  /** 0..1, on top of the engine's volume. */
  volume: number
}

/** The bytes behind a URL: Vite inlines small assets as data: URLs, which the CSP does not let fetch(). */
async function bytesOf(url: string): Promise<ArrayBuffer> {
  const inline = /^data:[^;,]*;base64,(.*)$/.exec(url)
  if (inline) {
    const text = atob(inline[1] as string)
    const bytes = new Uint8Array(text.length)
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i)
    return bytes.buffer
  }
  const response = await fetch(url)
  if (!response.ok) throw new Error(`The sound ${url} could not be loaded (HTTP ${response.status}).`)
  return response.arrayBuffer()
}

export class Earcons {
  private settings: EarconSettings = { enabled: true, volume: 0.6 }
  private buffers = new Map<EarconName, Promise<AudioBuffer>>()
  private bufferContext: AudioContext | null = null
  /** How many times each earcon started playing (tests and diagnostics). */
  readonly played: Record<EarconName, number> = { 'capture-start': 0, 'capture-end': 0, 'tool-request': 0, error: 0 }
  /** The last earcon that started, with the context time it starts at. */
  last: { name: EarconName; at: number; duration: number } | null = null
  /** The earcons asked for so far, in order: the next one is started after these. */
  private queue: Promise<unknown> = Promise.resolve()
  /** The context time the last earcon started ends at (the next one starts no earlier). */
  private endsAt = 0

  constructor(
    private readonly target: EarconTarget,
    private readonly urls: Record<EarconName, string> = EARCON_URLS,
  ) {}

  /**
   * Earcons on a context of their own (the settings window's "Play a sample"; no engine there), on
   * the chosen speaker where the browser can choose one (null: the system default).
   */
  static standalone(sinkId: string | null = null): Earcons {
    let ctx: AudioContext | null = null
    return new Earcons({
      get context() {
        if (!ctx) {
          const created = new AudioContext({ latencyHint: 'interactive' }) as AudioContext & { setSinkId?: (id: string) => Promise<void> }
          if (sinkId && typeof created.setSinkId === 'function') void created.setSinkId(sinkId).catch(() => {})
          ctx = created
        }
        return ctx
      },
      get output() {
        return this.context?.destination ?? null
      },
    })
  }

  configure(settings: Partial<EarconSettings>): void {
    this.settings = { ...this.settings, ...settings }
  }

  get enabled(): boolean {
    return this.settings.enabled
  }

  private buffer(ctx: AudioContext, name: EarconName): Promise<AudioBuffer> {
    if (this.bufferContext !== ctx) {
      this.buffers.clear()
      this.bufferContext = ctx
      this.endsAt = 0
    }
    let buffer = this.buffers.get(name)
    if (!buffer) {
      buffer = bytesOf(this.urls[name]).then((bytes) => ctx.decodeAudioData(bytes))
      buffer.catch(() => this.buffers.delete(name))
      this.buffers.set(name, buffer)
    }
    return buffer
  }

  /** Decodes every earcon ahead of time, so the first one plays without a delay. */
  async preload(): Promise<void> {
    const ctx = this.target.context
    if (!ctx) return
    await Promise.all(EARCON_NAMES.map((name) => this.buffer(ctx, name)))
  }

  /**
   * Plays an earcon, after the ones asked for before it. Resolves true when it started (is
   * scheduled on the context, right after the one before it), false when sounds are off or there
   * is no output yet.
   */
  play(name: EarconName): Promise<boolean> {
    if (!this.settings.enabled || this.settings.volume <= 0) return Promise.resolve(false)
    // Decoding starts now (earcons asked for together decode together); only the starts wait their turn.
    const ctx = this.target.context
    if (ctx && ctx.state !== 'closed') this.buffer(ctx, name).catch(() => {})
    const run = this.queue.then(() => this.start(name))
    this.queue = run.catch(() => undefined)
    return run
  }

  private async start(name: EarconName): Promise<boolean> {
    if (!this.settings.enabled || this.settings.volume <= 0) return false
    const ctx = this.target.context
    const output = this.target.output
    if (!ctx || !output || ctx.state === 'closed') return false
    const buffer = await this.buffer(ctx, name)
    if (ctx.state === 'suspended') await ctx.resume().catch(() => {})
    const source = ctx.createBufferSource()
    source.buffer = buffer
    const gain = ctx.createGain()
    gain.gain.value = Math.min(1, Math.max(0, this.settings.volume))
    source.connect(gain)
    gain.connect(output)
    source.onended = () => {
      source.disconnect()
      gain.disconnect()
    }
    const at = Math.max(ctx.currentTime, this.endsAt)
    source.start(at)
    this.endsAt = at + buffer.duration
    this.played[name] += 1
    this.last = { name, at, duration: buffer.duration }
    return true
  }
}

/**
 * The speech models: Silero VAD (voice activity) and openWakeWord (wake phrase), run with
 * onnxruntime-web's WebAssembly backend. Written against the small slice of the onnxruntime API
 * they use, with the runtime passed in, so the same code runs in the VAD worker (the browser
 * build of onnxruntime-web) and under plain Node (the benchmark's real-time factor, tuning).
 *
 * Model contracts (read from the .onnx files' input/output metadata and from the reference
 * implementations; see docs/vad.md):
 * - Silero VAD v5 at 16 kHz: input [1, 64 + 512] float32 (-1..1; the last 64 samples of the
 *   previous window in front of the new 512), state [2, 1, 128], sr int64 scalar. Output
 *   [1, 1] speech probability, stateN the next state.
 * - openWakeWord: melspectrogram.onnx takes [1, N] float32 samples on the int16 scale and gives
 *   [time, 1, frames, 32] (10 ms hop, 25 ms window; then x / 10 + 2); embedding_model.onnx takes
 *   76 mel frames [1, 76, 32, 1] and gives a 96-value embedding; a phrase model takes the last 16
 *   embeddings [1, 16, 96] and gives [1, 1], the phrase score. Audio goes in 80 ms (1280-sample)
 *   chunks; each chunk adds 8 mel frames (computed over the chunk plus the 480 samples before it)
 *   and one embedding.
 */

/** The parts of onnxruntime-web's API used here. */
export interface OrtTensor {
  readonly data: unknown
  readonly dims: readonly number[]
}
export interface OrtSession {
  readonly inputNames: readonly string[]
  readonly outputNames: readonly string[]
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>
  release(): Promise<void>
}
export interface OrtLike {
  Tensor: new (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]) => OrtTensor
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> }
}

const SESSION_OPTIONS = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }

export const VAD_RATE = 16000
export const SILERO_WINDOW = 512
const SILERO_CONTEXT = 64

/** Silero VAD v5, one 32 ms window at a time. */
export class SileroVad {
  private state: OrtTensor
  private readonly sr: OrtTensor
  private readonly input = new Float32Array(SILERO_CONTEXT + SILERO_WINDOW)

  private constructor(
    private readonly ort: OrtLike,
    private readonly session: OrtSession,
  ) {
    this.state = this.zeroState()
    this.sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_RATE)]), [])
  }

  static async load(ort: OrtLike, model: Uint8Array): Promise<SileroVad> {
    const session = await ort.InferenceSession.create(model, SESSION_OPTIONS)
    for (const name of ['input', 'state', 'sr']) {
      if (!session.inputNames.includes(name)) throw new Error(`not a Silero VAD v5 model (no input "${name}")`)
    }
    return new SileroVad(ort, session)
  }

  private zeroState(): OrtTensor {
    return new this.ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128])
  }

  /** Speech probability of one 512-sample window at 16 kHz (samples -1..1). */
  async process(window: Float32Array): Promise<number> {
    const input = this.input
    input.copyWithin(0, SILERO_WINDOW) // the previous window's last 64 samples become the context
    input.set(window, SILERO_CONTEXT)
    const out = await this.session.run({
      input: new this.ort.Tensor('float32', input.slice(), [1, input.length]),
      state: this.state,
      sr: this.sr,
    })
    const next = out.stateN
    const prob = out.output?.data as Float32Array | undefined
    if (!next || !prob) throw new Error('the VAD model gave no output')
    this.state = next
    return prob[0] ?? 0
  }

  reset(): void {
    this.state = this.zeroState()
    this.input.fill(0)
  }

  release(): Promise<void> {
    return this.session.release()
  }
}

export const WAKE_CHUNK = 1280
const MEL_CONTEXT = 480
const MEL_WINDOW = 76
const MEL_BINS = 32
const EMBEDDINGS = 16
const EMBEDDING_SIZE = 96

/** openWakeWord: mel spectrogram, speech embedding, then one phrase model, 80 ms at a time. */
export class WakeWord {
  private readonly raw = new Float32Array(MEL_CONTEXT + WAKE_CHUNK)
  private mel: Float32Array[] = []
  private embeddings: Float32Array[] = []
  private chunks = 0

  private constructor(
    private readonly ort: OrtLike,
    private readonly melModel: OrtSession,
    private readonly embeddingModel: OrtSession,
    private readonly phraseModel: OrtSession,
  ) {
    this.reset()
  }

  static async load(ort: OrtLike, models: { mel: Uint8Array; embedding: Uint8Array; phrase: Uint8Array }): Promise<WakeWord> {
    const [mel, embedding, phrase] = await Promise.all([
      ort.InferenceSession.create(models.mel, SESSION_OPTIONS),
      ort.InferenceSession.create(models.embedding, SESSION_OPTIONS),
      ort.InferenceSession.create(models.phrase, SESSION_OPTIONS),
    ])
    return new WakeWord(ort, mel, embedding, phrase)
  }

  reset(): void {
    this.raw.fill(0)
    // As the reference does: the mel history starts as ones, so the first embeddings are defined.
    this.mel = Array.from({ length: MEL_WINDOW }, () => new Float32Array(MEL_BINS).fill(1))
    this.embeddings = []
    this.chunks = 0
  }

  /** One 1280-sample chunk at 16 kHz (samples -1..1): the phrase score (0..1) after it. */
  async process(chunk: Float32Array): Promise<number> {
    const raw = this.raw
    raw.copyWithin(0, WAKE_CHUNK)
    for (let i = 0; i < WAKE_CHUNK; i++) raw[MEL_CONTEXT + i] = Math.max(-32768, Math.min(32767, (chunk[i] ?? 0) * 32768))
    const melOut = await this.melModel.run({ [this.melModel.inputNames[0]!]: new this.ort.Tensor('float32', raw.slice(), [1, raw.length]) })
    const spec = melOut[this.melModel.outputNames[0]!]!.data as Float32Array
    const frames = Math.floor(spec.length / MEL_BINS)
    for (let f = 0; f < frames; f++) {
      const row = new Float32Array(MEL_BINS)
      for (let b = 0; b < MEL_BINS; b++) row[b] = (spec[f * MEL_BINS + b] as number) / 10 + 2
      this.mel.push(row)
    }
    if (this.mel.length > MEL_WINDOW) this.mel.splice(0, this.mel.length - MEL_WINDOW)
    const window = new Float32Array(MEL_WINDOW * MEL_BINS)
    this.mel.forEach((row, i) => window.set(row, i * MEL_BINS))
    const embOut = await this.embeddingModel.run({ [this.embeddingModel.inputNames[0]!]: new this.ort.Tensor('float32', window, [1, MEL_WINDOW, MEL_BINS, 1]) })
    this.embeddings.push(Float32Array.from(embOut[this.embeddingModel.outputNames[0]!]!.data as Float32Array))
    if (this.embeddings.length > EMBEDDINGS) this.embeddings.shift()
    this.chunks++
    // The reference ignores the first predictions (the history is not real audio yet).
    if (this.embeddings.length < EMBEDDINGS || this.chunks < EMBEDDINGS + 5) return 0
    const features = new Float32Array(EMBEDDINGS * EMBEDDING_SIZE)
    this.embeddings.forEach((e, i) => features.set(e, i * EMBEDDING_SIZE))
    const out = await this.phraseModel.run({ [this.phraseModel.inputNames[0]!]: new this.ort.Tensor('float32', features, [1, EMBEDDINGS, EMBEDDING_SIZE]) })
    return ((out[this.phraseModel.outputNames[0]!]!.data as Float32Array)[0] ?? 0) as number
  }

  async release(): Promise<void> {
    await Promise.all([this.melModel.release(), this.embeddingModel.release(), this.phraseModel.release()])
  }
}

/** RMS below which a VAD window is not worth a model run (well under the gate's `minRms`). */
export const SKIP_RMS = 0.001
/** After this many skipped windows the VAD starts the next sound from a fresh state. */
const SKIPS_BEFORE_RESET = 10

/**
 * The worker's per-frame path after resampling: 16 kHz samples in, the last VAD probability and
 * phrase score completed in them out. A window quieter than SKIP_RMS is answered 0 without running
 * the model (the gate counts such audio as silence anyway), so a quiet room costs next to nothing.
 */
export class SpeechStream {
  private readonly vadBuf = new Float32Array(SILERO_WINDOW)
  private vadFill = 0
  private readonly wakeBuf = new Float32Array(WAKE_CHUNK)
  private wakeFill = 0
  private skipped = 0
  /** Model runs and skipped windows (for the benchmark). */
  runs = 0
  skips = 0

  constructor(
    private readonly vad: SileroVad,
    private wake: WakeWord | null = null,
  ) {}

  setWake(wake: WakeWord | null): void {
    this.wake = wake
    this.wakeFill = 0
  }

  reset(): void {
    this.vad.reset()
    this.wake?.reset()
    this.vadFill = 0
    this.wakeFill = 0
    this.skipped = 0
  }

  async push(samples: Float32Array): Promise<{ vad: number | null; wake: number | null }> {
    let prob: number | null = null
    let score: number | null = null
    for (let i = 0; i < samples.length; i++) {
      const v = samples[i] as number
      this.vadBuf[this.vadFill++] = v
      if (this.vadFill === SILERO_WINDOW) {
        this.vadFill = 0
        prob = await this.window()
      }
      if (this.wake) {
        this.wakeBuf[this.wakeFill++] = v
        if (this.wakeFill === WAKE_CHUNK) {
          this.wakeFill = 0
          score = await this.wake.process(this.wakeBuf)
        }
      }
    }
    return { vad: prob, wake: score }
  }

  private async window(): Promise<number> {
    let sum = 0
    for (let i = 0; i < SILERO_WINDOW; i++) sum += (this.vadBuf[i] as number) ** 2
    if (Math.sqrt(sum / SILERO_WINDOW) < SKIP_RMS) {
      this.skips++
      if (++this.skipped === SKIPS_BEFORE_RESET) this.vad.reset()
      return 0
    }
    this.skipped = 0
    this.runs++
    return this.vad.process(this.vadBuf)
  }
}

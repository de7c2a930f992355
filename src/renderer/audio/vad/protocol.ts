/** Messages between the SpeechGate (main thread) and its VAD worker. Pure types. */

/** Where the worker loads its runtime and models from (same-origin URLs of bundled files). */
export interface VadAssets {
  /** onnxruntime-web's WebAssembly binary. */
  wasm: string
  /** Silero VAD v5. */
  vad: string
  /** openWakeWord's shared front end and one phrase model (only when a wake phrase is used). */
  wake?: { mel: string; embedding: string; phrase: string }
}

export type VadErrorCode =
  /** A model or runtime file could not be fetched (missing from the build, 404, network). */
  | 'model-missing'
  /** The page's Content-Security-Policy (or the browser) refused to compile WebAssembly. */
  | 'wasm-blocked'
  /** A file loaded but is not the model the gate expects, or the runtime failed to start it. */
  | 'model-invalid'
  /** The worker could not be started or died. */
  | 'worker-failed'
  /** No Worker / WebAssembly in this environment. */
  | 'unsupported'

export type VadInMessage =
  | { type: 'init'; assets: VadAssets }
  /** Loads (or, with null, drops) the wake-phrase models. */
  | { type: 'wake'; wake: VadAssets['wake'] | null }
  /** One capture frame (PCM16 mono at `rate`); its buffer is transferred. */
  | { type: 'frame'; seq: number; rate: number; pcm: Int16Array }
  /** Forget the audio history (models' state, partial windows). */
  | { type: 'reset' }

export type VadOutMessage =
  | { type: 'ready'; loadMs: number; wake: boolean }
  | { type: 'wake-ready'; wake: boolean; loadMs: number }
  | { type: 'error'; code: VadErrorCode; detail: string; during: 'init' | 'wake' | 'frame' }
  /**
   * The verdict for one frame: `vad` = speech probability of the last 32 ms window completed
   * inside this frame (null: none completed), `wake` = phrase score of the last 80 ms chunk
   * completed inside it (null: none, or no phrase model). `ms` = worker time spent on it.
   */
  | { type: 'verdict'; seq: number; vad: number | null; wake: number | null; ms: number }

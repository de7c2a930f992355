// The VAD worker: Silero VAD and (optionally) openWakeWord on onnxruntime-web's WebAssembly
// backend, off the audio thread and off the page's main thread. It gets every capture frame from
// the SpeechGate, resamples it to 16 kHz and answers each frame with a verdict (speech
// probability, phrase score). It decides nothing: the gate does (gate-core.ts).
import * as ort from 'onnxruntime-web/wasm'
import { Resampler, int16ToFloat } from '../../../shared/s2s/pcm'
import { SILERO_WINDOW, SileroVad, SpeechStream, VAD_RATE, WakeWord, type OrtLike } from './models'
import type { VadAssets, VadErrorCode, VadInMessage, VadOutMessage } from './protocol'

interface WorkerScope {
  onmessage: ((event: MessageEvent<VadInMessage>) => void) | null
  postMessage(message: VadOutMessage): void
}
const scope = self as unknown as WorkerScope
const post = (message: VadOutMessage) => scope.postMessage(message)

class LoadError extends Error {
  constructor(
    readonly code: VadErrorCode,
    message: string,
  ) {
    super(message)
  }
}

async function fetchBytes(url: string, what: string): Promise<Uint8Array> {
  let response: Response
  try {
    response = await fetch(url)
  } catch (error) {
    throw new LoadError('model-missing', `${what} could not be fetched from ${url}: ${(error as Error).message}`)
  }
  if (!response.ok) throw new LoadError('model-missing', `${what} is missing (${url}: HTTP ${response.status})`)
  return new Uint8Array(await response.arrayBuffer())
}

/** The smallest valid WebAssembly module: compiling it tells whether the page may compile any. */
const EMPTY_WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])

function classify(error: unknown, fallback: VadErrorCode): LoadError {
  if (error instanceof LoadError) return error
  const message = error instanceof Error ? error.message : String(error)
  if (/refused to compile|unsafe-eval|content security policy|wasm code generation disallowed/i.test(message)) return new LoadError('wasm-blocked', message)
  return new LoadError(fallback, message)
}

let stream: SpeechStream | null = null
let wake: WakeWord | null = null
let runtimeReady = false
let resampler: Resampler | null = null

async function startRuntime(assets: VadAssets): Promise<void> {
  if (runtimeReady) return
  try {
    await WebAssembly.compile(EMPTY_WASM)
  } catch (error) {
    throw classify(error, 'wasm-blocked')
  }
  const wasm = await fetchBytes(assets.wasm, 'The speech detector runtime (onnxruntime WebAssembly)')
  // One thread, no proxy worker: the gate's worker is the thread, and the renderer is not
  // cross-origin isolated (no SharedArrayBuffer). The binary is handed over as bytes, so nothing
  // is fetched from anywhere but our own origin.
  ort.env.wasm.numThreads = 1
  ort.env.wasm.proxy = false
  ort.env.wasm.wasmBinary = wasm
  ort.env.logLevel = 'error'
  runtimeReady = true
}

async function loadWake(assets: NonNullable<VadAssets['wake']>): Promise<WakeWord> {
  const [mel, embedding, phrase] = await Promise.all([
    fetchBytes(assets.mel, 'The wake-phrase front end (melspectrogram.onnx)'),
    fetchBytes(assets.embedding, 'The wake-phrase front end (embedding_model.onnx)'),
    fetchBytes(assets.phrase, 'The wake-phrase model'),
  ])
  try {
    return await WakeWord.load(ort as unknown as OrtLike, { mel, embedding, phrase })
  } catch (error) {
    throw classify(error, 'model-invalid')
  }
}

async function init(assets: VadAssets): Promise<void> {
  const started = performance.now()
  await startRuntime(assets)
  const model = await fetchBytes(assets.vad, 'The speech detector model (Silero VAD)')
  let vad: SileroVad
  try {
    vad = await SileroVad.load(ort as unknown as OrtLike, model)
    // A first run compiles the kernels, so the first real frame is not the slow one.
    await vad.process(new Float32Array(SILERO_WINDOW))
    vad.reset()
  } catch (error) {
    throw classify(error, 'model-invalid')
  }
  if (assets.wake) wake = await loadWake(assets.wake)
  stream = new SpeechStream(vad, wake)
  post({ type: 'ready', loadMs: performance.now() - started, wake: wake !== null })
}

async function frame(seq: number, rate: number, pcm: Int16Array): Promise<void> {
  const started = performance.now()
  if (!stream) return
  if (!resampler || resampler.inRate !== rate) {
    resampler = new Resampler(rate, VAD_RATE)
    stream.reset()
  }
  const verdict = await stream.push(resampler.process(int16ToFloat(pcm)))
  post({ type: 'verdict', seq, vad: verdict.vad, wake: verdict.wake, ms: performance.now() - started })
}

// Messages are handled one at a time, in order.
let chain: Promise<void> = Promise.resolve()
scope.onmessage = (event) => {
  const m = event.data
  chain = chain.then(async () => {
    switch (m.type) {
      case 'init':
        try {
          await init(m.assets)
        } catch (error) {
          const e = classify(error, 'model-invalid')
          post({ type: 'error', code: e.code, detail: e.message, during: 'init' })
        }
        break
      case 'wake': {
        const started = performance.now()
        try {
          const old = wake
          wake = null
          await old?.release()
          stream?.setWake(null)
          if (m.wake) {
            wake = await loadWake(m.wake)
            stream?.setWake(wake)
          }
          post({ type: 'wake-ready', wake: wake !== null, loadMs: performance.now() - started })
        } catch (error) {
          const e = classify(error, 'model-invalid')
          post({ type: 'error', code: e.code, detail: e.message, during: 'wake' })
        }
        break
      }
      case 'frame':
        try {
          await frame(m.seq, m.rate, m.pcm)
        } catch (error) {
          post({ type: 'error', code: 'model-invalid', detail: (error as Error).message, during: 'frame' })
        }
        break
      case 'reset':
        stream?.reset()
        resampler = null
        break
    }
  })
}

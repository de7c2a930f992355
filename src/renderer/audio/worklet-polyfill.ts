// AudioWorkletGlobalScope has no TextDecoder (Chromium 156), and src/shared/s2s/pcm.ts creates one
// at load time. This module is imported first by each worklet so the shared code loads there.
const scope = globalThis as unknown as { TextDecoder?: unknown }
if (typeof scope.TextDecoder === 'undefined') {
  scope.TextDecoder = class {
    decode(bytes?: Uint8Array): string {
      let s = ''
      if (bytes) for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i] as number)
      return s
    }
  }
}
export {}

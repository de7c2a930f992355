/**
 * The renderer's Content-Security-Policy. Scripts, styles and workers come only from the app's own
 * origin; the WebSocket may reach only the provider hosts the user configured (plus the local
 * Demo simulator when it runs). No eval, no inline script, no plugins, no framing.
 * 'wasm-unsafe-eval' lets the page and its workers compile WebAssembly (the speech gate's
 * onnxruntime, from our own origin only: src/renderer/audio/vad) and allows nothing else: no
 * eval(), no new Function().
 */
export interface CspOptions {
  /** ws:/wss: origins the renderer may open a socket to. */
  connectOrigins: readonly string[]
  /** Extra origins for development (Vite's dev server and its HMR socket). */
  devOrigins?: readonly string[]
}

const ORIGIN = /^(wss?|https?):\/\/(\*\.)?[a-z0-9.-]+(:(\d{1,5}|\*))?$/i
const LOOPBACK_V6 = /^(wss?|https?):\/\/\[::1\](:\d{1,5})?$/i

export function isCspOrigin(value: string): boolean {
  return ORIGIN.test(value) || LOOPBACK_V6.test(value)
}

export function buildCsp(options: CspOptions): string {
  const connect = [...new Set([...options.connectOrigins, ...(options.devOrigins ?? [])])].filter(isCspOrigin)
  const dev = (options.devOrigins ?? []).filter(isCspOrigin)
  const self = ["'self'", ...dev].join(' ')
  return [
    "default-src 'none'",
    `script-src ${self} 'wasm-unsafe-eval'`,
    `style-src ${self}`,
    `img-src ${self} data:`,
    `font-src ${self}`,
    `media-src ${self} blob:`,
    // AudioWorklet modules are loaded as scripts from our own origin.
    `worker-src ${self}`,
    `connect-src ${["'self'", ...connect].join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

// The only runtime globals src/shared may rely on: the ones that exist in Electron's main process,
// sandboxed preloads, renderers, and plain Node alike. tsconfig.shared.json compiles src/shared
// with no DOM and no Node typings plus this file, so any other global is a type error.
declare function setTimeout(callback: (...args: unknown[]) => void, ms?: number): unknown
declare function clearTimeout(handle: unknown): void
declare function setInterval(callback: (...args: unknown[]) => void, ms?: number): unknown
declare function clearInterval(handle: unknown): void
declare function queueMicrotask(callback: () => void): void
declare function atob(data: string): string
declare function btoa(data: string): string
declare const console: {
  log(...args: unknown[]): void
  info(...args: unknown[]): void
  warn(...args: unknown[]): void
  error(...args: unknown[]): void
  debug(...args: unknown[]): void
}
declare const performance: { now(): number }
declare class TextEncoder { encode(input?: string): Uint8Array }
declare class TextDecoder { constructor(label?: string); decode(input?: ArrayBufferView | ArrayBuffer): string }
declare class URL {
  constructor(url: string, base?: string | URL)
  readonly href: string; readonly origin: string; readonly protocol: string; readonly host: string
  readonly hostname: string; readonly port: string; readonly pathname: string; readonly search: string
  readonly hash: string; readonly username: string; readonly password: string
  readonly searchParams: { get(name: string): string | null; set(name: string, value: string): void; toString(): string }
  toString(): string
}
declare class AbortController { readonly signal: AbortSignal; abort(reason?: unknown): void }
declare interface AbortSignal { readonly aborted: boolean; readonly reason: unknown; addEventListener(type: 'abort', listener: () => void): void; removeEventListener(type: 'abort', listener: () => void): void }

// The AudioWorkletGlobalScope names TypeScript's DOM lib does not declare, typed here and read
// from globalThis, so they are not declared as globals for the rest of the renderer. Imported
// only by the worklet modules (on the main thread these are undefined).

export interface ProcessorBase {
  readonly port: MessagePort
}

export interface Processor extends ProcessorBase {
  process(inputs: Float32Array[][], outputs: Float32Array[][], parameters: Record<string, Float32Array>): boolean
}

interface WorkletScope {
  AudioWorkletProcessor: new (options?: AudioWorkletNodeOptions) => ProcessorBase
  registerProcessor(name: string, ctor: new (options?: AudioWorkletNodeOptions) => Processor): void
  sampleRate: number
}

export const scope = globalThis as unknown as WorkletScope

// The AudioWorkletGlobalScope names TypeScript's DOM lib does not declare.
declare abstract class AudioWorkletProcessor {
  readonly port: MessagePort
  constructor(options?: AudioWorkletNodeOptions)
  abstract process(inputs: Float32Array[][], outputs: Float32Array[][], parameters: Record<string, Float32Array>): boolean
}
declare function registerProcessor(name: string, processorCtor: new (options?: AudioWorkletNodeOptions) => AudioWorkletProcessor): void
declare const sampleRate: number
declare const currentTime: number

declare module '*?worker&url' {
  const src: string
  export default src
}

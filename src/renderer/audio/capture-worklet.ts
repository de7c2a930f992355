// The capture AudioWorkletProcessor: a thin shell around CaptureCore (capture-core.ts).
// Input 0: the microphone. Input 1: the playback output (echo reference for the gate).
import './worklet-polyfill'
import { scope, type Processor } from './worklet-scope'
import { CaptureCore } from './capture-core'
import { CAPTURE_PROCESSOR, type CaptureConfig, type CaptureInMessage, type CaptureOutMessage } from './protocol'

class CaptureProcessor extends scope.AudioWorkletProcessor implements Processor {
  private readonly core: CaptureCore

  constructor(options?: AudioWorkletNodeOptions) {
    super(options)
    const config = (options?.processorOptions as { config?: Partial<CaptureConfig> } | undefined)?.config ?? {}
    const post = (message: CaptureOutMessage, transfer?: Transferable[]) => this.port.postMessage(message, transfer ?? [])
    this.core = new CaptureCore(scope.sampleRate, config, {
      frame: (frame) => post(frame, [frame.pcm.buffer]),
      level: (rms, peak, gated, at) => post({ type: 'level', rms, peak, gated, at }),
      stopped: (at) => post({ type: 'stopped', at }),
    })
    this.port.onmessage = (event: MessageEvent<CaptureInMessage>) => {
      const m = event.data
      switch (m.type) {
        case 'config':
          this.core.configure(m.config)
          break
        case 'rate':
          this.core.setRate(m.rate)
          break
        case 'start':
          this.core.start()
          break
        case 'stop':
          this.core.stop()
          break
        case 'mute':
          this.core.setMuted(m.muted)
          break
        case 'gate':
          this.core.setGate(m.enabled, m.params)
          break
      }
    }
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const mic = inputs[0]?.[0]
    const reference = inputs[1]?.[0]
    const quantum = outputs[0]?.[0]?.length ?? 128
    this.core.process(mic, reference, quantum)
    return true
  }
}

scope.registerProcessor(CAPTURE_PROCESSOR, CaptureProcessor)

// Test-only tap: posts every render quantum of its input to the page (lossless, unlike a
// ScriptProcessor on a busy main thread). Used by probe.ts; not part of the app.
import { scope, type Processor } from '../worklet-scope'

class TapProcessor extends scope.AudioWorkletProcessor implements Processor {
  process(inputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0]
    const copy = input ? input.slice() : new Float32Array(128)
    this.port.postMessage({ at: Date.now(), samples: copy }, [copy.buffer])
    return true
  }
}

scope.registerProcessor('earshot-test-tap', TapProcessor)

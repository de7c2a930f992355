// The playback AudioWorkletProcessor: a thin shell around PlaybackCore (playback-core.ts). One
// persistent node per engine; chunks arrive as transferred PCM16 at the context rate.
import './worklet-polyfill'
import { scope, type Processor } from './worklet-scope'
import { PlaybackCore } from './playback-core'
import { PLAYBACK_PROCESSOR, type PlaybackConfig, type PlaybackInMessage, type PlaybackOutMessage } from './protocol'

class PlaybackProcessor extends scope.AudioWorkletProcessor implements Processor {
  private readonly core: PlaybackCore
  private readonly flushes: { id: number; sentAt: number; receivedAt: number; dropped: number }[] = []
  private stopped = false

  constructor(options?: AudioWorkletNodeOptions) {
    super(options)
    const config = (options?.processorOptions as { config?: Partial<PlaybackConfig> } | undefined)?.config ?? {}
    this.core = new PlaybackCore(scope.sampleRate, config)
    this.port.onmessage = (event: MessageEvent<PlaybackInMessage>) => {
      const m = event.data
      switch (m.type) {
        case 'config':
          this.core.configure(m.config)
          break
        case 'push':
          this.core.push(m.itemId, m.pcm)
          break
        case 'flush': {
          // Zero the ring now; the next quantum is silent. The ack goes out from process() so
          // its timestamp is the quantum that is really silent.
          const dropped = this.core.flush()
          this.flushes.push({ id: m.id, sentAt: m.sentAt, receivedAt: Date.now(), dropped })
          break
        }
        case 'stop':
          this.core.flush()
          this.stopped = true
          break
      }
    }
  }

  private post(message: PlaybackOutMessage): void {
    this.port.postMessage(message)
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    if (this.stopped) return false // released: the node can be collected
    const out = outputs[0]?.[0]
    if (!out) return true
    const at = Date.now()
    const r = this.core.render(out)
    for (let c = 1; c < (outputs[0]?.length ?? 0); c++) outputs[0]?.[c]?.set(out)
    while (this.flushes.length > 0) {
      const f = this.flushes.shift()!
      this.post({ type: 'flushed', id: f.id, at, sentAt: f.sentAt, receivedAt: f.receivedAt, items: this.core.recentCounters(), dropped: f.dropped })
    }
    if (r.started) this.post({ type: 'started', at, itemId: r.started.itemId, waited: r.started.waited })
    if (r.items.length > 0) this.post({ type: 'progress', at, items: r.items, buffered: this.core.buffered, rms: r.rms })
    if (r.drained) this.post({ type: 'idle', at, items: this.core.recentCounters() })
    return true
  }
}

scope.registerProcessor(PLAYBACK_PROCESSOR, PlaybackProcessor)

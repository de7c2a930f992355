import type { ItemCount, PlaybackConfig } from './protocol'

export const DEFAULT_PLAYBACK_CONFIG: PlaybackConfig = {
  startThresholdMs: 60,
  // A reply streamed at real time would otherwise wait the full threshold: 25 ms bounds the wait
  // (playback start p95 ~75 ms with 40 ms of device latency; see test/bench/audio.ts). Replies
  // that arrive faster than real time (the usual case) reach the threshold at once.
  maxStartWaitMs: 25,
}

interface Segment {
  itemId: string
  remaining: number
}

interface Counter {
  rendered: number
  received: number
}

export interface RenderResult {
  /** Samples of real audio written into the quantum. */
  written: number
  /** Set when playback started in this quantum. */
  started: { itemId: string; waited: number } | null
  /** Set when the ring ran dry in this quantum. */
  drained: boolean
  /** Items whose counters changed in this quantum. */
  items: ItemCount[]
  /** RMS of what was written (over the whole quantum). */
  rms: number
}

const MAX_COUNTERS = 64

/**
 * The playback ring that runs inside the playback worklet (no worklet globals, so it is
 * unit-testable). PCM16 in at the context rate, float out one render quantum at a time.
 *
 * - A growable ring (replies arrive faster than real time; a long answer is never cut).
 * - Jitter buffer: after silence, playback starts once `startThresholdMs` is queued, or once the
 *   first queued sample has waited `maxStartWaitMs` (a short reply or a slow stream still plays).
 * - Per-item counters of samples received and samples actually rendered; rendered counts only
 *   what was written to the output, so it is what truncation reports.
 * - flush() drops everything queued at once (barge-in).
 */
export class PlaybackCore {
  readonly rate: number
  private config: PlaybackConfig
  private ring: Float32Array
  private read = 0
  private size = 0
  private segments: Segment[] = []
  private counters = new Map<string, Counter>()
  private playing = false
  private waited = 0

  constructor(rate: number, config: Partial<PlaybackConfig> = {}, initialSeconds = 10) {
    this.rate = rate
    this.config = { ...DEFAULT_PLAYBACK_CONFIG, ...config }
    this.ring = new Float32Array(Math.max(1024, Math.round(rate * initialSeconds)))
  }

  configure(config: Partial<PlaybackConfig>): void {
    this.config = { ...this.config, ...config }
  }

  get buffered(): number {
    return this.size
  }

  get isPlaying(): boolean {
    return this.playing
  }

  counter(itemId: string): ItemCount {
    const c = this.counters.get(itemId)
    return [itemId, c?.rendered ?? 0, c?.received ?? 0]
  }

  push(itemId: string, pcm: Int16Array): void {
    if (pcm.length === 0) return
    this.ensure(this.size + pcm.length)
    const cap = this.ring.length
    let write = (this.read + this.size) % cap
    for (let i = 0; i < pcm.length; i++) {
      this.ring[write] = (pcm[i] as number) / 32768
      if (++write === cap) write = 0
    }
    this.size += pcm.length
    const last = this.segments[this.segments.length - 1]
    if (last && last.itemId === itemId) last.remaining += pcm.length
    else this.segments.push({ itemId, remaining: pcm.length })
    const c = this.touch(itemId)
    c.received += pcm.length
  }

  render(out: Float32Array): RenderResult {
    const result: RenderResult = { written: 0, started: null, drained: false, items: [], rms: 0 }
    if (!this.playing) {
      if (this.size === 0) {
        out.fill(0)
        return result
      }
      const threshold = (this.config.startThresholdMs / 1000) * this.rate
      const maxWait = (this.config.maxStartWaitMs / 1000) * this.rate
      if (this.size < threshold && this.waited < maxWait) {
        this.waited += out.length
        out.fill(0)
        return result
      }
      this.playing = true
      result.started = { itemId: this.segments[0]?.itemId ?? '', waited: this.waited }
      this.waited = 0
    }
    const n = Math.min(out.length, this.size)
    const cap = this.ring.length
    let sum = 0
    for (let i = 0; i < n; i++) {
      const v = this.ring[this.read] as number
      out[i] = v
      sum += v * v
      if (++this.read === cap) this.read = 0
    }
    if (n < out.length) out.fill(0, n)
    this.size -= n
    result.written = n
    result.rms = Math.sqrt(sum / out.length)
    // Attribute the rendered samples to their items.
    let left = n
    while (left > 0) {
      const seg = this.segments[0]
      if (!seg) break
      const take = Math.min(left, seg.remaining)
      seg.remaining -= take
      left -= take
      const c = this.touch(seg.itemId)
      c.rendered += take
      result.items.push([seg.itemId, c.rendered, c.received])
      if (seg.remaining === 0) this.segments.shift()
    }
    if (this.size === 0) {
      this.playing = false
      this.waited = 0
      result.drained = true
    }
    return result
  }

  /** Drops everything queued. Returns the number of samples dropped. */
  flush(): number {
    const dropped = this.size
    this.read = 0
    this.size = 0
    this.segments = []
    this.playing = false
    this.waited = 0
    return dropped
  }

  /** Counters of the items touched most recently (newest last). */
  recentCounters(limit = 8): ItemCount[] {
    const all = [...this.counters.entries()]
    return all.slice(-limit).map(([id, c]) => [id, c.rendered, c.received])
  }

  private touch(itemId: string): Counter {
    let c = this.counters.get(itemId)
    if (!c) {
      c = { rendered: 0, received: 0 }
      this.counters.set(itemId, c)
      if (this.counters.size > MAX_COUNTERS) {
        const oldest = this.counters.keys().next().value
        if (oldest !== undefined) this.counters.delete(oldest)
      }
    }
    return c
  }

  private ensure(capacity: number): void {
    if (capacity <= this.ring.length) return
    let next = this.ring.length * 2
    while (next < capacity) next *= 2
    const grown = new Float32Array(next)
    const cap = this.ring.length
    for (let i = 0; i < this.size; i++) grown[i] = this.ring[(this.read + i) % cap] as number
    this.ring = grown
    this.read = 0
  }
}

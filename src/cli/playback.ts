/**
 * The CLI's loudspeaker: reply audio is "played" on a simulated real-time clock from the moment it
 * arrives, back to back, like a jitter-free output device. It records exactly the samples that were
 * played (OUT.wav) and tells the core how much of each item was heard (truncation).
 */
import type { PlaybackReporter } from '../shared/s2s/types'

interface Chunk {
  itemId: string
  responseId: string
  pcm: Int16Array
  /** Wall-clock ms at which the chunk's first sample plays. */
  start: number
}

export class SimulatedPlayer implements PlaybackReporter {
  private queue: Chunk[] = []
  /** Wall-clock ms at which everything queued has played. */
  private endsAt = 0
  private readonly played: Int16Array[] = []
  private playedTotal = 0
  private readonly playedPerItem = new Map<string, number>()
  private readonly droppedPerResponse = new Map<string, number>()

  constructor(
    readonly sampleRate: number,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError(`Invalid output rate ${sampleRate}.`)
  }

  /** Reply audio arrived now: it plays after whatever is still queued. */
  enqueue(itemId: string, responseId: string, pcm: Int16Array): void {
    if (pcm.length === 0) return
    const t = this.now()
    this.collect(t)
    const start = Math.max(t, this.endsAt)
    this.queue.push({ itemId, responseId, pcm, start })
    this.endsAt = start + (pcm.length * 1000) / this.sampleRate
  }

  private playedOf(chunk: Chunk, t: number): number {
    const n = Math.floor(((t - chunk.start) * this.sampleRate) / 1000 + 1e-9)
    return Math.max(0, Math.min(chunk.pcm.length, n))
  }

  private commit(chunk: Chunk, samples: number): void {
    if (samples <= 0) return
    this.played.push(samples === chunk.pcm.length ? chunk.pcm : chunk.pcm.subarray(0, samples))
    this.playedTotal += samples
    this.playedPerItem.set(chunk.itemId, (this.playedPerItem.get(chunk.itemId) ?? 0) + samples)
  }

  /** Moves chunks that have finished playing into the output. */
  collect(t = this.now()): void {
    while (this.queue.length) {
      const chunk = this.queue[0] as Chunk
      if (chunk.start + (chunk.pcm.length * 1000) / this.sampleRate > t + 1e-9) break
      this.commit(chunk, chunk.pcm.length)
      this.queue.shift()
    }
  }

  /**
   * Barge-in: playback stops now. What has been played stays; the unplayed rest of every queued
   * chunk is dropped. Returns the number of samples dropped.
   */
  stop(): number {
    const t = this.now()
    let dropped = 0
    for (const chunk of this.queue) {
      const n = this.playedOf(chunk, t)
      this.commit(chunk, n)
      dropped += chunk.pcm.length - n
      this.droppedPerResponse.set(chunk.responseId, (this.droppedPerResponse.get(chunk.responseId) ?? 0) + chunk.pcm.length - n)
    }
    this.queue = []
    this.endsAt = t
    return dropped
  }

  playedMs(itemId: string): number {
    const t = this.now()
    let samples = this.playedPerItem.get(itemId) ?? 0
    for (const chunk of this.queue) if (chunk.itemId === itemId) samples += this.playedOf(chunk, t)
    return Math.floor((samples * 1000) / this.sampleRate)
  }

  /** True while some queued audio has not played yet. */
  get playing(): boolean {
    return this.endsAt > this.now() && this.queue.length > 0
  }

  /** Wall-clock ms at which the queue will have played out (<= now when idle). */
  get idleAt(): number {
    return this.endsAt
  }

  /** True while audio of this response is queued and not yet fully played. */
  isPlayingResponse(responseId: string): boolean {
    const t = this.now()
    return this.queue.some((chunk) => chunk.responseId === responseId && chunk.start + (chunk.pcm.length * 1000) / this.sampleRate > t)
  }

  /** Samples dropped at barge-ins for a response. */
  droppedSamples(responseId: string): number {
    return this.droppedPerResponse.get(responseId) ?? 0
  }

  /** Every sample played so far, in order (call after the last collect/stop for the full run). */
  output(): Int16Array {
    this.collect()
    const out = new Int16Array(this.playedTotal)
    let at = 0
    for (const part of this.played) {
      out.set(part, at)
      at += part.length
    }
    return out
  }
}

/**
 * Test doubles for the speech-to-speech core (in-memory socket, fake clock, fake playback). Used by
 * the unit tests here and welcome in other tests; never imported by product code.
 */
import type { PlaybackReporter, SessionConfig, SocketLike } from './types'
import type { TimerLike } from './session'

/** A plain OpenAI session configuration: no tools, no greeting. */
export const OPENAI_TEST_CONFIG: SessionConfig = {
  instructions: 'Be brief.',
  greeting: '',
  voice: 'marin',
  model: 'gpt-realtime',
  tools: [],
  turnDetection: 'server_vad',
  transcriptionModel: 'gpt-4o-mini-transcribe',
}

/** An in-memory SocketLike: records what the client sends and lets the test play the server. */
export class FakeSocket implements SocketLike {
  readyState = 0
  protocol = ''
  binaryType = 'blob'
  readonly sent: (string | ArrayBuffer | ArrayBufferView)[] = []
  closedWith: { code?: number; reason?: string } | null = null
  onopen: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: ((event: { code: number; reason: string; wasClean?: boolean }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null

  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.readyState !== 1) throw new Error('FakeSocket: send while not open')
    this.sent.push(data)
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return
    this.closedWith = { ...(code !== undefined ? { code } : {}), ...(reason !== undefined ? { reason } : {}) }
    this.readyState = 2
    queueMicrotask(() => {
      this.readyState = 3
      this.onclose?.({ code: code ?? 1005, reason: reason ?? '', wasClean: true })
    })
  }

  // ---- the server side ----

  open(protocol = this.protocols[0] ?? ''): void {
    this.protocol = protocol
    this.readyState = 1
    this.onopen?.({})
  }

  /** Delivers one frame: objects are JSON-encoded, strings and binary go as they are. */
  receive(frame: unknown): void {
    const data = typeof frame === 'string' || frame instanceof ArrayBuffer || ArrayBuffer.isView(frame) ? frame : JSON.stringify(frame)
    this.onmessage?.({ data })
  }

  /** The server drops or closes the connection. */
  serverClose(code = 1006, reason = ''): void {
    this.readyState = 3
    this.onclose?.({ code, reason, wasClean: code === 1000 })
  }

  /** Text frames sent so far, parsed. */
  json(): Record<string, unknown>[] {
    return this.sent.filter((d): d is string => typeof d === 'string').map((d) => JSON.parse(d) as Record<string, unknown>)
  }

  /** Types of the text frames sent so far. */
  types(): string[] {
    return this.json().map((f) => String(f.type))
  }
}

/** Timers on a manual clock: advance() runs what falls due, in order. */
export class FakeClock implements TimerLike {
  time = 0
  private seq = 0
  private timers = new Map<number, { at: number; seq: number; callback: () => void }>()

  now = (): number => this.time

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.seq
    this.timers.set(id, { at: this.time + Math.max(0, ms || 0), seq: id, callback })
    return id
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number)
  }

  get pending(): number {
    return this.timers.size
  }

  /** Moves time forward, running due timers (and microtasks between them). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms
    for (;;) {
      let next: { id: number; at: number; seq: number; callback: () => void } | null = null
      for (const [id, t] of this.timers) {
        if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = { id, ...t }
      }
      if (!next) break
      this.time = Math.max(this.time, next.at)
      this.timers.delete(next.id)
      next.callback()
      await settle()
    }
    this.time = end
    await settle()
  }
}

/** Playback that reports whatever the test sets per item. */
export class FakePlayback implements PlaybackReporter {
  readonly played = new Map<string, number>()
  playedMs(itemId: string): number {
    return this.played.get(itemId) ?? 0
  }
}

/** Lets pending promise callbacks (minting, microtasks) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setTimeout(() => resolve(), 0))
}

/**
 * EVENTS.jsonl: one JSON object per line, written synchronously in the order things happened, so
 * a crash or a kill never loses or reorders what was already observed.
 */
import { closeSync, openSync, writeSync } from 'node:fs'

export type EventLine =
  | { type: 'user'; text: string }
  | { type: 'agent'; text: string; interrupted: boolean }
  | { type: 'tool'; name: string; arguments: unknown; result: unknown; status: 'ok' | 'error' | 'denied' }
  | { type: 'error'; code: string; message: string }
  | { type: 'status'; status: string }
  | { type: 'usage'; [key: string]: unknown }
  | { type: string; [key: string]: unknown }

export class EventsWriter {
  private fd: number | null
  private readonly startedAt: number
  private readonly taps: Array<(line: Record<string, unknown>) => void> = []

  constructor(path: string, private readonly now: () => number = Date.now) {
    this.fd = openSync(path, 'w', 0o644)
    this.startedAt = now()
  }

  write(line: EventLine): void {
    if (this.fd === null) return
    const record = { ...line, t_ms: Math.round(this.now() - this.startedAt) }
    writeSync(this.fd, `${JSON.stringify(record)}\n`)
    for (const listener of this.taps) listener(record)
  }

  /** Every line, as written (`--history` records the conversation from them). */
  tap(listener: (line: Record<string, unknown>) => void): void {
    this.taps.push(listener)
  }

  close(): void {
    if (this.fd === null) return
    closeSync(this.fd)
    this.fd = null
  }
}

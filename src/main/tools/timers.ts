import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { z } from 'zod'
import type { Notifier } from './host'

export const TimerSchema = z.object({
  id: z.string(),
  label: z.string(),
  createdAt: z.number(),
  dueAt: z.number(),
})
export type Timer = z.infer<typeof TimerSchema>

const FileSchema = z.object({ version: z.literal(1), nextId: z.number().int().min(1), timers: z.array(TimerSchema) })

export interface Scheduler {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

export interface TimerServiceOptions {
  scheduler?: Scheduler
  notify: Notifier | null
  /** JSON file the timers persist to (survive a restart); null = memory only. */
  file: string | null
  log?: (line: string) => void
  /** Longest timer, in ms (setTimeout's own limit is about 24.8 days). */
  maxDurationMs?: number
  maxTimers?: number
}

export const MAX_TIMER_MS = 7 * 24 * 3600_000
const MAX_TIMEOUT = 2 ** 31 - 1

/** "5 minutes", "1 hour 30 minutes", "45 seconds". */
export function spokenDuration(ms: number): string {
  let seconds = Math.max(0, Math.round(ms / 1000))
  const days = Math.floor(seconds / 86_400)
  seconds -= days * 86_400
  const hours = Math.floor(seconds / 3600)
  seconds -= hours * 3600
  const minutes = Math.floor(seconds / 60)
  seconds -= minutes * 60
  const part = (n: number, unit: string) => (n ? [`${n} ${unit}${n === 1 ? '' : 's'}`] : [])
  const parts = [...part(days, 'day'), ...part(hours, 'hour'), ...part(minutes, 'minute'), ...part(seconds, 'second')]
  return parts.length ? parts.join(' ') : '0 seconds'
}

/**
 * Timers that live in main: they keep running when the window closes, fire a desktop
 * notification when due, and persist to a small JSON file so a restart keeps them (a timer that
 * came due while Earshot was not running is announced as missed when it starts again).
 */
export class TimerService {
  private readonly scheduler: Scheduler
  private readonly timers = new Map<string, Timer>()
  private readonly handles = new Map<string, unknown>()
  private readonly listeners = new Set<(timer: Timer, late: boolean) => void>()
  private nextId = 1
  private readonly log: (line: string) => void

  constructor(private readonly options: TimerServiceOptions) {
    this.scheduler = options.scheduler ?? realScheduler
    this.log = options.log ?? (() => {})
    this.load()
  }

  get maxDurationMs(): number {
    return this.options.maxDurationMs ?? MAX_TIMER_MS
  }

  get canNotify(): boolean {
    return this.options.notify !== null
  }

  add(label: string, durationMs: number): Timer {
    if (!(durationMs >= 1000)) throw new RangeError('A timer must run for at least one second.')
    if (durationMs > this.maxDurationMs) throw new RangeError(`A timer can run for at most ${spokenDuration(this.maxDurationMs)}.`)
    if (this.timers.size >= (this.options.maxTimers ?? 20)) throw new RangeError('There are already too many timers running. Cancel one first.')
    const now = this.scheduler.now()
    const timer: Timer = { id: `t${this.nextId++}`, label: label.trim() || 'Timer', createdAt: now, dueAt: now + Math.round(durationMs) }
    this.timers.set(timer.id, timer)
    this.arm(timer)
    this.save()
    return { ...timer }
  }

  /** Soonest first. */
  list(): Timer[] {
    return [...this.timers.values()].sort((a, b) => a.dueAt - b.dueAt).map((t) => ({ ...t }))
  }

  cancel(id: string): Timer | null {
    const timer = this.timers.get(id)
    if (!timer) return null
    this.disarm(id)
    this.timers.delete(id)
    this.save()
    return { ...timer }
  }

  onFired(listener: (timer: Timer, late: boolean) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Stops the clocks (app quit); persisted timers come back on the next start. */
  dispose(): void {
    for (const id of [...this.handles.keys()]) this.disarm(id)
  }

  private arm(timer: Timer): void {
    const wait = timer.dueAt - this.scheduler.now()
    if (wait <= 0) {
      this.fire(timer.id, wait < -60_000)
      return
    }
    // Long waits are chained: setTimeout cannot wait more than about 24.8 days at once.
    const handle = this.scheduler.setTimeout(() => {
      this.handles.delete(timer.id)
      if (timer.dueAt - this.scheduler.now() > 0) this.arm(timer)
      else this.fire(timer.id, false)
    }, Math.min(wait, MAX_TIMEOUT))
    ;(handle as { unref?: () => void })?.unref?.()
    this.handles.set(timer.id, handle)
  }

  private disarm(id: string): void {
    const handle = this.handles.get(id)
    if (handle !== undefined) this.scheduler.clearTimeout(handle)
    this.handles.delete(id)
  }

  private fire(id: string, late: boolean): void {
    const timer = this.timers.get(id)
    if (!timer) return
    this.timers.delete(id)
    this.save()
    const when = new Date(timer.dueAt).toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' })
    try {
      this.options.notify?.({
        title: timer.label === 'Timer' ? 'Timer done' : `Timer: ${timer.label}`,
        body: late ? `This timer was due at ${when}, while Earshot was not running.` : `Your ${spokenDuration(timer.dueAt - timer.createdAt)} timer is done.`,
      })
    } catch (error) {
      this.log(`timers: notification failed: ${(error as Error).message}`)
    }
    for (const listener of this.listeners) listener({ ...timer }, late)
  }

  private load(): void {
    const file = this.options.file
    if (!file) return
    let raw: string
    try {
      raw = readFileSync(file, 'utf8')
    } catch {
      return // no timers yet
    }
    const parsed = (() => {
      try {
        return FileSchema.safeParse(JSON.parse(raw))
      } catch {
        return null
      }
    })()
    if (!parsed?.success) {
      this.log(`timers: ignoring an unreadable ${file}`)
      try {
        renameSync(file, `${file}.corrupt`)
      } catch {
        // nothing more to do
      }
      return
    }
    this.nextId = parsed.data.nextId
    for (const timer of parsed.data.timers) this.timers.set(timer.id, timer)
    for (const timer of this.list()) this.arm(timer)
  }

  private save(): void {
    const file = this.options.file
    if (!file) return
    try {
      mkdirSync(dirname(file), { recursive: true })
      const tmp = `${file}.tmp`
      writeFileSync(tmp, JSON.stringify({ version: 1, nextId: this.nextId, timers: [...this.timers.values()] }), { mode: 0o600 })
      renameSync(tmp, file)
    } catch (error) {
      this.log(`timers: could not save ${file}: ${(error as Error).message}`)
    }
  }
}

/**
 * Main's history service: the store plus what the app needs around it. Plain Node: it takes the
 * file path, a clock, a timer port and the settings it follows.
 * - A corrupt file is moved aside (never deleted), the user told once, and a fresh file started.
 *   A file another program holds locked is left alone: history is off for this run, told once.
 * - Disk full, read-only or failing: writes pause with one notice; the conversation goes on.
 *   The next conversation tries again.
 * - Retention is enforced at start-up, daily, and when the setting changes.
 * - Every text written passes `redact` first (registered secrets never reach the file).
 */
import { existsSync, renameSync } from 'node:fs'
import type { Notice } from '../../shared/ipc/channels/app'
import type { Conversation, ConversationSummary, HistoryStatus, SearchHit } from '../../shared/ipc/channels/history'
import type { UsageCounts } from '../../shared/pricing'
import { isCorrupt, isLocked, isUnwritable, sqliteCode, type SqliteDatabase } from './driver'
import { exportFilename, toJson, toMarkdown } from './export'
import { NewerSchemaError } from './schema'
import { HistoryStore, type Retention } from './store'

export interface TimerPort {
  setInterval(callback: () => void, ms: number): unknown
  clearInterval(handle: unknown): void
}

export interface HistorySettings {
  keep: boolean
  retention: Retention
}

export interface HistoryServiceOptions {
  path: string
  now?: () => number
  timers?: TimerPort
  settings: () => HistorySettings
  notify: (notice: Notice) => void
  log?: (line: string) => void
  /** Scrubs secrets from text before it is written. */
  redact?: (text: string) => string
  open?: (path: string) => SqliteDatabase
  onStatus?: (status: HistoryStatus) => void
  onChanged?: (id: string | null) => void
}

export class HistoryUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'HistoryUnavailableError'
  }
}

const DAY_MS = 24 * 60 * 60 * 1000

const defaultTimers: TimerPort = {
  setInterval: (callback, ms) => {
    const handle = setInterval(callback, ms)
    handle.unref?.()
    return handle
  },
  clearInterval: (handle) => clearInterval(handle as Parameters<typeof clearInterval>[0]),
}

/** Moves a database (and its -wal/-shm companions) aside; returns the new name. Never deletes. */
export function moveAside(path: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-')
  let target = `${path}.damaged-${stamp}`
  for (let n = 2; existsSync(target); n++) target = `${path}.damaged-${stamp}-${n}`
  renameSync(path, target)
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix)
  }
  return target
}

export class HistoryService {
  private store: HistoryStore | null = null
  private state: 'on' | 'paused' | 'unavailable' = 'unavailable'
  private reason: string | null = 'History has not started yet.'
  private readonly open = new Set<string>()
  private timer: unknown = null
  private lastStatus = ''
  private readonly now: () => number
  private readonly timers: TimerPort
  private readonly log: (line: string) => void
  private readonly redact: (text: string) => string

  constructor(private readonly options: HistoryServiceOptions) {
    this.now = options.now ?? (() => Date.now())
    this.timers = options.timers ?? defaultTimers
    this.log = options.log ?? (() => {})
    this.redact = options.redact ?? ((text) => text)
  }

  /** Opens the file (recovering from a damaged one), applies retention and starts the daily timer. */
  start(): void {
    this.openStore()
    // Nothing can be in flight at start-up: a conversation left open by a quit or crash ends here.
    try {
      const closed = this.store?.closeAbandoned() ?? 0
      if (closed > 0) this.log(`history: closed ${closed} conversation(s) left open by an earlier run`)
    } catch (error) {
      this.log(`history: could not close abandoned conversations: ${String(error)}`)
    }
    this.applyRetention()
    if (this.timer === null) this.timer = this.timers.setInterval(() => this.applyRetention(), DAY_MS)
  }

  dispose(): void {
    if (this.timer !== null) this.timers.clearInterval(this.timer)
    this.timer = null
    this.store?.close()
    this.store = null
    this.state = 'unavailable'
    this.reason = 'Earshot is closing.'
  }

  status(): HistoryStatus {
    const keep = this.options.settings().keep
    const state = this.state === 'on' && !keep ? 'off' : this.state
    return { state, reason: state === 'off' ? null : this.reason, path: this.options.path }
  }

  /** Settings changed: retention may have shortened, keep may have flipped. */
  settingsChanged(): void {
    this.applyRetention()
    this.emitStatus()
  }

  // ---- writes (append-only; false = not recorded) ----

  begin(meta: { provider: string; model: string }): string | null {
    if (!this.options.settings().keep) return null
    if (this.state === 'paused') this.resume()
    return this.write((store) => {
      const id = store.begin(meta)
      this.open.add(id)
      return id
    }, null)
  }

  turn(id: string, turn: { role: 'user' | 'assistant'; text: string; interrupted?: boolean; at?: number }): boolean {
    if (!this.open.has(id)) return false
    return this.write((store) => store.turn(id, { ...turn, at: this.clampAt(turn.at), text: this.redact(turn.text) }), false, id)
  }

  tool(id: string, call: { callId: string; name: string; arguments: unknown; result: string | null; status: string | null; decision: string | null; at?: number }): boolean {
    if (!this.open.has(id)) return false
    let args: unknown = call.arguments
    try {
      args = JSON.parse(this.redact(JSON.stringify(call.arguments ?? null)))
    } catch {
      args = null
    }
    return this.write((store) => store.tool(id, { ...call, at: this.clampAt(call.at), arguments: args, result: call.result === null ? null : this.redact(call.result) }), false, id)
  }

  usage(id: string, counts: UsageCounts & { at?: number }): boolean {
    if (!this.open.has(id)) return false
    return this.write((store) => store.usage(id, { ...counts, at: this.clampAt(counts.at) }), false, id)
  }

  end(id: string, at?: number): boolean {
    if (!this.open.has(id)) return false
    this.open.delete(id)
    return this.write((store) => store.end(id, this.clampAt(at)), false, id)
  }

  // ---- reads ----

  list(limit?: number, offset?: number): ConversationSummary[] {
    return this.read((store) => store.list(limit, offset), [])
  }

  search(query: string, limit?: number): SearchHit[] {
    return this.read((store) => store.search(query, limit), [])
  }

  get(id: string): Conversation | null {
    return this.read((store) => store.get(id), null)
  }

  export(id: string, format: 'md' | 'json'): { filename: string; mime: string; text: string } | null {
    const c = this.get(id)
    if (!c) return null
    return format === 'md'
      ? { filename: exportFilename(c, 'md'), mime: 'text/markdown', text: toMarkdown(c) }
      : { filename: exportFilename(c, 'json'), mime: 'application/json', text: toJson(c) }
  }

  carried(id: string): { provider: string; model: string; turns: { role: 'user' | 'assistant'; text: string }[] } | null {
    return this.read((store) => {
      const summary = store.summary(id)
      return summary ? { provider: summary.provider, model: summary.model, turns: store.carried(id) } : null
    }, null)
  }

  delete(id: string): boolean {
    const store = this.requireStore()
    this.open.delete(id)
    const deleted = store.delete(id)
    if (deleted) this.options.onChanged?.(id)
    return deleted
  }

  deleteAll(): number {
    const store = this.requireStore()
    this.open.clear()
    const n = store.deleteAll()
    this.options.onChanged?.(null)
    return n
  }

  // ---- internals ----

  /** The renderer's clock, trusted within a day of main's; main's otherwise. */
  private clampAt(at: number | undefined): number {
    const now = this.now()
    return at !== undefined && at >= now - DAY_MS && at <= now + DAY_MS ? at : now
  }

  private requireStore(): HistoryStore {
    if (!this.store) throw new HistoryUnavailableError(this.reason ?? 'History is not available.')
    return this.store
  }

  private openStore(): void {
    const { path } = this.options
    const attempt = () => new HistoryStore({ path, now: this.now, open: this.options.open })
    try {
      this.store = attempt()
      this.setState('on', null)
      return
    } catch (error) {
      if (isCorrupt(error)) {
        let aside: string
        try {
          aside = moveAside(path, this.now())
        } catch (moveError) {
          this.unavailable(`The history file ${path} is damaged and could not be moved aside (${String((moveError as Error).message)}).`, 'damaged')
          return
        }
        this.log(`history: ${path} was damaged (${sqliteCode(error)}); moved aside to ${aside}`)
        try {
          this.store = attempt()
          this.setState('on', null)
          this.options.notify({
            id: 'history-damaged',
            level: 'warning',
            title: 'Conversation history was damaged',
            message: `The history file could not be read, so Earshot moved it aside to ${aside} (nothing was deleted) and started a new history.`,
          })
        } catch (again) {
          this.unavailable(`A new history file could not be created at ${path} (${describe(again)}).`, 'damaged')
        }
        return
      }
      if (isLocked(error)) {
        this.unavailable(`The history file ${path} is in use by another program (another Earshot?), so this window keeps no history until Earshot restarts. The file was left as it is.`, 'locked')
        return
      }
      if (error instanceof NewerSchemaError) {
        this.unavailable(`The history file ${path} was written by a newer Earshot; this version leaves it untouched and keeps no history.`, 'newer')
        return
      }
      this.unavailable(`The history file ${path} could not be opened (${describe(error)}), so Earshot keeps no history this time.`, 'open')
    }
  }

  private unavailable(message: string, kind: string): void {
    this.store = null
    this.setState('unavailable', message)
    this.log(`history: unavailable (${kind}): ${message}`)
    this.options.notify({ id: 'history-unavailable', level: 'warning', title: 'Conversation history is off for now', message: `${message} Conversations still work.` })
  }

  private resume(): void {
    // A new conversation retries after a pause (space freed, disk writable again).
    this.setState('on', null)
  }

  private write<T>(fn: (store: HistoryStore) => T, fallback: T, id?: string): T {
    if (this.state !== 'on' || !this.store) return fallback
    try {
      const result = fn(this.store)
      this.options.onChanged?.(id ?? null)
      return result
    } catch (error) {
      this.writeFailed(error)
      return fallback
    }
  }

  private read<T>(fn: (store: HistoryStore) => T, fallback: T): T {
    if (!this.store) return fallback
    try {
      return fn(this.store)
    } catch (error) {
      this.log(`history: a read failed (${describe(error)})`)
      if (isCorrupt(error)) this.writeFailed(error)
      return fallback
    }
  }

  private writeFailed(error: unknown): void {
    if (isUnwritable(error) || isLocked(error)) {
      const why = /FULL/.test(sqliteCode(error))
        ? 'the disk is full'
        : /READONLY|PERM/.test(sqliteCode(error))
          ? 'the history file cannot be written (read-only)'
          : isLocked(error)
            ? 'another program holds the history file'
            : 'the disk reported an error'
      const message = `History is paused: ${why}. This conversation goes on but is not being saved; Earshot tries again with the next conversation.`
      const first = this.state !== 'paused'
      this.setState('paused', message)
      this.log(`history: paused (${sqliteCode(error)})`)
      if (first) this.options.notify({ id: 'history-paused', level: 'warning', title: 'History is paused', message })
      return
    }
    if (isCorrupt(error)) {
      // Damaged while running: start over on a fresh file, keeping the damaged one aside.
      this.store?.close()
      this.store = null
      this.open.clear()
      this.openStore()
      return
    }
    this.log(`history: a write failed (${describe(error)})`)
  }

  private applyRetention(): void {
    if (!this.store) return
    try {
      const n = this.store.applyRetention(this.options.settings().retention)
      if (n > 0) {
        this.log(`history: retention removed ${n} conversation(s)`)
        this.options.onChanged?.(null)
      }
    } catch (error) {
      this.writeFailed(error)
    }
  }

  private setState(state: 'on' | 'paused' | 'unavailable', reason: string | null): void {
    this.state = state
    this.reason = reason
    this.emitStatus()
  }

  private emitStatus(): void {
    const status = this.status()
    const key = JSON.stringify(status)
    if (key === this.lastStatus) return
    this.lastStatus = key
    this.options.onStatus?.(status)
  }
}

function describe(error: unknown): string {
  const code = sqliteCode(error)
  const message = error instanceof Error ? error.message : String(error)
  return code ? `${code}: ${message}` : message
}

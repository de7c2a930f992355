import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { HIGHLIGHT_END, HIGHLIGHT_START, type HistoryStatus } from '../../shared/ipc/channels/history'
import type { Notice } from '../../shared/ipc/channels/app'
import { openSqlite, type SqliteDatabase } from './driver'
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from './schema'
import { HistoryService, type HistorySettings, type TimerPort } from './service'
import { ftsQuery, HistoryStore } from './store'

const DAY = 24 * 60 * 60 * 1000
const dirs: string[] = []
const stores: { close(): void }[] = []
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'earshot-history-'))
  dirs.push(dir)
  return join(dir, 'history.db')
}
function track<T extends { close(): void }>(s: T): T {
  stores.push(s)
  return s
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close()
})

function fakeTimers() {
  const jobs = new Map<number, () => void>()
  let next = 1
  const port: TimerPort = {
    setInterval: (cb) => {
      jobs.set(next, cb)
      return next++
    },
    clearInterval: (h) => jobs.delete(h as number),
  }
  return { port, fire: () => [...jobs.values()].forEach((cb) => cb()), count: () => jobs.size }
}

function service(path: string, extra: Partial<ConstructorParameters<typeof HistoryService>[0]> = {}) {
  const notices: Notice[] = []
  const statuses: HistoryStatus[] = []
  const settings: HistorySettings = { keep: true, retention: 'forever' }
  const svc = new HistoryService({ path, settings: () => settings, notify: (n) => notices.push(n), onStatus: (s) => statuses.push(s), ...extra })
  stores.push({ close: () => svc.dispose() })
  return { svc, notices, statuses, settings }
}

describe('history store', () => {
  it('a conversation left open by a quit or crash ends at its last turn when the app starts again', () => {
    const path = tempDb()
    let t = Date.UTC(2026, 11, 2, 9, 0, 0)
    const store = new HistoryStore({ path, now: () => t })
    const talked = store.begin({ provider: 'openai', model: 'gpt-realtime' })
    t += 2000
    store.turn(talked, { role: 'user', text: 'Hello there' })
    const silent = store.begin({ provider: 'demo', model: '' })
    const ended = store.begin({ provider: 'demo', model: '' })
    store.end(ended, t + 5)
    store.close()
    const { svc } = service(path)
    svc.start()
    const again = track(new HistoryStore({ path }))
    const byId = new Map(again.list().map((c) => [c.id, c.endedAt]))
    expect(byId.get(talked)).toBe(Date.UTC(2026, 11, 2, 9, 0, 2))
    expect(byId.get(silent)).toBe(Date.UTC(2026, 11, 2, 9, 0, 2))
    expect(byId.get(ended)).toBe(Date.UTC(2026, 11, 2, 9, 0, 2) + 5)
  })

  it('writes a conversation and reads it back after a restart', () => {
    const path = tempDb()
    let t = Date.UTC(2026, 11, 2, 10, 0, 0)
    const store = new HistoryStore({ path, now: () => t })
    const id = store.begin({ provider: 'openai', model: 'gpt-realtime' })
    store.turn(id, { role: 'user', text: '  What is the weather in Lisbon?  ' })
    t += 1500
    store.turn(id, { role: 'assistant', text: 'Sunny and 21 degrees.', interrupted: true })
    store.tool(id, { callId: 'c1', name: 'get_current_time', arguments: { zone: 'Europe/Lisbon' }, result: '{"iso":"x"}', status: 'ok', decision: null })
    store.usage(id, { inputTokens: 1000, inputAudioTokens: 800, outputTokens: 500, outputAudioTokens: 400, cachedTokens: 100 })
    t += 60_000
    store.end(id)
    store.close()

    const again = track(new HistoryStore({ path }))
    const [summary] = again.list()
    expect(summary).toMatchObject({ id, provider: 'openai', model: 'gpt-realtime', title: 'What is the weather in Lisbon?', turns: 2, endedAt: Date.UTC(2026, 11, 2, 10, 1, 1, 500) })
    // 200 text in ($4/M) less 100 cached ($0.40/M), 800 audio in ($32/M), 100 text out ($16/M), 400 audio out ($64/M)
    expect(summary?.costUsd).toBeCloseTo((100 * 4 + 100 * 0.4 + 800 * 32 + 100 * 16 + 400 * 64) / 1e6, 9)
    const full = again.get(id)
    expect(full?.entries.map((e) => e.kind)).toEqual(['turn', 'turn', 'tool'])
    expect(full?.entries[1]).toMatchObject({ role: 'assistant', text: 'Sunny and 21 degrees.', interrupted: true })
    expect(full?.entries[2]).toMatchObject({ name: 'get_current_time', arguments: { zone: 'Europe/Lisbon' }, status: 'ok' })
    expect(again.carried(id)).toEqual([
      { role: 'user', text: 'What is the weather in Lisbon?' },
      { role: 'assistant', text: 'Sunny and 21 degrees.' },
    ])
  })

  it('uses WAL mode', () => {
    const store = track(new HistoryStore({ path: tempDb() }))
    expect(store.handle.prepare('PRAGMA journal_mode').all()[0]).toMatchObject({ journal_mode: 'wal' })
  })

  it('says "not reported" (null) when no usage was reported, and for models it has no price for', () => {
    const store = track(new HistoryStore({ path: tempDb() }))
    const a = store.begin({ provider: 'assemblyai', model: '' })
    const b = store.begin({ provider: 'speko', model: 'gpt-realtime' })
    store.usage(b, { inputTokens: 10, outputTokens: 10 })
    expect(store.summary(a)?.costUsd).toBeNull()
    expect(store.summary(b)?.costUsd).toBeNull()
  })

  it('finds words from either side, highlighted, and prefix-matches the last word', () => {
    const store = track(new HistoryStore({ path: tempDb() }))
    const a = store.begin({ provider: 'openai', model: 'gpt-realtime' })
    store.turn(a, { role: 'user', text: 'Remind me to water the tomatoes' })
    store.turn(a, { role: 'assistant', text: 'I set a reminder for the garden.' })
    const b = store.begin({ provider: 'demo', model: '' })
    store.turn(b, { role: 'user', text: 'Tell me a joke about penguins' })

    const user = store.search('tomatoes')
    expect(user.map((h) => h.id)).toEqual([a])
    expect(user[0]?.snippets[0]).toEqual({ role: 'user', text: `Remind me to water the ${HIGHLIGHT_START}tomatoes${HIGHLIGHT_END}` })
    expect(store.search('garden')[0]?.snippets[0]?.role).toBe('assistant')
    expect(store.search('pengu').map((h) => h.id)).toEqual([b])
    expect(store.search('tomatoes penguins')).toEqual([])
  })

  it('treats search input as words: FTS syntax and SQL are no matches, never errors', () => {
    const store = track(new HistoryStore({ path: tempDb() }))
    const a = store.begin({ provider: 'openai', model: 'm' })
    store.turn(a, { role: 'user', text: 'near the NOT operator "quoted" AND more' })
    for (const input of ['"', '"unterminated', 'a OR', 'NEAR(', '*', 'col:value', "'; DROP TABLE turns; --", '(((', '^', '-', 'AND', '']) {
      expect(() => store.search(input)).not.toThrow()
    }
    expect(store.search('"quoted"').map((h) => h.id)).toEqual([a])
    expect(store.search('NOT operator').map((h) => h.id)).toEqual([a])
    expect(store.search("'; DROP TABLE turns; --")).toEqual([])
    expect(store.list()).toHaveLength(1)
    expect(ftsQuery('a "b')).toBe('"a" "b"*')
    expect(ftsQuery('  ...  ')).toBeNull()
  })

  it('retention deletes exactly the conversations older than the window', () => {
    let t = Date.UTC(2026, 0, 1)
    const store = track(new HistoryStore({ path: tempDb(), now: () => t }))
    const ages = [0, 6.9, 7.1, 29, 31, 89, 91, 400]
    const now = t + 400 * DAY
    const ids = ages.map((age) => store.begin({ provider: 'openai', model: 'm', startedAt: now - age * DAY }))
    t = now
    const kept = () => store.list(1000).map((c) => ids.indexOf(c.id)).sort((x, y) => x - y)
    expect(store.applyRetention('forever')).toBe(0)
    expect(store.applyRetention('90')).toBe(2)
    expect(kept()).toEqual([0, 1, 2, 3, 4, 5])
    expect(store.applyRetention('30')).toBe(2)
    expect(kept()).toEqual([0, 1, 2, 3])
    expect(store.applyRetention('7')).toBe(2)
    expect(kept()).toEqual([0, 1])
  })

  it('deletes one conversation and all, and the deleted words leave the file', () => {
    const path = tempDb()
    const store = new HistoryStore({ path })
    const a = store.begin({ provider: 'openai', model: 'm' })
    store.turn(a, { role: 'user', text: 'xylophonecanary one' })
    const b = store.begin({ provider: 'openai', model: 'm' })
    store.turn(b, { role: 'user', text: 'marimbacanary two' })
    expect(store.delete(a)).toBe(true)
    expect(store.delete(a)).toBe(false)
    expect(store.search('xylophonecanary')).toEqual([])
    expect(store.list().map((c) => c.id)).toEqual([b])
    expect(store.deleteAll()).toBe(1)
    expect(store.list()).toEqual([])
    store.close()
    for (const name of readdirSync(join(path, '..'))) {
      const bytes = readFileSync(join(path, '..', name)).toString('latin1')
      expect(bytes, name).not.toContain('xylophonecanary')
      expect(bytes, name).not.toContain('marimbacanary')
    }
  })

  it('migrates from every earlier schema version, keeping what was there', () => {
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(3)
    for (let from = 0; from < SCHEMA_VERSION; from++) {
      const path = tempDb()
      const db: SqliteDatabase = openSqlite(path)
      migrate(db, from)
      expect(schemaVersion(db)).toBe(from)
      if (from >= 1) {
        db.prepare('INSERT INTO conversations (id, provider, started_at, title) VALUES (?, ?, ?, ?)').run('old-1', 'openai', 1000, 'Old title')
        db.prepare('INSERT INTO turns (conversation_id, role, text, at) VALUES (?, ?, ?, ?)').run('old-1', 'user', 'an old saxophone question', 1000)
      }
      db.close()
      const store = track(new HistoryStore({ path }))
      expect(schemaVersion(store.handle)).toBe(SCHEMA_VERSION)
      if (from >= 1) {
        expect(store.list()).toEqual([expect.objectContaining({ id: 'old-1', title: 'Old title', turns: 1, model: '', costUsd: null })])
        expect(store.search('saxophone').map((h) => h.id)).toEqual(['old-1'])
      }
      // The migrated file takes every kind of write.
      const id = store.begin({ provider: 'openai', model: 'gpt-realtime' })
      expect(store.turn(id, { role: 'user', text: 'new words' })).toBe(true)
      expect(store.tool(id, { callId: 'c', name: 'n', arguments: {}, result: 'r', status: 'ok', decision: 'allow' })).toBe(true)
      expect(store.usage(id, { inputTokens: 1 })).toBe(true)
    }
    expect(MIGRATIONS).toHaveLength(SCHEMA_VERSION)
  })

  it('a file from a newer Earshot is left untouched: history is unavailable, once', () => {
    const path = tempDb()
    const db = openSqlite(path)
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`)
    db.close()
    const { svc, notices } = service(path)
    svc.start()
    expect(svc.status().state).toBe('unavailable')
    expect(notices).toHaveLength(1)
    expect(existsSync(path)).toBe(true)
  })

  it('SIGKILL mid-write loses at most the turn in flight', async () => {
    const path = tempDb()
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'sigkill-child.ts'), path], { stdio: ['ignore', 'pipe', 'pipe'] })
    let committed = 0
    let id = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    await new Promise<void>((resolve, reject) => {
      let buffer = ''
      child.stdout.on('data', (d: Buffer) => {
        buffer += d.toString()
        const lines = buffer.split('\n')
        buffer = lines.pop() ?? ''
        for (const line of lines) {
          if (line.startsWith('conversation ')) id = line.slice(13)
          if (line.startsWith('committed ')) committed = Number(line.slice(10))
        }
        if (committed >= 200 && child.exitCode === null) {
          child.kill('SIGKILL')
          resolve()
        }
      })
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code}: ${stderr}`))))
    })
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.on('exit', resolve)))
    const reported = committed
    const store = track(new HistoryStore({ path }))
    const turns = store.summary(id)?.turns ?? 0
    expect(turns).toBeGreaterThanOrEqual(reported)
    // Everything acknowledged survived; anything beyond is the write that was in flight (or
    // acknowledged after we stopped reading).
    expect(store.get(id)?.entries.filter((e) => e.kind === 'turn').every((e, i) => e.kind === 'turn' && e.text.startsWith(`turn number ${i + 1} `))).toBe(true)
  })
})

describe('history service', () => {
  it('moves a corrupt file aside (never deletes it), tells the user once, and a fresh file works', () => {
    const path = tempDb()
    const garbage = Buffer.alloc(16384, 0x5a)
    writeFileSync(path, garbage)
    const { svc, notices } = service(path)
    svc.start()
    expect(svc.status().state).toBe('on')
    expect(notices).toHaveLength(1)
    expect(notices[0]?.title).toMatch(/damaged/)
    const aside = readdirSync(join(path, '..')).filter((n) => n.startsWith('history.db.damaged-') && !n.endsWith('-wal') && !n.endsWith('-shm'))
    expect(aside).toHaveLength(1)
    expect(readFileSync(join(path, '..', aside[0] as string)).equals(garbage)).toBe(true)
    expect(notices[0]?.message).toContain(aside[0])
    const id = svc.begin({ provider: 'openai', model: 'gpt-realtime' }) as string
    expect(svc.turn(id, { role: 'user', text: 'fresh start' })).toBe(true)
    expect(svc.list()).toHaveLength(1)
  })

  it('a file damaged inside (valid header, broken pages) is moved aside too', () => {
    const path = tempDb()
    const store = new HistoryStore({ path })
    const id = store.begin({ provider: 'openai', model: 'm' })
    for (let i = 0; i < 200; i++) store.turn(id, { role: 'user', text: `filler ${i} ${'x'.repeat(200)}` })
    store.handle.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    store.close()
    const bytes = readFileSync(path)
    bytes.fill(0xee, 4096 * 2, bytes.length - 4096)
    writeFileSync(path, bytes)
    const { svc, notices } = service(path)
    svc.start()
    expect(svc.status().state).toBe('on')
    expect(notices.map((n) => n.id)).toEqual(['history-damaged'])
    expect(svc.list()).toEqual([])
  })

  it('a locked file: no history this run, one notice, the file left alone; the conversation API still answers', () => {
    const path = tempDb()
    const holder = new HistoryStore({ path })
    holder.begin({ provider: 'openai', model: 'm' })
    // Another program holding the file the way SQLite locks it (exclusive locking mode, a write done).
    holder.handle.exec('PRAGMA locking_mode = EXCLUSIVE')
    holder.handle.exec('BEGIN EXCLUSIVE')
    const { svc, notices } = service(path, { open: (p) => openSqlite(p, 50) })
    svc.start()
    expect(svc.status()).toMatchObject({ state: 'unavailable' })
    expect(notices).toHaveLength(1)
    expect(svc.begin({ provider: 'openai', model: 'm' })).toBeNull()
    expect(svc.list()).toEqual([])
    holder.handle.exec('COMMIT')
    expect(holder.list()).toHaveLength(1)
    holder.close()
    expect(readdirSync(join(path, '..')).some((n) => n.includes('damaged'))).toBe(false)
  })

  it('disk full: writes pause with one notice, the calls keep answering, the next conversation tries again', () => {
    const path = tempDb()
    let handle: SqliteDatabase | null = null
    const { svc, notices, statuses } = service(path, {
      open: (p) => (handle = openSqlite(p)),
    })
    svc.start()
    const id = svc.begin({ provider: 'openai', model: 'm' }) as string
    expect(svc.turn(id, { role: 'user', text: 'before the disk filled' })).toBe(true)
    // SQLite's own limit: the next page it needs is "disk full" (SQLITE_FULL), as on a full disk.
    const pages = (handle as unknown as SqliteDatabase).prepare('PRAGMA page_count').all()[0] as { page_count: number }
    ;(handle as unknown as SqliteDatabase).exec(`PRAGMA max_page_count = ${pages.page_count}`)
    let recorded = 0
    for (let i = 0; i < 50; i++) if (svc.turn(id, { role: 'assistant', text: `long reply ${i} ${'y'.repeat(3000)}` })) recorded++
    expect(recorded).toBeLessThan(50)
    expect(svc.status().state).toBe('paused')
    expect(svc.status().reason).toMatch(/disk is full/)
    expect(notices.map((n) => n.id)).toEqual(['history-paused'])
    expect(statuses.at(-1)?.state).toBe('paused')
    ;(handle as unknown as SqliteDatabase).exec('PRAGMA max_page_count = 1073741823')
    const next = svc.begin({ provider: 'openai', model: 'm' })
    expect(next).not.toBeNull()
    expect(svc.status().state).toBe('on')
    expect(svc.turn(next as string, { role: 'user', text: 'space again' })).toBe(true)
  })

  it('read-only: writes pause with a notice', () => {
    const path = tempDb()
    let handle: SqliteDatabase | null = null
    const { svc, notices } = service(path, { open: (p) => (handle = openSqlite(p)) })
    svc.start()
    const id = svc.begin({ provider: 'openai', model: 'm' }) as string
    ;(handle as unknown as SqliteDatabase).exec('PRAGMA query_only = 1')
    expect(svc.turn(id, { role: 'user', text: 'hello' })).toBe(false)
    expect(svc.status()).toMatchObject({ state: 'paused', reason: expect.stringMatching(/read-only/) })
    expect(notices).toHaveLength(1)
  })

  it('keep off records nothing; reads still work', () => {
    const { svc, settings } = service(tempDb())
    svc.start()
    const id = svc.begin({ provider: 'openai', model: 'm' }) as string
    svc.turn(id, { role: 'user', text: 'kept' })
    settings.keep = false
    svc.settingsChanged()
    expect(svc.status().state).toBe('off')
    expect(svc.begin({ provider: 'openai', model: 'm' })).toBeNull()
    expect(svc.list()).toHaveLength(1)
  })

  it('writes only to conversations begun in this run', () => {
    const path = tempDb()
    const first = service(path)
    first.svc.start()
    const id = first.svc.begin({ provider: 'openai', model: 'm' }) as string
    first.svc.dispose()
    const second = service(path)
    second.svc.start()
    expect(second.svc.turn(id, { role: 'user', text: 'injected later' })).toBe(false)
    expect(second.svc.turn('not-begun', { role: 'user', text: 'x' })).toBe(false)
  })

  it('enforces retention at start-up and on the daily timer', () => {
    const path = tempDb()
    let t = Date.UTC(2026, 5, 1)
    const seed = new HistoryStore({ path, now: () => t })
    seed.begin({ provider: 'openai', model: 'm', startedAt: t - 8 * DAY })
    seed.begin({ provider: 'openai', model: 'm', startedAt: t - 6 * DAY })
    seed.close()
    const timers = fakeTimers()
    const { svc, settings } = service(path, { now: () => t, timers: timers.port })
    settings.retention = '7'
    svc.start()
    expect(svc.list()).toHaveLength(1)
    expect(timers.count()).toBe(1)
    t += 2 * DAY
    timers.fire()
    expect(svc.list()).toHaveLength(0)
    svc.dispose()
    expect(timers.count()).toBe(0)
  })

  it('the key canary never lands in the database', () => {
    const path = tempDb()
    const canary = `sk-canary-${'9f3a'.repeat(8)}`
    const { svc } = service(path, { redact: (text) => text.split(canary).join('[redacted]') })
    svc.start()
    const id = svc.begin({ provider: 'openai', model: 'm' }) as string
    svc.turn(id, { role: 'user', text: `my key is ${canary}, keep it safe` })
    svc.tool(id, { callId: 'c1', name: 'write_note', arguments: { text: `note ${canary}` }, result: `saved ${canary}`, status: 'ok', decision: 'allow' })
    svc.end(id)
    expect(svc.get(id)?.entries[0]).toMatchObject({ text: 'my key is [redacted], keep it safe' })
    svc.dispose()
    for (const name of readdirSync(join(path, '..'))) expect(readFileSync(join(path, '..', name)).toString('latin1'), name).not.toContain(canary)
  })

  it('exports Markdown with both sides and JSON that parses', () => {
    const { svc } = service(tempDb())
    svc.start()
    const id = svc.begin({ provider: 'openai', model: 'gpt-realtime' }) as string
    svc.turn(id, { role: 'user', text: 'What time is it?' })
    svc.tool(id, { callId: 'c1', name: 'get_current_time', arguments: {}, result: '{"iso":"2026-12-02T10:00:00Z"}', status: 'ok', decision: null })
    svc.turn(id, { role: 'assistant', text: 'It is ten o\'clock.' })
    const md = svc.export(id, 'md')
    expect(md?.text).toContain('**You:** What time is it?')
    expect(md?.text).toContain("**Earshot:** It is ten o'clock.")
    expect(md?.text).toContain('`get_current_time`')
    expect(md?.filename).toMatch(/\.md$/)
    const json = JSON.parse(svc.export(id, 'json')?.text ?? '') as { entries: unknown[]; provider: string }
    expect(json.provider).toBe('openai')
    expect(json.entries).toHaveLength(3)
    expect(svc.export('missing', 'md')).toBeNull()
  })
})

import { appendFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuditEntry } from '../../shared/tools/types'
import { AuditLog, looksRandom, redact } from './audit'
import { createNodeTools } from './index'
import { tempDir } from './test-helpers'

let dir: ReturnType<typeof tempDir>
beforeEach(() => (dir = tempDir()))
afterEach(() => dir.cleanup())

const entry = (n: number, args: unknown = {}): AuditEntry => ({
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  callId: `c${n}`,
  tool: 'open_url',
  risk: 'external',
  arguments: args,
  decision: 'allowed',
  decidedBy: 'user',
  outcome: 'ok',
  durationMs: n,
})

describe('audit log', () => {
  it('writes one JSON line per call and reads the newest first', () => {
    const log = new AuditLog({ file: join(dir.path, 'logs', 'tool-audit.jsonl') })
    for (let n = 1; n <= 5; n += 1) log.record(entry(n, { url: `https://example.com/${n}` }))
    const lines = readFileSync(log.file, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(5)
    expect(JSON.parse(lines[0] as string)).toEqual(entry(1, { url: 'https://example.com/1' }))
    expect(log.tail(2).map((e) => e.callId)).toEqual(['c5', 'c4'])
  })

  it('redacts secret-named keys, random-looking strings and secret query values, and keeps only the size of content', () => {
    const log = new AuditLog({ file: join(dir.path, 'a.jsonl') })
    const key = 'sk-proj-3fA9xQ2LmZ7pR4tW8yB1nK6vD0cH5jE'
    log.record(
      entry(1, {
        apiKey: 'short',
        nested: { password: 'hunter2', accessToken: 'x' },
        text: `my key is ${key} thanks`,
        url: 'https://example.com/cb?code=abc&token=zzz&q=tea',
        note: 'a'.repeat(2000),
      }),
    )
    const raw = readFileSync(log.file, 'utf8')
    expect(raw).not.toContain(key)
    expect(raw).not.toContain('hunter2')
    expect(raw).not.toContain('zzz')
    const args = log.tail(1)[0]?.arguments as Record<string, unknown>
    expect(args).toMatchObject({
      apiKey: '[redacted]',
      nested: { password: '[redacted]', accessToken: '[redacted]' },
      text: { characters: `my key is ${key} thanks`.length, lines: 1 },
      url: 'https://example.com/cb?code=abc&token=[redacted]&q=tea',
      note: { characters: 2000, lines: 1 },
    })
  })

  it('keeps only the size of note and clipboard text, never the text', async () => {
    const log = new AuditLog({ file: join(dir.path, 'a.jsonl') })
    const notes = tempDir()
    const clip = { text: '', readText: async () => clip.text, writeText: async (t: string) => void (clip.text = t) }
    const kit = createNodeTools({ audit: log, notify: null, overrides: { clipboard: clip, documentsDir: notes.path } })
    try {
      await kit.executeToolCall({ callId: 'n1', name: 'take_note', arguments: { title: 'Groceries', text: 'my bank PIN is 4711\nand milk' } }, { approve: () => 'allow' })
      await kit.executeToolCall({ callId: 'c1', name: 'write_clipboard', arguments: { text: 'correct horse battery staple' } }, { approve: () => 'allow' })
    } finally {
      kit.dispose()
      notes.cleanup()
    }
    const raw = readFileSync(log.file, 'utf8')
    expect(raw).not.toContain('4711')
    expect(raw).not.toContain('horse')
    expect(log.tail(2)).toMatchObject([
      { tool: 'write_clipboard', arguments: { text: { characters: 'correct horse battery staple'.length, lines: 1 } } },
      { tool: 'take_note', outcome: 'ok', arguments: { title: 'Groceries', text: { characters: 'my bank PIN is 4711\nand milk'.length, lines: 2 } } },
    ])
  })

  it('tells random strings from words', () => {
    expect(looksRandom('ghp_16C7e42F292c6912E7710c838347Ae178B4a')).toBe(true)
    expect(looksRandom('Supercalifragilisticexpialidocious')).toBe(false)
    expect(looksRandom('/Users/me/Documents/Earshot Notes')).toBe(false)
    expect(looksRandom('https://en.wikipedia.org/wiki/Special:Random')).toBe(false)
    expect(redact({ list: ['fine', 'AKIAIOSFODNN7EXAMPLEwJalrXUtnFEMI/K7MDENG'] })).toEqual({ list: ['fine', '[redacted]'] })
  })

  it('rotates past its size limit and still reads across both files', () => {
    const log = new AuditLog({ file: join(dir.path, 'a.jsonl'), maxBytes: 600 })
    for (let n = 1; n <= 10; n += 1) log.record(entry(n))
    expect(readFileSync(`${log.file}.1`, 'utf8').length).toBeGreaterThan(0)
    expect(log.tail(4).map((e) => e.callId)).toEqual(['c10', 'c9', 'c8', 'c7'])
  })

  it('skips damaged lines and survives an unwritable location', () => {
    const log = new AuditLog({ file: join(dir.path, 'a.jsonl') })
    log.record(entry(1))
    appendFileSync(log.file, '{"torn":\n')
    log.record(entry(2))
    expect(log.tail(10).map((e) => e.callId)).toEqual(['c2', 'c1'])
    const lines: string[] = []
    const broken = new AuditLog({ file: join(log.file, 'cannot', 'be.jsonl'), log: (l) => lines.push(l) })
    expect(() => broken.record(entry(3))).not.toThrow()
    expect(lines[0]).toMatch(/could not write the audit log/)
    expect(broken.tail()).toEqual([])
  })

  it('records what the executor did, end to end', async () => {
    const log = new AuditLog({ file: join(dir.path, 'a.jsonl') })
    const kit = createNodeTools({ audit: log, notify: null })
    await kit.executeToolCall({ callId: 'x1', name: 'get_current_time', arguments: { timeZone: 'UTC' } })
    await kit.executeToolCall({ callId: 'x2', name: 'open_url', arguments: { url: 'https://example.com' } }, { approve: () => 'deny' })
    await kit.executeToolCall({ callId: 'x3', name: 'nope', arguments: '{' })
    kit.dispose()
    expect(log.tail(3)).toMatchObject([
      { callId: 'x3', tool: 'nope', risk: null, arguments: null, decision: 'not_asked', outcome: 'error', error: expect.stringMatching(/no tool called/) },
      { callId: 'x2', tool: 'open_url', decision: 'denied', decidedBy: 'user', outcome: 'denied', arguments: { url: 'https://example.com' } },
      { callId: 'x1', tool: 'get_current_time', decision: 'allowed', decidedBy: 'auto', outcome: 'ok', arguments: { timeZone: 'UTC' } },
    ])
  })
})

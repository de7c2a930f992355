import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseArgs, UsageError } from './args'
import { createTalkHistory, defaultHistoryPath, TalkHistoryError } from './history'

const ROOT = join(import.meta.dirname, '../..')
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}
const tempDir = () => mkdtempSync(join(tmpdir(), 'earshot-cli-history-'))

/** A conversation recorded the way talk records one: its EVENTS.jsonl objects, in order. */
function recordTalk(db: string, provider: string, lines: Record<string, unknown>[], env: NodeJS.ProcessEnv = {}) {
  const history = createTalkHistory(db, { provider, model: provider === 'openai' ? 'gpt-realtime' : '' }, { env })
  for (const line of lines) history.record(line)
  history.close()
}

describe('history command line', () => {
  it('parses the four actions and --history', () => {
    expect(parseArgs(['history', 'list', '--json', '--history', 'h.db'])).toEqual({ kind: 'history', command: { action: 'list', json: true, dbPath: 'h.db' } })
    expect(parseArgs(['history', 'search', 'water', 'tomatoes'])).toEqual({ kind: 'history', command: { action: 'search', query: 'water tomatoes', json: false, dbPath: undefined } })
    expect(parseArgs(['history', 'export', 'abc', '--format', 'md'])).toEqual({ kind: 'history', command: { action: 'export', id: 'abc', format: 'md', dbPath: undefined } })
    expect(parseArgs(['history', 'delete', 'abc', '--history=x.db'])).toEqual({ kind: 'history', command: { action: 'delete', id: 'abc', dbPath: 'x.db' } })
    expect(parseArgs(['talk', '--provider', 'demo', '--in', 'a', '--out', 'b', '--transcript', 'c', '--history', 'h.db'])).toMatchObject({ kind: 'talk', options: { historyPath: 'h.db' } })
    for (const bad of [
      ['history'],
      ['history', 'show'],
      ['history', 'export', 'abc'],
      ['history', 'export', 'abc', '--format', 'pdf'],
      ['history', 'export', '--format', 'md'],
      ['history', 'delete'],
      ['history', 'delete', 'a', 'b'],
      ['history', 'list', '--format', 'md'],
      ['history', 'search'],
      ['history', 'list', '--history'],
      ['talk', '--provider', 'demo', '--in', 'a', '--out', 'b', '--transcript', 'c', '--history', 'a'],
    ]) {
      expect(() => parseArgs(bad), bad.join(' ')).toThrow(UsageError)
    }
  })

  it('defaults to the app database in the user-data folder of each platform', () => {
    expect(defaultHistoryPath({ XDG_CONFIG_HOME: '/x/cfg' }, 'linux', '/home/u')).toBe('/x/cfg/Earshot/history.db')
    expect(defaultHistoryPath({}, 'linux', '/home/u')).toBe('/home/u/.config/Earshot/history.db')
    expect(defaultHistoryPath({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/Earshot/history.db')
    expect(defaultHistoryPath({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toContain(join('C:\\Users\\u\\AppData\\Roaming', 'Earshot', 'history.db'))
  })

  it('lists, searches, exports and deletes what talk --history recorded', () => {
    const dir = tempDir()
    const db = join(dir, 'h.db')
    recordTalk(db, 'openai', [
      { type: 'status', status: 'connecting' },
      { type: 'user', text: 'What time is it in Lisbon?' },
      { type: 'tool', name: 'get_current_time', arguments: { timeZone: 'Europe/Lisbon' }, result: { iso: '2026-12-02T10:00:00Z' }, status: 'ok', callId: 'c1' },
      { type: 'agent', text: 'It is ten in the morning in Lisbon.', interrupted: false },
      { type: 'usage', inputTokens: 1200, outputTokens: 300, inputAudioTokens: 1000, outputAudioTokens: 250 },
      { type: 'done', replies: 1 },
    ])
    recordTalk(db, 'assemblyai', [
      { type: 'user', text: 'Tell me about penguins' },
      { type: 'agent', text: 'Penguins cannot fly but swim', interrupted: true },
    ])

    const list = cli(['history', 'list', '--json', '--history', db])
    expect(list.code, list.stderr).toBe(0)
    const rows = JSON.parse(list.stdout) as { id: string; startedAt: string; provider: string; title: string; turns: number; costUsd: number | null }[]
    expect(rows).toHaveLength(2)
    const openai = rows.find((r) => r.provider === 'openai')
    const aai = rows.find((r) => r.provider === 'assemblyai')
    expect(openai).toMatchObject({ title: 'What time is it in Lisbon?', turns: 2 })
    expect(openai?.costUsd).toBeGreaterThan(0)
    expect(new Date(openai?.startedAt ?? '').toISOString()).toBe(openai?.startedAt)
    expect(aai).toMatchObject({ title: 'Tell me about penguins', turns: 2, costUsd: null })

    const human = cli(['history', 'list', '--history', db])
    expect(human.stdout).toContain('cost not reported')

    const userSide = JSON.parse(cli(['history', 'search', 'lisbon', '--json', '--history', db]).stdout) as { id: string; snippets: { text: string }[] }[]
    expect(userSide.map((h) => h.id)).toEqual([openai?.id])
    expect(userSide[0]?.snippets[0]?.text).toContain('**Lisbon**')
    const agentSide = JSON.parse(cli(['history', 'search', 'swim', '--json', '--history', db]).stdout) as { id: string }[]
    expect(agentSide.map((h) => h.id)).toEqual([aai?.id])
    expect(cli(['history', 'search', '"unbalanced (', '--json', '--history', db])).toMatchObject({ code: 0, stdout: '[]\n' })

    const md = cli(['history', 'export', openai?.id ?? '', '--format', 'md', '--history', db])
    expect(md.code).toBe(0)
    expect(md.stdout).toContain('**You:** What time is it in Lisbon?')
    expect(md.stdout).toContain('**Earshot:** It is ten in the morning in Lisbon.')
    expect(md.stdout).toContain('get_current_time')
    const json = JSON.parse(cli(['history', 'export', aai?.id ?? '', '--format', 'json', '--history', db]).stdout) as { entries: { interrupted?: boolean }[] }
    expect(json.entries[1]?.interrupted).toBe(true)

    expect(cli(['history', 'delete', aai?.id ?? '', '--history', db])).toMatchObject({ code: 0 })
    const missing = cli(['history', 'delete', aai?.id ?? '', '--history', db])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/no conversation/)
    expect((JSON.parse(cli(['history', 'list', '--json', '--history', db]).stdout) as unknown[]).length).toBe(1)
  })

  it('reads the default database from the user-data folder', () => {
    const home = tempDir()
    const db = join(home, 'Earshot', 'history.db')
    mkdirSync(join(home, 'Earshot')) // the app's user-data folder
    recordTalk(db, 'demo', [{ type: 'user', text: 'hello default' }])
    const list = cli(['history', 'list', '--json'], { XDG_CONFIG_HOME: home })
    expect((JSON.parse(list.stdout) as { title: string }[]).map((r) => r.title)).toEqual(['hello default'])
  })

  it('a missing file lists as empty and is not created; a damaged one is a clear error and left as it is', () => {
    const dir = tempDir()
    const none = join(dir, 'none.db')
    expect(cli(['history', 'list', '--json', '--history', none])).toMatchObject({ code: 0, stdout: '[]\n' })
    expect(existsSync(none)).toBe(false)
    const bad = join(dir, 'bad.db')
    writeFileSync(bad, 'this is not a database '.repeat(500))
    const before = readFileSync(bad)
    const r = cli(['history', 'list', '--history', bad])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/not a readable Earshot history file/)
    expect(readFileSync(bad).equals(before)).toBe(true)
    expect(() => createTalkHistory(bad, { provider: 'demo', model: '' })).toThrow(TalkHistoryError)
  })

  it('talk --history never writes the API key', () => {
    const dir = tempDir()
    const db = join(dir, 'h.db')
    const key = 'sk-test-canary-5f1e2d3c4b5a69788796a5b4'
    recordTalk(db, 'openai', [{ type: 'user', text: `the key is ${key}` }, { type: 'tool', name: 'write_note', arguments: { text: key }, result: key, status: 'ok' }], { OPENAI_API_KEY: key })
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(db + suffix)) expect(readFileSync(db + suffix).toString('latin1')).not.toContain(key)
    expect(cli(['history', 'search', 'redacted', '--json', '--history', db]).stdout).toContain('[redacted]')
  })
})

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execFile } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runTool, tempDir, toolSettings } from '../test-helpers'
import { createSearchFilesTool, nameMatcher, wildcardMatch, type SearchDeps } from './search-files'

let root: ReturnType<typeof tempDir>
let outside: ReturnType<typeof tempDir>

beforeEach(() => {
  root = tempDir()
  outside = tempDir()
  mkdirSync(join(root.path, 'Docs', 'Taxes'), { recursive: true })
  mkdirSync(join(root.path, '.hidden'))
  writeFileSync(join(root.path, 'Docs', 'Taxes', 'invoice-2026.pdf'), 'pdf!')
  writeFileSync(join(root.path, 'Docs', 'Invoice draft.txt'), 'draft')
  writeFileSync(join(root.path, '.hidden', 'invoice-secret.pdf'), 'x')
  writeFileSync(join(root.path, 'photo.jpg'), 'x')
  writeFileSync(join(outside.path, 'invoice-outside.pdf'), 'x')
})
afterEach(() => {
  root.cleanup()
  outside.cleanup()
})

const tool = (folders: string[], extra: Partial<SearchDeps> = {}) => createSearchFilesTool({ settings: toolSettings({ searchFolders: folders }), ...extra })
const names = (json: Record<string, unknown>) => (json.matches as { name: string }[]).map((m) => m.name).sort()

describe('search_files', () => {
  it('finds files and folders by name words under the approved folders, skipping hidden ones', async () => {
    const r = await runTool(tool([root.path]), 'search_files', { query: 'invoice' })
    expect(r.status).toBe('ok')
    expect(names(r.json)).toEqual(['Invoice draft.txt', 'invoice-2026.pdf'])
    const pdf = (r.json.matches as Record<string, unknown>[]).find((m) => m.name === 'invoice-2026.pdf')
    expect(pdf).toMatchObject({ path: join(root.path, 'Docs', 'Taxes', 'invoice-2026.pdf'), kind: 'file', size: 4 })
    expect(r.json.complete).toBe(true)
    expect(names((await runTool(tool([root.path]), 'search_files', { query: 'taxes' })).json)).toEqual(['Taxes'])
  })

  it('supports wildcards and several words', async () => {
    expect(names((await runTool(tool([root.path]), 'search_files', { query: '*.pdf' })).json)).toEqual(['invoice-2026.pdf'])
    expect(names((await runTool(tool([root.path]), 'search_files', { query: 'draft invoice' })).json)).toEqual(['Invoice draft.txt'])
    expect(nameMatcher('inv?ice*')('Invoice draft.txt')).toBe(true)
    expect(nameMatcher('a.b')('axb')).toBe(false)
  })

  it('matches wildcards exactly as an anchored pattern would (* any run, ? one character)', () => {
    const reference = (pattern: string, name: string) =>
      new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'su').test(name)
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', '*', '?', '.'), maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', '.'), maxLength: 10 }), (pattern, name) => {
        expect(wildcardMatch(Array.from(pattern), Array.from(name))).toBe(reference(pattern, name))
      }),
      { numRuns: 3000 },
    )
    expect(nameMatcher('**é*.PDF')('Résumé.pdf')).toBe(true)
  })

  it('a pattern built to make a backtracking matcher explode still finishes (the main process never freezes)', async () => {
    // With the old RegExp translation this match runs for longer than anyone waits: a synchronous
    // match blocks the event loop, so the tool's own timeout could not stop it. The child process
    // and its 60 s guard only keep a regression from hanging the test run; the linear matcher needs
    // microseconds.
    const file = fileURLToPath(new URL('./search-files.ts', import.meta.url))
    const code = `
      const m = await import(${JSON.stringify(pathToFileURL(file).href)})
      const query = '*a'.repeat(40) + '*b'
      console.log(JSON.stringify([m.nameMatcher(query)('a'.repeat(200)), m.nameMatcher(query)('a'.repeat(60) + 'b')]))`
    const result = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) =>
        error ? reject(new Error(`the wildcard match did not finish: ${error.message} ${stderr}`)) : resolve(stdout),
      )
    })
    expect(JSON.parse(result)).toEqual([false, true])
  }, 90_000)

  it('says so when no folder is approved', async () => {
    const r = await runTool(tool([]), 'search_files', { query: 'invoice' })
    expect(r.json).toMatchObject({ code: 'not_configured' })
  })

  it('refuses a folder that was not approved, including .. tricks', async () => {
    for (const folder of [outside.path, join(root.path, '..'), join(root.path, 'Docs')]) {
      const r = await runTool(tool([root.path]), 'search_files', { query: 'invoice', folder })
      expect(r.json.code).toBe('outside_allowed_folders')
    }
    const byName = await runTool(tool([root.path, outside.path]), 'search_files', { query: 'invoice', folder: root.path })
    expect(names(byName.json)).toEqual(['Invoice draft.txt', 'invoice-2026.pdf'])
  })

  it('refuses queries with path separators and invalid limits', async () => {
    expect((await runTool(tool([root.path]), 'search_files', { query: '../invoice' })).json.code).toBe('invalid_arguments')
    expect((await runTool(tool([root.path]), 'search_files', { query: 'x', limit: 1000 })).json.code).toBe('invalid_arguments')
    expect((await runTool(tool([root.path]), 'search_files', {})).json.code).toBe('invalid_arguments')
  })

  it('never follows a symlink out of the approved folder, but follows one that stays inside', async () => {
    symlinkSync(outside.path, join(root.path, 'escape-dir'))
    symlinkSync(join(outside.path, 'invoice-outside.pdf'), join(root.path, 'invoice-link.pdf'))
    symlinkSync(join(root.path, 'Docs', 'Taxes'), join(root.path, 'taxes-link'))
    symlinkSync(root.path, join(root.path, 'Docs', 'loop'))
    const r = await runTool(tool([root.path]), 'search_files', { query: 'invoice', limit: 100 })
    const found = r.json.matches as { name: string; path: string }[]
    expect(found.every((m) => !m.name.includes('outside') && m.name !== 'invoice-link.pdf')).toBe(true)
    expect(found.map((m) => m.path)).toContain(join(root.path, 'taxes-link', 'invoice-2026.pdf'))
    expect(r.json.complete).toBe(true)
  })

  it('treats an approved folder that is a symlink as its real folder and reports missing folders', async () => {
    const link = join(outside.path, 'link-to-root')
    symlinkSync(root.path, link)
    const r = await runTool(tool([link, join(outside.path, 'gone')]), 'search_files', { query: 'photo' })
    expect(names(r.json)).toEqual(['photo.jpg'])
    expect(r.json.missingFolders).toEqual([join(outside.path, 'gone')])
  })

  it('is bounded in results, entries and time', async () => {
    for (let i = 0; i < 30; i += 1) writeFileSync(join(root.path, `note-${i}.txt`), '')
    const limited = await runTool(tool([root.path]), 'search_files', { query: 'note', limit: 5 })
    expect((limited.json.matches as unknown[]).length).toBe(5)
    expect(limited.json.complete).toBe(false)
    const fewEntries = await runTool(tool([root.path], { maxEntries: 3 }), 'search_files', { query: 'note', limit: 100 })
    expect(fewEntries.json.complete).toBe(false)
    expect((fewEntries.json.matches as unknown[]).length).toBeLessThanOrEqual(3)
    let clock = 0
    const slowClock = await runTool(tool([root.path], { budgetMs: 5, now: () => (clock += 10) }), 'search_files', { query: 'note', limit: 100 })
    expect(slowClock.json.complete).toBe(false)
    expect(slowClock.json.note).toMatch(/stopped early/)
  })
})

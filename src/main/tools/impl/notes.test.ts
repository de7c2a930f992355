import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runTool, tempDir, toolSettings } from '../test-helpers'
import { safeFileName } from './fs-safety'
import { createNotesTools } from './notes'

let dir: ReturnType<typeof tempDir>
let outside: ReturnType<typeof tempDir>
beforeEach(() => {
  dir = tempDir()
  outside = tempDir()
})
afterEach(() => {
  dir.cleanup()
  outside.cleanup()
})

const now = () => new Date(2026, 10, 21, 9, 5)
const tools = (notesFolder: string | null = null) => createNotesTools({ settings: toolSettings({ notesFolder }), documentsDir: dir.path, now })

describe('notes tools', () => {
  it('saves a note in <Documents>/Earshot Notes by default, creating the folder', async () => {
    const r = await runTool(tools(), 'take_note', { title: 'Shopping list', text: '- milk\n- tea' })
    expect(r.status).toBe('ok')
    const folder = join(dir.path, 'Earshot Notes')
    expect(r.json).toMatchObject({ saved: 'Shopping list', file: 'Shopping list.md', folder, appended: false })
    expect(readFileSync(join(folder, 'Shopping list.md'), 'utf8')).toBe('# Shopping list\n\n- milk\n- tea\n')
  })

  it('uses the configured folder, never overwrites, and appends on request', async () => {
    const folder = join(dir.path, 'mine')
    const t = tools(folder)
    await runTool(t, 'take_note', { title: 'Ideas', text: 'one' })
    const second = await runTool(t, 'take_note', { title: 'Ideas', text: 'two' })
    expect(second.json.saved).toBe('Ideas (2)')
    const appended = await runTool(t, 'take_note', { title: 'ideas', text: 'three', append: true })
    expect(appended.json).toMatchObject({ saved: 'Ideas', appended: true })
    expect(readFileSync(join(folder, 'Ideas.md'), 'utf8')).toBe('# Ideas\n\none\n\nthree\n')
    expect(readFileSync(join(folder, 'Ideas (2).md'), 'utf8')).toBe('# Ideas\n\ntwo\n')
  })

  it('gives an untitled note a dated name', async () => {
    const r = await runTool(tools(), 'take_note', { text: 'remember this' })
    expect(r.json.saved).toBe('Note 2026-11-21 09.05')
  })

  it('keeps hostile titles inside the folder', async () => {
    const folder = join(dir.path, 'notes')
    const t = tools(folder)
    for (const title of ['../../escape', '/etc/passwd', '..\\..\\win', 'CON', 'a:b*c?"<>|', '....']) {
      const r = await runTool(t, 'take_note', { title, text: 'x' })
      expect(r.status).toBe('ok')
    }
    expect(readdirSync(dir.path)).toEqual(['notes'])
    expect(readdirSync(folder).sort()).toEqual(['escape.md', 'win.md', 'Note 2026-11-21 09.05.md', 'Note CON.md', 'a b c.md', 'etc passwd.md'].sort())
    expect(existsSync(join(dir.path, '..', 'escape.md'))).toBe(false)
  })

  it('does not write through a symlink planted in the notes folder', async () => {
    const folder = join(dir.path, 'notes')
    mkdirSync(folder)
    const target = join(outside.path, 'victim.md')
    writeFileSync(target, 'original')
    symlinkSync(target, join(folder, 'Victim.md'))
    const r = await runTool(tools(folder), 'take_note', { title: 'Victim', text: 'overwrite?' })
    expect(r.json.saved).toBe('Victim (2)')
    const appended = await runTool(tools(folder), 'take_note', { title: 'Victim', text: 'append?', append: true })
    // The link is not a note, so "append" finds nothing to append to and makes a new file.
    expect(appended.json).toMatchObject({ saved: 'Victim (3)', appended: false })
    expect(readFileSync(target, 'utf8')).toBe('original')
  })

  it('lists notes newest first, filters by title words and ignores other files', async () => {
    const folder = join(dir.path, 'notes')
    mkdirSync(folder)
    writeFileSync(join(folder, 'Old recipe.md'), 'a')
    writeFileSync(join(folder, 'New recipe.md'), 'bb')
    writeFileSync(join(folder, 'picture.png'), 'x')
    utimesSync(join(folder, 'Old recipe.md'), new Date('2020-01-01'), new Date('2020-01-01'))
    const all = await runTool(tools(folder), 'list_notes', {})
    expect(all.json.total).toBe(2)
    expect((all.json.notes as { title: string }[]).map((n) => n.title)).toEqual(['New recipe', 'Old recipe'])
    const filtered = await runTool(tools(folder), 'list_notes', { query: 'OLD', limit: 5 })
    expect((filtered.json.notes as { title: string; size: number }[])).toMatchObject([{ title: 'Old recipe', size: 1 }])
    expect((await runTool(tools(join(dir.path, 'none')), 'list_notes', {})).json.total).toBe(0)
    expect((await runTool(tools(folder), 'list_notes', { limit: 0 })).json.code).toBe('invalid_arguments')
  })

  it('reads a note by title, exactly or by a unique part', async () => {
    const folder = join(dir.path, 'notes')
    const t = tools(folder)
    await runTool(t, 'take_note', { title: 'Trip to Lyon', text: 'train at 8' })
    const exact = await runTool(t, 'read_note', { title: 'trip to lyon' })
    expect(exact.json).toMatchObject({ title: 'Trip to Lyon', text: '# Trip to Lyon\n\ntrain at 8\n', truncated: false })
    expect((await runTool(t, 'read_note', { title: 'Lyon.md' })).json.title).toBe('Trip to Lyon')
  })

  it('reports missing and ambiguous notes', async () => {
    const folder = join(dir.path, 'notes')
    const t = tools(folder)
    expect((await runTool(t, 'read_note', { title: 'nothing' })).json).toMatchObject({ code: 'not_found' })
    await runTool(t, 'take_note', { title: 'Plan A', text: 'x' })
    await runTool(t, 'take_note', { title: 'Plan B', text: 'x' })
    const r = await runTool(t, 'read_note', { title: 'plan' })
    expect(r.json.code).toBe('not_found')
    expect(r.json.error).toMatch(/Several notes match "plan": Plan (A|B), Plan (A|B)/)
  })

  it('refuses paths and never reads outside the folder, symlinks included', async () => {
    const folder = join(dir.path, 'notes')
    mkdirSync(folder)
    writeFileSync(join(outside.path, 'secret.md'), 'secret')
    symlinkSync(join(outside.path, 'secret.md'), join(folder, 'secret.md'))
    for (const title of ['../secret', `${outside.path}/secret.md`, '..']) {
      const r = await runTool(tools(folder), 'read_note', { title })
      expect(r.json.code).toBe('invalid_arguments')
    }
    const viaLink = await runTool(tools(folder), 'read_note', { title: 'secret' })
    expect(viaLink.json.code).toBe('not_found')
    expect(viaLink.output).not.toContain('"secret"}')
  })

  it('makes safe file names', () => {
    expect(safeFileName(' a/b\\c ')).toBe('a b c')
    expect(safeFileName('..')).toBe('')
    expect(safeFileName('nul.txt')).toBe('Note nul.txt')
    expect(safeFileName('x'.repeat(100)).length).toBe(80)
  })

  it('never yields a Windows device name, however it is spelled', () => {
    // Windows ignores trailing spaces and dots before the extension and accepts superscript digits.
    for (const name of ['COM¹', 'lpt²', 'com³.md', 'nul .txt', 'aux .md', 'AUX. .md', 'CONIN$', 'conout$.txt', 'CLOCK$', 'prn', 'Con.tar.gz', 'COM0', 'lpt9 . txt']) {
      expect(safeFileName(name), name).toBe(`Note ${safeFileName(`x${name}`).slice(1)}`)
    }
    for (const name of ['Console', 'comic', 'nullable.md', 'auxiliary notes', 'COM10']) expect(safeFileName(name), name).toBe(name)
  })
})

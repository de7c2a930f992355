import { constants } from 'node:fs'
import { lstat, mkdir, open, readdir, readFile, realpath } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import type { ToolSettings } from '../host'
import { defineTool, ToolError } from '../tool'
import { isInside, safeFileName } from './fs-safety'

export interface NotesDeps {
  settings: () => ToolSettings
  documentsDir: string
  now: () => Date
}

export const NOTE_READ_LIMIT = 20_000

export function notesFolder(deps: NotesDeps): string {
  return deps.settings().notesFolder ?? join(deps.documentsDir, 'Earshot Notes')
}

interface NoteFile {
  name: string
  file: string
  modified: Date
  size: number
}

const pad = (n: number) => String(n).padStart(2, '0')

/** Regular .md files directly in the folder; symlinks and subfolders are ignored. */
async function listNoteFiles(folder: string): Promise<NoteFile[]> {
  let entries: import('node:fs').Dirent[]
  try {
    entries = await readdir(folder, { withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const notes: NoteFile[] = []
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.toLowerCase().endsWith('.md')) continue
    const stats = await lstat(join(folder, entry.name)).catch(() => null)
    if (!stats?.isFile()) continue
    notes.push({ name: entry.name.slice(0, -3), file: entry.name, modified: stats.mtime, size: stats.size })
  }
  return notes.sort((a, b) => b.modified.getTime() - a.modified.getTime())
}

const simplify = (s: string) => s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\.md$/, '').trim()

/** The real notes folder, created when `create` is set; null when it does not exist. */
async function openFolder(deps: NotesDeps, create: boolean): Promise<string | null> {
  const folder = notesFolder(deps)
  if (create) await mkdir(folder, { recursive: true })
  try {
    return await realpath(folder)
  } catch {
    return null
  }
}

export function createNotesTools(deps: NotesDeps) {
  const take = defineTool({
    name: 'take_note',
    description:
      "Save a note as a Markdown file in the user's notes folder. Give it a short title; with append=true the text is added to the note of that title if it exists. The user is asked to confirm first.",
    risk: 'write',
    timeoutMs: 10_000,
    schema: z.strictObject({
      title: z.string().trim().max(120).optional().describe('A short title; it becomes the file name. Omit it for a dated note.'),
      text: z.string().min(1).max(20_000).describe('The note itself, in Markdown.'),
      append: z.boolean().default(false).describe('Add to the existing note with this title instead of creating a new one.'),
    }),
    summarize: ({ title, append }) => (append && title ? `Add to the note "${title}".` : `Save a note${title ? ` called "${title}"` : ''}.`),
    run: async ({ title, text, append }) => {
      const folder = await openFolder(deps, true)
      if (!folder) throw new ToolError('failed', 'The notes folder could not be created.')
      const now = deps.now()
      const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}.${pad(now.getMinutes())}`
      const base = safeFileName(title ?? '') || `Note ${stamp}`
      const heading = title?.trim() || `Note ${stamp}`

      if (append) {
        const existing = (await listNoteFiles(folder)).find((n) => simplify(n.name) === simplify(base))
        if (existing) {
          const path = join(folder, existing.file)
          const handle = await open(path, constants.O_WRONLY | constants.O_APPEND | (constants.O_NOFOLLOW ?? 0))
          try {
            await handle.write(`\n${text.trimEnd()}\n`)
          } finally {
            await handle.close()
          }
          return { saved: existing.name, file: existing.file, folder, appended: true }
        }
      }
      for (let n = 1; n <= 100; n += 1) {
        const name = n === 1 ? base : `${base} (${n})`
        const path = join(folder, `${name}.md`)
        if (!isInside(folder, path)) throw new ToolError('outside_allowed_folders', 'That note name is not allowed.')
        try {
          // 'wx': never overwrite, never follow an existing symlink.
          const handle = await open(path, 'wx')
          try {
            await handle.write(`# ${heading}\n\n${text.trimEnd()}\n`)
          } finally {
            await handle.close()
          }
          return { saved: name, file: `${name}.md`, folder, appended: false }
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        }
      }
      throw new ToolError('failed', `There are already too many notes called "${base}".`)
    },
  })

  const list = defineTool({
    name: 'list_notes',
    description: "List the user's notes, newest first, optionally only those whose title contains some words.",
    risk: 'read',
    timeoutMs: 10_000,
    schema: z.strictObject({
      query: z.string().trim().max(120).optional().describe('Only notes whose title contains these words.'),
      limit: z.number().int().min(1).max(50).default(20),
    }),
    run: async ({ query, limit }) => {
      const folder = await openFolder(deps, false)
      const all = folder ? await listNoteFiles(folder) : []
      const words = query ? simplify(query).split(/\s+/).filter(Boolean) : []
      const matching = all.filter((n) => words.every((w) => simplify(n.name).includes(w)))
      return {
        folder: folder ?? notesFolder(deps),
        total: matching.length,
        notes: matching.slice(0, limit).map((n) => ({ title: n.name, modified: n.modified.toISOString(), size: n.size })),
      }
    },
  })

  const read = defineTool({
    name: 'read_note',
    description: 'Read one of the user\'s notes by its title (as list_notes shows it).',
    risk: 'read',
    timeoutMs: 10_000,
    schema: z.strictObject({ title: z.string().trim().min(1).max(200).describe('The note\'s title, for example "Shopping list".') }),
    run: async ({ title }) => {
      if (/[\\/]|\.\.|\0/.test(title)) throw new ToolError('invalid_arguments', 'A note title cannot contain slashes or "..". Use the title list_notes gives.')
      const folder = await openFolder(deps, false)
      const notes = folder ? await listNoteFiles(folder) : []
      const wanted = simplify(title)
      let note = notes.find((n) => simplify(n.name) === wanted)
      if (!note) {
        const partial = notes.filter((n) => simplify(n.name).includes(wanted))
        if (partial.length === 1) note = partial[0]
        else if (partial.length > 1) {
          throw new ToolError('not_found', `Several notes match "${title}": ${partial.slice(0, 5).map((n) => n.name).join(', ')}. Which one?`)
        }
      }
      if (!note || !folder) throw new ToolError('not_found', `There is no note called "${title}".`)
      const path = join(folder, note.file)
      const real = await realpath(path)
      if (!isInside(folder, real) || !(await lstat(path)).isFile()) throw new ToolError('outside_allowed_folders', 'That note is not in the notes folder.')
      const text = await readFile(real, 'utf8')
      const truncated = text.length > NOTE_READ_LIMIT
      return { title: note.name, modified: note.modified.toISOString(), text: truncated ? text.slice(0, NOTE_READ_LIMIT) : text, truncated }
    },
  })
  return [take, list, read]
}

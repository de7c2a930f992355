import { lstat, opendir, realpath, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { z } from 'zod'
import type { ToolSettings } from '../host'
import { defineTool, ToolError } from '../tool'
import { isInside, realFolder } from './fs-safety'

export interface SearchDeps {
  settings: () => ToolSettings
  now?: () => number
  /** How long one search may walk (ms). */
  budgetMs?: number
  /** How many directory entries one search may look at. */
  maxEntries?: number
}

const simplify = (s: string) => s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()

/**
 * Whether a whole name matches a `*`/`?` pattern (both as arrays of code points). Greedy with one
 * backtrack point, so at most O(pattern x name) steps: the model chooses the pattern, and a
 * backtracking RegExp such as `^.*a.*a.*a...b$` would freeze the main process (a synchronous
 * match cannot be interrupted by the tool's timeout).
 */
export function wildcardMatch(pattern: readonly string[], name: readonly string[]): boolean {
  let p = 0
  let n = 0
  let star = -1
  let resume = 0
  while (n < name.length) {
    if (p < pattern.length && (pattern[p] === '?' || (pattern[p] !== '*' && pattern[p] === name[n]))) {
      p += 1
      n += 1
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p
      resume = n
      p += 1
    } else if (star >= 0) {
      p = star + 1
      resume += 1
      n = resume
    } else {
      return false
    }
  }
  while (p < pattern.length && pattern[p] === '*') p += 1
  return p === pattern.length
}

/** A name matcher: `*` and `?` wildcards match the whole name, otherwise every word must appear in it. */
export function nameMatcher(query: string): (name: string) => boolean {
  const q = simplify(query.trim())
  if (/[*?]/.test(q)) {
    const pattern = Array.from(q.replace(/\*+/g, '*'))
    return (name) => wildcardMatch(pattern, Array.from(simplify(name)))
  }
  const words = q.split(/\s+/).filter(Boolean)
  return (name) => {
    const n = simplify(name)
    return words.every((w) => n.includes(w))
  }
}

interface Match {
  name: string
  path: string
  kind: 'file' | 'folder'
  size?: number
  modified?: string
}

export function createSearchFilesTool(deps: SearchDeps) {
  const now = deps.now ?? Date.now
  return defineTool({
    name: 'search_files',
    description:
      'Find files and folders by name inside the folders the user approved for searching in Earshot\'s settings. Matches names only, never file contents. Words must all appear in the name; * and ? work as wildcards (for example "*.pdf").',
    risk: 'read',
    timeoutMs: 10_000,
    schema: z.strictObject({
      query: z.string().trim().min(1).max(200).describe('Words in the name, or a wildcard pattern such as "invoice*.pdf".'),
      folder: z.string().trim().max(4096).optional().describe('Search only this approved folder (its path or its name). Omit to search all of them.'),
      limit: z.number().int().min(1).max(100).default(20),
    }),
    run: async ({ query, folder, limit }, { signal }) => {
      if (/[\\/]/.test(query)) throw new ToolError('invalid_arguments', 'Search by name only: the query cannot contain slashes.')
      const approved = deps.settings().searchFolders
      if (approved.length === 0) {
        throw new ToolError('not_configured', 'No folders are approved for searching yet. The user can add some in Earshot\'s settings, under Tools.')
      }
      let roots = approved
      if (folder !== undefined) {
        const wanted = simplify(folder)
        roots = approved.filter((root) => simplify(root) === wanted || simplify(basename(root)) === wanted)
        if (roots.length === 0) {
          throw new ToolError('outside_allowed_folders', `"${folder.slice(0, 200)}" is not one of the folders approved for searching (${approved.map((r) => basename(r) || r).join(', ')}).`)
        }
      }

      const matches = nameMatcher(query)
      const deadline = now() + (deps.budgetMs ?? 4_000)
      const maxEntries = deps.maxEntries ?? 50_000
      const results: Match[] = []
      const missing: string[] = []
      let scanned = 0
      let stoppedEarly: 'time' | 'entries' | 'results' | null = null

      for (const configured of roots) {
        const root = await realFolder(configured)
        if (!root) {
          missing.push(configured)
          continue
        }
        const visited = new Set<string>([root])
        const queue: string[] = [root]
        while (queue.length > 0 && !stoppedEarly) {
          const dir = queue.shift() as string
          let handle: Awaited<ReturnType<typeof opendir>>
          try {
            handle = await opendir(dir)
          } catch {
            continue // unreadable folder: skip it
          }
          // for-await closes the directory handle on completion, break or error.
          try {
            for await (const entry of handle) {
              scanned += 1
              if (signal.aborted || now() > deadline) stoppedEarly = 'time'
              else if (scanned > maxEntries) stoppedEarly = 'entries'
              if (stoppedEarly) break
              if (entry.name.startsWith('.')) continue
              const path = join(dir, entry.name)
              let kind: 'file' | 'folder' | null = entry.isDirectory() ? 'folder' : entry.isFile() ? 'file' : null
              let real = path
              if (entry.isSymbolicLink()) {
                // Follow a link only when its target stays inside the approved folder.
                try {
                  real = await realpath(path)
                } catch {
                  continue
                }
                if (!isInside(root, real)) continue
                const target = await stat(real).catch(() => null)
                kind = target?.isDirectory() ? 'folder' : target?.isFile() ? 'file' : null
              }
              if (!kind) continue
              if (kind === 'folder') {
                if (!visited.has(real)) {
                  visited.add(real)
                  queue.push(path)
                }
              }
              if (matches(entry.name)) {
                const info = await lstat(real).catch(() => null)
                results.push({
                  name: entry.name,
                  path,
                  kind,
                  ...(kind === 'file' && info ? { size: info.size } : {}),
                  ...(info ? { modified: info.mtime.toISOString() } : {}),
                })
                if (results.length >= limit) {
                  stoppedEarly = 'results'
                  break
                }
              }
            }
          } catch {
            // a folder that fails while being read is skipped
          }
        }
        if (stoppedEarly) break
      }

      return {
        query,
        matches: results,
        complete: stoppedEarly === null,
        ...(stoppedEarly === 'results' ? { note: `Showing the first ${limit} matches; there may be more.` } : {}),
        ...(stoppedEarly === 'time' || stoppedEarly === 'entries' ? { note: 'The search stopped early because the folders are large; results may be incomplete.' } : {}),
        ...(missing.length ? { missingFolders: missing } : {}),
      }
    },
  })
}

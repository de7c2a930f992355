import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { z } from 'zod'
import type { Notice } from '../../shared/ipc/channels/app'
import { IpcFailure } from '../../shared/ipc/envelope'
import {
  MAIN_ONLY_SETTING_PATHS,
  SettingsSchema,
  defaultSettings,
  mergeSettings,
  patchPaths,
  type Settings,
} from '../../shared/settings/schema'
import { electronStoreBackend, type SettingsBackend } from './backend'
import { migrate, type Migration, MIGRATIONS } from './migrations'

export interface SettingsServiceOptions {
  /** Folder that holds settings.json (the app's userData folder). */
  dir: string
  /** Opens the store; electron-store unless a test passes another. */
  backend?: (dir: string, name: string) => SettingsBackend
  /** Told about a settings file that had to be repaired or reset. */
  notify?: (notice: Notice) => void
  log?: (line: string) => void
  migrations?: Record<number, Migration>
  currentVersion?: number
  now?: () => Date
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function deletePath(tree: Record<string, unknown>, path: PropertyKey[]): boolean {
  let node: unknown = tree
  for (const key of path.slice(0, -1)) {
    if (!isRecord(node) && !Array.isArray(node)) return false
    node = (node as Record<PropertyKey, unknown>)[key as string]
  }
  const last = path[path.length - 1]
  if (last === undefined || (!isRecord(node) && !Array.isArray(node))) return false
  if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1)
  else delete (node as Record<PropertyKey, unknown>)[last as string]
  return true
}

/**
 * Keeps what it can of a settings tree that does not validate: each invalid value is dropped (and
 * so falls back to its default), unknown keys are removed. Returns the repaired settings and the
 * paths that were reset, or null when nothing could be salvaged.
 */
export function salvage(raw: Record<string, unknown>): { settings: Settings; reset: string[] } | null {
  const tree = structuredClone(raw)
  const reset: string[] = []
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const parsed = SettingsSchema.safeParse(tree)
    if (parsed.success) return { settings: parsed.data, reset }
    let changed = false
    for (const issue of parsed.error.issues as z.core.$ZodIssue[]) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          if (deletePath(tree, [...issue.path, key])) {
            reset.push([...issue.path, key].join('.'))
            changed = true
          }
        }
      } else if (issue.path.length > 0 && deletePath(tree, issue.path)) {
        reset.push(issue.path.join('.'))
        changed = true
      }
    }
    if (!changed) return null
  }
  return null
}

/**
 * The settings of this install: loaded once, validated with the shared schema, migrated, repaired
 * when damaged (the damaged file is kept as a backup and the user is told), and written back on
 * every change. Nothing here throws at start-up: a broken file means defaults and a notice.
 */
export class SettingsService {
  private current: Settings
  private backend: SettingsBackend
  private readonly listeners = new Set<(settings: Settings) => void>()
  private readonly log: (line: string) => void

  constructor(private readonly options: SettingsServiceOptions) {
    this.log = options.log ?? (() => {})
    const { backend, settings } = this.load()
    this.backend = backend
    this.current = settings
  }

  get(): Settings {
    return structuredClone(this.current)
  }

  /**
   * Applies a patch (any subset of the tree). `fromRenderer` patches may not touch main-only
   * paths. Throws IpcFailure('invalid_input') with a readable reason when the result is invalid.
   */
  update(patch: Record<string, unknown>, options: { fromRenderer?: boolean } = {}): Settings {
    return this.commit(this.check(patch, options))
  }

  /** What update() would commit, without committing it; throws as update() does. */
  check(patch: Record<string, unknown>, options: { fromRenderer?: boolean } = {}): Settings {
    if (options.fromRenderer) {
      const touched = patchPaths(patch)
      const forbidden = touched.filter((path) => MAIN_ONLY_SETTING_PATHS.some((p) => path === p || path.startsWith(`${p}.`)))
      if (forbidden.length) {
        throw new IpcFailure('invalid_input', `${forbidden.join(', ')} can only be changed through Earshot's own flows (the folder picker, a tool confirmation, the key settings) or in the settings file.`)
      }
    }
    const merged = mergeSettings(this.current, patch)
    const parsed = SettingsSchema.safeParse(merged)
    if (!parsed.success) {
      const reason = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`)
        .join('; ')
      throw new IpcFailure('invalid_input', `Those settings are not valid (${reason}).`)
    }
    return parsed.data
  }

  reset(): Settings {
    return this.commit(defaultSettings())
  }

  onChange(listener: (settings: Settings) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get path(): string {
    return this.backend.path
  }

  private commit(next: Settings): Settings {
    this.current = next
    this.write(this.backend, next)
    for (const listener of this.listeners) listener(this.get())
    return this.get()
  }

  /** Writes, and on failure keeps working in memory and tells the user once per failure. */
  private write(backend: SettingsBackend, value: Settings): void {
    try {
      backend.write(value as unknown as Record<string, unknown>)
    } catch (error) {
      this.log(`settings: could not write ${backend.path}: ${(error as Error).message}`)
      this.options.notify?.({
        id: 'settings-write-failed',
        level: 'error',
        title: 'Settings could not be saved',
        message: `Earshot could not write ${backend.path} (${(error as Error).message}). Your changes apply until you quit.`,
      })
    }
  }

  private backup(path: string): string | null {
    if (!existsSync(path)) return null
    const stamp = (this.options.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-')
    const target = join(dirname(path), `${basename(path, '.json')}.corrupt-${stamp}.json`)
    try {
      copyFileSync(path, target)
      return target
    } catch (error) {
      this.log(`settings: could not back up ${path}: ${(error as Error).message}`)
      return null
    }
  }

  private open(): SettingsBackend {
    return (this.options.backend ?? electronStoreBackend)(this.options.dir, 'settings')
  }

  private load(): { backend: SettingsBackend; settings: Settings } {
    let backend: SettingsBackend
    let raw: unknown
    const file = join(this.options.dir, 'settings.json')
    try {
      backend = this.open()
      raw = backend.read()
    } catch (error) {
      // Not valid JSON (the store refuses to read it). Keep a copy, move it aside, start clean.
      const saved = this.backup(file)
      if (existsSync(file)) {
        if (saved) rmSync(file)
        else renameSync(file, `${file}.unreadable`)
      }
      this.log(`settings: unreadable file: ${(error as Error).message}`)
      backend = this.open()
      const settings = defaultSettings()
      this.write(backend, settings)
      this.tellReset(saved, 'it is not valid JSON')
      return { backend, settings }
    }

    if (!isRecord(raw)) {
      const saved = this.backup(backend.path)
      const settings = defaultSettings()
      this.write(backend, settings)
      this.tellReset(saved, 'it does not hold a settings object')
      return { backend, settings }
    }

    const fresh = Object.keys(raw).length === 0
    const migrated = migrate(raw, this.options.migrations ?? MIGRATIONS, this.options.currentVersion)
    if (!migrated.ok) {
      const saved = this.backup(backend.path)
      const settings = defaultSettings()
      this.write(backend, settings)
      this.tellReset(saved, migrated.reason)
      return { backend, settings }
    }

    const parsed = SettingsSchema.safeParse(migrated.value)
    if (parsed.success) {
      if (fresh || migrated.from !== (this.options.currentVersion ?? migrated.from) || JSON.stringify(parsed.data) !== JSON.stringify(raw)) {
        this.write(backend, parsed.data)
      }
      return { backend, settings: parsed.data }
    }

    const saved = this.backup(backend.path)
    const repaired = salvage(migrated.value)
    const settings = repaired?.settings ?? defaultSettings()
    this.write(backend, settings)
    if (repaired) {
      this.options.notify?.({
        id: 'settings-repaired',
        level: 'warning',
        title: 'Some settings were reset',
        message:
          `Some of your settings could not be read and were reset to their defaults: ${repaired.reset.join(', ')}.` +
          (saved ? ` The original file was kept at ${saved}.` : ''),
      })
    } else {
      this.tellReset(saved, 'its contents are not valid settings')
    }
    return { backend, settings }
  }

  private tellReset(saved: string | null, reason: string): void {
    this.options.notify?.({
      id: 'settings-reset',
      level: 'warning',
      title: 'Settings were reset',
      message:
        `Your settings file could not be used (${reason}), so Earshot started with default settings.` +
        (saved ? ` The original file was kept at ${saved}.` : ''),
    })
  }
}

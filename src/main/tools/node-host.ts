import { execFile, spawn } from 'node:child_process'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { defaultSettings } from '../../shared/settings/schema'
import type { CommandResult, LaunchDetached, RunCommand, ToolHost, ToolPlatform, ToolSettings } from './host'

const MAX_OUTPUT = 1024 * 1024

/** execFile without a shell: every argument reaches the program as it is. */
export const nodeRunCommand: RunCommand = (file, args, options = {}) =>
  new Promise<CommandResult>((resolve, reject) => {
    execFile(
      file,
      [...args],
      { timeout: options.timeoutMs ?? 10_000, signal: options.signal, maxBuffer: MAX_OUTPUT, windowsHide: true, shell: false, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof (error as NodeJS.ErrnoException).code === 'string') {
          // Spawn failures (ENOENT, EACCES) and aborts are errors; a non-zero exit is a result.
          reject(error)
          return
        }
        const code = error ? ((error as { code?: unknown }).code as number | null | undefined) ?? null : 0
        resolve({ code: error && (error as { killed?: boolean }).killed ? null : code, stdout: String(stdout), stderr: String(stderr) })
      },
    )
  })

/** Spawns a detached program (no shell); resolves once it started, rejects when it could not. */
export const nodeLaunchDetached: LaunchDetached = (file, args) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn(file, [...args], { detached: true, stdio: 'ignore', shell: false, windowsHide: false })
    child.once('error', reject)
    child.once('spawn', () => {
      child.unref()
      resolve()
    })
  })

export function nodePlatform(value: string = process.platform): ToolPlatform {
  return value === 'darwin' || value === 'win32' ? value : 'linux'
}

export interface NodeHostOptions {
  /** Tool settings (the CLI has no settings file; defaults unless given). */
  settings?: () => ToolSettings
  dataDir?: string | null
  /** Where timer notifications go; by default a line on stderr (the CLI has no desktop). null = none. */
  notify?: ToolHost['notify']
  overrides?: Partial<ToolHost>
}

/**
 * A host for plain Node (the CLI, the browser test harness): no clipboard and no link opening
 * (those tools answer "not available here"); notifications are lines on stderr unless replaced.
 */
export function createNodeToolHost(options: NodeHostOptions = {}): ToolHost {
  const fallback = defaultSettings().tools
  return {
    platform: nodePlatform(),
    now: () => new Date(),
    env: process.env,
    homeDir: homedir(),
    documentsDir: join(homedir(), 'Documents'),
    dataDir: options.dataDir ?? null,
    settings: options.settings ?? (() => fallback),
    clipboard: null,
    openExternal: null,
    openPath: null,
    notify: options.notify === undefined ? ({ title, body }) => process.stderr.write(`${title}: ${body}\n`) : options.notify,
    runCommand: nodeRunCommand,
    launchDetached: nodeLaunchDetached,
    ...options.overrides,
  }
}

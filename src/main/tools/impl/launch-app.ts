import { readdir, readFile } from 'node:fs/promises'
import { join, posix, win32 } from 'node:path'
import { z } from 'zod'
import type { LaunchDetached, RunCommand, ToolPlatform } from '../host'
import { defineTool, ToolError } from '../tool'
import { windowsExplorer, windowsPowerShell } from './windows-paths'

/** An application the platform's launcher can start. */
export interface AppEntry {
  name: string
  /** What the confirmation shows as its location: the bundle, shortcut or .desktop file, or the Start menu id. */
  location: string
  /** How to start it: a program and its argument vector (never a shell line). */
  launch: { file: string; args: string[]; detached: boolean }
  /** Linux fallbacks when gtk-launch is missing. */
  fallbacks?: { file: string; args: string[]; detached: boolean }[]
}

export interface LaunchDeps {
  platform: ToolPlatform
  env: Readonly<Record<string, string | undefined>>
  homeDir: string
  runCommand: RunCommand
  launchDetached: LaunchDetached
  /** Overrides the folders searched (tests point them at a temporary tree). */
  appDirs?: string[]
  /** Windows: skip PowerShell's Get-StartApps (tests). */
  useStartApps?: boolean
}

export const simplifyName = (s: string) => s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '')

async function listDir(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true })
  } catch {
    return []
  }
}

// ---- macOS: *.app bundles, started with `open -a <bundle path>` ----

export function macAppDirs(home: string): string[] {
  return ['/Applications', '/Applications/Utilities', '/System/Applications', '/System/Applications/Utilities', join(home, 'Applications')]
}

async function macApps(dirs: string[]): Promise<AppEntry[]> {
  const apps: AppEntry[] = []
  for (const dir of dirs) {
    for (const entry of await listDir(dir)) {
      if (!entry.name.endsWith('.app')) continue
      const bundle = posix.join(dir, entry.name)
      apps.push({ name: entry.name.slice(0, -4), location: bundle, launch: { file: 'open', args: ['-a', bundle], detached: false } })
    }
  }
  return apps
}

// ---- Windows: the Start menu (Get-StartApps, including Store apps), then its shortcut folders ----

export function windowsAppDirs(env: LaunchDeps['env']): string[] {
  const dirs: string[] = []
  if (env.ProgramData) dirs.push(win32.join(env.ProgramData, 'Microsoft', 'Windows', 'Start Menu', 'Programs'))
  if (env.APPDATA) dirs.push(win32.join(env.APPDATA, 'Microsoft', 'Windows', 'Start Menu', 'Programs'))
  return dirs
}

export const START_APPS_COMMAND = ['-NoProfile', '-NonInteractive', '-Command', 'Get-StartApps | Select-Object Name,AppID | ConvertTo-Json -Compress'] as const

export function parseStartApps(output: string, explorer = 'C:\\Windows\\explorer.exe'): AppEntry[] {
  let value: unknown
  try {
    value = JSON.parse(output.trim() || '[]')
  } catch {
    return []
  }
  const list = Array.isArray(value) ? value : [value]
  const apps: AppEntry[] = []
  for (const item of list) {
    const { Name, AppID } = (item ?? {}) as { Name?: unknown; AppID?: unknown }
    if (typeof Name !== 'string' || typeof AppID !== 'string' || !Name || !AppID) continue
    // explorer.exe opens shell:AppsFolder\<AppID> exactly as the Start menu does.
    apps.push({ name: Name, location: `shell:AppsFolder\\${AppID}`, launch: { file: explorer, args: [`shell:AppsFolder\\${AppID}`], detached: true } })
  }
  return apps
}

async function windowsShortcuts(dirs: string[], joinPath: (...p: string[]) => string, explorer: string): Promise<AppEntry[]> {
  const apps: AppEntry[] = []
  const walk = async (dir: string, depth: number) => {
    for (const entry of await listDir(dir)) {
      const path = joinPath(dir, entry.name)
      if (entry.isDirectory() && depth < 3) await walk(path, depth + 1)
      else if (/\.(lnk|url|appref-ms)$/i.test(entry.name) && !/uninstall/i.test(entry.name)) {
        apps.push({ name: entry.name.replace(/\.(lnk|url|appref-ms)$/i, ''), location: path, launch: { file: explorer, args: [path], detached: true } })
      }
    }
  }
  for (const dir of dirs) await walk(dir, 0)
  return apps
}

// ---- Linux: .desktop files in the XDG data folders, started with gtk-launch (or gio, or Exec) ----

export function linuxAppDirs(env: LaunchDeps['env'], home: string): string[] {
  const dataHome = env.XDG_DATA_HOME || join(home, '.local', 'share')
  const dataDirs = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':').filter(Boolean)
  const extra = [join(home, '.local', 'share', 'flatpak', 'exports', 'share'), '/var/lib/flatpak/exports/share', '/var/lib/snapd/desktop']
  return [...new Set([dataHome, ...dataDirs, ...extra].map((d) => join(d, 'applications')))]
}

/** The [Desktop Entry] group of a .desktop file. */
export function parseDesktopEntry(text: string): Record<string, string> {
  const fields: Record<string, string> = {}
  let inEntry = false
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line.startsWith('[')) {
      inEntry = line === '[Desktop Entry]'
      continue
    }
    if (!inEntry || !line || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    if (eq > 0) {
      const key = line.slice(0, eq).trim()
      if (!(key in fields)) fields[key] = line.slice(eq + 1).trim()
    }
  }
  return fields
}

/** Splits an Exec line into an argument vector (quotes honoured, field codes such as %U dropped). */
export function execArgv(exec: string): string[] {
  const args: string[] = []
  let current = ''
  let quoted = false
  let has = false
  for (let i = 0; i < exec.length; i += 1) {
    const c = exec[i] as string
    if (c === '\\' && quoted && i + 1 < exec.length) {
      current += exec[++i]
      continue
    }
    if (c === '"') {
      quoted = !quoted
      has = true
      continue
    }
    if (!quoted && /\s/.test(c)) {
      if (has || current) args.push(current)
      current = ''
      has = false
      continue
    }
    current += c
  }
  if (has || current) args.push(current)
  return args.filter((a) => !/^%[a-zA-Z]$/.test(a)).map((a) => a.replace(/%%/g, '%'))
}

async function linuxApps(dirs: string[]): Promise<AppEntry[]> {
  const apps: AppEntry[] = []
  const seen = new Set<string>()
  const walk = async (root: string, dir: string, depth: number) => {
    for (const entry of await listDir(dir)) {
      const path = join(dir, entry.name)
      if (entry.isDirectory() && depth < 2) {
        await walk(root, path, depth + 1)
        continue
      }
      if (!entry.name.endsWith('.desktop')) continue
      const id = posix.relative(root, path).split('/').join('-')
      if (seen.has(id)) continue // earlier folders take precedence (XDG rules)
      seen.add(id)
      const fields = parseDesktopEntry(await readFile(path, 'utf8').catch(() => ''))
      if (fields.Type !== 'Application' || fields.NoDisplay === 'true' || fields.Hidden === 'true' || !fields.Name) continue
      const argv = fields.Exec ? execArgv(fields.Exec) : []
      const fallbacks = [{ file: 'gio', args: ['launch', path], detached: false }]
      if (argv[0]) fallbacks.push({ file: argv[0], args: argv.slice(1), detached: true })
      apps.push({ name: fields.Name, location: path, launch: { file: 'gtk-launch', args: [id.replace(/\.desktop$/, '')], detached: false }, fallbacks })
    }
  }
  for (const dir of dirs) await walk(dir, dir, 0)
  return apps
}

export async function findApplications(deps: LaunchDeps): Promise<AppEntry[]> {
  switch (deps.platform) {
    case 'darwin':
      return macApps(deps.appDirs ?? macAppDirs(deps.homeDir))
    case 'win32': {
      const explorer = windowsExplorer(deps.env)
      const fromStart =
        deps.useStartApps === false
          ? []
          : await deps.runCommand(windowsPowerShell(deps.env), START_APPS_COMMAND, { timeoutMs: 8000 }).then((r) => (r.code === 0 ? parseStartApps(r.stdout, explorer) : []), () => [])
      const joinPath = deps.appDirs ? join : win32.join
      return [...fromStart, ...(await windowsShortcuts(deps.appDirs ?? windowsAppDirs(deps.env), joinPath, explorer))]
    }
    case 'linux':
      return linuxApps(deps.appDirs ?? linuxAppDirs(deps.env, deps.homeDir))
  }
}

/**
 * Best match by name: exact, then the name starting with the query (shortest first), then
 * containing it. Never the other way round: a query that merely contains an app's name ("Notes:
 * mail review" contains "mail") matches nothing, so the confirmation shows what really starts.
 */
export function bestMatch(apps: AppEntry[], query: string): AppEntry | null {
  const q = simplifyName(query)
  if (!q) return null
  const scored = apps
    .map((app) => {
      const n = simplifyName(app.name)
      const score = n === q ? 3 : n.startsWith(q) ? 2 : n.includes(q) ? 1 : 0
      return { app, score, length: n.length }
    })
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.length - b.length)
  return scored[0]?.app ?? null
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT'
}

async function start(deps: LaunchDeps, how: AppEntry['launch']): Promise<void> {
  if (how.detached) {
    await deps.launchDetached(how.file, how.args)
    return
  }
  const result = await deps.runCommand(how.file, how.args, { timeoutMs: 15_000 })
  if (result.code !== 0) throw new ToolError('failed', `The application could not be started: ${(result.stderr || result.stdout).trim().slice(0, 200) || `exit code ${result.code}`}.`)
}

export function createLaunchAppTool(deps: LaunchDeps) {
  return defineTool({
    name: 'launch_application',
    description:
      'Open an application installed on this computer by its name, for example "Calculator", "Firefox" or "Visual Studio Code". The user is asked to confirm first.',
    risk: 'external',
    timeoutMs: 20_000,
    schema: z.strictObject({
      name: z.string().trim().min(1).max(100).describe('The application\'s name as it appears in the Start menu, Launchpad or app menu.'),
    }),
    // The application is found before the user is asked, so the confirmation names what will start.
    prepare: async ({ name }) => {
      const app = bestMatch(await findApplications(deps), name)
      if (!app) throw new ToolError('not_found', `I could not find an application called "${name}" on this computer.`)
      return app
    },
    summarize: ({ name }, prepared) => `Open the application "${(prepared as AppEntry | undefined)?.name ?? name}".`,
    details: (_args, prepared) => {
      const app = prepared as AppEntry | undefined
      return app ? [{ label: 'Application', value: app.name }, { label: 'Path', value: app.location }] : []
    },
    run: async ({ name }, { signal, prepared }) => {
      const app = (prepared as AppEntry | undefined) ?? bestMatch(await findApplications(deps), name)
      if (!app) throw new ToolError('not_found', `I could not find an application called "${name}" on this computer.`)
      const stopIfAborted = () => {
        if (signal.aborted) throw new ToolError('timeout', `Opening "${app.name}" took too long, so it was not started.`)
      }
      stopIfAborted()
      try {
        await start(deps, app.launch)
      } catch (error) {
        if (!isMissing(error) || !app.fallbacks?.length) throw error
        let lastError: unknown = error
        let started = false
        for (const fallback of app.fallbacks) {
          stopIfAborted()
          try {
            await start(deps, fallback)
            started = true
            break
          } catch (next) {
            lastError = next
            if (!isMissing(next)) throw next
          }
        }
        if (!started) throw lastError
      }
      return { launched: app.name }
    },
  })
}

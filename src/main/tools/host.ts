import type { Settings } from '../../shared/settings/schema'

/**
 * Everything the tools need from the machine, as interfaces. The app passes Electron-backed
 * implementations (src/main/electron/tools.ts), the CLI and the tests pass Node ones
 * (./node-host.ts), so every tool runs under plain Node.
 */

export type ToolPlatform = 'darwin' | 'win32' | 'linux'

export type ToolSettings = Settings['tools']

export interface CommandResult {
  /** Exit code; null when the process was killed (timeout, abort). */
  code: number | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  timeoutMs?: number
  signal?: AbortSignal
}

/**
 * Runs a program with an argument vector and collects its output. Never through a shell, so no
 * argument is ever interpreted. Rejects (error.code 'ENOENT') when the program does not exist.
 */
export type RunCommand = (file: string, args: readonly string[], options?: RunOptions) => Promise<CommandResult>

/** Starts a program detached from Earshot (an application the user asked for); resolves once spawned. */
export type LaunchDetached = (file: string, args: readonly string[]) => Promise<void>

export interface ClipboardPort {
  readText(): Promise<string>
  writeText(text: string): Promise<void>
}

export interface DesktopNotification {
  title: string
  body: string
}

export type Notifier = (notification: DesktopNotification) => void

export interface ToolHost {
  platform: ToolPlatform
  now: () => Date
  env: Readonly<Record<string, string | undefined>>
  homeDir: string
  /** The user's Documents folder (notes default to <Documents>/Earshot Notes). */
  documentsDir: string
  /** Where Earshot keeps its own state (timers.json); null = keep timers in memory only. */
  dataDir: string | null
  /** Current tool settings (read on every call, so changes apply at once). */
  settings: () => ToolSettings
  /** null = this host has no clipboard (the tools say so). */
  clipboard: ClipboardPort | null
  /** null = this host cannot open links. */
  openExternal: ((url: string) => Promise<void>) | null
  /** Opens a folder in the system file manager (shell.openPath); null = not available. Rejects with a reason. */
  openPath?: ((path: string) => Promise<void>) | null
  /** null = this host cannot show desktop notifications. */
  notify: Notifier | null
  runCommand: RunCommand
  launchDetached: LaunchDetached
}

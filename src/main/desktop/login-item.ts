import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'

/** Electron's app login-item API (macOS and Windows). */
export interface LoginItemsLike {
  getLoginItemSettings(options?: { args?: string[] }): { openAtLogin: boolean }
  setLoginItemSettings(settings: { openAtLogin: boolean; openAsHidden?: boolean; args?: string[]; path?: string }): void
}

export interface LoginItemStatus {
  enabled: boolean
  supported: boolean
  error: string | null
}

/** The switch a login launch carries, so Earshot starts in the tray without a window. */
export const HIDDEN_FLAG = '--hidden'

/** Quotes one Exec argument per the Desktop Entry spec. */
export function quoteExecArg(arg: string): string {
  const escaped = arg.replace(/%/g, '%%')
  if (!/[\s"'\\><~|&;$*?#()`]/.test(escaped)) return escaped
  return `"${escaped.replace(/(["`$\\])/g, '\\$1')}"`
}

/** The XDG autostart entry for an executable (with the AppImage path when run from one). */
export function autostartEntry(executable: string, name = 'Earshot'): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    `Name=${name}`,
    'Comment=Voice assistant: hold a hotkey and talk',
    `Exec=${quoteExecArg(executable)} ${HIDDEN_FLAG}`,
    'Icon=earshot',
    'Terminal=false',
    'Categories=Utility;',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n')
}

export interface LoginItemServiceOptions {
  platform: NodeJS.Platform
  /** macOS / Windows. */
  loginItems?: LoginItemsLike
  /** Linux: the program to start (process.env.APPIMAGE when set, else process.execPath). */
  executable: string
  /** Linux: $XDG_CONFIG_HOME, default ~/.config. */
  configHome?: string
  fileName?: string
}

/**
 * Launch at login, kept in step with settings.launchAtLogin: login items on macOS and Windows
 * (through Electron), an XDG autostart .desktop file on Linux. Never throws; a failure is reported
 * in the status.
 */
export class LoginItemService {
  private error: string | null = null

  constructor(private readonly options: LoginItemServiceOptions) {}

  /** The autostart file on Linux. */
  get desktopFile(): string {
    const base = this.options.configHome || process.env.XDG_CONFIG_HOME || join(homedir(), '.config')
    return join(base, 'autostart', this.options.fileName ?? 'earshot.desktop')
  }

  get supported(): boolean {
    const { platform, loginItems } = this.options
    return (platform === 'linux' && !!this.options.executable) || ((platform === 'darwin' || platform === 'win32') && !!loginItems)
  }

  status(): LoginItemStatus {
    return { enabled: this.isEnabled(), supported: this.supported, error: this.error }
  }

  isEnabled(): boolean {
    const { platform, loginItems } = this.options
    if (!this.supported) return false
    try {
      if (platform === 'linux') return readFileSync(this.desktopFile, 'utf8').includes('[Desktop Entry]')
      if (loginItems) return loginItems.getLoginItemSettings(platform === 'win32' ? { args: [HIDDEN_FLAG] } : undefined).openAtLogin
    } catch {
      return false
    }
    return false
  }

  /** Makes the system match `enabled`. */
  sync(enabled: boolean): LoginItemStatus {
    this.error = null
    const { platform, loginItems } = this.options
    try {
      if (!this.supported) {
        this.error = 'Launch at login is not available on this system.'
      } else if (platform === 'linux') {
        if (enabled) {
          const file = this.desktopFile
          mkdirSync(dirname(file), { recursive: true })
          const temp = `${file}.${process.pid}.tmp`
          writeFileSync(temp, autostartEntry(this.options.executable), { mode: 0o644 })
          renameSync(temp, file)
        } else {
          rmSync(this.desktopFile, { force: true })
        }
      } else if (loginItems) {
        loginItems.setLoginItemSettings(
          platform === 'win32' ? { openAtLogin: enabled, args: [HIDDEN_FLAG] } : { openAtLogin: enabled, openAsHidden: true },
        )
      }
    } catch (error) {
      this.error = `Launch at login could not be ${enabled ? 'turned on' : 'turned off'}: ${error instanceof Error ? error.message : String(error)}`
    }
    if (!this.error && this.supported && this.isEnabled() !== enabled) {
      this.error = `The system did not accept the launch-at-login change${platform === 'darwin' ? ' (check System Settings > General > Login Items)' : ''}.`
    }
    return this.status()
  }
}

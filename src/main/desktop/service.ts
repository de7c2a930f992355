import { checkHotkey, type HotkeyPlatform } from '../../shared/ptt/accelerator'
import { PushToTalk, realClock, type PttClock } from '../../shared/ptt/controller'
import type { DesktopStatus, PttStatus } from '../../shared/ipc/channels/desktop'
import type { Notice } from '../../shared/ipc/channels/app'
import type { EventName, EventPayload } from '../../shared/ipc/contract'
import type { Settings, SettingsPatch } from '../../shared/settings/schema'
import { AlwaysListeningController, type PowerMonitorLike } from './always-listening'
import { parseInstanceArgv, type InstanceCommand } from './argv'
import type { HotkeySource } from './hotkey-source'
import { HotkeyService } from './hotkeys'
import { LoginItemService, type LoginItemsLike } from './login-item'
import { MicrophonePermission, type MediaAccessLike } from './microphone'
import { trayMenu, trayState, trayTooltip, type MenuAction, type MenuItemModel, type TrayInputs } from './tray-model'
import { UpdateFlow, type UpdaterLike } from './updates'

type SessionReport = TrayInputs['session']

/** Everything platform-specific the desktop domain can be given; all optional (the browser harness gives none). */
export interface DesktopPlatformDeps {
  platform?: NodeJS.Platform
  holdSource?: HotkeySource
  pressSource?: HotkeySource
  power?: PowerMonitorLike
  mediaAccess?: MediaAccessLike
  loginItems?: LoginItemsLike
  /** Linux autostart: the program to start. Without it launch-at-login is off limits on Linux. */
  autostartExecutable?: string
  /** Linux autostart: $XDG_CONFIG_HOME (tests pass a temp dir). */
  configHome?: string
  updater?: UpdaterLike | null
  clock?: PttClock
  /** Shows or hides the always-on-top companion window. */
  showCompanion?: (show: boolean) => void
  /** Opens an OS settings page (x-apple.systempreferences:, ms-settings:). */
  openSystemSettings?: (url: string) => Promise<void>
}

export interface DesktopServiceDeps extends DesktopPlatformDeps {
  settings: {
    get(): Settings
    update(patch: SettingsPatch): Settings
    onChange(listener: (settings: Settings) => void): unknown
  }
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void
  notify?: (notice: Notice) => void
  log?: (line: string) => void
}

export const TRAY_NOTICE = 'Earshot keeps running in the tray (menu bar) when its window is closed, so the hotkey still works. Choose Quit Earshot from the tray icon to stop it.'

/**
 * The desktop domain: push-to-talk and its hotkey, always-listening, mute, the microphone
 * permission, launch at login, updates, and the tray's state and menu. Plain Node: every platform
 * object comes in through DesktopPlatformDeps.
 */
export class DesktopService {
  readonly platform: NodeJS.Platform
  readonly ptt: PushToTalk
  readonly hotkeys: HotkeyService
  readonly alwaysListening: AlwaysListeningController
  readonly microphone: MicrophonePermission
  readonly loginItem: LoginItemService
  readonly updates: UpdateFlow
  private session: SessionReport = 'idle'
  private gateOpen = false
  private sessionError: string | null = null
  private muted = false
  private readonly listeners = new Set<(status: DesktopStatus, menu: MenuItemModel[]) => void>()
  private lastSettings: Settings

  constructor(private readonly deps: DesktopServiceDeps) {
    this.platform = deps.platform ?? process.platform
    const settings = deps.settings.get()
    this.lastSettings = settings
    this.ptt = new PushToTalk(settings.hotkey.mode, deps.clock ?? realClock)
    this.ptt.onCommands((commands) => {
      if (commands.length > 0) deps.emit('desktop:ptt', { commands, status: this.pttStatus() })
      this.changed()
    })
    this.hotkeys = new HotkeyService({
      platform: this.hotkeyPlatform(),
      ptt: this.ptt,
      holdSource: deps.holdSource,
      pressSource: deps.pressSource,
      executable: deps.autostartExecutable ? `"${deps.autostartExecutable}"` : 'earshot',
      log: deps.log,
    })
    this.alwaysListening = new AlwaysListeningController({
      power: deps.power,
      setMicrophone: (open) => {
        deps.log?.(`always-listening: microphone ${open ? 'open' : 'closed'}`)
        if (open) this.ptt.handOver() // the always-listening microphone takes over; a press in progress ends as a turn
      },
      persist: (enabled) => {
        if (deps.settings.get().alwaysListening !== enabled) deps.settings.update({ alwaysListening: enabled })
      },
      notify: (message) => deps.notify?.({ id: 'always-listening-off', level: 'warning', title: 'Always listening is off', message }),
    })
    this.alwaysListening.onChange(() => this.changed())
    this.microphone = new MicrophonePermission(this.platform, deps.mediaAccess)
    this.loginItem = new LoginItemService({
      platform: this.platform,
      loginItems: deps.loginItems,
      executable: deps.autostartExecutable ?? '',
      configHome: deps.configHome,
    })
    this.updates = new UpdateFlow(deps.updater ?? null, deps.log)
    this.updates.onChange((status) => deps.emit('desktop:update', status))
    deps.settings.onChange((next) => this.settingsChanged(next))
  }

  /** Binds the hotkey, matches launch-at-login and always-listening to the settings. */
  async start(): Promise<DesktopStatus> {
    const settings = this.deps.settings.get()
    const result = await this.hotkeys.apply(settings.hotkey.accelerator, settings.hotkey.mode)
    if (!result.ok) this.hotkeyNotice(settings.hotkey.accelerator, result.reason)
    if (this.loginItem.supported && this.loginItem.isEnabled() !== settings.launchAtLogin) this.loginItem.sync(settings.launchAtLogin)
    if (settings.alwaysListening) this.alwaysListening.setEnabled(true)
    return this.changed()
  }

  stop(): void {
    this.hotkeys.stop()
    this.ptt.dispose()
    this.alwaysListening.dispose()
  }

  onChange(listener: (status: DesktopStatus, menu: MenuItemModel[]) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  pttStatus(): PttStatus {
    return { phase: this.ptt.state.phase, capturing: this.ptt.capturing, mode: this.ptt.state.mode }
  }

  status(): DesktopStatus {
    const inputs = this.trayInputs()
    return {
      ptt: this.pttStatus(),
      hotkey: this.hotkeys.status(),
      tray: { state: trayState(inputs), tooltip: trayTooltip(inputs) },
      alwaysListening: this.alwaysListening.status(),
      muted: this.muted,
      microphone: this.microphone.status(),
      launchAtLogin: this.loginItem.status(),
    }
  }

  menu(): MenuItemModel[] {
    return trayMenu({ ...this.trayInputs(), accelerator: this.hotkeys.status().accelerator })
  }

  /** The renderer's session status. */
  reportSession(status: SessionReport, error: string | null, gateOpen = false): void {
    this.session = status
    this.gateOpen = gateOpen
    this.sessionError = status === 'error' ? (error ?? 'the session failed') : null
    // Main learns the session's status one way, for the tray; a failed session drops a latched capture.
    if (status === 'error') this.ptt.sessionEnded()
    if (status === 'error') this.alwaysListening.sessionFailed(this.sessionError ?? 'the session failed')
    this.changed()
  }

  setMuted(muted: boolean): DesktopStatus {
    this.muted = muted
    this.ptt.setMuted(muted)
    this.alwaysListening.setMuted(muted)
    return this.changed()
  }

  async setHotkey(accelerator: string, mode = this.deps.settings.get().hotkey.mode): Promise<{ ok: boolean; reason: string | null; status: DesktopStatus }> {
    const check = checkHotkey(accelerator, this.hotkeyPlatform())
    if (!check.ok) return { ok: false, reason: check.reason, status: this.status() }
    const result = await this.hotkeys.apply(check.hotkey.accelerator, mode)
    if (!result.ok) return { ok: false, reason: result.reason, status: this.status() }
    this.lastSettings = this.deps.settings.update({ hotkey: { accelerator: check.hotkey.accelerator, mode } })
    return { ok: true, reason: null, status: this.changed() }
  }

  async retryHotkey(): Promise<DesktopStatus> {
    const { accelerator, mode } = this.deps.settings.get().hotkey
    await this.hotkeys.apply(accelerator, mode)
    return this.changed()
  }

  /** A tray menu click. Returns false for the items the Electron adapter handles itself (windows, quit). */
  menuAction(action: MenuAction): boolean {
    switch (action) {
      case 'talk':
        this.ptt.toggle()
        return true
      case 'toggle-always-listening':
        this.alwaysListening.toggle()
        return true
      case 'toggle-mute':
        this.setMuted(!this.muted)
        return true
      default:
        return false
    }
  }

  /** argv of a second launch; returns the command so the adapter can show the window for 'show' and null. */
  secondInstance(argv: readonly unknown[]): InstanceCommand | null | 'invalid' {
    const parsed = parseInstanceArgv(argv)
    if (!parsed.ok) {
      this.deps.log?.(`second-instance: ignored: ${parsed.error}`)
      return 'invalid'
    }
    if (parsed.command && parsed.command !== 'show') this.hotkeys.handleCommand(parsed.command)
    return parsed.command
  }

  /** The main window was closed to the tray. Returns the notice to show the first time, else null. */
  windowClosedToTray(): string | null {
    if (this.deps.settings.get().ui.trayNoticeShown) return null
    this.deps.settings.update({ ui: { trayNoticeShown: true } })
    return TRAY_NOTICE
  }

  showCompanion(show: boolean): void {
    this.deps.showCompanion?.(show)
  }

  async openMicrophoneSettings(): Promise<void> {
    const url = this.microphone.status().settingsUrl
    if (url && this.deps.openSystemSettings) await this.deps.openSystemSettings(url)
  }

  private hotkeyPlatform(): HotkeyPlatform {
    return this.platform === 'darwin' || this.platform === 'win32' || this.platform === 'linux' ? this.platform : 'other'
  }

  private trayInputs(): TrayInputs {
    const always = this.alwaysListening.status()
    const mic = this.microphone.status()
    return {
      session: this.session,
      sessionError: this.sessionError,
      capturing: this.ptt.capturing,
      alwaysListening: always,
      gateOpen: this.gateOpen,
      wakePhrase: this.deps.settings.get().wakePhrase !== null,
      muted: this.muted,
      microphoneProblem: mic.state === 'denied' || mic.state === 'restricted' || mic.state === 'missing',
    }
  }

  private hotkeyNotice(accelerator: string, reason: string): void {
    this.deps.notify?.({ id: 'hotkey-invalid', level: 'warning', title: 'The push-to-talk hotkey was not set', message: `${accelerator}: ${reason}` })
  }

  private settingsChanged(next: Settings): void {
    const previous = this.lastSettings
    this.lastSettings = next
    const applied = this.hotkeys.status()
    const changed = next.hotkey.accelerator !== previous.hotkey.accelerator || next.hotkey.mode !== previous.hotkey.mode
    // setHotkey has applied it already when it saves; only a change from elsewhere (settings:update) applies here
    if (changed && (next.hotkey.accelerator !== applied.accelerator || next.hotkey.mode !== applied.mode)) {
      void this.hotkeys.apply(next.hotkey.accelerator, next.hotkey.mode).then((result) => {
        if (!result.ok) this.hotkeyNotice(next.hotkey.accelerator, result.reason)
        this.changed()
      })
    }
    if (next.launchAtLogin !== previous.launchAtLogin && this.loginItem.supported) this.loginItem.sync(next.launchAtLogin)
    if (next.alwaysListening !== this.alwaysListening.status().enabled) this.alwaysListening.setEnabled(next.alwaysListening)
    this.changed()
  }

  private changed(): DesktopStatus {
    const status = this.status()
    this.deps.emit('desktop:status', status)
    const menu = this.menu()
    for (const listener of this.listeners) listener(status, menu)
    return status
  }
}

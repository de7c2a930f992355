/**
 * Thin Electron adapters for desktop integration: Tray + Menu (rendering the pure menu model),
 * globalShortcut, uiohook, powerMonitor, systemPreferences, login items, electron-updater and the
 * close-to-tray window behaviour (the companion pill's window is in window.ts). Every decision lives in
 * src/main/desktop (tested under plain Node); this file only connects Electron objects to it.
 */
import { app, type BrowserWindow, globalShortcut, Menu, nativeImage, Notification, powerMonitor, shell, systemPreferences, Tray } from 'electron'
import type { MenuItemConstructorOptions } from 'electron'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { MainServices } from '../app/services'
import type { DesktopPlatformDeps } from '../desktop'
import { GlobalShortcutSource } from '../desktop/global-shortcut-source'
import { HIDDEN_FLAG } from '../desktop/login-item'
import { trayIconFile, type MenuAction, type MenuItemModel } from '../desktop/tray-model'
import { loadUiohook, UiohookSource } from '../desktop/uiohook-source'
import type { UpdaterLike } from '../desktop/updates'
import { probeXDisplay } from '../desktop/x-display'

export interface InstallDesktopOptions {
  preloadDir: string
  /** The renderer's URL. */
  appUrl: string
  /** Shows or hides the companion pill (the tray's "Show companion"). */
  showCompanion?: (show: boolean) => void
  /** Shows (creating if needed) the main window. */
  showMainWindow: () => void
  /** Opens the settings view (defaults to showing the main window). */
  openSettings?: () => void
}

export interface InstalledDesktop {
  /** Platform adapters for createMainServices({ desktop }). */
  deps: DesktopPlatformDeps
  /** Started at login with --hidden: do not open the main window. */
  startHidden: boolean
  /** Creates the tray and binds the hotkey (after app ready and createMainServices). */
  start(services: MainServices): void
  /** Close-to-tray for the main window. */
  manageWindow(window: BrowserWindow): void
  /** A second launch's argv. Returns true when it was a command (the window should not be shown). */
  secondInstance(argv: string[]): boolean
}

/**
 * Before app ready: on Wayland, let globalShortcut go through the desktop portal
 * (org.freedesktop.portal.GlobalShortcuts; KDE Plasma 6, GNOME 48+, Hyprland), Electron >= 35.
 * Other features already enabled on the command line are kept.
 */
export function enableWaylandGlobalShortcuts(env: NodeJS.ProcessEnv = process.env): void {
  if (process.platform !== 'linux') return
  if (env.XDG_SESSION_TYPE !== 'wayland' && !env.WAYLAND_DISPLAY) return
  const current = app.commandLine.getSwitchValue('enable-features')
  const features = new Set(current ? current.split(',') : [])
  features.add('GlobalShortcutsPortal')
  app.commandLine.appendSwitch('enable-features', [...features].join(','))
}

function iconsDir(): string {
  return app.isPackaged ? join(process.resourcesPath, 'icons') : join(app.getAppPath(), 'resources', 'icons')
}

function loadUpdater(log: (line: string) => void): UpdaterLike | null {
  if (!app.isPackaged) return null
  try {
    const require = createRequire(import.meta.url)
    return (require('electron-updater') as { autoUpdater: UpdaterLike }).autoUpdater
  } catch (error) {
    log(`update: electron-updater unavailable: ${error instanceof Error ? error.message : String(error)}`)
    return null
  }
}

function toTemplate(items: MenuItemModel[], click: (id: MenuAction) => void): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' }
      case 'status':
        return { label: item.label, enabled: false }
      case 'checkbox':
        return { type: 'checkbox', label: item.label, checked: item.checked, enabled: item.enabled, click: () => click(item.id) }
      case 'item':
        return { label: item.label, enabled: item.enabled, click: () => click(item.id) }
    }
  })
}

/** Wires desktop integration into the Electron app. See src/main/index.ts for the call sites. */
export function installDesktop(options: InstallDesktopOptions): InstalledDesktop {
  const platform = process.platform
  let services: MainServices | null = null
  let tray: Tray | null = null
  let quitting = false
  const log = (line: string) => services?.logger.info(line)

  // Windows shows notifications (the tray notice) only for an app with an AppUserModelID: the installer's appId.
  if (platform === 'win32') app.setAppUserModelId('app.earshot.desktop')
  app.on('before-quit', () => (quitting = true))
  app.on('will-quit', () => {
    globalShortcut.unregisterAll()
    services?.desktop.stop()
  })

  const showCompanion = (show: boolean) => options.showCompanion?.(show)

  const deps: DesktopPlatformDeps = {
    platform,
    holdSource: new UiohookSource({
      platform,
      load: loadUiohook,
      probeDisplay: () => probeXDisplay(),
      isAccessibilityTrusted: (prompt) => platform === 'darwin' && systemPreferences.isTrustedAccessibilityClient(prompt),
      log: (line) => log(line),
    }),
    pressSource: new GlobalShortcutSource(globalShortcut),
    power: powerMonitor,
    mediaAccess: platform === 'darwin' || platform === 'win32' ? systemPreferences : undefined,
    loginItems: platform === 'darwin' || platform === 'win32' ? app : undefined,
    autostartExecutable: platform === 'linux' ? (process.env.APPIMAGE ?? process.execPath) : undefined,
    updater: loadUpdater((line) => console.warn(line)),
    openSystemSettings: (url) => shell.openExternal(url),
  }

  const onMenu = (id: MenuAction) => {
    if (!services) return
    if (services.desktop.menuAction(id)) return
    if (id === 'show-window') options.showMainWindow()
    else if (id === 'show-companion') showCompanion(true)
    else if (id === 'open-settings') (options.openSettings ?? options.showMainWindow)()
    else if (id === 'quit') app.quit()
  }

  return {
    deps,
    startHidden: process.argv.includes(HIDDEN_FLAG),

    start(mainServices) {
      services = mainServices
      const desktop = mainServices.desktop
      const image = (state: Parameters<typeof trayIconFile>[0]) => {
        const file = join(iconsDir(), trayIconFile(state, platform))
        const icon = nativeImage.createFromPath(file)
        if (platform === 'darwin' && file.includes('Template')) icon.setTemplateImage(true)
        return icon
      }
      const status = desktop.status()
      tray = new Tray(image(status.tray.state))
      // Left click shows the window (Windows, X11 trays). macOS opens the menu on click, as menu-bar apps do.
      if (platform !== 'darwin') tray.on('click', () => options.showMainWindow())
      let lastState = status.tray.state
      const render = (state: typeof lastState, tooltip: string, menu: MenuItemModel[]) => {
        if (!tray || tray.isDestroyed()) return
        if (state !== lastState) tray.setImage(image(state))
        lastState = state
        tray.setToolTip(tooltip)
        tray.setContextMenu(Menu.buildFromTemplate(toTemplate(menu, onMenu)))
      }
      render(status.tray.state, status.tray.tooltip, desktop.menu())
      desktop.onChange((next, menu) => render(next.tray.state, next.tray.tooltip, menu))
      void desktop.start().catch((error: unknown) => mainServices.logger.error(`desktop: start failed: ${String(error)}`))
      // Look for an update a little after start; downloading and installing wait for the user.
      if (app.isPackaged) setTimeout(() => void desktop.updates.act('check'), 30_000).unref()
    },

    manageWindow(window) {
      window.on('close', (event) => {
        if (quitting || !services) return
        event.preventDefault()
        window.hide()
        const notice = services.desktop.windowClosedToTray()
        if (notice && Notification.isSupported()) new Notification({ title: 'Earshot is still running', body: notice }).show()
      })
    },

    secondInstance(argv) {
      if (!services) return false
      const command = services.desktop.secondInstance(argv)
      return command === 'toggle' || command === 'ptt-down' || command === 'ptt-up' || command === 'invalid'
    },
  }
}

/**
 * The composition root: the only file that wires Electron objects to Earshot's services. Every
 * decision it delegates lives in plain, tested modules (src/main/app, ipc, security, settings,
 * secrets).
 */
import { electronConfirm, electronPickFile } from './electron/mcp'
import { app, BrowserWindow, shell } from 'electron'
import { join } from 'node:path'
import { createLogger } from './app/logger'
import { createMainServices, type MainServices } from './app/services'
import { createIpcRouter } from './ipc/router'
import { APP_ORIGIN } from './security/policy'
import { originOf } from '../shared/security/urls'
import { registerIpc, sendToWindows } from './electron/ipc'
import { safeStorageEncryptor } from './electron/safe-storage'
import { applyDevCsp, cspFor, lockNavigation, lockPermissions, registerAppScheme, serveRenderer, session } from './electron/security'
import { createCompanionWindow, createMainWindow, createSettingsWindow, electronScreen, inFront, installAppMenu, settingsUrl } from './electron/window'
import type { SettingsSection } from '../shared/ipc/channels/app'
import { isOnboarding } from '../shared/settings/onboarding'
import { electronConfirmWindow } from './electron/confirm-window'
import { webrtcAllowed } from './security/webrtc'
import { enableWaylandGlobalShortcuts, installDesktop, type InstalledDesktop } from './electron/desktop'
import { electronPickFolder, electronToolHost } from './electron/tools'

const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
const devOrigin = devUrl ? originOf(devUrl) : null
const trustedOrigins = () => (devOrigin ? [APP_ORIGIN, devOrigin] : [APP_ORIGIN])

registerAppScheme()
app.enableSandbox()
enableWaylandGlobalShortcuts() // desktop integration: global shortcuts through the Wayland portal

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  let mainWindow: BrowserWindow | null = null
  let settingsWindow: BrowserWindow | null = null
  // Desktop integration (tray, hotkeys, always-listening, login item, updates): src/main/electron/desktop.ts
  let desktop: InstalledDesktop | null = null
  let services: MainServices | null = null
  // Links a page opens (window.open): help pages at once, anything else after main's confirmation.
  lockNavigation(trustedOrigins, (url) => void services?.openLink(url).catch(() => {}))

  app.on('second-instance', (_event, argv) => {
    if (desktop?.secondInstance(argv)) return // earshot --toggle / --ptt-down / --ptt-up: no window
    if (!mainWindow) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.show()
    mainWindow.focus()
  })

  void app.whenReady().then(() => {
    const userDataDir = app.getPath('userData')
    const logger = createLogger({ file: join(app.getPath('logs'), 'earshot.log'), echo: !app.isPackaged })
    const appUrl = devUrl ?? `${APP_ORIGIN}/index.html`
    const showMain = () => (mainWindow ? mainWindow.show() : open())
    // The settings window (src/main/electron/window.ts): one at a time, on the same app:// origin
    // at #settings/<section>. During onboarding the voice window's key card is shown instead.
    const openSettings = (section: SettingsSection | null) => {
      if (!services || isOnboarding(services.settings.get(), services.secrets.status())) return showMain()
      if (settingsWindow && !settingsWindow.isDestroyed()) {
        if (section) sendToWindows('app:settingsSection', { section })
        if (settingsWindow.isMinimized()) settingsWindow.restore()
        settingsWindow.show()
        settingsWindow.focus()
        return
      }
      settingsWindow = createSettingsWindow({ preloadDir: join(import.meta.dirname, '../preload'), url: settingsUrl(appUrl, section) })
      settingsWindow.on('closed', () => (settingsWindow = null))
    }
    let pillService: MainServices['companion'] | null = null
    desktop = installDesktop({
      preloadDir: join(import.meta.dirname, '../preload'),
      appUrl,
      showMainWindow: showMain,
      showCompanion: (show) => pillService?.request(show),
      openSettings: () => openSettings(null),
    })
    // The companion pill: main shows, places and hides it (src/main/companion); this is its window.
    const pill = createCompanionWindow({
      preloadDir: join(import.meta.dirname, '../preload'),
      url: appUrl,
      onMoved: (bounds) => pillService?.moved(bounds),
    })
    const rendererBase = devUrl ? devUrl.replace(/\/(index\.html)?(#.*)?$/, '') : APP_ORIGIN
    const confirmWindow = electronConfirmWindow({
      preloadDir: join(import.meta.dirname, '../preload'),
      url: `${rendererBase}/confirm.html`,
      parent: () => mainWindow,
      onClosed: () => services?.confirm.closed(),
    })
    const running = createMainServices({
      userDataDir,
      encryptor: safeStorageEncryptor(),
      appInfo: {
        name: app.getName(),
        version: app.getVersion(),
        platform: ['darwin', 'win32', 'linux'].includes(process.platform) ? (process.platform as 'darwin' | 'win32' | 'linux') : 'other',
      },
      openExternal: (url) => shell.openExternal(url),
      emit: sendToWindows,
      logger,
      desktop: desktop.deps,
      toolHost: electronToolHost(),
      pickFolder: electronPickFolder(),
      companion: {
        window: pill,
        screen: electronScreen(),
        mainWindowInFront: () => inFront(mainWindow),
        showMainWindow: () => {
          showMain()
          mainWindow?.focus()
        },
      },
      openSettings,
      confirm: electronConfirm(),
      pickFile: electronPickFile(),
      confirmWindow,
      reloadRenderer: () => mainWindow?.webContents.reload(),
      // The page's WebRTC constructors and IP policy are fixed when the window is made.
      // A window hidden in the tray comes back too: push-to-talk and always-listening live in it.
      reopenVoiceWindow: () => {
        if (!mainWindow) return
        mainWindow.destroy()
        mainWindow = null
        open()
      },
    })
    services = running
    pillService = running.companion
    installAppMenu(() => openSettings(null))
    const csp = () => cspFor(running.socketOrigins(), devOrigin ? [devOrigin, devOrigin.replace(/^http/, 'ws')] : [])
    const ses = session.defaultSession
    lockPermissions(ses, trustedOrigins)
    serveRenderer(ses, join(import.meta.dirname, '../renderer'), csp)
    if (devOrigin) applyDevCsp(ses, devOrigin, csp)
    registerIpc(createIpcRouter({ handlers: running.handlers, trustedOrigins, log: (line) => logger.warn(line) }))
    desktop.start(running)
    app.on('will-quit', () => void running.dispose()) // hotkeys, timers, the Demo server

    const open = () => {
      mainWindow = createMainWindow({
        preloadDir: join(import.meta.dirname, '../preload'),
        url: devUrl ?? `${APP_ORIGIN}/index.html`,
        webrtc: webrtcAllowed(running.settings.get()),
      })
      const made = mainWindow
      // A reopened window's predecessor may report 'closed' after its successor exists.
      made.on('closed', () => {
        if (mainWindow === made) mainWindow = null
      })
      desktop?.manageWindow(mainWindow) // closing hides to the tray
    }
    // The Demo server starts before the page loads, so its exact port is in the CSP.
    if (!desktop.startHidden) void running.prepareDemo().then(open) // a login launch (--hidden) starts in the tray
    app.on('activate', () => (mainWindow ? mainWindow.show() : open())) // the window may be hidden in the tray
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
}

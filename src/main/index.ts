/**
 * The composition root: the only file that wires Electron objects to Earshot's services. Every
 * decision it delegates lives in plain, tested modules (src/main/app, ipc, security, settings,
 * secrets).
 */
import { app, BrowserWindow, shell } from 'electron'
import { join } from 'node:path'
import { createLogger } from './app/logger'
import { createMainServices } from './app/services'
import { createIpcRouter } from './ipc/router'
import { APP_ORIGIN } from './security/policy'
import { providerSocketOrigins } from '../shared/settings/schema'
import { originOf } from '../shared/security/urls'
import { registerIpc, sendToWindows } from './electron/ipc'
import { safeStorageEncryptor } from './electron/safe-storage'
import { applyDevCsp, cspFor, lockNavigation, lockPermissions, registerAppScheme, serveRenderer, session } from './electron/security'
import { createMainWindow } from './electron/window'

const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
const devOrigin = devUrl ? originOf(devUrl) : null
const trustedOrigins = () => (devOrigin ? [APP_ORIGIN, devOrigin] : [APP_ORIGIN])

registerAppScheme()
app.enableSandbox()

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  let mainWindow: BrowserWindow | null = null
  lockNavigation(trustedOrigins)

  app.on('second-instance', () => {
    if (!mainWindow) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.show()
    mainWindow.focus()
  })

  void app.whenReady().then(() => {
    const userDataDir = app.getPath('userData')
    const logger = createLogger({ file: join(app.getPath('logs'), 'earshot.log'), echo: !app.isPackaged })
    const services = createMainServices({
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
    })
    const csp = () => cspFor(providerSocketOrigins(services.settings.get()), devOrigin ? [devOrigin, devOrigin.replace(/^http/, 'ws')] : [])
    const ses = session.defaultSession
    lockPermissions(ses, trustedOrigins)
    serveRenderer(ses, join(import.meta.dirname, '../renderer'), csp)
    if (devOrigin) applyDevCsp(ses, devOrigin, csp)
    registerIpc(createIpcRouter({ handlers: services.handlers, trustedOrigins, log: (line) => logger.warn(line) }))

    const open = () => {
      mainWindow = createMainWindow({ preloadDir: join(import.meta.dirname, '../preload'), url: devUrl ?? `${APP_ORIGIN}/index.html` })
      mainWindow.on('closed', () => (mainWindow = null))
    }
    open()
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) open()
    })
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
}

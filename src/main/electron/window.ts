import { BrowserWindow, nativeTheme } from 'electron'
import { join } from 'node:path'
import { ownWebContents } from './ipc'
import { hardenWebContents } from './security'
import { WEBRTC_ALLOWED_ARG } from '../../shared/security/webrtc'

export interface WindowOptions {
  preloadDir: string
  url: string
  /** Whether the page may keep WebRTC (a WebRTC transport the user chose); off by default. */
  webrtc?: boolean
}

/** The main window, with every webPreference the Electron security checklist asks for. */
export function createMainWindow(options: WindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 980,
    height: 720,
    minWidth: 420,
    minHeight: 480,
    show: false,
    title: 'Earshot',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#16181d' : '#f7f7f8',
    webPreferences: {
      preload: join(options.preloadDir, 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      // Middle-click (auxclick) could open links in a new window; navigation is ours alone.
      disableBlinkFeatures: 'Auxclick',
      // Reply audio must start without a click: the voice can answer a hotkey pressed in another app.
      autoplayPolicy: 'no-user-gesture-required',
      ...(options.webrtc ? { additionalArguments: [WEBRTC_ALLOWED_ARG] } : {}),
    },
  })
  const contents = window.webContents
  hardenWebContents(contents, { webrtc: options.webrtc === true })
  ownWebContents.add(contents)
  window.on('closed', () => ownWebContents.delete(contents))
  window.once('ready-to-show', () => window.show())
  void window.loadURL(options.url)
  return window
}

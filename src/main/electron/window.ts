import { BrowserWindow, Menu, nativeTheme, screen, type MenuItemConstructorOptions } from 'electron'
import { join } from 'node:path'
import type { CompanionWindowPort, Rect, ScreenPort } from '../companion'
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

export interface CompanionWindowOptions extends WindowOptions {
  /** The user moved the pill (dragging it by its body). */
  onMoved: (bounds: Rect) => void
}

/**
 * The companion pill's window: frameless, transparent, always on top, never in the taskbar, shown
 * without taking focus. Created on first show and kept (hidden) afterwards. The same webPreferences
 * as the main window, written out literally rather than shared through a function so
 * electronegativity can read them.
 */
export function createCompanionWindow(options: CompanionWindowOptions): CompanionWindowPort {
  let window: BrowserWindow | null = null
  let ready = false
  let wanted: Rect | null = null
  const open = (bounds: Rect): BrowserWindow => {
    const created = new BrowserWindow({
      ...bounds,
      show: false,
      frame: false,
      transparent: true,
      backgroundColor: '#00000000',
      hasShadow: false,
      alwaysOnTop: true,
      skipTaskbar: true,
      resizable: false,
      minimizable: false,
      maximizable: false,
      fullscreenable: false,
      focusable: true,
      title: 'Earshot',
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
        disableBlinkFeatures: 'Auxclick',
        autoplayPolicy: 'no-user-gesture-required',
      },
    })
    // 'screen-saver' keeps it above full-screen apps on macOS; elsewhere 'floating' is enough.
    created.setAlwaysOnTop(true, process.platform === 'darwin' ? 'screen-saver' : 'floating')
    created.setVisibleOnAllWorkspaces(true, { visibleOnFullScreen: true })
    const contents = created.webContents
    hardenWebContents(contents, { webrtc: false })
    ownWebContents.add(contents)
    created.on('closed', () => {
      ownWebContents.delete(contents)
      window = null
      ready = false
    })
    // 'moved' fires once at the end of a drag on macOS and Windows; Linux only has 'move'. The
    // service saves the position once the moves have settled.
    const moved = () => options.onMoved(created.getBounds())
    if (process.platform === 'linux') created.on('move', moved)
    else created.on('moved', moved)
    created.once('ready-to-show', () => {
      ready = true
      if (wanted) created.showInactive()
    })
    void created.loadURL(`${options.url.split('#')[0]}#companion`)
    return created
  }
  return {
    show(bounds) {
      wanted = bounds
      if (!window || window.isDestroyed()) {
        window = open(bounds)
        return
      }
      window.setBounds(bounds)
      if (ready) window.showInactive()
    },
    setBounds(bounds) {
      if (wanted) wanted = bounds
      if (window && !window.isDestroyed()) window.setBounds(bounds)
    },
    hide() {
      wanted = null
      if (window && !window.isDestroyed()) window.hide()
    },
  }
}

/** Electron's screen module as the companion's screen port (only after app ready). */
export function electronScreen(): ScreenPort {
  return {
    cursor: () => screen.getCursorScreenPoint(),
    displays: () => screen.getAllDisplays().map((d) => ({ id: d.id, workArea: d.workArea })),
  }
}

/** The main window is on screen, not minimised and focused (then a hotkey press needs no pill). */
export function inFront(window: BrowserWindow | null): boolean {
  return !!window && !window.isDestroyed() && window.isVisible() && !window.isMinimized() && window.isFocused()
}

export interface SettingsWindowOptions extends WindowOptions {
  /** The voice window, so the settings window stays in front of it (not modal). */
  parent?: BrowserWindow | null
}

/**
 * The settings window: the same renderer and origin as the main window at #settings, with the same
 * webPreferences (written out literally rather than shared, so electronegativity can read them).
 */
export function createSettingsWindow(options: SettingsWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 860,
    height: 640,
    minWidth: 560,
    minHeight: 420,
    show: false,
    title: 'Earshot Settings',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#16181d' : '#f7f7f8',
    ...(options.parent ? { parent: options.parent } : {}),
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
      disableBlinkFeatures: 'Auxclick',
      autoplayPolicy: 'no-user-gesture-required',
    },
  })
  window.setMenuBarVisibility(false)
  const contents = window.webContents
  hardenWebContents(contents, { webrtc: false })
  ownWebContents.add(contents)
  window.on('closed', () => ownWebContents.delete(contents))
  window.once('ready-to-show', () => window.show())
  void window.loadURL(options.url)
  return window
}

/** The settings window's URL for a section, on the same origin as the main window. */
export function settingsUrl(appUrl: string, section: string | null): string {
  return `${appUrl.split('#')[0]}#settings${section ? `/${section}` : ''}`
}

/**
 * The application menu: the standard roles plus "Settings…" on Cmd+, (macOS, in the app menu) or
 * Ctrl+, (Windows and Linux, in the File menu; the menu bar itself stays hidden until Alt).
 */
export function installAppMenu(openSettings: () => void): void {
  const settings: MenuItemConstructorOptions = { label: 'Settings…', accelerator: 'CommandOrControl+,', click: () => openSettings() }
  const template: MenuItemConstructorOptions[] =
    process.platform === 'darwin'
      ? [
          { role: 'appMenu', submenu: [{ role: 'about' }, { type: 'separator' }, settings, { type: 'separator' }, { role: 'services' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }] },
          { role: 'editMenu' },
          { role: 'viewMenu' },
          { role: 'windowMenu' },
        ]
      : [{ label: 'File', submenu: [settings, { type: 'separator' }, { role: 'quit' }] }, { role: 'editMenu' }, { role: 'viewMenu' }, { role: 'windowMenu' }]
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}

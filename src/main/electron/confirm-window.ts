import { BrowserWindow, nativeTheme } from 'electron'
import { join } from 'node:path'
import { CONFIRM_SURFACE_ARG } from '../../shared/ipc/channels/confirm'
import type { ConfirmWindow } from '../security/confirm-surface'
import { confirmWebContentsIds, ownWebContents } from './ipc'

export interface ConfirmWindowOptions {
  preloadDir: string
  /** app://earshot/confirm.html (or the dev server's). */
  url: string
  /** The window to sit above (the voice window when it is open). */
  parent: () => BrowserWindow | null
  /** The user closed the window with prompts on it (each counts as "no"). */
  onClosed: () => void
}

/**
 * Main's confirmation window: small, always on top, focused when a prompt arrives, with its own
 * preload surface (the preload exposes window.earshotConfirm only). Its webContents id is registered at creation, so
 * the router tells its sender apart from the voice window's. Thin: the decisions live in
 * src/main/security/confirm-surface.ts and src/main/tools/confirmation.ts.
 */
export function electronConfirmWindow(options: ConfirmWindowOptions): ConfirmWindow {
  let window: BrowserWindow | null = null
  let ready = false
  const create = () => {
    const parent = options.parent()
    const win = new BrowserWindow({
      width: 480,
      height: 300,
      minWidth: 360,
      minHeight: 220,
      show: false,
      title: 'Earshot: confirm',
      alwaysOnTop: true,
      minimizable: false,
      maximizable: false,
      fullscreenable: false,
      skipTaskbar: false,
      ...(parent && parent.isVisible() ? { parent } : {}),
      backgroundColor: nativeTheme.shouldUseDarkColors ? '#16181d' : '#f7f7f8',
      webPreferences: {
        preload: join(options.preloadDir, 'index.cjs'),
        // The preload exposes only window.earshotConfirm to this window.
        additionalArguments: [CONFIRM_SURFACE_ARG],
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
      },
    })
    const contents = win.webContents
    confirmWebContentsIds.add(contents.id)
    ownWebContents.add(contents) // events (confirm:prompts) reach it; the router still limits it to confirm:*
    win.on('closed', () => {
      confirmWebContentsIds.delete(contents.id)
      ownWebContents.delete(contents)
      window = null
      ready = false
      options.onClosed()
    })
    win.once('ready-to-show', () => {
      ready = true
      win.show()
      win.focus()
    })
    void win.loadURL(options.url)
    return win
  }
  return {
    show: () => {
      window ??= create()
      if (!ready) return // shown and focused once loaded
      if (window.isMinimized()) window.restore()
      window.show()
      window.focus()
    },
    hide: () => {
      window?.hide()
    },
  }
}

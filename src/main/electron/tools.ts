import { app, BrowserWindow, clipboard, dialog, Notification, shell } from 'electron'
import type { PickFolder } from '../tools/domain'
import type { ToolHost } from '../tools/host'

/**
 * Thin Electron adapters for the tools (clipboard, notifications, shell, folder picker). Every
 * decision lives in src/main/tools, which runs under plain Node; these only reach Electron.
 *
 * Wiring in the composition root:
 *   createMainServices({ ..., toolHost: electronToolHost(), pickFolder: electronPickFolder() })
 */

// Notifications that are garbage-collected before they show (or are clicked) vanish on some
// platforms; keep each one until it closes.
const live = new Set<Notification>()

export function electronToolHost(): Partial<ToolHost> {
  return {
    documentsDir: app.getPath('documents'),
    homeDir: app.getPath('home'),
    clipboard: {
      readText: async () => clipboard.readText(),
      writeText: async (text) => clipboard.writeText(text),
    },
    openExternal: (url) => shell.openExternal(url),
    openPath: async (path) => {
      const problem = await shell.openPath(path)
      if (problem) throw new Error(problem)
    },
    notify: Notification.isSupported()
      ? ({ title, body }) => {
          const notification = new Notification({ title, body, silent: false })
          live.add(notification)
          notification.on('close', () => live.delete(notification))
          notification.on('click', () => {
            live.delete(notification)
            const window = BrowserWindow.getAllWindows()[0]
            window?.show()
            window?.focus()
          })
          notification.show()
        }
      : null,
  }
}

/** dialog.showOpenDialog for one folder, attached to the focused Earshot window when there is one. */
export function electronPickFolder(): PickFolder {
  return async ({ title, defaultPath }) => {
    const options: Electron.OpenDialogOptions = { title, properties: ['openDirectory', 'createDirectory'], ...(defaultPath ? { defaultPath } : {}) }
    const parent = BrowserWindow.getFocusedWindow()
    const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options)
    if (result.canceled) return null
    return result.filePaths[0] ?? null
  }
}

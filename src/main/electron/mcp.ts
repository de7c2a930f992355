import { BrowserWindow, dialog } from 'electron'
import type { ConfirmPort, PickFile } from '../mcp/domain'

/**
 * The MCP domain's Electron ports: a native yes/no dialog for server changes (the renderer proposes,
 * the user decides here, outside the page) and an open-file dialog for the Claude Desktop import.
 *   createMainServices({ ..., confirm: electronConfirm(), pickFile: electronPickFile() })
 */
export function electronConfirm(): ConfirmPort {
  return async ({ title, message, detail, confirmLabel }) => {
    const options: Electron.MessageBoxOptions = {
      type: 'warning',
      title,
      message,
      detail,
      buttons: [confirmLabel, 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      noLink: true,
    }
    const parent = BrowserWindow.getFocusedWindow()
    const result = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options)
    return result.response === 0
  }
}

export function electronPickFile(): PickFile {
  return async ({ title, defaultPath, filters }) => {
    const options: Electron.OpenDialogOptions = { title, properties: ['openFile'], filters, ...(defaultPath ? { defaultPath } : {}) }
    const parent = BrowserWindow.getFocusedWindow()
    const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options)
    if (result.canceled) return null
    return result.filePaths[0] ?? null
  }
}

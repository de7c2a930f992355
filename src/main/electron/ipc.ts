import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import { channels, wireEventChannel, wireInvokeChannel, type ChannelName } from '../../shared/ipc/contract'
import type { EventSink } from '../app/services'
import type { IpcRouter, SenderInfo } from '../ipc/router'

/** Our windows' webContents; only they may call main. */
export const ownWebContents = new Set<WebContents>()

/**
 * The ids of main's confirmation windows' webContents, registered when main creates them: the
 * router lets only these answer prompts (confirm:*) and nothing else.
 */
export const confirmWebContentsIds = new Set<number>()

export function senderInfo(event: IpcMainInvokeEvent): SenderInfo {
  const contents = event.sender
  const frame = event.senderFrame
  const destroyed = contents.isDestroyed() || !frame || frame.isDestroyed()
  return {
    destroyed,
    frameUrl: destroyed || !frame ? null : frame.url,
    isMainFrame: !destroyed && !!frame && frame === contents.mainFrame,
    isOwnWindow: ownWebContents.has(contents),
    surface: confirmWebContentsIds.has(contents.id) ? 'confirm' : 'app',
  }
}

/** Registers one ipcMain handler per contract channel, all through the router's guard. */
export function registerIpc(router: IpcRouter): void {
  for (const name of Object.keys(channels) as ChannelName[]) {
    ipcMain.handle(wireInvokeChannel(name), (event, input) => router.invoke(name, senderInfo(event), input))
  }
}

export const sendToWindows: EventSink = (event, payload) => {
  for (const contents of ownWebContents) {
    if (!contents.isDestroyed()) contents.send(wireEventChannel(event), payload)
  }
}

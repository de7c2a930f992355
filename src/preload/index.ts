/**
 * The preload bridge. A sandboxed preload is one bundled file, so both of Earshot's surfaces use
 * this one, and main says which it is (webPreferences.additionalArguments, never the page):
 *
 * - the voice window (and companion): window.earshot, built from the shared IPC contract;
 * - main's confirmation window (--earshot-surface=confirm): window.earshotConfirm only (read the
 *   prompts, answer one). The router tells this sender apart by its webContents id as well.
 *
 * Named functions only; ipcRenderer and Electron's event objects never reach the page.
 */
import '../shared/jitless'
import { contextBridge, ipcRenderer } from 'electron'
import { createEarshotApi } from '../shared/ipc/api'
import { createConfirmApi } from '../shared/ipc/confirm-api'
import { CONFIRM_SURFACE_ARG } from '../shared/ipc/channels/confirm'
import { wireEventChannel, wireInvokeChannel, type ChannelName, type EventName } from '../shared/ipc/contract'
import { removeWebRtc, WEBRTC_ALLOWED_ARG } from '../shared/security/webrtc'

const isConfirmSurface = process.argv.includes(CONFIRM_SURFACE_ARG)

// Before any page script runs: no WebRTC constructors unless main allowed the WebRTC transport.
if (isConfirmSurface || !process.argv.includes(WEBRTC_ALLOWED_ARG)) contextBridge.executeInMainWorld({ func: removeWebRtc })

const transport = {
  invoke: (channel: ChannelName, input: unknown) => ipcRenderer.invoke(wireInvokeChannel(channel), input),
  subscribe: (event: EventName, listener: (payload: unknown) => void) => {
    const handler = (_event: unknown, payload: unknown) => listener(payload)
    ipcRenderer.on(wireEventChannel(event), handler)
    return () => {
      ipcRenderer.removeListener(wireEventChannel(event), handler)
    }
  },
}

if (isConfirmSurface) contextBridge.exposeInMainWorld('earshotConfirm', createConfirmApi(transport))
else contextBridge.exposeInMainWorld('earshot', createEarshotApi(transport))

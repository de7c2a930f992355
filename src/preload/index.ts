/**
 * The preload bridge: window.earshot, built from the shared IPC contract. It exposes named
 * functions only; ipcRenderer and Electron's event objects never reach the page.
 */
import '../shared/jitless'
import { contextBridge, ipcRenderer } from 'electron'
import { createEarshotApi } from '../shared/ipc/api'
import { wireEventChannel, wireInvokeChannel } from '../shared/ipc/contract'
import { removeWebRtc, WEBRTC_ALLOWED_ARG } from '../shared/security/webrtc'

// Before any page script runs: no WebRTC constructors unless main allowed the WebRTC transport.
if (!process.argv.includes(WEBRTC_ALLOWED_ARG)) contextBridge.executeInMainWorld({ func: removeWebRtc })

const api = createEarshotApi({
  invoke: (channel, input) => ipcRenderer.invoke(wireInvokeChannel(channel), input),
  subscribe: (event, listener) => {
    const handler = (_event: unknown, payload: unknown) => listener(payload)
    ipcRenderer.on(wireEventChannel(event), handler)
    return () => {
      ipcRenderer.removeListener(wireEventChannel(event), handler)
    }
  },
})

contextBridge.exposeInMainWorld('earshot', api)

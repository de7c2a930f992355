/**
 * The confirmation window's preload: window.earshotConfirm (read the prompts, answer one) and
 * nothing else. Main tells this window's sender apart from the voice window's (the router lets it
 * call only confirm:*), so a page that handles model output can never answer for the user.
 */
import '../shared/jitless'
import { contextBridge, ipcRenderer } from 'electron'
import { createConfirmApi } from '../shared/ipc/confirm-api'
import { wireEventChannel, wireInvokeChannel } from '../shared/ipc/contract'
import { removeWebRtc } from '../shared/security/webrtc'

// The confirmation window never needs WebRTC.
contextBridge.executeInMainWorld({ func: removeWebRtc })

const api = createConfirmApi({
  invoke: (channel, input) => ipcRenderer.invoke(wireInvokeChannel(channel), input),
  subscribe: (event, listener) => {
    const handler = (_event: unknown, payload: unknown) => listener(payload)
    ipcRenderer.on(wireEventChannel(event), handler)
    return () => {
      ipcRenderer.removeListener(wireEventChannel(event), handler)
    }
  },
})

contextBridge.exposeInMainWorld('earshotConfirm', api)

/**
 * The browser harness's stand-in for src/preload/index.ts: the same createEarshotApi over a
 * Playwright binding instead of ipcRenderer. Bundled to an IIFE and injected with addInitScript.
 */
import '../../src/shared/jitless'
import { createEarshotApi } from '../../src/shared/ipc/api'
import type { EventName } from '../../src/shared/ipc/contract'
import { createConfirmApi } from '../../src/shared/ipc/confirm-api'
import { removeWebRtc } from '../../src/shared/security/webrtc'

declare global {
  interface Window {
    __earshotInvoke(channel: string, input: unknown): Promise<unknown>
    __earshotEmit(event: string, payload: unknown): void
    __earshotWebrtcAllowed?: boolean
  }
}

// As the preloads do: no WebRTC constructors unless main's flag allows the WebRTC transport.
if (!window.__earshotWebrtcAllowed || location.pathname.endsWith('/confirm.html')) removeWebRtc()

const listeners = new Map<string, Set<(payload: unknown) => void>>()
const invoke = window.__earshotInvoke.bind(window)

window.__earshotEmit = (event, payload) => {
  for (const listener of listeners.get(event) ?? []) listener(payload)
}

const subscribe = (event: EventName, listener: (payload: unknown) => void) => {
  let set = listeners.get(event)
  if (!set) listeners.set(event, (set = new Set()))
  set.add(listener)
  return () => {
    set.delete(listener)
  }
}

if (location.pathname.endsWith('/confirm.html')) {
  // Main's confirmation window: its own minimal bridge, as src/preload/confirm.ts.
  const confirmApi = createConfirmApi({ invoke: (channel, input) => invoke(channel, input), subscribe })
  Object.defineProperty(window, 'earshotConfirm', { value: confirmApi, writable: false, configurable: false })
} else {
  const api = createEarshotApi({ invoke: (channel, input) => invoke(channel, input), subscribe })
  Object.defineProperty(window, 'earshot', { value: api, writable: false, configurable: false })
}

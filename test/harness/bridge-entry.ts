/**
 * The browser harness's stand-in for src/preload/index.ts: the same createEarshotApi over a
 * Playwright binding instead of ipcRenderer. Bundled to an IIFE and injected with addInitScript.
 */
import '../../src/shared/jitless'
import { createEarshotApi } from '../../src/shared/ipc/api'
import type { EventName } from '../../src/shared/ipc/contract'

declare global {
  interface Window {
    __earshotInvoke(channel: string, input: unknown): Promise<unknown>
    __earshotEmit(event: string, payload: unknown): void
  }
}

const listeners = new Map<string, Set<(payload: unknown) => void>>()
const invoke = window.__earshotInvoke.bind(window)

window.__earshotEmit = (event, payload) => {
  for (const listener of listeners.get(event) ?? []) listener(payload)
}

const api = createEarshotApi({
  invoke: (channel, input) => invoke(channel, input),
  subscribe: (event: EventName, listener) => {
    let set = listeners.get(event)
    if (!set) listeners.set(event, (set = new Set()))
    set.add(listener)
    return () => {
      set.delete(listener)
    }
  },
})

Object.defineProperty(window, 'earshot', { value: api, writable: false, configurable: false })

import type { EarshotApi } from '../../shared/ipc/api'

declare global {
  interface Window {
    /** The preload bridge (src/preload). */
    readonly earshot: EarshotApi
  }
}
export {}

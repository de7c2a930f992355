/**
 * Main's companion domain, composed: the pill's service and its IPC handlers. createMainServices
 * (src/main/app/services.ts) feeds it the session status, push-to-talk and the tool requests.
 */
import type { PartialHandlers } from '../ipc/router'
import { CompanionService, type CompanionDeps } from './service'

export { CompanionService, AUTO_HIDE_MS, ERROR_HIDE_MS, MOVE_SETTLE_MS, type CompanionDeps, type CompanionWindowPort, type ScreenPort } from './service'
export { PILL_SIZES, placePill, resizePill, type DisplayArea, type Rect, type Point } from './placement'

export type CompanionChannel = 'companion:view' | 'companion:report' | 'companion:action'

/** What the platform gives the companion (Electron: the window adapter, screen, the main window). */
export type CompanionPlatformDeps = Omit<CompanionDeps, 'settings' | 'emit' | 'log'>

export function createCompanionDomain(deps: CompanionDeps): { service: CompanionService; handlers: PartialHandlers<CompanionChannel> } {
  const service = new CompanionService(deps)
  return {
    service,
    handlers: {
      'companion:view': () => service.view(),
      'companion:report': (report) => {
        service.report(report)
        return undefined
      },
      'companion:action': ({ action }) => {
        service.action(action)
        return undefined
      },
    },
  }
}

/**
 * Main's desktop domain, composed: the DesktopService and its IPC handlers. createMainServices
 * (src/main/app/services.ts) calls createDesktopDomain; the Electron adapters live in
 * src/main/electron/desktop.ts.
 */
import { createDesktopHandlers } from './handlers'
import { DesktopService, type DesktopServiceDeps } from './service'

export { DesktopService, TRAY_NOTICE, type DesktopPlatformDeps, type DesktopServiceDeps } from './service'
export { createDesktopHandlers } from './handlers'

export function createDesktopDomain(deps: DesktopServiceDeps): { service: DesktopService; handlers: ReturnType<typeof createDesktopHandlers> } {
  const service = new DesktopService(deps)
  return { service, handlers: createDesktopHandlers(service) }
}

import { IpcFailure } from '../../shared/ipc/envelope'
import type { PartialHandlers } from '../ipc/router'
import { MintError } from './mint'
import type { SessionService } from './service'

/**
 * The session domain's IPC handlers. Mint failures reach the renderer with their stable code
 * (auth_failed, rate_limited, provider_unavailable, offline, protocol_error, ...) and a human
 * message; nothing else about the failure (and never the key) crosses the bridge.
 */
export function createSessionHandlers(service: SessionService): PartialHandlers<'session:start'> {
  return {
    'session:start': async (input) => {
      try {
        return await service.start(input?.provider, input?.continueFrom ? { continueFrom: input.continueFrom } : undefined)
      } catch (error) {
        if (error instanceof MintError) throw new IpcFailure(error.code, error.message)
        throw error
      }
    },
  }
}

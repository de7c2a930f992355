/**
 * Main's history domain, composed: the service on the history file in the user-data folder,
 * following the history settings, and its IPC handlers. createMainServices calls it.
 */
import { join } from 'node:path'
import type { Notice } from '../../shared/ipc/channels/app'
import type { HistoryStatus } from '../../shared/ipc/channels/history'
import { IpcFailure } from '../../shared/ipc/envelope'
import type { Settings } from '../../shared/settings/schema'
import type { PartialHandlers } from '../ipc/router'
import type { SqliteDatabase } from './driver'
import { HistoryService, HistoryUnavailableError, type TimerPort } from './service'

export { HistoryService, moveAside, type TimerPort } from './service'
export { HistoryStore, ftsQuery, RETENTION_DAYS, type Retention } from './store'
export { toMarkdown, toJson, formatDuration } from './export'

/** The history file's name in the user-data folder (the CLI's default too). */
export const HISTORY_FILE = 'history.db'

export type HistoryChannel =
  | 'history:status'
  | 'history:begin'
  | 'history:turn'
  | 'history:tool'
  | 'history:usage'
  | 'history:end'
  | 'history:list'
  | 'history:search'
  | 'history:get'
  | 'history:export'
  | 'history:delete'
  | 'history:deleteAll'
  | 'history:continue'

export interface HistoryDomainDeps {
  userDataDir: string
  settings: { get(): Settings; onChange(listener: (value: Settings) => void): unknown }
  notify: (notice: Notice) => void
  emitStatus: (status: HistoryStatus) => void
  emitChanged: (id: string | null) => void
  log: (line: string) => void
  /** Scrubs registered secrets (API keys, minted tokens) from text before it is written. */
  redact: (text: string) => string
  now?: () => number
  timers?: TimerPort
  open?: (path: string) => SqliteDatabase
}

export interface HistoryDomain {
  service: HistoryService
  handlers: PartialHandlers<HistoryChannel>
  dispose(): void
}

const NOT_FOUND = 'That conversation is not in the history (it may have been deleted).'

export function createHistoryDomain(deps: HistoryDomainDeps): HistoryDomain {
  const service = new HistoryService({
    path: join(deps.userDataDir, HISTORY_FILE),
    now: deps.now,
    timers: deps.timers,
    open: deps.open,
    settings: () => deps.settings.get().history,
    notify: deps.notify,
    log: deps.log,
    redact: deps.redact,
    onStatus: deps.emitStatus,
    onChanged: deps.emitChanged,
  })
  service.start()
  let last = JSON.stringify(deps.settings.get().history)
  deps.settings.onChange((value) => {
    const now = JSON.stringify(value.history)
    if (now === last) return
    last = now
    service.settingsChanged()
  })

  const unavailable = <T>(fn: () => T): T => {
    try {
      return fn()
    } catch (error) {
      if (error instanceof HistoryUnavailableError) throw new IpcFailure('unavailable', error.message)
      throw error
    }
  }

  const handlers: PartialHandlers<HistoryChannel> = {
    'history:status': () => service.status(),
    'history:begin': ({ provider, model }) => ({ id: service.begin({ provider, model }) }),
    'history:turn': ({ id, role, text, interrupted, at }) => ({ recorded: service.turn(id, { role, text, interrupted, at }) }),
    'history:tool': ({ id, at, ...call }) => ({ recorded: service.tool(id, { ...call, at }) }),
    'history:usage': ({ id, ...counts }) => ({ recorded: service.usage(id, counts) }),
    'history:end': ({ id, at }) => ({ recorded: service.end(id, at) }),
    'history:list': (input) => service.list(input?.limit, input?.offset),
    'history:search': ({ query, limit }) => service.search(query, limit),
    'history:get': ({ id }) => service.get(id),
    'history:export': ({ id, format }) => {
      const out = service.export(id, format)
      if (!out) throw new IpcFailure('not_found', NOT_FOUND)
      return out
    },
    'history:delete': ({ id }) => ({ deleted: unavailable(() => service.delete(id)) }),
    'history:deleteAll': () => ({ deleted: unavailable(() => service.deleteAll()) }),
    'history:continue': ({ id }) => {
      const carried = service.carried(id)
      if (!carried) throw new IpcFailure('not_found', NOT_FOUND)
      return { id, ...carried }
    },
  }
  return { service, handlers, dispose: () => service.dispose() }
}

import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { ToolSettingsView, TimerView } from '../../shared/ipc/channels/tools'
import type { EventName, EventPayload } from '../../shared/ipc/contract'
import { IpcFailure } from '../../shared/ipc/envelope'
import type { Settings } from '../../shared/settings/schema'
import type { PartialHandlers } from '../ipc/router'
import { AuditLog } from './audit'
import { ConfirmationService } from './confirmation'
import { realFolder } from './impl/fs-safety'
import { notesFolder } from './impl/notes'
import type { ToolHost } from './host'
import { createToolKit, type ToolKit } from './index'
import { createNodeToolHost } from './node-host'

export type ToolsChannel =
  | 'tools:list'
  | 'tools:execute'
  | 'tools:decide'
  | 'tools:pending'
  | 'tools:audit'
  | 'tools:settings'
  | 'tools:revokeAlwaysAllow'
  | 'tools:setPermission'
  | 'tools:addSearchFolder'
  | 'tools:removeSearchFolder'
  | 'tools:chooseNotesFolder'
  | 'tools:resetNotesFolder'
  | 'tools:openNotesFolder'
  | 'tools:timers'
  | 'tools:cancelTimer'

/** A native folder picker (Electron's dialog.showOpenDialog in the app). Resolves null when cancelled. */
export type PickFolder = (options: { title: string; defaultPath?: string }) => Promise<string | null>

/** What the tools domain needs from the settings service. */
export interface ToolsSettingsPort {
  get(): Settings
  update(patch: Record<string, unknown>): Settings
}

export interface ToolsDomainDeps {
  userDataDir: string
  settings: ToolsSettingsPort
  /** Parts of the host the app provides (clipboard, notifications, Documents folder, ...). */
  host?: Partial<ToolHost>
  pickFolder?: PickFolder
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void
  log?: (line: string) => void
}

export interface ToolsService {
  kit: ToolKit
  confirmations: ConfirmationService
  audit: AuditLog
  view(): ToolSettingsView
  timers(): TimerView[]
  dispose(): void
}

/**
 * The tools in the app: the tool kit on a host built from main's dependencies, the confirmation
 * service (cards in the renderer, always-allow in settings), the audit log in the data folder,
 * and the IPC handlers for all of it.
 */
export function createToolsDomain(deps: ToolsDomainDeps): { service: ToolsService; handlers: PartialHandlers<ToolsChannel> } {
  const log = deps.log ?? (() => {})
  const toolSettings = () => deps.settings.get().tools
  const updateTools = (patch: Partial<Settings['tools']>) => deps.settings.update({ tools: patch })
  const host = createNodeToolHost({ dataDir: deps.userDataDir, settings: toolSettings, notify: null, overrides: deps.host })
  const audit = new AuditLog({ file: join(deps.userDataDir, 'tool-audit.jsonl'), log })
  const kit = createToolKit({ host, audit, log })
  const confirmations = new ConfirmationService({
    timeoutSeconds: () => toolSettings().confirmTimeoutSeconds,
    alwaysAllow: {
      has: (name) => toolSettings().alwaysAllow.includes(name),
      add: (name) => {
        const current = toolSettings().alwaysAllow
        if (!current.includes(name)) updateTools({ alwaysAllow: [...current, name] })
      },
    },
    onChange: (pending) => deps.emit('tools:pending', pending),
  })
  kit.timers.onFired((timer, late) => deps.emit('tools:timerFired', { id: timer.id, label: timer.label, late }))

  const view = (): ToolSettingsView => {
    const t = toolSettings()
    return {
      alwaysAllow: t.alwaysAllow,
      searchFolders: t.searchFolders,
      notesFolder: t.notesFolder,
      notesFolderInUse: notesFolder({ settings: toolSettings, documentsDir: host.documentsDir, now: host.now }),
      confirmTimeoutSeconds: t.confirmTimeoutSeconds,
      disabled: t.disabled,
    }
  }
  const timers = (): TimerView[] => kit.timers.list()

  const pick = async (title: string, defaultPath?: string): Promise<string | null> => {
    if (!deps.pickFolder) throw new IpcFailure('unavailable', 'Choosing a folder is not available here.')
    const chosen = await deps.pickFolder({ title, ...(defaultPath ? { defaultPath } : {}) })
    if (chosen === null) return null
    const real = await realFolder(chosen)
    if (!real) throw new IpcFailure('invalid_input', `${chosen} is not a folder Earshot can open.`)
    return real
  }

  const service: ToolsService = {
    kit,
    confirmations,
    audit,
    view,
    timers,
    dispose: () => {
      confirmations.cancelAll()
      kit.dispose()
    },
  }

  const handlers: PartialHandlers<ToolsChannel> = {
    'tools:list': () => kit.describeTools(),
    'tools:execute': (call) => {
      // A tool turned off in Settings is refused before anything else (the model was not told of
      // it, but a stale declaration or a made-up call must not run it).
      if (toolSettings().disabled.includes(call.name)) {
        log(`tools: ${call.name} refused: turned off in Settings`)
        return { status: 'denied' as const, output: JSON.stringify({ error: `The user turned ${call.name} off in Earshot's settings.`, code: 'denied' }) }
      }
      return kit.executeToolCall(call, { approve: confirmations.approve })
    },
    'tools:decide': ({ callId, choice }) => {
      if (!confirmations.decide(callId, choice)) {
        throw new IpcFailure('not_found', 'That request is no longer waiting (it was answered or it expired).')
      }
      return confirmations.pending()
    },
    'tools:pending': () => confirmations.pending(),
    'tools:audit': ({ limit }) => audit.tail(limit),
    'tools:settings': () => view(),
    'tools:revokeAlwaysAllow': ({ name }) => {
      updateTools({ alwaysAllow: toolSettings().alwaysAllow.filter((n) => n !== name) })
      return view()
    },
    'tools:setPermission': ({ name, permission }) => {
      if (!kit.describeTools().some((t) => t.name === name)) throw new IpcFailure('not_found', `Earshot has no tool called ${name}.`)
      const t = toolSettings()
      const disabled = t.disabled.filter((n) => n !== name)
      updateTools({ alwaysAllow: t.alwaysAllow.filter((n) => n !== name), disabled: permission === 'off' ? [...disabled, name] : disabled })
      return view()
    },
    'tools:addSearchFolder': async () => {
      const folder = await pick('Choose a folder Earshot may search')
      const current = toolSettings().searchFolders
      if (folder && !current.includes(folder)) {
        if (current.length >= 50) throw new IpcFailure('invalid_input', 'Earshot can search at most 50 folders. Remove one first.')
        updateTools({ searchFolders: [...current, folder] })
        log(`tools: search folder added: ${folder}`)
      }
      return view()
    },
    'tools:removeSearchFolder': ({ path }) => {
      const current = toolSettings().searchFolders
      if (!current.includes(path)) throw new IpcFailure('not_found', `${path} is not one of the search folders.`)
      updateTools({ searchFolders: current.filter((p) => p !== path) })
      return view()
    },
    'tools:chooseNotesFolder': async () => {
      const folder = await pick('Choose where Earshot keeps your notes', view().notesFolderInUse)
      if (folder) {
        updateTools({ notesFolder: folder })
        log(`tools: notes folder set to ${folder}`)
      }
      return view()
    },
    'tools:resetNotesFolder': () => {
      updateTools({ notesFolder: null })
      return view()
    },
    'tools:openNotesFolder': async () => {
      if (!host.openPath) throw new IpcFailure('unavailable', 'Opening folders is not available here.')
      const folder = view().notesFolderInUse
      await mkdir(folder, { recursive: true })
      await host.openPath(folder)
      return view()
    },
    'tools:timers': () => timers(),
    'tools:cancelTimer': ({ id }) => {
      if (!kit.timers.cancel(id)) throw new IpcFailure('not_found', 'That timer is no longer running.')
      return timers()
    },
  }
  return { service, handlers }
}

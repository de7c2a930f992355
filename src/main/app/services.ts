import type { AppInfo, SettingsSection } from '../../shared/ipc/channels/app'
import type { EventName, EventPayload } from '../../shared/ipc/contract'
import { IpcFailure } from '../../shared/ipc/envelope'
import { checkExternalUrl } from '../../shared/security/urls'
import { validatedEventSink } from '../ipc/events'
import type { Handlers } from '../ipc/router'
import { SecretsService, type Encryptor } from '../secrets/service'
import type { SettingsBackend } from '../settings/backend'
import { SettingsService } from '../settings/service'
import type { Logger } from './logger'
import { NoticeCenter } from './notices'
import { createSessionDomain } from '../s2s'
import { createDesktopDomain, type DesktopPlatformDeps, type DesktopService } from '../desktop'
import { createToolsDomain, type PickFolder, type ToolsService } from '../tools/domain'
import type { ToolHost } from '../tools/host'
import { createCompanionDomain, type CompanionPlatformDeps, type CompanionService } from '../companion'

/** Sends an event to every Earshot window (Electron) or to the test page (browser harness). */
export type EventSink = <E extends EventName>(event: E, payload: EventPayload<E>) => void

export interface MainDeps {
  userDataDir: string
  encryptor: Encryptor
  appInfo: AppInfo
  /** Opens a URL in the user's browser (Electron's shell.openExternal in the app). */
  openExternal: (url: string) => Promise<void>
  emit: EventSink
  logger: Logger
  settingsBackend?: (dir: string, name: string) => SettingsBackend
  /** Desktop integration's platform adapters (tray, hotkeys, power, login items); none in the browser harness. */
  desktop?: DesktopPlatformDeps
  /** A native folder picker (search folders, notes folder); without one those channels say it is unavailable. */
  pickFolder?: PickFolder
  /**
   * Opens or focuses the settings window at a section (null: where it was). Electron's in the app,
   * a second page in the browser harness; without one app:openSettings says it is unavailable.
   */
  openSettings?: (section: SettingsSection | null) => void
  /** The tools' machine adapters (clipboard, notifications, Documents folder); Node fallbacks otherwise. */
  toolHost?: Partial<ToolHost>
  /** The companion pill's window, screen and main-window ports; without them there is no pill. */
  companion?: CompanionPlatformDeps
}

export interface MainServices {
  settings: SettingsService
  secrets: SecretsService
  notices: NoticeCenter
  handlers: Handlers
  logger: Logger
  desktop: DesktopService
  tools: ToolsService
  companion: CompanionService
  /** Stops hotkeys, timers and the Demo server (app quit, end of a test). */
  dispose(): Promise<void>
}

/**
 * Builds every main-process service and the IPC handler map from explicit dependencies. The
 * Electron composition root (src/main/index.ts) and the browser test harness both call this, so
 * the handlers the tests drive are the app's own.
 */
export function createMainServices(deps: MainDeps): MainServices {
  const { logger } = deps
  // Every event main sends passes its contract schema first (unknown keys stripped, misfits dropped).
  deps = { ...deps, emit: validatedEventSink(deps.emit, (line) => logger.warn(line)) }
  const notices = new NoticeCenter()
  notices.onNotice((notice) => deps.emit('app:notice', notice))
  const notify = (notice: Parameters<NoticeCenter['add']>[0]) => {
    logger.warn(`notice: ${notice.title}: ${notice.message}`)
    notices.add(notice)
  }

  const settings = new SettingsService({
    dir: deps.userDataDir,
    backend: deps.settingsBackend,
    notify,
    log: (line) => logger.warn(line),
  })
  settings.onChange((value) => deps.emit('settings:changed', value))

  const secrets = new SecretsService({
    dir: deps.userDataDir,
    encryptor: deps.encryptor,
    plaintextAllowed: () => settings.get().secrets.allowPlaintext,
    notify,
    log: (line) => logger.warn(line),
    onSecret: (value) => logger.addSecret(value),
  })

  const keyStatusChanged = () => {
    const status = secrets.status()
    deps.emit('keys:changed', status)
    return status
  }
  // However the plaintext opt-in changes (keys:allowPlaintext, settings:reset), the key file follows
  // at once: withdrawing it must not leave a key in the plain file until the next key change.
  let plaintextAllowed = settings.get().secrets.allowPlaintext
  settings.onChange((value) => {
    if (value.secrets.allowPlaintext === plaintextAllowed) return
    plaintextAllowed = value.secrets.allowPlaintext
    secrets.storageModeChanged()
    keyStatusChanged()
  })

  const companion = createCompanionDomain({ ...deps.companion, settings, emit: deps.emit, log: (line) => logger.info(line) })
  const emit = deps.emit
  const tools = createToolsDomain({
    userDataDir: deps.userDataDir,
    settings,
    host: { openExternal: deps.openExternal, ...deps.toolHost },
    pickFolder: deps.pickFolder,
    // The pill grows for the tool requests main holds (and never hides while one waits).
    emit: (event, payload) => {
      if (event === 'tools:pending') companion.service.pendingChanged(payload as EventPayload<'tools:pending'>)
      emit(event, payload)
    },
    log: (line) => logger.info(line),
  })
  // Tools turned off in Settings are not declared to the model.
  const toolDeclarations = () => {
    const off = settings.get().tools.disabled
    return tools.service.kit.registry.declarations().filter((d) => !off.includes(d.name))
  }
  const session = createSessionDomain({ settings, secrets, logger, toolDeclarations })
  const desktop = createDesktopDomain({ ...deps.desktop, settings, emit: deps.emit, notify, log: (line) => logger.info(line) })
  // The pill follows push-to-talk (a press shows it when the main window is out of sight) and the
  // microphone; the session status comes with desktop:reportSession below.
  desktop.service.ptt.onCommands((commands) => {
    if (commands.some((c) => c.type === 'start-capture')) companion.service.hotkeyPressed()
  })
  desktop.service.onChange((status) => companion.service.capture(status.ptt.capturing || status.alwaysListening.active))

  const handlers: Handlers = {
    'app:info': () => deps.appInfo,
    'app:notices': () => notices.list(),
    'app:dismissNotice': ({ id }) => notices.dismiss(id),
    'app:openExternal': async ({ url }) => {
      const check = checkExternalUrl(url)
      if (!check.ok) throw new IpcFailure('invalid_input', check.reason)
      await deps.openExternal(check.url)
      return undefined
    },
    'settings:get': () => settings.get(),
    'settings:update': ({ patch }) => settings.update(patch, { fromRenderer: true }),
    'settings:reset': () => settings.reset(),
    'keys:status': () => secrets.status(),
    'keys:set': ({ provider, key }) => {
      secrets.set(provider, key)
      logger.info(`keys: a ${provider} key was set`)
      return keyStatusChanged()
    },
    'keys:clear': ({ provider }) => {
      secrets.clear(provider)
      logger.info(`keys: the ${provider} key was cleared`)
      return keyStatusChanged()
    },
    'keys:allowPlaintext': ({ allow }) => {
      if (allow && deps.encryptor.isAvailable()) {
        throw new IpcFailure('invalid_input', 'This system encrypts keys; a plaintext file is never needed.')
      }
      settings.update({ secrets: { allowPlaintext: allow } }) // the key file follows (settings.onChange above)
      return secrets.status()
    },
    'app:openSettings': (input) => {
      if (!deps.openSettings) throw new IpcFailure('unavailable', 'The settings window is not available here.')
      deps.openSettings(input?.section ?? null)
      return undefined
    },
    ...session.handlers,
    // A key the provider refused (HTTP 401/403 at minting) turns the key card red until it changes.
    'session:start': async (input, context) => {
      const provider = input?.provider ?? settings.get().provider
      try {
        const started = await session.handlers['session:start'](input, context)
        if (provider !== 'demo' && secrets.markRejected(provider, false)) keyStatusChanged()
        return started
      } catch (error) {
        if (provider !== 'demo' && error instanceof IpcFailure && error.code === 'auth_failed' && secrets.getKey(provider) && secrets.markRejected(provider, true)) keyStatusChanged()
        throw error
      }
    },
    ...desktop.handlers,
    'desktop:reportSession': (report, context) => {
      companion.service.session(report.status, report.error)
      return desktop.handlers['desktop:reportSession'](report, context)
    },
    'desktop:showCompanion': ({ show }) => {
      companion.service.request(show)
      return undefined
    },
    ...tools.handlers,
    ...companion.handlers,
  }

  const dispose = async () => {
    desktop.service.stop()
    companion.service.dispose()
    tools.service.dispose()
    await session.dispose()
  }

  return { settings, secrets, notices, handlers, logger, desktop: desktop.service, tools: tools.service, companion: companion.service, dispose }
}

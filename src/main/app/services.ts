import type { AppInfo, SettingsSection } from '../../shared/ipc/channels/app'
import type { EventName, EventPayload } from '../../shared/ipc/contract'
import { IpcFailure } from '../../shared/ipc/envelope'
import { checkExternalUrl } from '../../shared/security/urls'
import { isKeyed, providerOf } from '../../shared/providers'
import { KEYED_PROVIDERS, type Settings } from '../../shared/settings/schema'
import { validatedEventSink } from '../ipc/events'
import type { Handlers } from '../ipc/router'
import { SecretsService, type Encryptor } from '../secrets/service'
import type { SettingsBackend } from '../settings/backend'
import { SettingsService } from '../settings/service'
import type { Logger } from './logger'
import { NoticeCenter } from './notices'
import { createSessionDomain } from '../s2s'
import { sessionSocketOrigins } from '../s2s/origins'
import { isOnboarding } from '../../shared/settings/onboarding'
import { createDesktopDomain, type DesktopPlatformDeps, type DesktopService } from '../desktop'
import { createToolsDomain, type PickFolder, type ToolsService } from '../tools/domain'
import { createMcpDomain, type ConfirmPort, type McpDomainDeps, type McpService, type PickFile } from '../mcp/domain'
import { McpTokenStore } from '../mcp/tokens'
import type { ToolHost } from '../tools/host'
import { createHistoryDomain, type HistoryService } from '../history'
import { ConfirmSurface, type ConfirmWindow } from '../security/confirm-surface'
import { alwaysListeningQuestion, isHelpLink, openLinkQuestion, plaintextQuestion, replaceKeyQuestion, settingsQuestions } from '../security/intents'
import { createCompanionDomain, type CompanionPlatformDeps, type CompanionService } from '../companion'
import { webrtcAllowed } from '../security/webrtc'

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
  /** A main-process yes/no dialog for MCP server changes; without one they are refused. */
  confirm?: ConfirmPort
  /** A native open-file dialog (MCP import); without one the import says it is unavailable. */
  pickFile?: PickFile
  /** MCP manager overrides (tests); MCP servers start on launch unless mcpAutoStart is false. */
  mcp?: McpDomainDeps['manager']
  mcpAutoStart?: boolean
  /**
   * Main's own confirmation window (src/main/electron/confirm-window.ts; a second page in the
   * browser harness). Without one, prompts wait until they time out.
   */
  confirmWindow?: ConfirmWindow
  /**
   * Reloads the voice window so it gets a fresh CSP: called when the provider moves to or from
   * Demo (the Demo server's port is in connect-src only while Demo is the provider).
   */
  reloadRenderer?: () => void
  /**
   * Opens the voice window anew: called when WebRTC becomes allowed or stops being allowed there
   * (src/main/security/webrtc.ts), since whether its page keeps RTCPeerConnection is fixed when
   * the window is created. Without it, a reload is the fallback.
   */
  reopenVoiceWindow?: () => void
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
  history: HistoryService
  mcp: McpService
  /** Main's confirmation surface: every trust decision is answered here, never by the voice window. */
  confirm: ConfirmSurface
  /**
   * Opens a link the page asked for (window.open, app:openExternal): help pages at once, any
   * other address after main's confirmation. Resolves whether it was opened.
   */
  openLink(url: string): Promise<boolean>
  /**
   * The renderer's socket origins for the CSP: the providers' hosts, plus the Demo server's exact
   * port while Demo is the provider (call prepareDemo() before the page loads).
   */
  socketOrigins(): string[]
  /** Starts the Demo server if Demo is the provider, so its port is known before the page loads. */
  prepareDemo(): Promise<void>
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

  /** A voice-window reopen held back while the window was onboarding (it would lose what was typed). */
  let heldReopen: (() => void) | null = null
  const keyStatusChanged = () => {
    const status = secrets.status()
    deps.emit('keys:changed', status)
    if (heldReopen && !isOnboarding(settings.get(), status)) {
      const reopen = heldReopen
      heldReopen = null
      setTimeout(reopen, 0) // after this reply has reached the window
    }
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

  const confirm = new ConfirmSurface({
    window: deps.confirmWindow,
    onChange: (prompts) => deps.emit('confirm:prompts', prompts),
    intentTimeoutSeconds: () => settings.get().tools.confirmTimeoutSeconds,
  })

  const openLink = async (url: string): Promise<boolean> => {
    const check = checkExternalUrl(url)
    if (!check.ok) throw new IpcFailure('invalid_input', check.reason)
    if (!isHelpLink(check.url) && !(await confirm.confirmIntent(openLinkQuestion(check.url)))) return false
    await deps.openExternal(check.url)
    return true
  }

  const companion = createCompanionDomain({ ...deps.companion, settings, emit: deps.emit, log: (line) => logger.info(line) })
  const emit = deps.emit
  const tools = createToolsDomain({
    confirm,
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
  const mcpTokens = new McpTokenStore({
    dir: deps.userDataDir,
    encryptor: deps.encryptor,
    plaintextAllowed: () => settings.get().secrets.allowPlaintext,
    onSecret: (value) => logger.addSecret(value),
    log: (line) => logger.warn(line),
  })
  const mcp = createMcpDomain({
    registry: tools.service.kit.registry,
    settings,
    tokens: mcpTokens,
    confirm: deps.confirm,
    pickFile: deps.pickFile,
    emit: deps.emit,
    log: (line) => logger.info(line),
    ...(deps.mcp ? { manager: deps.mcp } : {}),
  })
  // Servers start in the background: one that fails or hangs never holds up the app or a session.
  if (deps.mcpAutoStart !== false) void mcp.service.start()
  // Tools turned off in Settings are not declared to the model.
  const toolDeclarations = () => {
    const off = settings.get().tools.disabled
    return tools.service.kit.registry.declarations().filter((d) => !off.includes(d.name))
  }
  const session = createSessionDomain({
    settings,
    secrets,
    logger,
    toolDeclarations,
    carriedTurns: (id) => history.service.carried(id)?.turns ?? null,
  })
  const history = createHistoryDomain({
    userDataDir: deps.userDataDir,
    settings,
    notify,
    emitStatus: (status) => deps.emit('history:status', status),
    emitChanged: (id) => deps.emit('history:changed', { id }),
    log: (line) => logger.info(line),
    redact: (text) => {
      let out = text
      for (const provider of KEYED_PROVIDERS) {
        const key = secrets.getKey(provider)
        if (key && key.length >= 6) out = out.split(key).join('[redacted]')
      }
      return out
    },
  })
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
      if (!(await openLink(url))) throw new IpcFailure('denied', 'You did not confirm opening that address, so it was not opened.')
      return undefined
    },
    'settings:get': () => settings.get(),
    'settings:update': async ({ patch }) => {
      settings.check(patch, { fromRenderer: true }) // refused patches raise no question
      for (const question of settingsQuestions(settings.get(), patch)) {
        await confirm.require(question, 'You did not confirm that change, so the settings were not changed.')
      }
      return settings.update(patch, { fromRenderer: true })
    },
    'settings:reset': () => settings.reset(),
    'keys:status': () => secrets.status(),
    'keys:set': async ({ provider, key }) => {
      if (secrets.status().providers[provider].set) {
        await confirm.require(replaceKeyQuestion(provider), 'You did not confirm replacing the saved key, so it was kept.')
      }
      secrets.set(provider, key)
      logger.info(`keys: a ${provider} key was set`)
      return keyStatusChanged()
    },
    'keys:clear': ({ provider }) => {
      secrets.clear(provider)
      logger.info(`keys: the ${provider} key was cleared`)
      return keyStatusChanged()
    },
    'keys:allowPlaintext': async ({ allow }) => {
      if (allow && deps.encryptor.isAvailable()) {
        throw new IpcFailure('invalid_input', 'This system encrypts keys; a plaintext file is never needed.')
      }
      if (allow && !settings.get().secrets.allowPlaintext) {
        await confirm.require(plaintextQuestion(), 'You did not confirm the plain key file, so keys stay in memory only.')
      }
      settings.update({ secrets: { allowPlaintext: allow } }) // the key file follows (settings.onChange above)
      return secrets.status()
    },
    'app:openSettings': (input) => {
      if (!deps.openSettings) throw new IpcFailure('unavailable', 'The settings window is not available here.')
      deps.openSettings(input?.section ?? null)
      return undefined
    },
    'confirm:prompts': () => confirm.list(),
    'confirm:answer': ({ id, choice }) => {
      if (!confirm.answer(id, choice)) throw new IpcFailure('not_found', 'That question is no longer waiting (it was answered or it expired).')
      return confirm.list()
    },
    ...session.handlers,
    // A key the provider refused (HTTP 401/403 at minting) turns the key card red until it changes.
    'session:start': async (input, context) => {
      const provider = input?.provider ?? settings.get().provider
      try {
        const started = await session.handlers['session:start'](input, context)
        if (isKeyed(provider) && secrets.markRejected(provider, false)) keyStatusChanged()
        return started
      } catch (error) {
        if (isKeyed(provider) && error instanceof IpcFailure && error.code === 'auth_failed' && secrets.getKey(provider) && secrets.markRejected(provider, true)) keyStatusChanged()
        throw error
      }
    },
    ...desktop.handlers,
    'desktop:setAlwaysListening': async (input, context) => {
      if (input.enabled && !desktop.service.alwaysListening.status().enabled) {
        await confirm.require(alwaysListeningQuestion(), 'You did not confirm always-listening, so it stays off.')
      }
      return desktop.handlers['desktop:setAlwaysListening'](input, context)
    },
    ...history.handlers,
    ...mcp.handlers,
    'desktop:reportSession': (report, context) => {
      companion.service.session(report.status, report.error)
      return desktop.handlers['desktop:reportSession'](report, context)
    },
    'desktop:showCompanion': ({ show }) => {
      companion.service.request(show)
      return undefined
    },
    ...companion.handlers,
    ...tools.handlers,
  }

  const dispose = async () => {
    desktop.service.stop()
    companion.service.dispose()
    tools.service.dispose()
    confirm.dispose()
    history.dispose()
    await mcp.service.dispose()
    await session.dispose()
  }

  const socketOrigins = () => sessionSocketOrigins(settings.get(), { demoOrigin: session.demoOrigin() })
  const prepareDemo = async () => {
    if (providerOf(settings.get().provider).local) await session.prepareDemo()
  }
  let provider = settings.get().provider
  let webrtc = webrtcAllowed(settings.get())
  const originsOf = (value: Settings) => [...sessionSocketOrigins(value)].sort().join(' ')
  let origins = originsOf(settings.get())
  settings.onChange((value) => {
    const was = provider
    provider = value.provider
    const webrtcWas = webrtc
    webrtc = webrtcAllowed(value)
    // The page's CSP is fixed when it loads: a new set of provider hosts needs a fresh page.
    const originsWere = origins
    origins = originsOf(value)
    const reopen = webrtc !== webrtcWas ? (deps.reopenVoiceWindow ?? deps.reloadRenderer) : undefined
    // Onboarding (choosing a provider, typing its key) happens in the voice window: reopen it once a key is set.
    if (reopen && isOnboarding(value, secrets.status())) {
      heldReopen = () => void prepareDemo().then(() => reopen())
      return
    }
    heldReopen = null
    const renew = reopen ?? (providerOf(was).local !== providerOf(value.provider).local || origins !== originsWere ? deps.reloadRenderer : undefined)
    if (!renew) return
    void prepareDemo().then(() => renew())
  })

  return { settings, secrets, notices, handlers, logger, desktop: desktop.service, tools: tools.service, history: history.service, mcp: mcp.service, companion: companion.service, confirm, openLink, socketOrigins, prepareDemo, dispose }
}

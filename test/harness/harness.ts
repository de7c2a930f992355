import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'
import type { BrowserContext, ConsoleMessage, Page } from 'playwright-core'
import { createLogger, type Logger } from '../../src/main/app/logger'
import { createMainServices, type MainDeps, type MainServices } from '../../src/main/app/services'
import { createIpcRouter, type IpcRouter, type SenderInfo } from '../../src/main/ipc/router'
import type { Encryptor } from '../../src/main/secrets/service'
import { testEncryptor } from './encryptor'
import { readStaticFile } from '../../src/main/security/static'
import { buildCsp } from '../../src/shared/security/csp'
import { launchBrowser, type BrowserOptions } from './browser'
import type { SettingsSection } from '../../src/shared/ipc/channels/app'
import { isOnboarding } from '../../src/shared/settings/onboarding'

export const ROOT = resolve(import.meta.dirname, '../..')
export const RENDERER_DIR = join(ROOT, 'out/renderer')

export { testEncryptor }

let bridgeScript: Promise<string> | null = null
/** test/harness/bridge-entry.ts bundled to one script (the harness's preload). */
export function bridgeSource(): Promise<string> {
  bridgeScript ??= build({
    entryPoints: [join(import.meta.dirname, 'bridge-entry.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]!.text)
  return bridgeScript
}

/** Serves out/renderer over http://127.0.0.1:<port> with the app's own file resolver and CSP. */
export async function serveRenderer(csp: () => string): Promise<{ server: Server; origin: string }> {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    throw new Error('out/renderer is missing: run `npx electron-vite build` first (npm test does).')
  }
  const server = createServer((request, response) => {
    void readStaticFile(RENDERER_DIR, request.url ?? '/').then((file) => {
      if (file.status !== 200) {
        response.writeHead(file.status).end()
        return
      }
      response.writeHead(200, {
        'content-type': file.type,
        'content-security-policy': csp(),
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      })
      response.end(file.body)
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('no address')
  return { server, origin: `http://127.0.0.1:${address.port}` }
}

export interface IpcRecord {
  channel: string
  input: unknown
  reply: unknown
}

export interface HarnessOptions extends BrowserOptions {
  /** Reuse a user-data folder (to test restarts); a fresh temp folder otherwise. */
  userDataDir?: string
  encryptor?: Encryptor
  /** Extra ws: origins for the CSP (local simulators). */
  connectOrigins?: string[]
  /** Runs after the services exist and before the page loads (seed settings, keys...). */
  beforeLoad?: (services: MainServices) => void | Promise<void>
  deps?: Partial<MainDeps>
  /** Scripts run in the page before the app (test taps on Web APIs); they run outside the page's CSP, as the bridge does. */
  initScripts?: string[]
  /** Keep WebRTC in the page (what main's flag allows for a chosen WebRTC transport); removed by default, as in the app. */
  webrtc?: boolean
}

export interface Harness {
  page: Page
  context: BrowserContext
  services: MainServices
  router: IpcRouter
  origin: string
  userDataDir: string
  logFile: string
  logger: Logger
  /** Every IPC call the page made, with the envelope main returned. */
  ipc: IpcRecord[]
  /** Every console message and page error. */
  console: string[]
  /** Every event main emitted to the page, in order. */
  events: Array<{ event: string; payload: unknown }>
  /** Sends a main-to-renderer event to the page (what webContents.send does in the app). */
  emit: MainDeps['emit']
  /**
   * The settings window (a second page of the same origin at #settings, trusted by the router as
   * the app's own window, receiving main's events), once app:openSettings opened it.
   */
  settingsPage(): Promise<Page>
  /** Opens the settings window as main does on app:openSettings (tray, app menu). */
  openSettings(section?: SettingsSection | null): Promise<Page>
  /**
   * Main's confirmation window: a second page (confirm.html with its own bridge, sender 'confirm'),
   * opened when main shows the surface. Resolves once it is open and has loaded.
   */
  confirmPage(): Promise<Page>
  /**
   * Opens another of our windows in the same browser (e.g. '#companion' for the pill) at a
   * viewport size: it calls main through the same guard and receives every event.
   */
  openWindow(hash: string, size: { width: number; height: number }): Promise<Page>
  close(): Promise<void>
}

/**
 * The browser harness: the built renderer served on 127.0.0.1 in real Chromium, with
 * window.earshot provided by the same createEarshotApi as the preload, over a Playwright binding
 * that calls the SAME main-process handlers through the SAME IPC guard as the app.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const ownsDir = !options.userDataDir
  const userDataDir = options.userDataDir ?? mkdtempSync(join(tmpdir(), 'earshot-userdata-'))
  const logFile = join(userDataDir, 'logs', 'earshot.log')
  const logger = createLogger({ file: logFile })
  let page: Page | null = null
  /** The settings window's page, when open (it gets main's events too). */
  let settings: Page | null = null
  let settingsOpening: Promise<Page> | null = null
  const settingsWaiters: Array<(p: Page) => void> = []
  const pending: Array<[string, unknown]> = []
  const events: Array<{ event: string; payload: unknown }> = []
  let confirmPage: Page | null = null
  let confirmOpening: Promise<Page> | null = null
  let openConfirm: () => Promise<Page> = () => Promise.reject(new Error('the page is not served yet'))
  // Our windows: the main page, and any opened with openWindow (the companion pill). Events go to all.
  const ownPages = new Set<Page>()
  const send = (target: Page, event: string, payload: unknown) =>
    void target
      .evaluate(([e, p]) => (globalThis as unknown as { __earshotEmit?: (e: string, p: unknown) => void }).__earshotEmit?.(e, p), [event, payload] as [string, unknown])
      .catch(() => {})
  const emit: MainDeps['emit'] = (event, payload) => {
    events.push({ event, payload })
    if (settings && !settings.isClosed()) send(settings, event, payload)
    if (confirmPage && !confirmPage.isClosed()) send(confirmPage, event, payload)
    if (!page || page.isClosed()) {
      pending.push([event, payload])
    }
    for (const target of ownPages) if (!target.isClosed()) send(target, event, payload)
  }
  // What src/main/index.ts does on app:openSettings: one settings window, at #settings/<section>.
  let openSettingsWindow: (section: SettingsSection | null) => Promise<Page> = () => Promise.reject(new Error('the harness is not started'))
  const services = createMainServices({
    userDataDir,
    encryptor: options.encryptor ?? testEncryptor(),
    appInfo: { name: 'Earshot', version: '0.0.0-test', platform: 'linux' },
    openExternal: async () => {},
    emit,
    logger,
    openSettings: (section) => void openSettingsWindow(section).catch(() => {}),
    // Main's confirmation window, as a second page in the same browser.
    confirmWindow: {
      show: () => {
        confirmOpening ??= openConfirm()
        void confirmOpening.then((p) => p.bringToFront()).catch(() => {})
      },
      hide: () => {},
    },
    ...options.deps,
  })
  await options.beforeLoad?.(services)

  let origin = ''
  await services.prepareDemo() // as the app does before its page loads
  const csp = () => buildCsp({ connectOrigins: [...services.socketOrigins(), ...(options.connectOrigins ?? [])] })
  const served = await serveRenderer(csp)
  origin = served.origin
  const router = createIpcRouter({ handlers: services.handlers, trustedOrigins: () => [origin], log: (l) => logger.warn(l) })

  // A WebRTC call to a simulator on this machine: Chromium leaves loopback out of ICE unless told.
  const browser = await launchBrowser(options.webrtc ? { ...options, extraArgs: [...(options.extraArgs ?? []), '--allow-loopback-in-peer-connection'] } : options)
  const context = browser.context
  // What the app's permission check handler answers for its own origin (src/main/electron/security.ts):
  // the microphone is granted, so every window (the settings window too) may list the devices.
  if (!options.denyMicrophone && !options.noMicrophone) await context.grantPermissions(['microphone'], { origin })
  page = context.pages()[0] ?? (await context.newPage())
  const ownPage = page
  openConfirm = async () => {
    const opened = await context.newPage()
    confirmPage = opened
    opened.on('console', (message: ConsoleMessage) => consoleLines.push(`confirm ${message.type()}: ${message.text()}`))
    opened.on('pageerror', (error) => consoleLines.push(`confirm pageerror: ${error.message}`))
    await opened.setViewportSize({ width: 480, height: 300 })
    await opened.goto(`${origin}/confirm.html`)
    return opened
  }
  ownPages.add(page)
  const ipc: IpcRecord[] = []
  const consoleLines: string[] = []
  page.on('console', (message: ConsoleMessage) => consoleLines.push(`${message.type()}: ${message.text()}`))
  page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`))

  await context.exposeBinding('__earshotInvoke', async (source, channel: unknown, input: unknown) => {
    const frame = source.frame
    const sender: SenderInfo = {
      destroyed: source.page.isClosed() || frame.isDetached(),
      frameUrl: frame.isDetached() ? null : frame.url(),
      isMainFrame: frame === source.page.mainFrame(),
      isOwnWindow: ownPages.has(source.page) || (settings !== null && source.page === settings) || (confirmPage !== null && source.page === confirmPage),
      surface: confirmPage !== null && source.page === confirmPage ? 'confirm' : 'app',
    }
    const reply = await router.invoke(channel, sender, input)
    ipc.push({ channel: String(channel), input, reply })
    return reply
  })
  if (options.webrtc) await context.addInitScript({ content: 'globalThis.__earshotWebrtcAllowed = true' })
  await context.addInitScript({ content: await bridgeSource() })
  for (const content of options.initScripts ?? []) await context.addInitScript({ content })
  openSettingsWindow = async (section) => {
    if (isOnboarding(services.settings.get(), services.secrets.status())) return ownPage
    if (settings && !settings.isClosed()) {
      if (section) send(settings, 'app:settingsSection', { section })
      await settings.bringToFront()
      return settings
    }
    settingsOpening ??= (async () => {
      const opened = await context.newPage()
      opened.on('console', (message: ConsoleMessage) => consoleLines.push(`settings ${message.type()}: ${message.text()}`))
      opened.on('pageerror', (error) => consoleLines.push(`settings pageerror: ${error.message}`))
      settings = opened
      await opened.goto(`${origin}/index.html#settings${section ? `/${section}` : ''}`)
      opened.on('close', () => (settings = null))
      for (const waiter of settingsWaiters.splice(0)) waiter(opened)
      return opened
    })().finally(() => (settingsOpening = null))
    return settingsOpening
  }
  await page.goto(`${origin}/index.html`)
  for (const [event, payload] of pending.splice(0)) {
    void page.evaluate(([e, p]) => (globalThis as unknown as { __earshotEmit?: (e: string, p: unknown) => void }).__earshotEmit?.(e, p), [event, payload] as [string, unknown])
  }

  return {
    page,
    context,
    services,
    router,
    origin,
    userDataDir,
    logFile,
    logger,
    ipc,
    console: consoleLines,
    events,
    emit,
    settingsPage: () => (settings && !settings.isClosed() ? Promise.resolve(settings) : (settingsOpening ?? new Promise<Page>((resolve) => settingsWaiters.push(resolve)))),
    openSettings: (section = null) => openSettingsWindow(section),
    confirmPage: async () => {
      confirmOpening ??= openConfirm()
      const opened = await confirmOpening
      await opened.waitForLoadState('load')
      return opened
    },
    openWindow: async (hash, size) => {
      const extra = await context.newPage()
      extra.on('console', (message: ConsoleMessage) => consoleLines.push(`${hash} ${message.type()}: ${message.text()}`))
      extra.on('pageerror', (error) => consoleLines.push(`${hash} pageerror: ${error.message}`))
      await extra.setViewportSize(size)
      ownPages.add(extra)
      await extra.goto(`${origin}/index.html${hash}`)
      return extra
    },
    close: async () => {
      await browser.close()
      await services.dispose()
      await new Promise<void>((done) => served.server.close(() => done()))
      if (ownsDir) rmSync(userDataDir, { recursive: true, force: true })
    },
  }
}

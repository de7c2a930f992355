import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { channels, wireInvokeChannel } from '../../src/shared/ipc/contract'

/**
 * The composition root (src/main/index.ts) run under Node against a recording stand-in for the
 * 'electron' module. The real binary cannot run on the build machines; this proves the wiring the
 * app depends on: the privileged scheme, the sandbox, one guarded ipcMain handler per contract
 * channel, the window's webPreferences, the app:// handler with its CSP, the permission and
 * navigation locks. (test/e2e/electron.test.ts checks the same in real Electron where it exists.)
 */
const fake = vi.hoisted(() => {
  type Fn = (...args: unknown[]) => unknown
  const calls: Array<{ name: string; args: unknown[] }> = []
  const appHandlers = new Map<string, Fn[]>()
  const ipcHandlers = new Map<string, Fn>()
  const windows: Array<{ options: Record<string, unknown>; url: string | null; contents: Record<string, unknown>; window: BrowserWindow }> = []
  const contentsHandlers: Array<Map<string, Fn>> = []
  const openHandlers: Fn[] = []
  const state = {
    userData: '',
    protocolHandlers: new Map<string, Fn>(),
    permissionRequest: null as Fn | null,
    permissionCheck: null as Fn | null,
    devicePermission: null as Fn | null,
  }
  let readyResolve: () => void = () => {}
  const ready = new Promise<void>((resolve) => (readyResolve = resolve))

  /** Any property is a function that records its call and returns a harmless value. */
  const recorder = (prefix: string, overrides: Record<string, unknown> = {}): Record<string, unknown> =>
    new Proxy(overrides, {
      get(target, key) {
        if (key in target) return target[key as string]
        if (key === 'then') return undefined
        return (...args: unknown[]) => {
          calls.push({ name: `${prefix}.${String(key)}`, args })
          return undefined
        }
      },
    })

  const makeContents = (id: number) => {
    const handlers = new Map<string, Fn>()
    contentsHandlers.push(handlers)
    const contents: Record<string, unknown> = recorder(`webContents${id}`, {
      id,
      isDestroyed: () => false,
      on: (event: string, listener: Fn) => handlers.set(event, listener),
      once: (event: string, listener: Fn) => handlers.set(event, listener),
      setWindowOpenHandler: (handler: Fn) => openHandlers.push(handler),
      send: (...args: unknown[]) => calls.push({ name: 'webContents.send', args }),
    })
    contents.mainFrame = { url: 'app://earshot/index.html', isDestroyed: () => false, parent: null }
    return contents
  }

  class BrowserWindow {
    static all: BrowserWindow[] = []
    static getAllWindows = () => BrowserWindow.all
    static getFocusedWindow = () => null
    webContents: Record<string, unknown>
    handlers = new Map<string, Fn>()
    bounds = { x: 0, y: 0, width: 0, height: 0 }
    shown = 0
    hidden = 0
    alwaysOnTop: unknown[] = []
    constructor(options: Record<string, unknown>) {
      this.webContents = makeContents(windows.length + 1)
      this.bounds = { x: Number(options.x ?? 0), y: Number(options.y ?? 0), width: Number(options.width ?? 0), height: Number(options.height ?? 0) }
      windows.push({ options, url: null, contents: this.webContents, window: this })
      BrowserWindow.all.push(this)
      // Electron emits web-contents-created for every new webContents.
      for (const listener of appHandlers.get('web-contents-created') ?? []) listener({}, this.webContents)
    }
    loadURL(url: string) {
      windows.find((w) => w.window === this)!.url = url
      return Promise.resolve()
    }
    on(event: string, listener: Fn) {
      this.handlers.set(event, listener)
      return this
    }
    once(event: string, listener: Fn) {
      return this.on(event, listener)
    }
    isDestroyed = () => false
    isMinimized = () => false
    isVisible = () => true
    isFocused = () => false
    show = () => {}
    showInactive = () => void this.shown++
    hide = () => void this.hidden++
    focus = () => {}
    restore = () => {}
    getBounds = () => this.bounds
    setBounds = (bounds: { x: number; y: number; width: number; height: number }) => void (this.bounds = bounds)
    setAlwaysOnTop = (...args: unknown[]) => void (this.alwaysOnTop = args)
    setVisibleOnAllWorkspaces = () => {}
    setMenuBarVisibility = () => {}
  }

  const session = {
    defaultSession: {
      protocol: { handle: (scheme: string, handler: Fn) => state.protocolHandlers.set(scheme, handler) },
      setPermissionRequestHandler: (handler: Fn) => (state.permissionRequest = handler),
      setPermissionCheckHandler: (handler: Fn) => (state.permissionCheck = handler),
      setDevicePermissionHandler: (handler: Fn) => (state.devicePermission = handler),
      webRequest: recorder('webRequest'),
    },
  }

  const app = recorder('app', {
    isPackaged: true,
    whenReady: () => ready,
    requestSingleInstanceLock: () => true,
    enableSandbox: () => calls.push({ name: 'app.enableSandbox', args: [] }),
    getPath: (name: string) => (name === 'logs' ? join(state.userData, 'logs') : state.userData),
    getName: () => 'Earshot',
    getVersion: () => '9.9.9',
    getAppPath: () => process.cwd(),
    on: (event: string, listener: Fn) => appHandlers.set(event, [...(appHandlers.get(event) ?? []), listener]),
    commandLine: { getSwitchValue: () => '', appendSwitch: () => {}, hasSwitch: () => false },
    getLoginItemSettings: () => ({ openAtLogin: false }),
  })

  const electron = {
    app,
    BrowserWindow,
    session,
    protocol: recorder('protocol'),
    ipcMain: { handle: (channel: string, handler: Fn) => ipcHandlers.set(channel, handler) },
    shell: recorder('shell'),
    safeStorage: { isEncryptionAvailable: () => false, getSelectedStorageBackend: () => 'basic_text' },
    nativeTheme: { shouldUseDarkColors: false },
    Tray: class {
      on() {}
      setImage() {}
      setToolTip() {}
      setContextMenu() {}
      isDestroyed() {
        return false
      }
    },
    Menu: {
      buildFromTemplate: (template: unknown) => ({ template }),
      setApplicationMenu: (menu: { template: unknown }) => calls.push({ name: 'Menu.setApplicationMenu', args: [menu.template] }),
    },
    nativeImage: { createFromPath: (path: string) => ({ path, setTemplateImage() {} }) },
    Notification: Object.assign(
      class {
        show() {}
      },
      { isSupported: () => false },
    ),
    powerMonitor: recorder('powerMonitor'),
    systemPreferences: recorder('systemPreferences', { getMediaAccessStatus: () => 'granted', isTrustedAccessibilityClient: () => true }),
    globalShortcut: recorder('globalShortcut', { register: () => true, isRegistered: () => false }),
    clipboard: recorder('clipboard'),
    screen: {
      getCursorScreenPoint: () => ({ x: 2500, y: 600 }),
      getAllDisplays: () => [
        { id: 1, workArea: { x: 0, y: 25, width: 1440, height: 875 } },
        { id: 2, workArea: { x: 1440, y: 0, width: 2560, height: 1400 } },
      ],
    },
    dialog: recorder('dialog'),
  }
  return { electron, calls, appHandlers, ipcHandlers, windows, contentsHandlers, openHandlers, state, readyResolve: () => readyResolve() }
})

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }))

describe('the composition root, wired against a stand-in Electron', () => {
  beforeAll(async () => {
    fake.state.userData = mkdtempSync(join(tmpdir(), 'earshot-main-'))
    delete process.env.ELECTRON_RENDERER_URL
    // A packaged app finds its tray icons under process.resourcesPath (electron-builder's extraResources).
    ;(process as { resourcesPath?: string }).resourcesPath = join(process.cwd(), 'resources')
    await import('../../src/main/index')
    fake.readyResolve()
    await vi.waitFor(() => expect(fake.windows.length).toBeGreaterThan(0), { timeout: 10_000 })
  })
  afterAll(async () => {
    for (const listener of fake.appHandlers.get('will-quit') ?? []) listener({})
  })

  it('registers app:// as a privileged standard, secure scheme before ready, and sandboxes every renderer', () => {
    const register = fake.calls.find((c) => c.name === 'protocol.registerSchemesAsPrivileged')
    expect(register?.args[0]).toEqual([expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) })])
    expect(fake.calls.some((c) => c.name === 'app.enableSandbox')).toBe(true)
  })

  it('opens the main window from app://earshot with the security checklist webPreferences', () => {
    const main = fake.windows[0]!
    expect(main.url).toBe('app://earshot/index.html')
    expect(main.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: expect.stringMatching(/preload[\\/]index\.cjs$/),
    })
  })

  it('registers exactly one guarded ipcMain handler per contract channel', async () => {
    const expected = Object.keys(channels).map((name) => wireInvokeChannel(name as keyof typeof channels)).sort()
    expect([...fake.ipcHandlers.keys()].sort()).toEqual(expected)
    const handler = fake.ipcHandlers.get(wireInvokeChannel('app:info'))!
    const contents = fake.windows[0]!.contents
    const own = { sender: contents, senderFrame: contents.mainFrame }
    expect(await handler(own, undefined)).toEqual({ ok: true, value: { name: 'Earshot', version: '9.9.9', platform: expect.any(String) } })
    const iframe = { sender: contents, senderFrame: { url: 'app://earshot/index.html', isDestroyed: () => false } }
    expect(await handler(iframe, undefined)).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } })
    const foreign = { sender: contents, senderFrame: Object.assign({}, contents.mainFrame as object, { url: 'https://evil.example/' }) }
    // A navigated main frame: same frame object, other origin.
    ;(contents as { mainFrame: unknown }).mainFrame = foreign.senderFrame
    expect(await handler(foreign, undefined)).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } })
  })

  it('keeps the key write-only: without a keyring it tells the user and never returns the key', async () => {
    const contents = fake.windows[0]!.contents
    ;(contents as { mainFrame: unknown }).mainFrame = { url: 'app://earshot/index.html', isDestroyed: () => false, parent: null }
    const event = { sender: contents, senderFrame: contents.mainFrame }
    const set = await fake.ipcHandlers.get(wireInvokeChannel('keys:set'))!(event, { provider: 'openai', key: 'sk-composition-canary-123456' })
    expect(set).toMatchObject({ ok: true, value: { encryptionAvailable: false, providers: { openai: { set: true, storage: 'memory' } } } })
    expect(JSON.stringify(set)).not.toContain('sk-composition-canary')
    const notices = await fake.ipcHandlers.get(wireInvokeChannel('app:notices'))!(event, undefined)
    expect(JSON.stringify(notices)).toContain('encryption-unavailable')
  })

  it('serves the renderer from app://earshot with the CSP, and nothing from other hosts', async () => {
    const handler = fake.state.protocolHandlers.get('app')!
    const response = (await handler(new Request('app://earshot/index.html'))) as Response
    expect(response.status).toBe(200)
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'")
    expect(csp).toContain('wss://api.openai.com')
    expect(csp).not.toContain("'unsafe-eval'")
    expect(((await handler(new Request('app://other/index.html'))) as Response).status).toBe(404)
    expect(((await handler(new Request('app://earshot/../../package.json'))) as Response).status).not.toBe(200)
  })

  it('grants only the microphone, only to our origin, and answers permission checks the same way', () => {
    const decide = (permission: string, url: string, mediaTypes: string[]) =>
      new Promise<boolean>((resolve) => fake.state.permissionRequest!({}, permission, resolve, { requestingUrl: url, mediaTypes }))
    return Promise.all([
      expect(decide('media', 'app://earshot/index.html', ['audio'])).resolves.toBe(true),
      expect(decide('media', 'app://earshot/index.html', ['video'])).resolves.toBe(false),
      expect(decide('media', 'https://evil.example/', ['audio'])).resolves.toBe(false),
      expect(decide('geolocation', 'app://earshot/index.html', [])).resolves.toBe(false),
    ]).then(() => {
      expect(fake.state.permissionCheck!({}, 'media', 'app://earshot', { mediaType: 'audio' })).toBe(true)
      expect(fake.state.permissionCheck!({}, 'notifications', 'app://earshot', {})).toBe(false)
      expect(fake.state.devicePermission!({})).toBe(false)
    })
  })

  it('refuses navigation away and new windows in every webContents; a help link opens, any other waits for main\'s confirmation', async () => {
    const navigate = fake.contentsHandlers[0]!.get('will-navigate')!
    let prevented = false
    navigate({ preventDefault: () => (prevented = true) }, 'https://evil.example/')
    expect(prevented).toBe(true)
    prevented = false
    navigate({ preventDefault: () => (prevented = true) }, 'app://earshot/index.html#settings')
    expect(prevented).toBe(false)
    expect(fake.openHandlers[0]!({ url: 'https://example.com/' })).toEqual({ action: 'deny' })
    expect(fake.openHandlers[0]!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' })
    expect(fake.openHandlers[0]!({ url: 'https://platform.openai.com/api-keys' })).toEqual({ action: 'deny' })
    await vi.waitFor(() => expect(fake.calls.filter((c) => c.name === 'shell.openExternal').map((c) => c.args[0])).toContain('https://platform.openai.com/api-keys'))
    expect(fake.calls.filter((c) => c.name === 'shell.openExternal').map((c) => c.args[0])).not.toContain('https://example.com/')
  })

  it('opens the settings window from app:// at #settings/<section> with the same webPreferences, one at a time, and from the app menu', async () => {
    const contents = fake.windows[0]!.contents
    ;(contents as { mainFrame: unknown }).mainFrame = { url: 'app://earshot/index.html', isDestroyed: () => false, parent: null }
    const event = { sender: contents, senderFrame: contents.mainFrame }
    // A key is set (the key-custody test above), so this is past onboarding.
    const before = fake.windows.length
    expect(await fake.ipcHandlers.get(wireInvokeChannel('app:openSettings'))!(event, { section: 'audio' })).toEqual({ ok: true, value: undefined })
    expect(fake.windows.length).toBe(before + 1)
    const settings = fake.windows.at(-1)!
    expect(settings.url).toBe('app://earshot/index.html#settings/audio')
    expect(settings.options.webPreferences).toEqual(fake.windows[0]!.options.webPreferences)
    // Its webContents is one of ours: the router lets it call main like the voice window.
    const own = { sender: settings.contents, senderFrame: { url: 'app://earshot/index.html#settings/audio', isDestroyed: () => false, parent: null } }
    ;(settings.contents as { mainFrame: unknown }).mainFrame = own.senderFrame
    expect(await fake.ipcHandlers.get(wireInvokeChannel('app:info'))!(own, undefined)).toMatchObject({ ok: true })
    // Asked again (another section), the same window shows it: no second window.
    await fake.ipcHandlers.get(wireInvokeChannel('app:openSettings'))!(event, { section: 'tools' })
    expect(fake.windows.length).toBe(before + 1)
    expect(fake.calls.filter((c) => c.name === 'webContents.send').map((c) => c.args)).toContainEqual(['earshot-event:app:settingsSection', { section: 'tools' }])
    // The app menu has "Settings…" on Cmd/Ctrl+, and it opens the same window.
    const menu = fake.calls.find((c) => c.name === 'Menu.setApplicationMenu')?.args[0] as Array<{ submenu?: Array<{ label?: string; accelerator?: string; click?: () => void }> }>
    const item = menu.flatMap((m) => m.submenu ?? []).find((i) => i.label === 'Settings…')
    expect(item?.accelerator).toBe('CommandOrControl+,')
    item!.click!()
    expect(fake.windows.length).toBe(before + 1)
  })

  it('creates the companion pill on the first press while the main window is in the background: frameless, transparent, on top, sandboxed, ours', async () => {
    const contents = fake.windows[0]!.contents
    ;(contents as { mainFrame: unknown }).mainFrame = { url: 'app://earshot/index.html', isDestroyed: () => false, parent: null }
    const event = { sender: contents, senderFrame: contents.mainFrame }
    const before = fake.windows.length
    // The main window is not focused (isFocused false): a hotkey press shows the pill.
    expect(await fake.ipcHandlers.get(wireInvokeChannel('desktop:talk'))!(event, { action: 'down' })).toMatchObject({ ok: true })
    await fake.ipcHandlers.get(wireInvokeChannel('desktop:talk'))!(event, { action: 'up' })
    expect(fake.windows.length).toBe(before + 1)
    const pill = fake.windows.at(-1)!
    expect(pill.url).toBe('app://earshot/index.html#companion')
    expect(pill.options).toMatchObject({ frame: false, transparent: true, alwaysOnTop: true, skipTaskbar: true, resizable: false, show: false })
    expect(pill.options.webPreferences).toEqual(fake.windows[0]!.options.webPreferences)
    // Top centre of the display with the cursor (the right one, x 1440..4000).
    expect(pill.options).toMatchObject({ x: 1440 + (2560 - 400) / 2, y: 14, width: 400, height: 76 })
    expect(pill.window.alwaysOnTop).toEqual([true, expect.stringMatching(/floating|screen-saver/)])
    // It shows without taking focus once its page is ready.
    pill.window.handlers.get('ready-to-show')!()
    expect(pill.window.shown).toBe(1)
    // Its page may call main (it is one of our windows) and reads what to show from main.
    const own = { sender: pill.contents, senderFrame: pill.contents.mainFrame }
    expect(await fake.ipcHandlers.get(wireInvokeChannel('companion:view'))!(own, undefined)).toMatchObject({ ok: true, value: { visible: true, size: 'compact' } })
    // Dragging it is remembered; its close button hides it.
    pill.window.bounds = { x: 1500, y: 300, width: 400, height: 76 }
    pill.window.handlers.get(process.platform === 'linux' ? 'move' : 'moved')!()
    expect(await fake.ipcHandlers.get(wireInvokeChannel('companion:action'))!(own, { action: 'hide' })).toMatchObject({ ok: true })
    expect(pill.window.hidden).toBe(1)
  })
})

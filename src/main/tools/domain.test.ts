import { existsSync, mkdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { EventName } from '../../shared/ipc/contract'
import { defaultSettings, mergeSettings, SettingsSchema, type Settings } from '../../shared/settings/schema'
import type { HandlerContext } from '../ipc/router'
import { createToolsDomain, type PickFolder, type ToolsSettingsPort } from './domain'
import { ConfirmSurface } from '../security/confirm-surface'
import { tempDir } from './test-helpers'

const ctx = {} as HandlerContext
let dir: ReturnType<typeof tempDir>
beforeEach(() => (dir = tempDir()))
afterEach(() => dir.cleanup())

function memorySettings(initial: Settings = defaultSettings()): ToolsSettingsPort & { value: Settings } {
  const port = {
    value: initial,
    get: () => structuredClone(port.value),
    update: (patch: Record<string, unknown>) => (port.value = SettingsSchema.parse(mergeSettings(port.value, patch))),
  }
  return port
}

function setup(options: { pickFolder?: PickFolder; settings?: ReturnType<typeof memorySettings> } = {}) {
  const settings = options.settings ?? memorySettings()
  const events: Array<{ event: EventName; payload: unknown }> = []
  const openExternal = vi.fn().mockResolvedValue(undefined)
  const notify = vi.fn()
  const surface = new ConfirmSurface()
  const { service, handlers } = createToolsDomain({
    userDataDir: join(dir.path, 'data'),
    settings,
    confirm: surface,
    host: { openExternal, notify, documentsDir: join(dir.path, 'Documents') },
    pickFolder: options.pickFolder,
    emit: (event, payload) => events.push({ event, payload }),
  })
  return { service, handlers, settings, events, openExternal, notify, surface }
}

describe('tools domain (IPC handlers)', () => {
  it('lists the tools and runs a read-only call at once', async () => {
    const { handlers, service } = setup()
    expect((await handlers['tools:list'](undefined, ctx)).map((t) => t.name)).toContain('get_current_time')
    const r = await handlers['tools:execute']({ callId: 'c1', name: 'get_current_time', arguments: {} }, ctx)
    expect(r.status).toBe('ok')
    expect(JSON.parse(r.output)).toHaveProperty('iso')
    expect(await handlers['tools:audit']({ limit: 10 }, ctx)).toMatchObject([{ callId: 'c1', decidedBy: 'auto', outcome: 'ok' }])
    service.dispose()
  })

  it('holds an external call until main\'s confirmation window allows it (the card cannot), and never runs a call id twice', async () => {
    const { handlers, events, openExternal, service, surface } = setup()
    const pending = handlers['tools:execute']({ callId: 'c2', name: 'open_url', arguments: { url: 'https://example.com' } }, ctx)
    await vi.waitFor(() => expect(events.filter((e) => e.event === 'tools:pending')).toHaveLength(1))
    expect(await handlers['tools:pending'](undefined, ctx)).toMatchObject([{ callId: 'c2', name: 'open_url', summary: 'Open https://example.com/ in your browser.', alwaysAllowable: false }])
    expect(openExternal).not.toHaveBeenCalled()
    // The voice window's "allow" only shows main's window; the call keeps waiting.
    expect(await handlers['tools:decide']({ callId: 'c2', choice: 'allow_once' }, ctx)).toHaveLength(1)
    expect(surface.list().map((p) => p.question)).toEqual(['Earshot wants to open https://example.com/ in your browser. Allow?'])
    expect(surface.answer('c2', 'allow_once')).toBe(true)
    expect((await pending).status).toBe('ok')
    // The session reconnected and the provider sent the same call again: same answer, no second run.
    const again = await handlers['tools:execute']({ callId: 'c2', name: 'open_url', arguments: { url: 'https://example.com' } }, ctx)
    expect(again.status).toBe('ok')
    expect(openExternal).toHaveBeenCalledTimes(1)
    await expect(Promise.resolve().then(() => handlers['tools:decide']({ callId: 'c2', choice: 'deny' }, ctx))).rejects.toMatchObject({ code: 'not_found' })
    service.dispose()
  })

  it('stores Always allow (chosen on main\'s window, write tools only) in settings and lets the user revoke it', async () => {
    const { handlers, settings, notify, service, surface } = setup()
    const first = handlers['tools:execute']({ callId: 'a1', name: 'set_timer', arguments: { minutes: 1 } }, ctx)
    await vi.waitFor(() => expect(surface.list()).toHaveLength(1))
    expect(surface.list()[0]).toMatchObject({ alwaysAllowable: true })
    await expect(Promise.resolve().then(() => handlers['tools:decide']({ callId: 'a1', choice: 'always_allow' }, ctx))).rejects.toMatchObject({ code: 'forbidden' })
    surface.answer('a1', 'always_allow')
    expect((await first).status).toBe('ok')
    expect(settings.value.tools.alwaysAllow).toEqual(['set_timer'])
    expect((await handlers['tools:execute']({ callId: 'a2', name: 'set_timer', arguments: { minutes: 2 } }, ctx)).status).toBe('ok')
    expect((await handlers['tools:revokeAlwaysAllow']({ name: 'set_timer' }, ctx)).alwaysAllow).toEqual([])
    const asksAgain = handlers['tools:execute']({ callId: 'a3', name: 'set_timer', arguments: { minutes: 3 } }, ctx)
    await vi.waitFor(async () => expect(await handlers['tools:pending'](undefined, ctx)).toHaveLength(1))
    await handlers['tools:deny']({ callId: 'a3' }, ctx)
    expect((await asksAgain).status).toBe('denied')
    expect(service.timers().length).toBe(2)
    expect(notify).not.toHaveBeenCalled()
    service.dispose()
  })

  it('denies a confirmation nobody answers within settings.tools.confirmTimeoutSeconds', async () => {
    vi.useFakeTimers()
    try {
      const settings = memorySettings(SettingsSchema.parse({ tools: { confirmTimeoutSeconds: 5 } }))
      const { handlers, openExternal, service } = setup({ settings })
      const call = handlers['tools:execute']({ callId: 't1', name: 'open_url', arguments: { url: 'https://example.com' } }, ctx)
      await vi.advanceTimersByTimeAsync(4_900)
      expect(await handlers['tools:pending'](undefined, ctx)).toHaveLength(1)
      await vi.advanceTimersByTimeAsync(200)
      const result = await call
      expect(result.status).toBe('denied')
      expect(JSON.parse(result.output).error).toMatch(/did not answer/)
      expect(openExternal).not.toHaveBeenCalled()
      service.dispose()
    } finally {
      vi.useRealTimers()
    }
  })

  it('adds search folders only through the picker, as real paths, and removes them', async () => {
    const real = join(dir.path, 'Projects')
    mkdirSync(real)
    symlinkSync(real, join(dir.path, 'link'))
    const answers: Array<string | null> = [join(dir.path, 'link'), null, join(dir.path, 'missing')]
    const pickFolder = vi.fn<PickFolder>(async () => answers.shift() ?? null)
    const { handlers, settings, service } = setup({ pickFolder })
    expect((await handlers['tools:addSearchFolder'](undefined, ctx)).searchFolders).toEqual([real])
    expect((await handlers['tools:addSearchFolder'](undefined, ctx)).searchFolders).toEqual([real])
    await expect(Promise.resolve().then(() => handlers['tools:addSearchFolder'](undefined, ctx))).rejects.toMatchObject({ code: 'invalid_input' })
    expect(settings.value.tools.searchFolders).toEqual([real])
    await expect(Promise.resolve().then(() => handlers['tools:removeSearchFolder']({ path: '/elsewhere' }, ctx))).rejects.toMatchObject({ code: 'not_found' })
    expect((await handlers['tools:removeSearchFolder']({ path: real }, ctx)).searchFolders).toEqual([])
    service.dispose()
  })

  it('chooses and resets the notes folder, and says when no picker exists', async () => {
    const chosen = join(dir.path, 'My Notes')
    mkdirSync(chosen)
    const { handlers, service } = setup({ pickFolder: async () => chosen })
    expect((await handlers['tools:settings'](undefined, ctx)).notesFolderInUse).toBe(join(dir.path, 'Documents', 'Earshot Notes'))
    expect(await handlers['tools:chooseNotesFolder'](undefined, ctx)).toMatchObject({ notesFolder: chosen, notesFolderInUse: chosen })
    expect((await handlers['tools:resetNotesFolder'](undefined, ctx)).notesFolder).toBeNull()
    service.dispose()
    const bare = setup()
    await expect(Promise.resolve().then(() => bare.handlers['tools:chooseNotesFolder'](undefined, ctx))).rejects.toMatchObject({ code: 'unavailable' })
    bare.service.dispose()
  })

  it('lists and cancels timers, and tells the renderer when one fires', async () => {
    vi.useFakeTimers()
    try {
      const settings = memorySettings(SettingsSchema.parse({ tools: { alwaysAllow: ['set_timer'] } }))
      const { handlers, events, notify, service } = setup({ settings })
      await handlers['tools:execute']({ callId: 's1', name: 'set_timer', arguments: { seconds: 30, label: 'tea' } }, ctx)
      await handlers['tools:execute']({ callId: 's2', name: 'set_timer', arguments: { minutes: 5 } }, ctx)
      expect((await handlers['tools:timers'](undefined, ctx)).map((t) => t.label)).toEqual(['tea', 'Timer'])
      expect((await handlers['tools:cancelTimer']({ id: 't2' }, ctx)).map((t) => t.id)).toEqual(['t1'])
      await vi.advanceTimersByTimeAsync(30_000)
      expect(notify).toHaveBeenCalledWith({ title: 'Timer: tea', body: 'Your 30 seconds timer is done.' })
      expect(events.find((e) => e.event === 'tools:timerFired')?.payload).toEqual({ id: 't1', label: 'tea', late: false })
      service.dispose()
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('opening the notes folder', () => {
  it('creates the folder and hands it to the file manager', async () => {
    const openPath = vi.fn().mockResolvedValue(undefined)
    const { service, handlers } = (() => {
      const settings = memorySettings()
      return createToolsDomain({
        userDataDir: join(dir.path, 'data'),
        settings,
        host: { openPath, documentsDir: join(dir.path, 'Documents'), notify: null },
        emit: () => {},
      })
    })()
    await handlers['tools:openNotesFolder'](undefined, ctx)
    const folder = join(dir.path, 'Documents', 'Earshot Notes')
    expect(openPath).toHaveBeenCalledWith(folder)
    expect(existsSync(folder)).toBe(true)
    service.dispose()
  })
})

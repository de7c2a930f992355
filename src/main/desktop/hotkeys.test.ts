import { describe, expect, it } from 'vitest'
import { PushToTalk, type PttClock } from '../../shared/ptt/controller'
import type { ParsedHotkey } from '../../shared/ptt/accelerator'
import type { HotkeySink, HotkeySource, HotkeySourceKind, StartResult } from './hotkey-source'
import { HotkeyService } from './hotkeys'
import { GlobalShortcutSource } from './global-shortcut-source'

class FakeSource implements HotkeySource {
  sink: HotkeySink | null = null
  started: string[] = []
  stops = 0
  constructor(
    readonly kind: HotkeySourceKind,
    readonly sendsKeyUp: boolean,
    private readonly result: StartResult = { ok: true },
  ) {}
  async start(hotkey: ParsedHotkey, sink: HotkeySink) {
    this.started.push(hotkey.accelerator)
    if (this.result.ok) this.sink = sink
    return this.result
  }
  stop() {
    this.stops += 1
    this.sink = null
  }
}

const clock = (): PttClock & { set(t: number): void } => {
  let now = 0
  return { now: () => now, schedule: () => () => {}, set: (t) => (now = t) }
}

describe('HotkeyService', () => {
  it('Hold and Auto use the key-up source; its events drive the machine', async () => {
    const c = clock()
    const ptt = new PushToTalk('hold', c)
    const hold = new FakeSource('uiohook', true)
    const press = new FakeSource('globalShortcut', false)
    const service = new HotkeyService({ platform: 'linux', ptt, holdSource: hold, pressSource: press })
    const result = await service.apply('CommandOrControl+Shift+Space', 'hold')
    expect(result.ok).toBe(true)
    expect(result.status).toMatchObject({ backend: 'uiohook', holdAvailable: true, problems: [] })
    expect(press.started).toEqual([])
    hold.sink?.down()
    expect(ptt.capturing).toBe(true)
    c.set(1000)
    hold.sink?.up()
    expect(ptt.capturing).toBe(false)
  })

  it('falls back to globalShortcut (toggle) when uiohook cannot start, keeping the reason', async () => {
    const ptt = new PushToTalk('auto', clock())
    const hold = new FakeSource('uiohook', true, { ok: false, code: 'wayland', message: 'Wayland session' })
    const press = new FakeSource('globalShortcut', false)
    const service = new HotkeyService({ platform: 'linux', ptt, holdSource: hold, pressSource: press })
    const { status } = await service.apply('Control+Alt+Space', 'auto')
    expect(status.backend).toBe('globalShortcut')
    expect(status.holdAvailable).toBe(false)
    expect(status.problems).toEqual([{ code: 'wayland', message: 'Wayland session' }])
    expect(status.warnings.join()).toMatch(/toggles/)
    press.sink?.press()
    expect(ptt.state.phase).toBe('latched')
    press.sink?.press()
    expect(ptt.state.phase).toBe('idle')
  })

  it('Toggle prefers globalShortcut (it keeps the keys from the focused app)', async () => {
    const hold = new FakeSource('uiohook', true)
    const press = new FakeSource('globalShortcut', false)
    const service = new HotkeyService({ platform: 'win32', ptt: new PushToTalk('toggle', clock()), holdSource: hold, pressSource: press })
    const { status } = await service.apply('Control+Alt+T', 'toggle')
    expect(status.backend).toBe('globalShortcut')
    expect(hold.started).toEqual([])
  })

  it('reports a conflict from globalShortcut.register clearly, and says what to do', async () => {
    const shortcuts = { register: () => false, unregister: () => {} }
    const service = new HotkeyService({ platform: 'win32', ptt: new PushToTalk('toggle', clock()), pressSource: new GlobalShortcutSource(shortcuts) })
    const { status } = await service.apply('Control+Alt+T', 'toggle')
    expect(status.backend).toBe('none')
    expect(status.problems[0]).toEqual({ code: 'conflict', message: expect.stringMatching(/Control\+Alt\+T is already taken by another app/) })
    expect(status.problems.at(-1)?.message).toMatch(/earshot --toggle/)
  })

  it('refuses a hotkey that would swallow typing and keeps the old binding', async () => {
    const hold = new FakeSource('uiohook', true)
    const service = new HotkeyService({ platform: 'linux', ptt: new PushToTalk('hold', clock()), holdSource: hold })
    await service.apply('Control+Shift+Space', 'hold')
    const result = await service.apply('Space', 'hold')
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.reason).toMatch(/on its own/)
    expect(service.status().accelerator).toBe('CommandOrControl+Shift+Space'.replace('CommandOrControl', 'Control'))
    expect(hold.stops).toBe(0)
  })

  it('rebinding stops the previous backend and applies the new mode', async () => {
    const ptt = new PushToTalk('hold', clock())
    const hold = new FakeSource('uiohook', true)
    const service = new HotkeyService({ platform: 'linux', ptt, holdSource: hold })
    await service.apply('Control+Shift+Space', 'hold')
    await service.apply('Alt+F5', 'auto')
    expect(hold.stops).toBe(1)
    expect(hold.started).toEqual(['Control+Shift+Space', 'Alt+F5'])
    expect(ptt.state.mode).toBe('auto')
  })

  it('second-instance commands drive the machine whatever the backend', () => {
    const ptt = new PushToTalk('hold', clock())
    const service = new HotkeyService({ platform: 'linux', ptt })
    service.handleCommand('ptt-down')
    expect(ptt.state.phase).toBe('pressed')
    service.handleCommand('ptt-up')
    expect(ptt.state.phase).toBe('idle')
    service.handleCommand('toggle')
    expect(ptt.state.phase).toBe('latched')
    service.handleCommand('toggle')
    expect(ptt.state.phase).toBe('idle')
  })
})

describe('GlobalShortcutSource', () => {
  it('registers the canonical accelerator, fires press, and unregisters on stop', async () => {
    const registered = new Map<string, () => void>()
    const source = new GlobalShortcutSource({
      register: (a, cb) => (registered.set(a, cb), true),
      unregister: (a) => registered.delete(a),
    })
    const presses: number[] = []
    await source.start({ modifiers: ['ctrl', 'alt'], key: 'T', accelerator: 'Control+Alt+T' }, { down: () => {}, up: () => {}, press: () => presses.push(1) })
    registered.get('Control+Alt+T')?.()
    expect(presses).toEqual([1])
    source.stop()
    expect(registered.size).toBe(0)
  })

  it('treats a throwing register like a conflict', async () => {
    const source = new GlobalShortcutSource({ register: () => { throw new Error('bad') }, unregister: () => {} })
    expect(await source.start({ modifiers: ['ctrl'], key: 'T', accelerator: 'Control+T' }, { down() {}, up() {}, press() {} })).toMatchObject({ ok: false, code: 'conflict' })
  })
})

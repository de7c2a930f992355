import { describe, expect, it } from 'vitest'
import { parseAccelerator, type ParsedHotkey } from '../../shared/ptt/accelerator'
import { ACCESSIBILITY_HELP, UiohookSource, type UiohookKeyEvent, type UiohookLike } from './uiohook-source'
import type { DisplayStatus } from './x-display'

function hotkey(accelerator: string, platform: 'linux' | 'darwin' = 'linux'): ParsedHotkey {
  const parsed = parseAccelerator(accelerator, platform)
  if ('error' in parsed) throw new Error(parsed.error)
  return parsed
}

class FakeHook implements UiohookLike {
  readonly listeners = { keydown: new Set<(e: UiohookKeyEvent) => void>(), keyup: new Set<(e: UiohookKeyEvent) => void>() }
  starts = 0
  stops = 0
  on(event: 'keydown' | 'keyup', listener: (e: UiohookKeyEvent) => void) {
    this.listeners[event].add(listener)
  }
  removeListener(event: 'keydown' | 'keyup', listener: (e: UiohookKeyEvent) => void) {
    this.listeners[event].delete(listener)
  }
  start() {
    this.starts += 1
  }
  stop() {
    this.stops += 1
  }
  emit(event: 'keydown' | 'keyup', keycode: number, time: number, mods: Partial<Record<'ctrlKey' | 'altKey' | 'shiftKey' | 'metaKey', boolean>> = {}) {
    const e: UiohookKeyEvent = { keycode, time, ctrlKey: false, altKey: false, shiftKey: false, metaKey: false, ...mods }
    for (const l of this.listeners[event]) l(e)
  }
}

const usable: DisplayStatus = { usable: true, display: ':9' }
const CTRL = 29
const SHIFT = 42
const SPACE = 57

function setup(options: { platform?: NodeJS.Platform; display?: DisplayStatus; trusted?: boolean; loadThrows?: boolean } = {}) {
  const hook = new FakeHook()
  const events: string[] = []
  const probes: number[] = []
  const prompts: boolean[] = []
  const source = new UiohookSource({
    platform: options.platform ?? 'linux',
    load: () => {
      if (options.loadThrows) throw new Error('no native module')
      return hook
    },
    probeDisplay: async () => {
      probes.push(1)
      return options.display ?? usable
    },
    isAccessibilityTrusted: (prompt) => {
      prompts.push(prompt)
      return options.trusted ?? false
    },
  })
  const sink = { down: () => events.push('down'), up: () => events.push('up'), press: () => events.push('press') }
  return { hook, events, probes, prompts, source, sink }
}

describe('UiohookSource', () => {
  it('never loads or starts uiohook when the X display is not usable', async () => {
    for (const problem of ['no-display', 'wayland', 'unreachable', 'refused'] as const) {
      const { hook, sink } = setup()
      let loaded = false
      const guarded = new UiohookSource({ platform: 'linux', load: () => ((loaded = true), hook), probeDisplay: async () => ({ usable: false, problem, message: `because ${problem}` }) })
      const result = await guarded.start(hotkey('Control+Shift+Space'), sink)
      expect(result).toEqual({ ok: false, code: problem, message: `because ${problem}` })
      expect(loaded).toBe(false)
      expect(hook.starts).toBe(0)
    }
  })

  it('on macOS asks for Accessibility trust first (with the prompt) and explains how to grant it', async () => {
    const { hook, source, sink, prompts } = setup({ platform: 'darwin', trusted: false })
    const result = await source.start(hotkey('Command+Shift+Space', 'darwin'), sink)
    expect(result).toEqual({ ok: false, code: 'accessibility', message: ACCESSIBILITY_HELP })
    expect(ACCESSIBILITY_HELP).toMatch(/Privacy & Security > Accessibility/)
    expect(prompts).toEqual([true])
    expect(hook.starts).toBe(0)
    await source.start(hotkey('Command+Shift+Space', 'darwin'), sink) // a retry does not prompt again
    expect(prompts).toEqual([true, false])
    const trusted = setup({ platform: 'darwin', trusted: true })
    expect(await trusted.source.start(hotkey('Command+Shift+Space', 'darwin'), trusted.sink)).toEqual({ ok: true })
    expect(trusted.hook.starts).toBe(1)
    expect(trusted.probes).toEqual([]) // no X display check on macOS
  })

  it('reports a native load failure instead of throwing', async () => {
    const { source, sink } = setup({ loadThrows: true })
    expect(await source.start(hotkey('Control+Shift+Space'), sink)).toMatchObject({ ok: false, code: 'load-failed' })
  })

  it('refuses keys uiohook cannot watch', async () => {
    const { source, sink, hook } = setup()
    expect(await source.start(hotkey('Control+MediaPlayPause'), sink)).toMatchObject({ ok: false, code: 'unsupported-key' })
    expect(hook.starts).toBe(0)
  })

  it('turns the stream into one down and one up per press, repeats and other keys ignored', async () => {
    const { hook, source, sink, events } = setup()
    expect(await source.start(hotkey('Control+Shift+Space'), sink)).toEqual({ ok: true })
    const mods = { ctrlKey: true, shiftKey: true }
    hook.emit('keydown', CTRL, 0, { ctrlKey: true })
    hook.emit('keydown', SHIFT, 10, mods)
    hook.emit('keydown', SPACE, 20, { ctrlKey: true }) // without Shift: not our hotkey
    hook.emit('keyup', SPACE, 25, { ctrlKey: true })
    expect(events).toEqual([])
    hook.emit('keydown', SPACE, 30, mods)
    for (let t = 690; t < 2000; t += 40) hook.emit('keydown', SPACE, t, mods) // auto-repeat
    hook.emit('keydown', 30, 2000, mods) // another key while held
    expect(events).toEqual(['down'])
    hook.emit('keyup', SPACE, 2010, mods)
    hook.emit('keyup', SPACE, 2011, mods) // duplicate
    expect(events).toEqual(['down', 'up'])
  })

  it('releasing a modifier of the hotkey ends the press', async () => {
    const { hook, source, sink, events } = setup()
    await source.start(hotkey('Control+Shift+Space'), sink)
    hook.emit('keydown', SPACE, 0, { ctrlKey: true, shiftKey: true })
    hook.emit('keyup', 3613, 500, { shiftKey: true }) // right Ctrl released
    expect(events).toEqual(['down', 'up'])
  })

  it('a fresh press of a key believed held means its key-up was lost: up, then down', async () => {
    const { hook, source, sink, events } = setup()
    await source.start(hotkey('Control+Shift+Space'), sink)
    const mods = { ctrlKey: true, shiftKey: true }
    hook.emit('keydown', SPACE, 1000, mods)
    hook.emit('keydown', SPACE, 9000, mods) // the key-up between was lost
    expect(events).toEqual(['down', 'up', 'down'])
  })

  it('uses the events\' own clock: a burst of late-delivered repeats is still auto-repeat', async () => {
    const { hook, source, sink, events } = setup()
    await source.start(hotkey('Control+Shift+Space'), sink)
    const mods = { ctrlKey: true, shiftKey: true }
    hook.emit('keydown', SPACE, 100_000, mods)
    // X11 delivered these in one burst seconds later; their timestamps are 40 ms apart
    for (let t = 100_660; t < 105_000; t += 40) hook.emit('keydown', SPACE, t, mods)
    expect(events).toEqual(['down'])
  })

  it('stop() ends a held press, removes its listeners and stops uiohook; start after stop starts again', async () => {
    const { hook, source, sink, events } = setup()
    await source.start(hotkey('Control+Shift+Space'), sink)
    hook.emit('keydown', SPACE, 0, { ctrlKey: true, shiftKey: true })
    source.stop()
    expect(events).toEqual(['down', 'up'])
    expect(hook.stops).toBe(1)
    expect(hook.listeners.keydown.size).toBe(0)
    await source.start(hotkey('Alt+F1'), sink)
    expect(hook.starts).toBe(2)
    hook.emit('keydown', 59, 10, { altKey: true })
    expect(events).toEqual(['down', 'up', 'down'])
  })

  it('switching hotkeys while started does not start uiohook twice (even when asked concurrently)', async () => {
    const { hook, source, sink } = setup()
    await Promise.all([source.start(hotkey('Control+Shift+Space'), sink), source.start(hotkey('Alt+F2'), sink)])
    expect(hook.starts).toBe(1)
    expect(hook.listeners.keydown.size).toBe(1)
  })
})

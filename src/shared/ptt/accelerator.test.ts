import { describe, expect, it } from 'vitest'
import { acceleratorFromKeyPress, checkHotkey, parseAccelerator } from './accelerator'

describe('parseAccelerator', () => {
  it('resolves CommandOrControl per platform and normalises spelling and order', () => {
    expect(parseAccelerator('shift+cmdorctrl+space', 'linux')).toEqual({ modifiers: ['ctrl', 'shift'], key: 'Space', accelerator: 'CommandOrControl+Shift+Space' })
    expect(parseAccelerator('CommandOrControl+Shift+Space', 'darwin')).toEqual({ modifiers: ['meta', 'shift'], key: 'Space', accelerator: 'CommandOrControl+Shift+Space' })
    expect(parseAccelerator('Option+Cmd+f13', 'darwin')).toEqual({ modifiers: ['meta', 'alt'], key: 'F13', accelerator: 'Command+Alt+F13' })
    expect(parseAccelerator('Ctrl+Alt+Return', 'win32')).toMatchObject({ key: 'Enter', accelerator: 'Control+Alt+Enter' })
    expect(parseAccelerator('Super+k', 'linux')).toMatchObject({ modifiers: ['meta'], key: 'K' })
  })

  it('rejects malformed accelerators with a reason', () => {
    for (const bad of ['', 'Ctrl+', 'Ctrl+Shift', 'Ctrl+A+B', 'A+Ctrl', 'Ctrl+Ctrl+A', 'Ctrl+Hyper', 'Ctrl++']) {
      const result = parseAccelerator(bad, 'linux')
      expect(result, bad).toHaveProperty('error')
    }
  })
})

describe('checkHotkey', () => {
  it('accepts combinations that cannot collide with typing', () => {
    for (const ok of ['CommandOrControl+Shift+Space', 'Alt+Space', 'Control+Alt+T', 'Super+J', 'F13', 'F24', 'MediaPlayPause', 'Shift+F9', 'Control+num5']) {
      const result = checkHotkey(ok, 'linux')
      expect(result.ok, ok).toBe(true)
    }
  })

  it('rejects keys that would swallow ordinary typing, saying why', () => {
    const cases: [string, RegExp][] = [
      ['A', /on its own/],
      ['7', /on its own/],
      ['Space', /on its own/],
      ['Enter', /on its own/],
      ['Tab', /on its own/],
      ['/', /on its own/],
      ['Shift+A', /Shift\+A types a character/],
      ['Shift+Space', /types a character/],
      ['AltGr+E', /keyboard layouts/],
      ['num4', /on its own/],
    ]
    for (const [accelerator, reason] of cases) {
      const result = checkHotkey(accelerator, 'win32')
      expect(result.ok, accelerator).toBe(false)
      if (!result.ok) expect(result.reason, accelerator).toMatch(reason)
    }
  })

  it('Option+letter is refused on macOS (it types special characters) but Alt+letter is fine elsewhere', () => {
    const mac = checkHotkey('Option+E', 'darwin')
    expect(mac.ok).toBe(false)
    if (!mac.ok) expect(mac.reason).toMatch(/Option\+E types a special character/)
    expect(checkHotkey('Alt+E', 'win32').ok).toBe(true)
    expect(checkHotkey('Command+Option+E', 'darwin').ok).toBe(true)
  })

  it('warns about bare F1-F12', () => {
    const result = checkHotkey('F5', 'linux')
    expect(result.ok).toBe(true)
    if (result.ok) expect(result.warnings.join()).toMatch(/F5 alone/)
    const quiet = checkHotkey('F15', 'linux')
    expect(quiet.ok).toBe(true)
    if (quiet.ok) expect(quiet.warnings).toEqual([])
  })
})

describe('acceleratorFromKeyPress (the settings UI captures a hotkey by pressing it)', () => {
  const press = (code: string, mods: Partial<Record<'ctrlKey' | 'altKey' | 'shiftKey' | 'metaKey', boolean>> = {}) => ({ code, ctrlKey: false, altKey: false, shiftKey: false, metaKey: false, ...mods })

  it('builds an accelerator from the physical key and the modifiers, portable across platforms', () => {
    expect(acceleratorFromKeyPress(press('Space', { ctrlKey: true, shiftKey: true }), 'linux')).toBe('CommandOrControl+Shift+Space')
    expect(acceleratorFromKeyPress(press('Space', { metaKey: true, shiftKey: true }), 'darwin')).toBe('CommandOrControl+Shift+Space')
    expect(acceleratorFromKeyPress(press('KeyK', { ctrlKey: true, altKey: true }), 'win32')).toBe('CommandOrControl+Alt+K')
    expect(acceleratorFromKeyPress(press('KeyK', { ctrlKey: true }), 'darwin')).toBe('Control+K')
    expect(acceleratorFromKeyPress(press('KeyJ', { metaKey: true }), 'linux')).toBe('Super+J')
    expect(acceleratorFromKeyPress(press('Digit1', { altKey: true, shiftKey: true }), 'linux')).toBe('Alt+Shift+1')
    expect(acceleratorFromKeyPress(press('F13'), 'linux')).toBe('F13')
    expect(acceleratorFromKeyPress(press('Numpad5', { ctrlKey: true }), 'linux')).toBe('CommandOrControl+num5')
    expect(acceleratorFromKeyPress(press('ArrowUp', { ctrlKey: true, altKey: true }), 'linux')).toBe('CommandOrControl+Alt+Up')
  })

  it('returns null while only modifiers are down or for keys accelerators cannot name', () => {
    for (const code of ['ControlLeft', 'ShiftRight', 'AltLeft', 'MetaLeft', 'IntlBackslash', 'Fn', '']) expect(acceleratorFromKeyPress(press(code, { ctrlKey: true }), 'linux'), code).toBeNull()
  })

  it('every accelerator it builds parses, and the validation verdict applies to it', () => {
    const codes = ['KeyA', 'Digit0', 'Space', 'Enter', 'F5', 'F20', 'Slash', 'Numpad1', 'ArrowLeft', 'MediaPlayPause']
    for (const code of codes) {
      for (const mods of [{}, { ctrlKey: true }, { shiftKey: true }, { altKey: true, metaKey: true }]) {
        for (const platform of ['linux', 'darwin', 'win32'] as const) {
          const accelerator = acceleratorFromKeyPress(press(code, mods), platform)
          expect(accelerator, `${code} ${JSON.stringify(mods)}`).not.toBeNull()
          expect(parseAccelerator(accelerator!, platform), accelerator!).not.toHaveProperty('error')
        }
      }
    }
    expect(checkHotkey(acceleratorFromKeyPress(press('KeyA'), 'linux')!, 'linux').ok).toBe(false)
  })
})

import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { parseAccelerator } from '../../shared/ptt/accelerator'
import { MODIFIER_KEYCODES, toUiohookHotkey, uiohookKeycode } from './keycodes'

// The real table from uiohook-napi (loading it loads the native module but starts nothing).
const { UiohookKey } = createRequire(import.meta.url)('uiohook-napi') as { UiohookKey: Record<string, number> }

describe('accelerator keys -> uiohook keycodes', () => {
  it('match uiohook-napi\'s own UiohookKey table', () => {
    const pairs: [string, string][] = [
      ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split('').map((k): [string, string] => [k, k]),
      ...Array.from({ length: 24 }, (_, i): [string, string] => [`F${i + 1}`, `F${i + 1}`]),
      ['Space', 'Space'], ['Tab', 'Tab'], ['Enter', 'Enter'], ['Backspace', 'Backspace'], ['Escape', 'Escape'],
      ['Delete', 'Delete'], ['Insert', 'Insert'], ['Home', 'Home'], ['End', 'End'], ['PageUp', 'PageUp'], ['PageDown', 'PageDown'],
      ['Up', 'ArrowUp'], ['Down', 'ArrowDown'], ['Left', 'ArrowLeft'], ['Right', 'ArrowRight'], ['PrintScreen', 'PrintScreen'],
      ['num0', 'Numpad0'], ['num9', 'Numpad9'], ['nummult', 'NumpadMultiply'], ['numadd', 'NumpadAdd'], ['numsub', 'NumpadSubtract'],
      ['numdec', 'NumpadDecimal'], ['numdiv', 'NumpadDivide'], ['Capslock', 'CapsLock'], ['Numlock', 'NumLock'], ['Scrolllock', 'ScrollLock'],
      [';', 'Semicolon'], ['=', 'Equal'], [',', 'Comma'], ['-', 'Minus'], ['.', 'Period'], ['/', 'Slash'], ['`', 'Backquote'],
      ['[', 'BracketLeft'], ['\\', 'Backslash'], [']', 'BracketRight'], ["'", 'Quote'],
    ]
    for (const [accel, name] of pairs) expect(uiohookKeycode(accel), accel).toBe(UiohookKey[name])
    expect(MODIFIER_KEYCODES).toEqual({
      ctrl: [UiohookKey.Ctrl, UiohookKey.CtrlRight],
      alt: [UiohookKey.Alt, UiohookKey.AltRight],
      shift: [UiohookKey.Shift, UiohookKey.ShiftRight],
      meta: [UiohookKey.Meta, UiohookKey.MetaRight],
    })
  })

  it('resolves modifiers per platform and refuses what uiohook cannot watch', () => {
    const mac = parseAccelerator('CommandOrControl+Shift+Space', 'darwin')
    const linux = parseAccelerator('CommandOrControl+Shift+Space', 'linux')
    if ('error' in mac || 'error' in linux) throw new Error('parse')
    expect(toUiohookHotkey(mac)).toEqual({ keycode: 57, ctrl: false, alt: false, shift: true, meta: true })
    expect(toUiohookHotkey(linux)).toEqual({ keycode: 57, ctrl: true, alt: false, shift: true, meta: false })
    for (const accel of ['Control+MediaPlayPause', 'AltGr+F1', 'Control+VolumeUp']) {
      const parsed = parseAccelerator(accel, 'linux')
      if ('error' in parsed) throw new Error(parsed.error)
      expect(toUiohookHotkey(parsed), accel).toBeNull()
    }
  })
})

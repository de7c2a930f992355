import { own } from '../../shared/own'
import type { Modifier, ParsedHotkey } from '../../shared/ptt/accelerator'

/**
 * Electron accelerator keys -> libuiohook virtual keycodes (the values of uiohook-napi's
 * UiohookKey, copied so that this mapping does not load the native module).
 */
const LETTERS: Record<string, number> = {
  A: 30, B: 48, C: 46, D: 32, E: 18, F: 33, G: 34, H: 35, I: 23, J: 36, K: 37, L: 38, M: 50,
  N: 49, O: 24, P: 25, Q: 16, R: 19, S: 31, T: 20, U: 22, V: 47, W: 17, X: 45, Y: 21, Z: 44,
}
const DIGITS: Record<string, number> = { '0': 11, '1': 2, '2': 3, '3': 4, '4': 5, '5': 6, '6': 7, '7': 8, '8': 9, '9': 10 }
const FKEYS: number[] = [59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 87, 88, 91, 92, 93, 99, 100, 101, 102, 103, 104, 105, 106, 107]
const NAMED: Record<string, number> = {
  Space: 57, Tab: 15, Enter: 28, Backspace: 14, Escape: 1, Capslock: 58, Numlock: 69, Scrolllock: 70,
  Delete: 3667, Insert: 3666, Home: 3655, End: 3663, PageUp: 3657, PageDown: 3665,
  Up: 57416, Down: 57424, Left: 57419, Right: 57421, PrintScreen: 3639,
  num0: 82, num1: 79, num2: 80, num3: 81, num4: 75, num5: 76, num6: 77, num7: 71, num8: 72, num9: 73,
  nummult: 55, numadd: 78, numsub: 74, numdec: 83, numdiv: 3637,
  ';': 39, '=': 13, ',': 51, '-': 12, '.': 52, '/': 53, '`': 41, '[': 26, '\\': 43, ']': 27, "'": 40,
}

/** Modifier keycodes (left and right) for each modifier. */
export const MODIFIER_KEYCODES: Record<Exclude<Modifier, 'altgr'>, readonly number[]> = {
  ctrl: [29, 3613],
  alt: [56, 3640],
  shift: [42, 54],
  meta: [3675, 3676],
}

/** The uiohook keycode of an accelerator key, or null when uiohook cannot watch it. */
export function uiohookKeycode(key: string): number | null {
  const known = own(LETTERS, key) ?? own(DIGITS, key)
  if (known !== undefined) return known
  const fn = /^F(\d{1,2})$/.exec(key)
  if (fn) return FKEYS[Number(fn[1]) - 1] ?? null
  return own(NAMED, key) ?? null
}

export interface UiohookHotkey {
  keycode: number
  ctrl: boolean
  alt: boolean
  shift: boolean
  meta: boolean
}

/** The hotkey in uiohook's terms; null when it has a key or modifier uiohook cannot watch (media keys, AltGr). */
export function toUiohookHotkey(hotkey: ParsedHotkey): UiohookHotkey | null {
  if (hotkey.modifiers.includes('altgr')) return null
  const keycode = uiohookKeycode(hotkey.key)
  if (keycode === null) return null
  const has = (m: Modifier) => hotkey.modifiers.includes(m)
  return { keycode, ctrl: has('ctrl'), alt: has('alt'), shift: has('shift'), meta: has('meta') }
}

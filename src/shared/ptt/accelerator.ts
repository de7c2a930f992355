import { own } from '../own'
/**
 * Hotkeys as Electron accelerators ("CommandOrControl+Shift+Space"): parsing, normalising and the
 * rule that a global hotkey must never swallow ordinary typing. Pure, so the settings UI can
 * validate a captured key the same way main does.
 */

export type HotkeyPlatform = 'darwin' | 'win32' | 'linux' | 'other'
export type Modifier = 'ctrl' | 'alt' | 'shift' | 'meta' | 'altgr'

export interface ParsedHotkey {
  /** Concrete modifiers for the platform (CommandOrControl resolved). */
  modifiers: Modifier[]
  /** The one non-modifier key, in Electron's canonical spelling ("Space", "A", "F13", "Up"). */
  key: string
  /** The accelerator written back in canonical form. */
  accelerator: string
}

export type HotkeyCheck =
  | { ok: true; hotkey: ParsedHotkey; warnings: string[] }
  | { ok: false; reason: string }

const MODIFIER_ALIASES: Record<string, Modifier | 'cmdorctrl'> = {
  command: 'meta',
  cmd: 'meta',
  super: 'meta',
  meta: 'meta',
  control: 'ctrl',
  ctrl: 'ctrl',
  commandorcontrol: 'cmdorctrl',
  cmdorctrl: 'cmdorctrl',
  alt: 'alt',
  option: 'alt',
  altgr: 'altgr',
  shift: 'shift',
}

const NAMED_KEYS = [
  'Space', 'Tab', 'Capslock', 'Numlock', 'Scrolllock', 'Backspace', 'Delete', 'Insert', 'Enter', 'Up', 'Down',
  'Left', 'Right', 'Home', 'End', 'PageUp', 'PageDown', 'Escape', 'VolumeUp', 'VolumeDown', 'VolumeMute',
  'MediaNextTrack', 'MediaPreviousTrack', 'MediaStop', 'MediaPlayPause', 'PrintScreen', 'Pause',
  'num0', 'num1', 'num2', 'num3', 'num4', 'num5', 'num6', 'num7', 'num8', 'num9',
  'numdec', 'numadd', 'numsub', 'nummult', 'numdiv', 'Plus',
] as const

const KEY_ALIASES: Record<string, string> = {
  return: 'Enter',
  esc: 'Escape',
  del: 'Delete',
  ins: 'Insert',
  spacebar: 'Space',
  ' ': 'Space',
  '+': 'Plus',
}

const PUNCTUATION = [')', '!', '@', '#', '$', '%', '^', '&', '*', '(', ':', ';', '<', '=', '>', '?', ',', '-', '_', '.', '/', '~', '`', '{', ']', '[', '|', '\\', '}', '"', "'"]

const canonicalNamed = new Map(NAMED_KEYS.map((name) => [name.toLowerCase(), name as string]))

/** Keys that type something, move the caret or submit: never a global hotkey on their own. */
export function isTypingKey(key: string): boolean {
  return (
    /^[A-Z0-9]$/.test(key) ||
    PUNCTUATION.includes(key) ||
    key === 'Plus' ||
    /^num(\d|dec|add|sub|mult|div)$/.test(key) ||
    ['Space', 'Enter', 'Tab', 'Backspace', 'Delete', 'Insert', 'Escape', 'Up', 'Down', 'Left', 'Right', 'Home', 'End', 'PageUp', 'PageDown', 'Capslock', 'Numlock'].includes(key)
  )
}

function canonicalKey(raw: string): string | null {
  const lower = raw.toLowerCase()
  const alias = own(KEY_ALIASES, lower)
  if (alias) return alias
  if (/^[a-z0-9]$/i.test(raw)) return raw.toUpperCase()
  const fn = /^f([1-9]|1\d|2[0-4])$/i.exec(raw)
  if (fn) return `F${fn[1]}`
  if (PUNCTUATION.includes(raw)) return raw
  return canonicalNamed.get(lower) ?? null
}

const MODIFIER_ORDER: Modifier[] = ['ctrl', 'meta', 'alt', 'altgr', 'shift']
const MODIFIER_NAMES: Record<Modifier, string> = { ctrl: 'Control', meta: 'Super', alt: 'Alt', altgr: 'AltGr', shift: 'Shift' }

/** Parses an accelerator for a platform; null when it is not a valid single-key accelerator. */
export function parseAccelerator(accelerator: string, platform: HotkeyPlatform): ParsedHotkey | { error: string } {
  const text = accelerator.trim()
  if (!text) return { error: 'Press a key combination.' }
  if (text.length > 100) return { error: 'That hotkey is too long.' }
  // "Plus" is spelled out in accelerators; a trailing "++" means Shift++ style input: reject.
  const parts = text.split('+').map((p) => p.trim())
  if (parts.some((p) => p === '')) return { error: `"${text}" is not a valid hotkey (write "Plus" for the + key).` }
  const modifiers = new Set<Modifier>()
  let key: string | null = null
  let usesCmdOrCtrl = false
  for (const part of parts) {
    const mod = own(MODIFIER_ALIASES, part.toLowerCase())
    if (mod) {
      if (key !== null) return { error: `Modifiers come before the key in "${text}".` }
      const concrete: Modifier = mod === 'cmdorctrl' ? (platform === 'darwin' ? 'meta' : 'ctrl') : mod
      if (mod === 'cmdorctrl') usesCmdOrCtrl = true
      if (modifiers.has(concrete)) return { error: `"${part}" appears twice in "${text}".` }
      modifiers.add(concrete)
      continue
    }
    if (key !== null) return { error: `A hotkey has one key plus modifiers; "${text}" has two keys.` }
    key = canonicalKey(part)
    if (key === null) return { error: `"${part}" is not a key Earshot knows.` }
  }
  if (key === null) return { error: 'A hotkey needs a key besides the modifiers (for example Control+Shift+Space).' }
  const ordered = MODIFIER_ORDER.filter((m) => modifiers.has(m))
  const names = ordered.map((m) => {
    if (usesCmdOrCtrl && m === (platform === 'darwin' ? 'meta' : 'ctrl')) return 'CommandOrControl'
    if (m === 'meta' && platform === 'darwin') return 'Command'
    return MODIFIER_NAMES[m]
  })
  return { modifiers: ordered, key, accelerator: [...names, key].join('+') }
}

/**
 * Whether an accelerator may be a global hotkey. A global shortcut is taken from every other app,
 * so one that types (a bare letter, digit, Space, Enter; Shift+letter; AltGr+letter; Option+letter
 * on macOS) would break ordinary typing everywhere.
 */
export function checkHotkey(accelerator: string, platform: HotkeyPlatform): HotkeyCheck {
  const parsed = parseAccelerator(accelerator, platform)
  if ('error' in parsed) return { ok: false, reason: parsed.error }
  const { modifiers, key } = parsed
  const typing = isTypingKey(key)
  const strong = modifiers.filter((m) => m === 'ctrl' || m === 'meta' || (m === 'alt' && platform !== 'darwin'))
  if (typing && modifiers.length === 0) {
    return { ok: false, reason: `${key} on its own would stop it from working in every other app. Add a modifier such as Control or Alt.` }
  }
  if (typing && strong.length === 0) {
    const what = modifiers.includes('shift') && modifiers.length === 1
      ? `Shift+${key} types a character`
      : platform === 'darwin' && modifiers.includes('alt')
        ? `Option+${key} types a special character on macOS`
        : `${parsed.accelerator} types a character on many keyboard layouts`
    return { ok: false, reason: `${what}; as a global hotkey it would break typing. Add Control${platform === 'darwin' ? ' or Command' : ' or Alt'}.` }
  }
  const warnings: string[] = []
  if (modifiers.length === 0 && /^F([1-9]|1[0-2])$/.test(key)) {
    warnings.push(`${key} alone is used by many apps (for example F5 to reload); F13 to F24 or a modifier are safer.`)
  }
  if (modifiers.includes('altgr')) warnings.push('AltGr is not available on every keyboard layout.')
  return { ok: true, hotkey: parsed, warnings }
}

/** The fields of a DOM KeyboardEvent the hotkey capture needs (no DOM types in src/shared). */
export interface KeyPress {
  code: string
  ctrlKey: boolean
  altKey: boolean
  shiftKey: boolean
  metaKey: boolean
}

const CODE_KEYS: Record<string, string> = {
  Space: 'Space', Enter: 'Enter', NumpadEnter: 'Enter', Tab: 'Tab', Backspace: 'Backspace', Delete: 'Delete', Insert: 'Insert',
  Escape: 'Escape', Home: 'Home', End: 'End', PageUp: 'PageUp', PageDown: 'PageDown', ArrowUp: 'Up', ArrowDown: 'Down',
  ArrowLeft: 'Left', ArrowRight: 'Right', CapsLock: 'Capslock', NumLock: 'Numlock', ScrollLock: 'Scrolllock', Pause: 'Pause',
  PrintScreen: 'PrintScreen', Minus: '-', Equal: '=', BracketLeft: '[', BracketRight: ']', Backslash: '\\', Semicolon: ';',
  Quote: "'", Backquote: '`', Comma: ',', Period: '.', Slash: '/', NumpadMultiply: 'nummult', NumpadAdd: 'numadd',
  NumpadSubtract: 'numsub', NumpadDecimal: 'numdec', NumpadDivide: 'numdiv', MediaPlayPause: 'MediaPlayPause',
  MediaTrackNext: 'MediaNextTrack', MediaTrackPrevious: 'MediaPreviousTrack', MediaStop: 'MediaStop',
  AudioVolumeUp: 'VolumeUp', AudioVolumeDown: 'VolumeDown', AudioVolumeMute: 'VolumeMute',
}

/**
 * The accelerator for a key press in the settings UI's "press your hotkey" field, built from the
 * physical key (`code`, so Shift or the layout do not change it). Null while only modifiers are
 * down or for a key accelerators cannot express; validate the result with checkHotkey.
 */
export function acceleratorFromKeyPress(press: KeyPress, platform: HotkeyPlatform): string | null {
  const { code } = press
  let key: string | undefined
  if (/^Key[A-Z]$/.test(code)) key = code.slice(3)
  else if (/^Digit\d$/.test(code)) key = code.slice(5)
  else if (/^Numpad\d$/.test(code)) key = `num${code.slice(6)}`
  else if (/^F([1-9]|1\d|2[0-4])$/.test(code)) key = code
  else key = own(CODE_KEYS, code)
  if (!key) return null
  const parts: string[] = []
  if (press.ctrlKey) parts.push(platform === 'darwin' ? 'Control' : 'CommandOrControl')
  if (press.metaKey) parts.push(platform === 'darwin' ? 'CommandOrControl' : 'Super')
  if (press.altKey) parts.push('Alt')
  if (press.shiftKey) parts.push('Shift')
  return [...parts, key].join('+')
}

/**
 * Hotkeys the way each OS writes them, for everything a user reads: the voice window's header,
 * settings, the tray menu and tooltip, the saved message and the capture preview. Accelerators
 * ("CommandOrControl+Shift+Space") stay the stored and wire form; this is only how they look.
 *
 *   macOS:            ⌘⇧Space    (symbols, no separators; ⌃ Control, ⌥ Option, ⇧ Shift, ⌘ Command)
 *   Windows, Linux:   Ctrl+Shift+Space   (Win on Windows, Super on Linux)
 */
import { parseAccelerator, type HotkeyPlatform, type Modifier } from './accelerator'
import { own } from '../own'

/** A platform string (process.platform, AppInfo.platform) as the hotkey code's platform. */
export function hotkeyPlatform(platform: string): HotkeyPlatform {
  return platform === 'darwin' || platform === 'win32' || platform === 'linux' ? platform : 'other'
}

// macOS order as the issue writes it (⌘⇧Space): Command first, then Control, Option, Shift.
const MAC_ORDER: Modifier[] = ['meta', 'ctrl', 'alt', 'altgr', 'shift']
const MAC_SYMBOL: Record<Modifier, string> = { meta: '⌘', ctrl: '⌃', alt: '⌥', altgr: '⌥', shift: '⇧' }
const PC_ORDER: Modifier[] = ['ctrl', 'meta', 'alt', 'altgr', 'shift']

const MAC_KEYS: Record<string, string> = {
  Enter: '↩', Backspace: '⌫', Delete: '⌦', Escape: '⎋', Tab: '⇥', Up: '↑', Down: '↓', Left: '←', Right: '→',
  PageUp: '⇞', PageDown: '⇟', Home: '↖', End: '↘', Capslock: '⇪', Plus: '+',
}
const PC_KEYS: Record<string, string> = {
  Escape: 'Esc', Delete: 'Del', Insert: 'Ins', PageUp: 'Page Up', PageDown: 'Page Down', Capslock: 'Caps Lock',
  Numlock: 'Num Lock', Scrolllock: 'Scroll Lock', PrintScreen: 'Print Screen', Plus: '+',
}
const COMMON_KEYS: Record<string, string> = {
  numdec: 'Num .', numadd: 'Num +', numsub: 'Num -', nummult: 'Num *', numdiv: 'Num /',
  VolumeUp: 'Volume Up', VolumeDown: 'Volume Down', VolumeMute: 'Mute', MediaNextTrack: 'Next Track',
  MediaPreviousTrack: 'Previous Track', MediaStop: 'Stop', MediaPlayPause: 'Play/Pause',
}

function keyName(key: string, mac: boolean): string {
  const num = /^num(\d)$/.exec(key)
  if (num) return `Num ${num[1]}`
  return own(mac ? MAC_KEYS : PC_KEYS, key) ?? own(COMMON_KEYS, key) ?? key
}

/**
 * An accelerator as the platform writes it. One that does not parse is still shown without
 * Electron's words (CommandOrControl, CmdOrCtrl), so nothing internal reaches the user.
 */
export function formatAccelerator(accelerator: string, platform: HotkeyPlatform): string {
  const mac = platform === 'darwin'
  const parsed = parseAccelerator(accelerator, platform)
  if ('error' in parsed) {
    return accelerator.replace(/\b(CommandOrControl|CmdOrCtrl)\b/gi, mac ? 'Command' : 'Ctrl')
  }
  const has = new Set(parsed.modifiers)
  const key = keyName(parsed.key, mac)
  if (mac) return [...MAC_ORDER.filter((m) => has.has(m)).map((m) => MAC_SYMBOL[m]), key].join('')
  const names: Record<Modifier, string> = { ctrl: 'Ctrl', meta: platform === 'win32' ? 'Win' : 'Super', alt: 'Alt', altgr: 'AltGr', shift: 'Shift' }
  return [...PC_ORDER.filter((m) => has.has(m)).map((m) => names[m]), key].join('+')
}

/** The words a screen reader says for a formatted macOS hotkey ("Command Shift Space"). */
export function spokenAccelerator(accelerator: string, platform: HotkeyPlatform): string {
  const parsed = parseAccelerator(accelerator, platform)
  if ('error' in parsed) return formatAccelerator(accelerator, platform)
  if (platform !== 'darwin') return formatAccelerator(accelerator, platform).replaceAll('+', ' ')
  const words: Record<Modifier, string> = { meta: 'Command', ctrl: 'Control', alt: 'Option', altgr: 'Option', shift: 'Shift' }
  return [...MAC_ORDER.filter((m) => parsed.modifiers.includes(m)).map((m) => words[m]), parsed.key].join(' ')
}

const ACCELERATOR_IN_TEXT = /\b(?:(?:CommandOrControl|CmdOrCtrl|Command|Cmd|Control|Ctrl|Alt|Option|AltGr|Shift|Super|Meta)\+)+(?:F\d{1,2}|num\w+|[A-Za-z]\w*|\d|[-=[\]\\;',./`])/g

/**
 * Rewrites every accelerator inside a sentence (main's hotkey problems, say "CommandOrControl+
 * Shift+Space is already taken") the way the OS writes hotkeys.
 */
export function formatHotkeysIn(text: string, platform: HotkeyPlatform): string {
  return text.replace(ACCELERATOR_IN_TEXT, (match) => formatAccelerator(match, platform))
}

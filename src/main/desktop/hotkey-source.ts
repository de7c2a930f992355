import type { ParsedHotkey } from '../../shared/ptt/accelerator'

/**
 * Where push-to-talk key events come from. Backends: uiohook (key-down and key-up, Windows, macOS,
 * X11), Electron's globalShortcut (press only) and second-instance commands (`earshot --toggle`,
 * `--ptt-down`, `--ptt-up`, bound in the desktop's own shortcut settings, e.g. on Wayland).
 */
export interface HotkeySink {
  /** The hotkey went down (sources that also report key-up). */
  down(): void
  /** The hotkey went up. */
  up(): void
  /** The hotkey was pressed; no key-up will follow (press-only sources: toggle). */
  press(): void
}

export type HotkeySourceKind = 'uiohook' | 'globalShortcut'

export type HotkeyProblemCode =
  | 'no-display'
  | 'wayland'
  | 'unreachable'
  | 'refused'
  | 'no-record-extension'
  | 'accessibility'
  | 'unsupported-key'
  | 'conflict'
  | 'load-failed'
  | 'unsupported-platform'

export type StartResult = { ok: true } | { ok: false; code: HotkeyProblemCode; message: string }

export interface HotkeySource {
  readonly kind: HotkeySourceKind
  /** Reports key-up (so Hold and Auto work); press-only sources give Toggle only. */
  readonly sendsKeyUp: boolean
  /** Starts listening for `hotkey` (or switches to it when already started). Never throws. */
  start(hotkey: ParsedHotkey, sink: HotkeySink): Promise<StartResult>
  stop(): void
}

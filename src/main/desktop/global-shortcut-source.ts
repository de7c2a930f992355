import type { ParsedHotkey } from '../../shared/ptt/accelerator'
import type { HotkeySink, HotkeySource, StartResult } from './hotkey-source'

/** The part of Electron's globalShortcut this backend uses. */
export interface GlobalShortcutLike {
  register(accelerator: string, callback: () => void): boolean
  unregister(accelerator: string): void
}

/**
 * Electron's globalShortcut: press only (it never reports key-up), so push-to-talk runs as a
 * toggle. register() returning false means another app (or the desktop) already owns the keys.
 */
export class GlobalShortcutSource implements HotkeySource {
  readonly kind = 'globalShortcut' as const
  readonly sendsKeyUp = false
  private registered: string | null = null

  constructor(private readonly shortcuts: GlobalShortcutLike) {}

  async start(hotkey: ParsedHotkey, sink: HotkeySink): Promise<StartResult> {
    this.stop()
    let ok = false
    try {
      ok = this.shortcuts.register(hotkey.accelerator, () => sink.press())
    } catch {
      ok = false
    }
    if (!ok) {
      return {
        ok: false,
        code: 'conflict',
        message: `${hotkey.accelerator} is already taken by another app or by the system. Choose another hotkey, or free it in that app.`,
      }
    }
    this.registered = hotkey.accelerator
    return { ok: true }
  }

  stop(): void {
    if (this.registered === null) return
    try {
      this.shortcuts.unregister(this.registered)
    } catch {
      // already gone
    }
    this.registered = null
  }
}

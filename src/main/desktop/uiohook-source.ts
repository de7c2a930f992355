import type { ParsedHotkey } from '../../shared/ptt/accelerator'
import type { HotkeySink, HotkeySource, StartResult } from './hotkey-source'
import { MODIFIER_KEYCODES, toUiohookHotkey, type UiohookHotkey } from './keycodes'
import type { DisplayStatus } from './x-display'

/** The part of uiohook-napi's `uIOhook` this backend uses. */
export interface UiohookKeyEvent {
  keycode: number
  time: number
  ctrlKey: boolean
  altKey: boolean
  shiftKey: boolean
  metaKey: boolean
}
export interface UiohookLike {
  on(event: 'keydown' | 'keyup', listener: (event: UiohookKeyEvent) => void): unknown
  removeListener(event: 'keydown' | 'keyup', listener: (event: UiohookKeyEvent) => void): unknown
  start(): void
  stop(): void
}

export interface UiohookSourceOptions {
  platform: NodeJS.Platform
  /** Loads uiohook-napi (lazily: loading it loads the native module). */
  load: () => UiohookLike | Promise<UiohookLike>
  /** Linux: is there an X display uiohook can open? (x-display.ts's probeXDisplay.) */
  probeDisplay: () => Promise<DisplayStatus>
  /** macOS: systemPreferences.isTrustedAccessibilityClient(prompt). */
  isAccessibilityTrusted?: (prompt: boolean) => boolean
  /** A key-down of a held key after this gap (by the event's own clock) is a new press. */
  repeatGapMs?: number
  log?: (line: string) => void
}

export const ACCESSIBILITY_HELP =
  'To hold a key to talk, macOS must let Earshot watch the keyboard: open System Settings > Privacy & Security > Accessibility, turn Earshot on, then quit and reopen Earshot. Until then the hotkey works as a toggle (press to start, press to stop).'

/**
 * Key-down and key-up from uiohook-napi. It is started only when it is safe: on Linux only with a
 * reachable X display outside Wayland (uiohook aborts the process without one), on macOS only once
 * Accessibility is granted. It turns uiohook's stream (auto-repeats included, and on X11 delivered
 * in bursts) into clean edges: one down per press, one up when the key or one of its modifiers is
 * released.
 */
export class UiohookSource implements HotkeySource {
  readonly kind = 'uiohook' as const
  readonly sendsKeyUp = true
  private hook: UiohookLike | null = null
  private target: UiohookHotkey | null = null
  private sink: HotkeySink | null = null
  private held = false
  private lastDown = 0
  private prompted = false
  private readonly repeatGapMs: number

  constructor(private readonly options: UiohookSourceOptions) {
    this.repeatGapMs = options.repeatGapMs ?? 2_000
  }

  private queue: Promise<unknown> = Promise.resolve()

  /** Starts are serialised, so two quick hotkey changes never load or start uiohook twice. */
  start(hotkey: ParsedHotkey, sink: HotkeySink): Promise<StartResult> {
    const run = this.queue.then(() => this.startNow(hotkey, sink))
    this.queue = run.catch(() => undefined)
    return run
  }

  private async startNow(hotkey: ParsedHotkey, sink: HotkeySink): Promise<StartResult> {
    const target = toUiohookHotkey(hotkey)
    if (!target) {
      return { ok: false, code: 'unsupported-key', message: `${hotkey.accelerator} cannot be watched for key-up; it works as a toggle.` }
    }
    const ready = await this.canStart()
    if (!ready.ok) return ready
    if (!this.hook) {
      let hook: UiohookLike
      try {
        hook = await this.options.load()
        hook.on('keydown', this.onKeyDown)
        hook.on('keyup', this.onKeyUp)
        hook.start()
      } catch (error) {
        this.options.log?.(`hotkey: uiohook failed to start: ${error instanceof Error ? error.message : String(error)}`)
        return { ok: false, code: 'load-failed', message: 'The keyboard watcher could not start; the hotkey works as a toggle.' }
      }
      this.hook = hook
    }
    if (this.held && this.sink) this.sink.up()
    this.held = false
    this.target = target
    this.sink = sink
    return { ok: true }
  }

  stop(): void {
    if (this.held && this.sink) this.sink.up()
    this.held = false
    this.target = null
    this.sink = null
    const hook = this.hook
    this.hook = null
    if (!hook) return
    hook.removeListener('keydown', this.onKeyDown)
    hook.removeListener('keyup', this.onKeyUp)
    try {
      hook.stop()
    } catch {
      // stopping must never take the app down
    }
  }

  private async canStart(): Promise<StartResult> {
    const { platform } = this.options
    if (platform === 'linux') {
      const display = await this.options.probeDisplay()
      if (!display.usable) return { ok: false, code: display.problem, message: display.message }
      return { ok: true }
    }
    if (platform === 'darwin') {
      // Show the system prompt once per run; later attempts (retry, hotkey changes) only look.
      const trusted = this.options.isAccessibilityTrusted?.(!this.prompted) ?? false
      this.prompted = true
      return trusted ? { ok: true } : { ok: false, code: 'accessibility', message: ACCESSIBILITY_HELP }
    }
    if (platform === 'win32') return { ok: true }
    return { ok: false, code: 'unsupported-platform', message: 'Hold-to-talk is not available on this system; the hotkey works as a toggle.' }
  }

  private matches(event: UiohookKeyEvent, target: UiohookHotkey): boolean {
    return (
      event.keycode === target.keycode &&
      event.ctrlKey === target.ctrl &&
      event.altKey === target.alt &&
      event.shiftKey === target.shift &&
      event.metaKey === target.meta
    )
  }

  private readonly onKeyDown = (event: UiohookKeyEvent): void => {
    const { target, sink } = this
    if (!target || !sink) return
    const time = Number.isFinite(event.time) ? event.time : Date.now()
    if (this.held) {
      if (event.keycode !== target.keycode) return
      // A fresh press of a key we believed held: its key-up was lost.
      if (time - this.lastDown > this.repeatGapMs) {
        sink.up()
        sink.down()
      }
      this.lastDown = time
      return
    }
    if (!this.matches(event, target)) return
    this.held = true
    this.lastDown = time
    sink.down()
  }

  private readonly onKeyUp = (event: UiohookKeyEvent): void => {
    const { target, sink } = this
    if (!target || !sink || !this.held) return
    const modifierKeys = (Object.keys(MODIFIER_KEYCODES) as (keyof typeof MODIFIER_KEYCODES)[])
      .filter((m) => target[m])
      .flatMap((m) => MODIFIER_KEYCODES[m])
    if (event.keycode !== target.keycode && !modifierKeys.includes(event.keycode)) return
    this.held = false
    sink.up()
  }
}

/** Loads the real uiohook-napi (only call after the checks above). */
export async function loadUiohook(): Promise<UiohookLike> {
  const module = (await import('uiohook-napi')) as unknown as { uIOhook: UiohookLike; default?: { uIOhook: UiohookLike } }
  return module.uIOhook ?? module.default?.uIOhook
}

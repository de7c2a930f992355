import { checkHotkey, type HotkeyPlatform, type ParsedHotkey } from '../../shared/ptt/accelerator'
import type { PttMode } from '../../shared/ptt/machine'
import type { HotkeyProblem, HotkeyStatus } from '../../shared/ipc/channels/desktop'
import type { InstanceCommand } from './argv'
import type { HotkeySink, HotkeySource, StartResult } from './hotkey-source'

/** What the hotkey drives: the push-to-talk controller (src/shared/ptt/controller.ts). */
export interface PttTarget {
  keyDown(): unknown
  keyUp(): unknown
  toggle(): unknown
  setMode(mode: PttMode): unknown
}

export interface HotkeyServiceOptions {
  platform: HotkeyPlatform
  ptt: PttTarget
  /** Key-down and key-up (uiohook); absent where it cannot exist. */
  holdSource?: HotkeySource
  /** Press only (globalShortcut). */
  pressSource?: HotkeySource
  /** How a user runs Earshot from a shortcut command ("earshot", or the AppImage path). */
  executable?: string
  log?: (line: string) => void
}

export type ApplyResult = { ok: true; status: HotkeyStatus } | { ok: false; reason: string; status: HotkeyStatus }

/**
 * Binds the push-to-talk hotkey to the best backend there is. Hold and Auto need key-up, so they
 * try uiohook first and fall back to globalShortcut (the hotkey then toggles) with the reason
 * kept in `problems`. Toggle uses globalShortcut, which also keeps the keys from reaching the
 * focused app; uiohook is its fallback when the shortcut is taken. Second-instance commands work
 * whatever the backend.
 */
export class HotkeyService {
  private current: { hotkey: ParsedHotkey; mode: PttMode } | null = null
  private active: HotkeySource | null = null
  private problems: HotkeyProblem[] = []
  private warnings: string[] = []
  private readonly listeners = new Set<(status: HotkeyStatus) => void>()
  private readonly sink: HotkeySink

  constructor(private readonly options: HotkeyServiceOptions) {
    const { ptt } = options
    this.sink = { down: () => ptt.keyDown(), up: () => ptt.keyUp(), press: () => ptt.toggle() }
  }

  onStatus(listener: (status: HotkeyStatus) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  status(): HotkeyStatus {
    const exe = this.options.executable ?? 'earshot'
    return {
      accelerator: this.current?.hotkey.accelerator ?? '',
      mode: this.current?.mode ?? 'auto',
      backend: this.active?.kind ?? 'none',
      holdAvailable: this.active?.sendsKeyUp ?? false,
      problems: this.problems,
      warnings: this.warnings,
      commands: { toggle: `${exe} --toggle`, down: `${exe} --ptt-down`, up: `${exe} --ptt-up` },
    }
  }

  /** Validates and binds. An invalid accelerator is refused and the previous binding stays. */
  async apply(accelerator: string, mode: PttMode): Promise<ApplyResult> {
    const check = checkHotkey(accelerator, this.options.platform)
    if (!check.ok) return { ok: false, reason: check.reason, status: this.status() }
    this.options.ptt.setMode(mode)
    this.stopActive()
    this.current = { hotkey: check.hotkey, mode }
    this.warnings = check.warnings
    this.problems = []
    const order = mode === 'toggle' ? [this.options.pressSource, this.options.holdSource] : [this.options.holdSource, this.options.pressSource]
    for (const source of order) {
      if (!source) continue
      let result: StartResult
      try {
        result = await source.start(check.hotkey, this.sink)
      } catch (error) {
        result = { ok: false, code: 'load-failed', message: error instanceof Error ? error.message : String(error) }
      }
      if (result.ok) {
        this.active = source
        break
      }
      this.options.log?.(`hotkey: ${source.kind} cannot take ${check.hotkey.accelerator}: ${result.message}`)
      this.problems.push({ code: result.code, message: result.message })
    }
    if (this.active && !this.active.sendsKeyUp && mode !== 'toggle') {
      this.warnings = [...this.warnings, 'Holding the key is not available here, so the hotkey toggles: press to start talking, press again to stop.']
    }
    if (!this.active) {
      this.problems.push({
        code: this.problems.some((p) => p.code === 'conflict') ? 'conflict' : 'unsupported-platform',
        message: `No global hotkey is active. You can bind "${this.status().commands.toggle}" to a shortcut in your system's keyboard settings instead.`,
      })
    }
    const status = this.status()
    for (const listener of this.listeners) listener(status)
    return { ok: true, status }
  }

  /** A command from a second instance (`--toggle`, `--ptt-down`, `--ptt-up`). */
  handleCommand(command: InstanceCommand): void {
    if (command === 'toggle') this.options.ptt.toggle()
    else if (command === 'ptt-down') this.options.ptt.keyDown()
    else if (command === 'ptt-up') this.options.ptt.keyUp()
  }

  stop(): void {
    this.stopActive()
  }

  private stopActive(): void {
    this.active?.stop()
    this.active = null
  }
}

/**
 * The companion pill's behaviour, in plain Node: when it shows (a hotkey press while the main
 * window is out of sight, or the user asks for it), where (placement.ts), how big (it grows while a
 * tool request waits), what it shows (status, level, last line, requests) and when it hides itself
 * (a few seconds after the reply). The window, the screen and the clock come in as ports; the
 * Electron adapter is createCompanionWindow in src/main/electron/window.ts.
 */
import type { CompanionLine, CompanionView } from '../../shared/ipc/channels/companion'
import type { EventName, EventPayload } from '../../shared/ipc/contract'
import { realClock, type PttClock } from '../../shared/ptt/controller'
import type { Settings, SettingsPatch } from '../../shared/settings/schema'
import type { PendingConfirmation } from '../../shared/tools/types'
import { PILL_SIZES, placePill, resizePill, type DisplayArea, type Point, type Rect } from './placement'

export type SessionStatus = CompanionView['status']

/** The pill's window (Electron: a frameless, transparent, always-on-top BrowserWindow). */
export interface CompanionWindowPort {
  /** Shows the window at these bounds without taking focus (creating it on first use). */
  show(bounds: Rect): void
  setBounds(bounds: Rect): void
  hide(): void
}

/** Electron's screen module, reduced to what placement needs. */
export interface ScreenPort {
  cursor(): Point
  displays(): DisplayArea[]
}

export interface CompanionDeps {
  /** Without a window there is no pill (the service still answers companion:view). */
  window?: CompanionWindowPort
  screen?: ScreenPort
  /** The main window is visible, not minimised and focused: then a hotkey press needs no pill. */
  mainWindowInFront?: () => boolean
  showMainWindow?: () => void
  settings: { get(): Settings; update(patch: SettingsPatch): Settings }
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void
  clock?: PttClock
  /** How long the pill stays after the reply (default AUTO_HIDE_MS). */
  hideAfterMs?: number
  /** How long it stays after an error, so it can be read (default ERROR_HIDE_MS). */
  hideAfterErrorMs?: number
  log?: (line: string) => void
}

export const AUTO_HIDE_MS = 4000
export const ERROR_HIDE_MS = 9000
/** A drag ends when the window has not moved for this long; then the position is saved. */
export const MOVE_SETTLE_MS = 400

/** Statuses during which something is going on: the pill never hides itself then. */
const BUSY: ReadonlySet<SessionStatus> = new Set(['connecting', 'thinking', 'speaking', 'reconnecting'])

type Mode = 'hidden' | 'transient' | 'pinned'

export class CompanionService {
  private mode: Mode = 'hidden'
  private bounds: Rect | null = null
  private state: Omit<CompanionView, 'visible' | 'size'> = { status: 'idle', error: null, capturing: false, level: 0, line: null, pending: [] }
  private cancelHide: (() => void) | null = null
  private armedFor: 'reply' | 'error' = 'reply'
  private cancelSave: (() => void) | null = null
  private readonly clock: PttClock

  constructor(private readonly deps: CompanionDeps) {
    this.clock = deps.clock ?? realClock
  }

  get visible(): boolean {
    return this.mode !== 'hidden'
  }

  /** Whether the pill will hide itself (shown by a hotkey) or stays until closed (shown on request). */
  get pinned(): boolean {
    return this.mode === 'pinned'
  }

  /** A hold timer is running: the pill hides when it fires. */
  get hidePending(): boolean {
    return this.cancelHide !== null
  }

  view(): CompanionView {
    return { visible: this.visible, size: this.size(), ...this.state }
  }

  /** Push-to-talk started (hotkey, tray, --toggle). Shows the pill when the main window is out of sight. */
  hotkeyPressed(): void {
    if (this.deps.mainWindowInFront?.()) return
    if (this.mode === 'hidden') this.show('transient')
    this.reconsider()
  }

  /** The tray, the main window's button or the pill's close button. A pill shown this way stays. */
  request(show: boolean): void {
    if (!show) return this.hide()
    this.show('pinned')
    this.reconsider()
  }

  action(action: 'hide' | 'open-main'): void {
    this.hide()
    if (action === 'open-main') this.deps.showMainWindow?.()
  }

  session(status: SessionStatus, error: string | null): void {
    this.update({ status, error: status === 'error' ? (error ?? 'the session failed') : null })
  }

  capture(capturing: boolean): void {
    if (capturing !== this.state.capturing) this.update({ capturing, level: capturing ? this.state.level : 0 })
  }

  pendingChanged(pending: PendingConfirmation[]): void {
    const grow = pending.length > 0 !== this.state.pending.length > 0
    this.update({ pending })
    if (grow) this.fitSize()
  }

  /** The main window's report: input level and the newest transcript line. */
  report(report: { level?: number; line?: CompanionLine | null }): void {
    const patch: Partial<CompanionView> = {}
    if (report.level !== undefined) patch.level = this.state.capturing ? report.level : 0
    if (report.line !== undefined) patch.line = report.line
    this.update(patch, false)
  }

  /** The user dragged the pill: remember where, once the drag has settled. */
  moved(bounds: Rect): void {
    if (!this.visible) return
    this.bounds = bounds
    this.cancelSave?.()
    this.cancelSave = this.clock.schedule(() => {
      this.cancelSave = null
      const position = { x: Math.round(bounds.x), y: Math.round(bounds.y) }
      const saved = this.deps.settings.get().ui.companionPosition
      if (saved?.x === position.x && saved.y === position.y) return
      this.deps.settings.update({ ui: { companionPosition: position } })
      this.deps.log?.(`companion: position saved (${position.x}, ${position.y})`)
    }, MOVE_SETTLE_MS)
  }

  dispose(): void {
    this.cancelHide?.()
    this.cancelSave?.()
    this.cancelHide = this.cancelSave = null
  }

  private size(): CompanionView['size'] {
    return this.state.pending.length > 0 ? 'tool' : 'compact'
  }

  private show(mode: Exclude<Mode, 'hidden'>): void {
    const window = this.deps.window
    const screen = this.deps.screen
    if (!window || !screen) return
    if (this.mode === 'hidden') {
      const bounds = placePill({
        displays: screen.displays(),
        cursor: screen.cursor(),
        remembered: this.deps.settings.get().ui.companionPosition,
        size: PILL_SIZES[this.size()],
      })
      if (!bounds) {
        this.deps.log?.('companion: no display to show the pill on')
        return
      }
      this.bounds = bounds
      this.mode = mode
      window.show(bounds)
      this.emitView()
      return
    }
    if (mode === 'pinned') this.mode = 'pinned'
  }

  private hide(): void {
    this.cancelHide?.()
    this.cancelHide = null
    if (this.mode === 'hidden') return
    this.mode = 'hidden'
    this.deps.window?.hide()
    this.emitView()
  }

  private fitSize(): void {
    if (!this.visible || !this.bounds || !this.deps.window) return
    const next = resizePill(this.bounds, PILL_SIZES[this.size()], this.deps.screen?.displays() ?? [])
    this.bounds = next
    this.deps.window.setBounds(next)
  }

  private update(patch: Partial<CompanionView>, reconsider = true): void {
    this.state = { ...this.state, ...patch }
    if (reconsider) this.reconsider()
    // Hidden, the pill needs no updates: it gets the whole view when it shows again.
    if (this.visible) this.emitView()
  }

  /** Arms or cancels the self-hide: a hotkey-shown pill leaves a few seconds after things settle. */
  private reconsider(): void {
    const s = this.state
    const busy = s.capturing || s.pending.length > 0 || BUSY.has(s.status)
    if (this.mode !== 'transient' || busy) {
      this.cancelHide?.()
      this.cancelHide = null
      return
    }
    const kind = s.status === 'error' ? 'error' : 'reply'
    if (this.cancelHide && this.armedFor === kind) return
    this.cancelHide?.()
    this.armedFor = kind
    const delay = kind === 'error' ? (this.deps.hideAfterErrorMs ?? ERROR_HIDE_MS) : (this.deps.hideAfterMs ?? AUTO_HIDE_MS)
    this.cancelHide = this.clock.schedule(() => {
      this.cancelHide = null
      this.hide()
    }, delay)
  }

  private emitView(): void {
    this.deps.emit('companion:view', this.view())
  }
}

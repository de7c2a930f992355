import type { ConfirmChoice, ConfirmPrompt } from '../../shared/ipc/channels/confirm'
import { IpcFailure } from '../../shared/ipc/envelope'

/**
 * Main's confirmation surface, without Electron: the prompts waiting for the user, and the answers
 * that come back from main's own confirmation window (src/main/electron/confirm-window.ts in the
 * app, a second page with its own bridge in the browser harness). The router lets only that
 * window's sender reach `confirm:*`, so nothing the voice window (the renderer, which handles model
 * output) sends can answer a prompt.
 */

/** What main's confirmation window does (Electron adapter or the browser harness). */
export interface ConfirmWindow {
  /** Shows the window (creating it if needed) and gives it the focus. */
  show(): void
  /** Nothing waits any more. */
  hide(): void
}

/** The port the confirmation service and the intent checks use; tests inject their own. */
export interface ConfirmPort {
  /** Puts a prompt to the user; resolves with the choice, or null when it was withdrawn or closed. */
  ask(prompt: ConfirmPrompt, signal?: AbortSignal): Promise<ConfirmChoice | null>
  /** Shows and focuses the surface on this prompt; false when it is not waiting. */
  focus(id: string): boolean
}

/** One yes/no question about an intent (open a link, replace a key, turn on always-listening). */
export interface IntentQuestion {
  question: string
  details?: Array<{ label: string; value: string }>
  allowLabel: string
  denyLabel?: string
  note?: string | null
}

export interface ConfirmSurfaceOptions {
  window?: ConfirmWindow
  /** Told about every change (main sends it to the confirmation window). */
  onChange?: (prompts: ConfirmPrompt[]) => void
  /** Seconds an intent question waits before it counts as "no". */
  intentTimeoutSeconds?: () => number
  now?: () => number
  /** The most prompts waiting at once; more are answered "no" at once. */
  maxPrompts?: number
}

interface Waiting {
  prompt: ConfirmPrompt
  resolve: (choice: ConfirmChoice | null) => void
  order: number
}

export class ConfirmSurface implements ConfirmPort {
  private readonly waiting = new Map<string, Waiting>()
  private order = 0
  private nextIntent = 1

  constructor(private readonly options: ConfirmSurfaceOptions = {}) {}

  ask(prompt: ConfirmPrompt, signal?: AbortSignal): Promise<ConfirmChoice | null> {
    if (signal?.aborted) return Promise.resolve(null)
    if (this.waiting.has(prompt.id)) return Promise.resolve(null)
    if (this.waiting.size >= (this.options.maxPrompts ?? 20)) return Promise.resolve(null)
    return new Promise((resolve) => {
      const entry: Waiting = { prompt: structuredClone(prompt), resolve, order: this.order++ }
      this.waiting.set(prompt.id, entry)
      signal?.addEventListener('abort', () => this.settle(prompt.id, null), { once: true })
      this.changed()
      this.options.window?.show()
    })
  }

  focus(id: string): boolean {
    if (!this.waiting.has(id)) return false
    // The asked-about prompt goes first, so the window shows it.
    const entry = this.waiting.get(id)!
    entry.order = -1 - this.order++
    this.changed()
    this.options.window?.show()
    return true
  }

  /** Asks a yes/no intent question; false on "no", on closing the window and on the timeout. */
  async confirmIntent(question: IntentQuestion): Promise<boolean> {
    const timeoutMs = Math.max(5, this.options.intentTimeoutSeconds?.() ?? 120) * 1000
    const now = (this.options.now ?? Date.now)()
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    ;(timer as { unref?: () => void }).unref?.()
    try {
      const choice = await this.ask(
        {
          id: `intent-${this.nextIntent++}`,
          kind: 'intent',
          question: question.question,
          details: question.details ?? [],
          risk: null,
          allowLabel: question.allowLabel,
          denyLabel: question.denyLabel ?? 'Cancel',
          alwaysAllowable: false,
          note: question.note ?? null,
          expiresAt: now + timeoutMs,
        },
        controller.signal,
      )
      return choice === 'allow_once' || choice === 'always_allow'
    } finally {
      clearTimeout(timer)
    }
  }

  /** Like confirmIntent, but throws IpcFailure('denied') with the reason when the user says no. */
  async require(question: IntentQuestion, refused: string): Promise<void> {
    if (!(await this.confirmIntent(question))) throw new IpcFailure('denied', refused)
  }

  /** The prompts waiting, the focused one first, then oldest first. */
  list(): ConfirmPrompt[] {
    return [...this.waiting.values()].sort((a, b) => a.order - b.order).map((w) => structuredClone(w.prompt))
  }

  /** The answer from main's confirmation window. False when that prompt is no longer waiting. */
  answer(id: string, choice: ConfirmChoice): boolean {
    const entry = this.waiting.get(id)
    if (!entry) return false
    this.settle(id, choice === 'always_allow' && !entry.prompt.alwaysAllowable ? 'allow_once' : choice)
    return true
  }

  /** The window was closed with prompts on it: each counts as "no". */
  closed(): void {
    for (const id of [...this.waiting.keys()]) this.settle(id, 'deny')
  }

  /** Withdraws everything (the app quits, a test ends). */
  dispose(): void {
    for (const id of [...this.waiting.keys()]) this.settle(id, null)
  }

  private settle(id: string, choice: ConfirmChoice | null): void {
    const entry = this.waiting.get(id)
    if (!entry) return
    this.waiting.delete(id)
    entry.resolve(choice)
    this.changed()
    if (this.waiting.size === 0) this.options.window?.hide()
  }

  private changed(): void {
    this.options.onChange?.(this.list())
  }
}

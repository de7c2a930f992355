import type { ConfirmChoice, ConfirmPrompt } from '../../shared/ipc/channels/confirm'
import { matchSpokenAnswer } from '../../shared/tools/spoken'
import type { ApprovalRequest, ApprovalResult, PendingConfirmation, ToolRisk } from '../../shared/tools/types'
import type { ConfirmPort } from '../security/confirm-surface'

export interface AlwaysAllowStore {
  has(tool: string): boolean
  add(tool: string): void
}

export interface ConfirmationOptions {
  /** Seconds a confirmation waits before it counts as "denied" (settings.tools.confirmTimeoutSeconds). */
  timeoutSeconds: () => number
  alwaysAllow: AlwaysAllowStore
  /**
   * Main's own confirmation surface (a window the renderer cannot script). It is the only place a
   * call can be allowed, apart from a spoken "yes" for `write` calls. Without one, waiting calls
   * can only be denied or time out.
   */
  port?: ConfirmPort
  now?: () => number
  setTimeout?: (callback: () => void, ms: number) => unknown
  clearTimeout?: (handle: unknown) => void
  /** Told about every change to the pending list (main sends it to the renderer). */
  onChange?: (pending: PendingConfirmation[]) => void
  /** The most confirmations waiting at once; more are denied straight away. */
  maxPending?: number
}

interface Waiting {
  info: PendingConfirmation
  details: Array<{ label: string; value: string }>
  resolve: (result: ApprovalResult) => void
  timer: unknown
  /** Withdraws the prompt from the surface once the call is settled another way. */
  withdraw: AbortController
}

export type SpokenOutcome = { outcome: 'allowed' | 'denied' | 'ignored'; reason: string | null }

/** Whether "Always allow" may ever be remembered for a call: `write` tools that do not ask every time. */
export function alwaysAllowable(request: Pick<ApprovalRequest, 'risk' | 'alwaysAllowable'>): boolean {
  return request.risk === 'write' && request.alwaysAllowable !== false
}

const lowerFirst = (text: string) => (/^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text)

/** The question main's surface shows and screen readers announce: "Earshot wants to open … Allow?" */
export function questionFor(summary: string): string {
  const sentence = summary.trim().replace(/[.!]+$/, '')
  return `Earshot wants to ${lowerFirst(sentence)}. Allow?`
}

const NOTES: Record<ToolRisk, string> = {
  write: 'You can also say "yes" or "no".',
  external: 'This leaves your computer, so Earshot asks every time. You can say "no" to deny.',
  read: 'Earshot asks every time before reading this. You can say "no" to deny.',
}

/**
 * Write and external calls (and sensitive reads) wait here for the user. Only main decides: the
 * answer comes from main's confirmation surface (the injected port), a timeout, a deny from the
 * voice window (always safe), or a strict spoken "yes" for `write` calls. "Always allow" is
 * remembered only for `write` tools and applies to the call decided; external tools always ask.
 */
export class ConfirmationService {
  private readonly waiting = new Map<string, Waiting>()
  private readonly now: () => number
  private readonly setTimer: (callback: () => void, ms: number) => unknown
  private readonly clearTimer: (handle: unknown) => void

  constructor(private readonly options: ConfirmationOptions) {
    this.now = options.now ?? Date.now
    this.setTimer = options.setTimeout ?? ((callback, ms) => setTimeout(callback, ms))
    this.clearTimer = options.clearTimeout ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>))
  }

  /** The executor's approver: always-allowed write tools pass at once, the rest wait for the user. */
  readonly approve = (request: ApprovalRequest): Promise<ApprovalResult> => {
    if (alwaysAllowable(request) && request.allowAlways !== false && this.options.alwaysAllow.has(request.name)) return Promise.resolve({ decision: 'allow', via: 'always' })
    return this.request(request)
  }

  request(request: ApprovalRequest): Promise<ApprovalResult> {
    const existing = this.waiting.get(request.callId)
    if (existing) return new Promise((resolve) => this.chain(existing, resolve))
    if (this.waiting.size >= (this.options.maxPending ?? 10)) return Promise.resolve({ decision: 'deny', via: 'none' })
    const requestedAt = this.now()
    const timeoutMs = Math.max(1, this.options.timeoutSeconds()) * 1000
    return new Promise<ApprovalResult>((resolve) => {
      const info: PendingConfirmation = {
        callId: request.callId,
        name: request.name,
        risk: request.risk,
        summary: request.description,
        arguments: request.arguments,
        requestedAt,
        expiresAt: requestedAt + timeoutMs,
        ...(request.source ? { source: request.source } : {}),
        ...(request.allowAlways === false ? { allowAlways: false } : {}),
        alwaysAllowable: alwaysAllowable(request) && request.allowAlways !== false,
      }
      const timer = this.setTimer(() => this.settle(request.callId, { decision: 'deny', via: 'timeout' }), timeoutMs)
      ;(timer as { unref?: () => void })?.unref?.()
      const withdraw = new AbortController()
      this.waiting.set(request.callId, { info, details: request.details ?? [], resolve, timer, withdraw })
      this.changed()
      void this.options.port?.ask(this.promptFor(request.callId)!, withdraw.signal).then(
        (choice) => this.fromSurface(request.callId, choice),
        () => this.settle(request.callId, { decision: 'deny', via: 'none' }),
      )
    })
  }

  /** Main's own prompt for a waiting call (its summary, never the renderer's). */
  promptFor(callId: string): ConfirmPrompt | null {
    const entry = this.waiting.get(callId)
    if (!entry) return null
    const { info } = entry
    return {
      id: info.callId,
      kind: 'tool',
      question: questionFor(info.summary),
      details: [{ label: 'Tool', value: info.name }, ...entry.details],
      risk: info.risk,
      allowLabel: 'Allow once',
      denyLabel: 'Deny',
      alwaysAllowable: info.alwaysAllowable === true,
      note: NOTES[info.risk],
      expiresAt: info.expiresAt,
    }
  }

  /** The answer from main's confirmation surface (null: closed or withdrawn, which denies). */
  fromSurface(callId: string, choice: ConfirmChoice | null): boolean {
    const entry = this.waiting.get(callId)
    if (!entry) return false
    if (choice === 'allow_once' || choice === 'always_allow') {
      if (choice === 'always_allow' && entry.info.alwaysAllowable === true) this.options.alwaysAllow.add(entry.info.name)
      this.settle(callId, { decision: 'allow', via: 'user' })
    } else {
      this.settle(callId, { decision: 'deny', via: choice === null ? 'none' : 'user' })
    }
    return true
  }

  /** A deny from the voice window (a button, a spoken "no"): always safe to accept. */
  deny(callId: string): boolean {
    if (!this.waiting.has(callId)) return false
    this.settle(callId, { decision: 'deny', via: 'user' })
    return true
  }

  /** The voice window asks to see the call on main's surface. */
  review(callId: string): boolean {
    if (!this.waiting.has(callId)) return false
    return this.options.port?.focus(callId) ?? false
  }

  /**
   * A spoken answer relayed from the user transcript. The transcript passes through the renderer,
   * so a "yes" may allow only a waiting `write` call; a "no" denies anything; the rest is ignored.
   */
  spoken(callId: string, transcript: string): SpokenOutcome {
    const entry = this.waiting.get(callId)
    if (!entry) return { outcome: 'ignored', reason: 'That request is no longer waiting.' }
    const answer = matchSpokenAnswer(transcript)
    if (answer === 'no') {
      this.settle(callId, { decision: 'deny', via: 'spoken' })
      return { outcome: 'denied', reason: null }
    }
    if (answer !== 'yes') return { outcome: 'ignored', reason: 'Only a short "yes" or "no" answers a confirmation.' }
    if (entry.info.risk !== 'write') {
      return { outcome: 'ignored', reason: 'A spoken "yes" cannot allow this: it reaches outside your computer, so allow it in the confirmation window.' }
    }
    this.settle(callId, { decision: 'allow', via: 'spoken' })
    return { outcome: 'allowed', reason: null }
  }

  pending(): PendingConfirmation[] {
    return [...this.waiting.values()].map((w) => structuredClone(w.info)).sort((a, b) => a.requestedAt - b.requestedAt)
  }

  /** Denies everything that is waiting (the session ended, the app quits). */
  cancelAll(): void {
    for (const callId of [...this.waiting.keys()]) this.settle(callId, { decision: 'deny', via: 'none' })
  }

  private chain(entry: Waiting, resolve: (result: ApprovalResult) => void): void {
    const first = entry.resolve
    entry.resolve = (result) => {
      first(result)
      resolve(result)
    }
  }

  private settle(callId: string, result: ApprovalResult): void {
    const entry = this.waiting.get(callId)
    if (!entry) return
    this.waiting.delete(callId)
    this.clearTimer(entry.timer)
    entry.withdraw.abort()
    entry.resolve(result)
    this.changed()
  }

  private changed(): void {
    this.options.onChange?.(this.pending())
  }
}

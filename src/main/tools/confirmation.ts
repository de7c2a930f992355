import type { ApprovalRequest, ApprovalResult, ConfirmationChoice, PendingConfirmation } from '../../shared/tools/types'

export interface AlwaysAllowStore {
  has(tool: string): boolean
  add(tool: string): void
}

export interface ConfirmationOptions {
  /** Seconds a confirmation waits before it counts as "denied" (settings.tools.confirmTimeoutSeconds). */
  timeoutSeconds: () => number
  alwaysAllow: AlwaysAllowStore
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
  resolve: (result: ApprovalResult) => void
  timer: unknown
}

/**
 * Write and external calls wait here for the user's decision on the transcript card: Allow once,
 * Always allow this tool (kept in settings, revocable), or Deny. No answer within the timeout
 * counts as Deny.
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

  /** The executor's approver: always-allowed tools pass at once, the rest wait for the user. */
  readonly approve = (request: ApprovalRequest): Promise<ApprovalResult> => {
    if (request.allowAlways !== false && this.options.alwaysAllow.has(request.name)) return Promise.resolve({ decision: 'allow', via: 'always' })
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
      }
      const timer = this.setTimer(() => this.settle(request.callId, { decision: 'deny', via: 'timeout' }), timeoutMs)
      ;(timer as { unref?: () => void })?.unref?.()
      this.waiting.set(request.callId, { info, resolve, timer })
      this.changed()
    })
  }

  /** The user's answer. Returns false when nothing with that id is waiting (answered or expired). */
  decide(callId: string, choice: ConfirmationChoice): boolean {
    const entry = this.waiting.get(callId)
    if (!entry) return false
    if (choice === 'deny') {
      this.settle(callId, { decision: 'deny', via: 'user' })
      return true
    }
    if (choice === 'always_allow' && entry.info.allowAlways !== false) {
      this.options.alwaysAllow.add(entry.info.name)
      // Other calls of the same tool that are waiting are now allowed too.
      for (const other of [...this.waiting.values()]) {
        if (other !== entry && other.info.name === entry.info.name) this.settle(other.info.callId, { decision: 'allow', via: 'always' })
      }
    }
    this.settle(callId, { decision: 'allow', via: 'user' })
    return true
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
    entry.resolve(result)
    this.changed()
  }

  private changed(): void {
    this.options.onChange?.(this.pending())
  }
}

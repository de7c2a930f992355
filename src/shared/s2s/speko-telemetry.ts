/**
 * Usage reports for Speko provider_direct sessions, as the Speko TypeScript SDK sends them
 * (docs/protocols/speko.md, "Telemetry"). In a provider_direct session the audio goes straight to
 * the upstream provider, so Speko learns how long the session ran only from these reports:
 *
 * - every `flushIntervalMs` after the session opened: POST {events:[usage.reported]} to the
 *   telemetry URL with `Authorization: Bearer <telemetry token>`;
 * - once at the end (or when the connection is replaced): usage.reported + session.closed.
 * - usage.reported data: {unit:"duration_seconds", quantity_millis}: ms since the session opened,
 *   capped at the reservation's authorized duration; event ids `<attemptId>:usage.reported:<n>`
 *   and `<attemptId>:session.closed` (Speko can drop duplicates).
 * Report failures are logged and never affect the conversation (the SDK ignores them as well).
 *
 * Pure (fetch and timers injected): the renderer and the CLI drive one instance per conversation:
 *   const telemetry = new SpekoTelemetry({ fetch })
 *   new S2SSession({ mint: telemetry.wrapMint(mint), ... }).on((e) => telemetry.handle(e))
 *   ... await telemetry.close()   // after the session closed (also safe before)
 * Every reconnect mints a new Speko session (its own telemetry token), so each credential gets
 * its own reporter: it starts on that connection's 'ready' and closes on 'reconnecting'/'closed'.
 */
import type { S2SEvent, SessionCredential, SessionTelemetry } from './types'

export type TelemetryFetch = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; keepalive?: boolean },
) => Promise<{ status: number }>

export interface TelemetryTimers {
  setInterval(callback: () => void, ms: number): unknown
  clearInterval(handle: unknown): void
}

export interface SpekoTelemetryOptions {
  fetch: TelemetryFetch
  /** Epoch ms clock (default Date.now). */
  now?: () => number
  timers?: TelemetryTimers
  log?: (line: string) => void
}

export interface TelemetryEventBody {
  type: 'usage.reported' | 'session.closed'
  event_id: string
  session_id: string
  attempt_id: string
  created_at_ms: number
  data?: { unit: 'duration_seconds'; quantity_millis: number }
}

const defaultTimers: TelemetryTimers = {
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as never),
}

class Reporter {
  private openedAt: number | null = null
  private timer: unknown = null
  private sequence = 0
  finished = false

  constructor(
    readonly spec: SessionTelemetry,
    private readonly owner: SpekoTelemetry,
  ) {}

  open(now: number): void {
    if (this.finished || this.openedAt !== null) return
    this.openedAt = now
    this.timer = this.owner.timers.setInterval(() => this.report(false), this.spec.flushIntervalMs)
  }

  finish(): void {
    if (this.finished) return
    this.finished = true
    if (this.timer !== null) this.owner.timers.clearInterval(this.timer)
    this.timer = null
    this.report(true)
  }

  private report(terminal: boolean): void {
    if (this.finished && !terminal) return
    const now = this.owner.now()
    const elapsed = this.openedAt === null ? 0 : Math.max(0, now - this.openedAt)
    this.sequence += 1
    const common = { session_id: this.spec.sessionId, attempt_id: this.spec.attemptId, created_at_ms: now }
    const events: TelemetryEventBody[] = [
      {
        ...common,
        type: 'usage.reported',
        event_id: `${this.spec.attemptId}:usage.reported:${this.sequence}`,
        data: { unit: 'duration_seconds', quantity_millis: Math.min(this.spec.authorizedDurationMs, elapsed) },
      },
    ]
    if (terminal) events.push({ ...common, type: 'session.closed', event_id: `${this.spec.attemptId}:session.closed` })
    this.owner.post(this.spec, events)
  }
}

export class SpekoTelemetry {
  readonly timers: TelemetryTimers
  readonly now: () => number
  private readonly fetch: TelemetryFetch
  private readonly log: (line: string) => void
  private readonly reporters: Reporter[] = []
  private readonly inFlight = new Set<Promise<void>>()
  private closed = false

  constructor(options: SpekoTelemetryOptions) {
    this.fetch = options.fetch
    this.now = options.now ?? Date.now
    this.timers = options.timers ?? defaultTimers
    this.log = options.log ?? (() => {})
  }

  /** Wraps the session's mint so every credential it returns is known here. */
  wrapMint(mint: () => Promise<SessionCredential>): () => Promise<SessionCredential> {
    return async () => {
      const credential = await mint()
      this.minted(credential)
      return credential
    }
  }

  /** A credential was minted for the next connection (wrapMint calls this). */
  minted(credential: SessionCredential): void {
    const spec = credential.telemetry
    if (!spec) return
    // A credential minted while an older one never opened: that Speko session is over.
    for (const r of this.reporters) if (!r.finished) r.finish()
    if (this.closed) {
      new Reporter(spec, this).finish()
      return
    }
    this.reporters.push(new Reporter(spec, this))
  }

  /** Feed every session event (S2SSession.on). */
  handle(event: S2SEvent): void {
    if (event.type === 'ready') {
      const current = this.reporters.at(-1)
      if (current && !current.finished) current.open(this.now())
    } else if (event.type === 'closed' || (event.type === 'status' && event.status === 'reconnecting')) {
      this.finishAll()
    }
  }

  /** Ends every open report (session.closed) and waits (at most maxWaitMs) for the reports under way. */
  async close(maxWaitMs = 3000): Promise<void> {
    this.closed = true
    this.finishAll()
    let timer: unknown
    const cap = new Promise<void>((resolve) => (timer = setTimeout(() => resolve(), maxWaitMs)))
    const drained = (async () => {
      while (this.inFlight.size) await Promise.allSettled([...this.inFlight])
    })()
    await Promise.race([drained, cap])
    clearTimeout(timer as never)
  }

  /** Reports sent and not yet answered (for tests and clean shutdown). */
  get pending(): number {
    return this.inFlight.size
  }

  /** @internal */
  post(spec: SessionTelemetry, events: TelemetryEventBody[]): void {
    const send = this.fetch(spec.url, {
      method: 'POST',
      keepalive: true,
      headers: { Authorization: `Bearer ${spec.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ events }),
    })
      .then((response) => {
        if (response.status < 200 || response.status >= 300) this.log(`speko telemetry: HTTP ${response.status} for ${events.map((e) => e.type).join('+')}`)
      })
      .catch((error: unknown) => this.log(`speko telemetry: not sent (${error instanceof Error ? error.message : String(error)})`))
    const tracked: Promise<void> = send.finally(() => this.inFlight.delete(tracked))
    this.inFlight.add(tracked)
  }

  private finishAll(): void {
    for (const r of this.reporters) r.finish()
    this.reporters.length = 0
  }
}

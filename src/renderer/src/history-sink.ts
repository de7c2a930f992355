/**
 * The conversation layer's link to history: it calls begin/turn/tool/usage/end as things happen
 * (final transcripts only) and the sink forwards each to main over the history channels, in order.
 * It never throws and never rejects: with history off, paused or unavailable a call simply has no
 * effect. It also keeps the running cost of the current conversation for the voice window's cost
 * line, and carries "Continue" from the history view to whoever starts sessions.
 */
import type { EarshotApi } from '../../shared/ipc/api'
import { estimateCostUsd, normalizeUsage, addUsage, type UsageCounts, type UsageTotals } from '../../shared/pricing'
import type { ConversationTurn } from '../../shared/s2s/types'

type HistoryApi = Pick<EarshotApi, 'history'>

export interface SinkTurn {
  role: 'user' | 'assistant'
  text: string
  interrupted?: boolean
  /** Epoch ms; default now. */
  at?: number
}

export interface SinkTool {
  callId: string
  name: string
  arguments: unknown
  result: string | null
  status: 'ok' | 'error' | 'denied' | null
  /** The user's confirmation decision where one was asked (allow, always, deny, timeout, ...). */
  decision?: string | null
  at?: number
}

/** What "Continue" hands to the conversation layer: start a new session carrying these turns. */
export interface ContinueRequest {
  /** The stored conversation (pass it as session:start's continueFrom: Speko carries it at mint). */
  conversationId: string
  provider: string
  model: string
  /** Oldest first; pass as S2SSession's initialHistory. */
  turns: ConversationTurn[]
}
export type ContinueHandler = (request: ContinueRequest) => void | Promise<void>

export interface LiveCost {
  /** Estimated USD so far; null = the provider reported no usage (or Earshot has no price for the model). */
  usd: number | null
  /** A conversation is open. */
  active: boolean
}

export class HistorySink {
  private queue: Promise<void> = Promise.resolve()
  private id: string | null = null
  private open = false
  private meta = { provider: '', model: '' }
  private totals: UsageTotals | null = null
  private readonly listeners = new Set<() => void>()
  private costValue: LiveCost = { usd: null, active: false }
  private continueHandler: ContinueHandler | null = null

  constructor(
    private readonly api: HistoryApi,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** A conversation starts (a new session, or Continue). Ends the previous one first. */
  begin(meta: { provider: string; model: string }): void {
    if (this.open) this.end()
    this.open = true
    this.meta = { provider: String(meta.provider || 'unknown'), model: String(meta.model ?? '') }
    this.totals = null
    this.publish()
    const requested = { ...this.meta }
    this.enqueue(async () => {
      const { id } = await this.api.history.begin(requested)
      this.id = id
    })
  }

  /** A final transcript (never a partial). */
  turn(turn: SinkTurn): void {
    if (!this.open || typeof turn?.text !== 'string' || !turn.text.trim()) return
    const at = turn.at ?? this.now()
    this.write((id) => this.api.history.turn({ id, role: turn.role, text: turn.text, interrupted: turn.interrupted === true, at }))
  }

  tool(call: SinkTool): void {
    if (!this.open || !call?.callId || !call.name) return
    const at = call.at ?? this.now()
    this.write((id) =>
      this.api.history.tool({ id, callId: call.callId, name: call.name, arguments: call.arguments ?? null, result: call.result ?? null, status: call.status ?? null, decision: call.decision ?? null, at }),
    )
  }

  /** One response's usage, as the provider reported it. */
  usage(counts: UsageCounts): void {
    if (!this.open || typeof counts !== 'object' || counts === null) return
    const clean: UsageCounts = {}
    for (const [key, value] of Object.entries(counts)) {
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) (clean as Record<string, number>)[key] = Math.round(value)
    }
    const one = normalizeUsage(clean)
    this.totals = this.totals ? addUsage(this.totals, one) : one
    this.publish()
    const at = this.now()
    this.write((id) => this.api.history.usage({ id, ...pickUsage(clean), at }))
  }

  end(): void {
    if (!this.open) return
    this.open = false
    const at = this.now()
    this.publish()
    this.enqueue(async () => {
      const id = this.id
      this.id = null
      if (id) await this.api.history.end({ id, at })
    })
  }

  /** Resolves once every call so far has reached main (tests, shutdown). */
  flush(): Promise<void> {
    return this.queue
  }

  // ---- the live cost line ----

  cost = (): LiveCost => this.costValue

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  // ---- Continue ----

  /** The conversation layer says how it starts a continued session; returns an unregister function. */
  onContinue(handler: ContinueHandler): () => void {
    this.continueHandler = handler
    this.publish()
    return () => {
      if (this.continueHandler === handler) {
        this.continueHandler = null
        this.publish()
      }
    }
  }

  canContinue(): boolean {
    return this.continueHandler !== null
  }

  /** Fetches the stored turns and hands them to the registered handler. Rejects with a readable message. */
  async continueConversation(conversationId: string): Promise<ContinueRequest> {
    const handler = this.continueHandler
    if (!handler) throw new Error('Continue is not available until a conversation can start.')
    const carried = await this.api.history.continue({ id: conversationId })
    const request: ContinueRequest = { conversationId: carried.id, provider: carried.provider, model: carried.model, turns: carried.turns }
    await handler(request)
    return request
  }

  // ---- internals ----

  private write(call: (id: string) => Promise<unknown>): void {
    this.enqueue(async () => {
      if (this.id) await call(this.id)
    })
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch(() => {
      // History must never break a conversation: a failed write is dropped (main tells the user
      // once when history pauses).
    })
  }

  private publish(): void {
    const next: LiveCost = { usd: estimateCostUsd(this.meta.provider, this.meta.model, this.totals), active: this.open }
    this.costValue = next
    for (const listener of this.listeners) {
      try {
        listener()
      } catch {
        // a listener's bug is not the sink's
      }
    }
  }
}

const USAGE_KEYS = ['inputTokens', 'outputTokens', 'inputTextTokens', 'inputAudioTokens', 'outputTextTokens', 'outputAudioTokens', 'cachedTokens', 'cachedTextTokens', 'cachedAudioTokens'] as const
function pickUsage(counts: UsageCounts): UsageCounts {
  const out: UsageCounts = {}
  for (const key of USAGE_KEYS) if (counts[key] !== undefined) out[key] = counts[key]
  return out
}

let shared: HistorySink | null = null
/** One sink per window: the conversation layer writes to it, the voice window's cost line and the history view read it. */
export function sharedHistorySink(api: HistoryApi): HistorySink {
  shared ??= new HistorySink(api)
  return shared
}

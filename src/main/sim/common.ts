/**
 * Pieces every simulator shares: options, the handle type, paced audio streaming, fault
 * bookkeeping and id counters.
 */
import { randomBytes } from 'node:crypto'
import type { ProtocolId, SessionCredential } from '../../shared/s2s/types'
import type { FaultPoint, SimFault, SimScript } from './script'
import type { SimServer } from './server'
import { WireLog } from './wire'

export interface SimOptions {
  /** The real API key the REST endpoint accepts (default: a random `sk-sim-…` / `aai-sim-…` / `spk-sim-…`). */
  apiKey?: string
  /** Lifetime of minted credentials in ms (overrides what the client asked for). */
  tokenTtlMs?: number
  /** How fast reply audio is sent, as a multiple of real time (default 1; OpenAI default 2). Infinity = all at once. */
  audioPace?: number
  /** Size of each reply audio chunk in ms (OpenAI default 100, AssemblyAI 50, Speko 20). */
  chunkMs?: number
  /** Energy VAD tuning (see EnergyVad). silenceMs defaults to 500 (OpenAI: the session's silence_duration_ms). */
  vad?: { thresholdRms?: number; startMs?: number; silenceMs?: number }
  /** Make the REST mint endpoint fail: e.g. { status: 429, retryAfterSeconds: 3 } or { status: 500 }. */
  mintFault?: { status: number; retryAfterSeconds?: number }
  /** Refuse every key on the REST endpoint (401), as if the key had been revoked. */
  rejectKey?: boolean
  /** Session length cap in ms (OpenAI: 60 min; AssemblyAI: max_session_duration_seconds; Speko: ttlSeconds). */
  sessionMaxMs?: number
  /** Keep at most this many wire-log entries (oldest dropped). Unbounded by default (tests read it all). */
  wireLimit?: number
}

/** What every start*Sim function returns. */
export interface SimHandle {
  protocol: ProtocolId
  /**
   * REST base URL to point the real minting code at, exactly as the CLI's environment variable
   * wants it: OpenAI `http://127.0.0.1:P/v1` (OPENAI_BASE_URL), AssemblyAI `http://127.0.0.1:P`
   * (ASSEMBLYAI_AGENTS_URL), Speko `http://127.0.0.1:P` (SPEKO_BASE_URL).
   */
  baseUrl: string
  /** The socket URL without credentials (OpenAI `…/v1/realtime`, AssemblyAI `…/v1/ws`, Speko `…/v1/realtime`). */
  wsUrl: string
  /** The real key the simulator accepts for minting. */
  apiKey: string
  /** Environment for the CLI: key + base URL variables. */
  env: Record<string, string>
  wire: WireLog
  /** Mints a credential in-process (no HTTP request, nothing on the wire log), like main's minting would. */
  credential(): SessionCredential
  /** Make every credential minted so far unusable for opening a socket. */
  expireCredentials(): void
  /** Cut every open socket without a close frame. */
  dropConnections(): void
  /** Number of sockets accepted so far. */
  readonly connections: number
  /** Everything protocol-level the tests may want to check beyond the raw wire (see each simulator). */
  records: SimRecords
  close(): Promise<void>
}

export interface ToolResultRecord {
  conn: number
  callId: string
  output: string
  /** OpenAI: the function_call response's response.done had been sent. AssemblyAI: reply.done had been sent. */
  afterDone: boolean
  /** AssemblyAI: the reply that carried the tool call ended `interrupted` (the client should have dropped it). */
  afterInterrupted: boolean
  /** Simulator clock, ms. */
  t: number
}

export interface SimRecords {
  toolResults: ToolResultRecord[]
  /** Protocol errors the simulator sent, by code. */
  errors: Array<{ conn: number; code: string; message: string }>
  /** Barge-ins the simulator detected while a reply was active. */
  bargeIns: Array<{ conn: number; responseId: string; atMs: number }>
  /** OpenAI: truncations applied (by the client's conversation.item.truncate, or by the server itself on WebRTC). */
  truncations: Array<{ conn: number; itemId: string; audioEndMs: number; by?: 'server' }>
  /** Turns started (user turns and reply requests). */
  turns: Array<{ conn: number; index: number; userSpeechMs: number; user: string }>
  /** Speko: every POST /v1/sessions answered (replayed: an Idempotency-Key seen before). */
  mints: Array<{ sessionId: string; idempotencyKey: string | null; replayed: boolean }>
  /** Speko provider_direct: usage reports received on the telemetry endpoint. */
  telemetry: Array<{ sessionId: string; token: string; events: Array<Record<string, unknown>> }>
  /** Speko provider_direct OpenAI: WebRTC calls bound to the billing sideband (the call id the client posted). */
  sidebands: Array<{ sessionId: string; attemptId: string; callId: string }>
}

export function newRecords(): SimRecords {
  return { toolResults: [], errors: [], bargeIns: [], truncations: [], turns: [], mints: [], telemetry: [], sidebands: [] }
}

/** What every simulator starts with: the wire log (watching the key), the real key, records and faults. */
export function simBasics(script: SimScript, options: SimOptions, keyPrefix: string): { wire: WireLog; apiKey: string; records: SimRecords; faults: Faults } {
  const wire = new WireLog(options.wireLimit)
  const apiKey = options.apiKey ?? randomId(keyPrefix, 16)
  wire.watch(apiKey)
  return { wire, apiKey, records: newRecords(), faults: new Faults(script) }
}

/**
 * The SimHandle of a simulator on `server`: its own fields, plus the socket controls every
 * simulator shares. `dispose` stops the simulator's sessions before the server closes.
 */
export function simHandle(
  server: SimServer,
  own: Omit<SimHandle, 'dropConnections' | 'connections' | 'close'>,
  dispose: () => void,
): SimHandle {
  return {
    ...own,
    dropConnections() {
      for (const c of server.conns) c.drop()
    },
    get connections() {
      return server.conns.length
    },
    async close() {
      dispose()
      await server.close()
    },
  }
}

/** The `retry-after` header of a scripted mint fault, when it asks for one. */
export function retryAfterHeaders(retryAfterSeconds: number | undefined): Record<string, string> {
  return retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {}
}

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function randomId(prefix: string, bytes = 12): string {
  return prefix + randomBytes(bytes).toString('hex')
}

/** Counter-based ids (deterministic within a session). */
export class Ids {
  private n = new Map<string, number>()
  next(prefix: string): string {
    const v = (this.n.get(prefix) ?? 0) + 1
    this.n.set(prefix, v)
    return `${prefix}${v}`
  }
}

/** Tracks which scripted faults already fired. */
export class Faults {
  private fired = new Set<SimFault>()
  constructor(private readonly script: SimScript) {}

  /** Faults due at `point` for this turn and connection (each fires at most once). */
  take(point: FaultPoint, turn: number, connection: number): SimFault[] {
    const due: SimFault[] = []
    for (const f of this.script.faults ?? []) {
      if (this.fired.has(f) || f.at !== point) continue
      if (f.turn !== undefined && f.turn !== turn) continue
      if ((f.connection ?? 0) !== connection) continue
      this.fired.add(f)
      due.push(f)
    }
    return due
  }
}

/**
 * Sends PCM in chunks paced at `pace` times real time, starting at once. `onChunk` gets each
 * chunk; `onHalf` fires once after half the chunks; `onEnd` after the last. `cancel()` stops.
 */
export class AudioStreamer {
  readonly chunks: Int16Array[]
  sent = 0
  sentSamples = 0
  readonly startedAt = performance.now()
  private timer: NodeJS.Timeout | undefined
  private cancelled = false
  private halfFired = false

  constructor(
    pcm: Int16Array,
    readonly sampleRate: number,
    readonly chunkMs: number,
    readonly pace: number,
    private readonly onChunk: (chunk: Int16Array, index: number, total: number) => void,
    private readonly onEnd: () => void,
    private readonly onHalf?: () => void,
  ) {
    const per = Math.max(1, Math.round((sampleRate * chunkMs) / 1000))
    this.chunks = []
    for (let i = 0; i < pcm.length; i += per) this.chunks.push(pcm.subarray(i, Math.min(pcm.length, i + per)))
  }

  /** Reply duration in ms. */
  get durationMs(): number {
    return (this.chunks.reduce((n, c) => n + c.length, 0) * 1000) / this.sampleRate
  }

  get done(): boolean {
    return this.sent >= this.chunks.length
  }

  start(): void {
    this.step()
  }

  private step(): void {
    this.timer = undefined
    while (!this.cancelled && this.sent < this.chunks.length) {
      const due = this.startedAt + (this.sent * this.chunkMs) / this.pace
      const now = performance.now()
      if (due > now + 1) {
        this.timer = setTimeout(() => this.step(), due - now)
        return
      }
      const chunk = this.chunks[this.sent]!
      this.sent++
      this.sentSamples += chunk.length
      this.onChunk(chunk, this.sent - 1, this.chunks.length)
      if (!this.halfFired && this.onHalf && this.sent >= Math.ceil(this.chunks.length / 2) && this.sent < this.chunks.length) {
        this.halfFired = true
        this.onHalf()
      }
    }
    if (!this.cancelled) this.onEnd()
  }

  cancel(): void {
    this.cancelled = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }
}

/** Wall-clock fraction (0..1) of a reply heard so far, assuming real-time playback from its start. */
export function playedFraction(startedAt: number, durationMs: number): number {
  if (durationMs <= 0) return 1
  return Math.max(0, Math.min(1, (performance.now() - startedAt) / durationMs))
}

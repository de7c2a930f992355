/**
 * Test helpers shared by the adapter unit tests (AssemblyAI, Speko): a fake AdapterHost that records
 * what the adapter sends and emits, and the action runner of the property-based robustness tests.
 * Never imported by product code.
 */
import { expect } from 'vitest'
import type { AdapterHost, AdapterStartOptions, ProviderAdapter, S2SEvent, SessionConfig, SessionCredential } from '../types'

/** Drives one adapter directly: the test plays the server with recv(), the host records the rest. */
export class AdapterHarness<A extends ProviderAdapter> {
  sent: (string | ArrayBuffer)[] = []
  events: S2SEvent[] = []
  logs: string[] = []
  played = new Map<string, number>()
  readonly host: AdapterHost = {
    send: (data) => {
      this.sent.push(data)
    },
    emit: (event) => {
      this.events.push(event)
    },
    now: () => this.clock,
    playback: { playedMs: (itemId) => this.played.get(itemId) ?? 0 },
    log: (line) => {
      this.logs.push(line)
    },
  }

  constructor(
    readonly adapter: A,
    private readonly base: { config: SessionConfig; credential: SessionCredential },
    public clock: number,
  ) {}

  start(options: Partial<AdapterStartOptions> = {}): this {
    this.adapter.start(this.host, { ...this.base, ...options })
    return this
  }

  /** Feeds one server frame, JSON-encoded. */
  recv(frame: Record<string, unknown>): this {
    this.adapter.handleMessage(JSON.stringify(frame))
    return this
  }

  eventsOf<T extends S2SEvent['type']>(type: T): Extract<S2SEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<S2SEvent, { type: T }> => e.type === type)
  }

  clear(): this {
    this.sent = []
    this.events = []
    return this
  }
}

// ---- robustness (property-based) ----------------------------------------------------------------------

/** One step of a random run: a frame from the server, or a call the app makes on the adapter. */
export type Action =
  | { kind: 'text'; data: string }
  | { kind: 'binary'; bytes: Uint8Array }
  | { kind: 'audio'; n: number }
  | { kind: 'result'; callId: string }
  | { kind: 'interrupt' }
  | { kind: 'close'; code: number }
  | { kind: 'end' }
  | { kind: 'reply' }
  | { kind: 'commit' }
  | { kind: 'tick'; ms: number }

/** Applies one action to the harness's adapter. */
export function runAction<A extends ProviderAdapter>(
  h: AdapterHarness<A>,
  a: Action,
  options: { pcm: (n: number) => Int16Array; toolOutput: string; afterClose?: () => void },
): void {
  switch (a.kind) {
    case 'text':
      h.adapter.handleMessage(a.data)
      break
    case 'binary':
      h.adapter.handleMessage(a.bytes.slice().buffer)
      break
    case 'audio':
      h.adapter.sendAudio(options.pcm(a.n))
      break
    case 'result':
      h.adapter.sendToolResult(a.callId, options.toolOutput)
      break
    case 'interrupt':
      h.adapter.interrupt()
      break
    case 'end':
      h.adapter.end()
      break
    case 'reply':
      h.adapter.requestReply?.()
      break
    case 'commit':
      h.adapter.commit?.()
      break
    case 'tick':
      h.clock += a.ms
      break
    case 'close':
      h.adapter.handleClose(a.code, '')
      options.afterClose?.()
      break
  }
}

/** A text frame that is not a JSON object with a string `key` must have been reported as a protocol error. */
export function expectUnreadableReported(data: string, fresh: S2SEvent[], key: string): void {
  let parsed: unknown
  let isJson = true
  try {
    parsed = JSON.parse(data)
  } catch {
    isJson = false
  }
  const keyed = isJson && typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && typeof (parsed as Record<string, unknown>)[key] === 'string'
  if (!keyed) expect(fresh.some((e) => e.type === 'error' && e.error.code === 'protocol_error')).toBe(true)
}

import { describe, expect, it } from 'vitest'
import type { SessionCredential } from './types'
import { SpekoTelemetry, type TelemetryFetch, type TelemetryTimers } from './speko-telemetry'

/** Interval timers the test fires by hand. */
class ManualTimers implements TelemetryTimers {
  private next = 1
  readonly active = new Map<number, { fn: () => void; ms: number }>()
  setInterval(fn: () => void, ms: number): unknown {
    const id = this.next++
    this.active.set(id, { fn, ms })
    return id
  }
  clearInterval(handle: unknown): void {
    this.active.delete(handle as number)
  }
  fire(): void {
    for (const t of [...this.active.values()]) t.fn()
  }
}

interface Post {
  url: string
  headers: Record<string, string>
  keepalive?: boolean
  events: Array<Record<string, any>> // eslint-disable-line @typescript-eslint/no-explicit-any -- report JSON
}

function setup(status = 202) {
  let now = 1_000_000
  const posts: Post[] = []
  const logs: string[] = []
  const timers = new ManualTimers()
  const fetch: TelemetryFetch = async (url, init) => {
    posts.push({ url, headers: init.headers, keepalive: init.keepalive, events: (JSON.parse(init.body) as { events: Post['events'] }).events })
    if (status === 0) throw new Error('connection refused')
    return { status }
  }
  const telemetry = new SpekoTelemetry({ fetch, timers, now: () => now, log: (l) => logs.push(l) })
  return { telemetry, posts, logs, timers, advance: (ms: number) => (now += ms) }
}

const credential = (n: number, authorizedDurationMs = 900_000): SessionCredential => ({
  protocol: 'xai',
  url: 'wss://api.x.ai/v1/realtime?model=m',
  protocols: [`xai-client-secret.s${n}`],
  expiresAt: null,
  inputSampleRate: 24000,
  outputSampleRate: 24000,
  sessionId: `sess_${n}`,
  telemetry: { url: `https://api.speko.dev/v1/sessions/sess_${n}/telemetry`, token: `tel_${n}`, flushIntervalMs: 15_000, sessionId: `sess_${n}`, attemptId: `att_${n}`, authorizedDurationMs },
})

describe('SpekoTelemetry', () => {
  it('reports duration every flushIntervalMs from ready, then usage.reported + session.closed at the end', async () => {
    const { telemetry, posts, timers, advance } = setup()
    await telemetry.wrapMint(async () => credential(1))()
    expect(timers.active.size).toBe(0) // nothing before the session opened
    telemetry.handle({ type: 'ready', inputSampleRate: 24000, outputSampleRate: 24000 })
    expect([...timers.active.values()].map((t) => t.ms)).toEqual([15_000])
    advance(15_000)
    timers.fire()
    advance(4_000)
    telemetry.handle({ type: 'closed', reason: 'user' })
    await telemetry.close()
    expect(timers.active.size).toBe(0)
    expect(posts.map((p) => p.url)).toEqual(Array(2).fill('https://api.speko.dev/v1/sessions/sess_1/telemetry'))
    expect(posts[0]!.headers).toEqual({ Authorization: 'Bearer tel_1', 'Content-Type': 'application/json' })
    expect(posts[0]!.keepalive).toBe(true)
    const common = { session_id: 'sess_1', attempt_id: 'att_1' }
    expect(posts[0]!.events).toEqual([{ ...common, type: 'usage.reported', event_id: 'att_1:usage.reported:1', created_at_ms: 1_015_000, data: { unit: 'duration_seconds', quantity_millis: 15_000 } }])
    expect(posts[1]!.events).toEqual([
      { ...common, type: 'usage.reported', event_id: 'att_1:usage.reported:2', created_at_ms: 1_019_000, data: { unit: 'duration_seconds', quantity_millis: 19_000 } },
      { ...common, type: 'session.closed', event_id: 'att_1:session.closed', created_at_ms: 1_019_000 },
    ])
  })

  it('caps the reported duration at the authorized duration', async () => {
    const { telemetry, posts, advance } = setup()
    await telemetry.wrapMint(async () => credential(1, 10_000))()
    telemetry.handle({ type: 'ready', inputSampleRate: 24000, outputSampleRate: 24000 })
    advance(60_000)
    await telemetry.close()
    expect(posts[0]!.events[0]!.data.quantity_millis).toBe(10_000)
  })

  it('closes a connection on reconnect and reports the next Speko session with its own token', async () => {
    const { telemetry, posts, advance } = setup()
    const mint = telemetry.wrapMint(async () => credential(posts.length + 1))
    await mint()
    telemetry.handle({ type: 'ready', inputSampleRate: 24000, outputSampleRate: 24000 })
    advance(2_000)
    telemetry.handle({ type: 'status', status: 'reconnecting' })
    await mint()
    telemetry.handle({ type: 'ready', inputSampleRate: 24000, outputSampleRate: 24000 })
    advance(3_000)
    telemetry.handle({ type: 'closed', reason: 'user' })
    await telemetry.close()
    expect(posts.map((p) => [p.headers.Authorization, p.events.map((e) => e.type).join('+'), p.events[0]!.data.quantity_millis])).toEqual([
      ['Bearer tel_1', 'usage.reported+session.closed', 2_000],
      ['Bearer tel_2', 'usage.reported+session.closed', 3_000],
    ])
  })

  it('closes a minted session that never opened (0 ms), and ignores credentials without telemetry', async () => {
    const { telemetry, posts } = setup()
    await telemetry.wrapMint(async () => ({ ...credential(1), telemetry: undefined }))()
    await telemetry.wrapMint(async () => credential(2))()
    telemetry.handle({ type: 'closed', reason: 'error' })
    await telemetry.close()
    expect(posts).toHaveLength(1)
    expect(posts[0]!.events.map((e) => [e.type, e.data?.quantity_millis])).toEqual([
      ['usage.reported', 0],
      ['session.closed', undefined],
    ])
  })

  it('logs a failed or refused report and carries on', async () => {
    for (const status of [0, 500]) {
      const { telemetry, logs } = setup(status)
      await telemetry.wrapMint(async () => credential(1))()
      telemetry.handle({ type: 'ready', inputSampleRate: 24000, outputSampleRate: 24000 })
      await telemetry.close()
      expect(logs).toEqual([status === 0 ? 'speko telemetry: not sent (connection refused)' : 'speko telemetry: HTTP 500 for usage.reported+session.closed'])
    }
  })

  it('does not wait forever for a report that never gets an answer', async () => {
    const telemetry = new SpekoTelemetry({ fetch: () => new Promise(() => {}), timers: new ManualTimers() })
    await telemetry.wrapMint(async () => credential(1))()
    await telemetry.close(20)
    expect(telemetry.pending).toBe(1)
  })
})

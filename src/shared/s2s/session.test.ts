import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { S2SSession } from './session'
import { OpenAIAdapter } from './adapters/openai'
import { FakeClock, FakePlayback, FakeSocket, OPENAI_TEST_CONFIG as CONFIG, settle } from './testing'
import { int16ToBase64 } from './pcm'
import type {
  AdapterHost,
  AdapterStartOptions,
  ProviderAdapter,
  ResumeState,
  S2SEvent,
  SessionCredential,
  SessionStatus,
} from './types'
import { errorFromClose, errorFromProvider, toS2SError } from './errors'

/** A scriptable adapter that speaks a trivial protocol: frames are JSON S2SEvents to emit. */
class ScriptedAdapter implements ProviderAdapter {
  readonly protocol = 'assemblyai' as const
  host: AdapterHost | null = null
  startOptions: AdapterStartOptions | null = null
  accepts = false
  audio: Int16Array[] = []
  results: [string, string][] = []
  ended = false
  throwOn: string | null = null
  resume: ResumeState | null = { sessionId: 'sess_1', droppedAt: 0 }
  get acceptsAudio(): boolean {
    return this.accepts
  }
  start(host: AdapterHost, options: AdapterStartOptions): void {
    this.host = host
    this.startOptions = options
    host.send('{"type":"session.update"}')
  }
  handleMessage(data: string | ArrayBuffer): void {
    if (typeof data !== 'string') return
    if (this.throwOn && data.includes(this.throwOn)) throw new Error('adapter bug')
    const event = JSON.parse(data) as S2SEvent & { accept?: boolean }
    if (event.accept) {
      this.accepts = true
      return
    }
    this.host?.emit(event)
  }
  sendAudio(pcm: Int16Array): void {
    this.audio.push(pcm)
  }
  sendToolResult(callId: string, output: string): void {
    this.results.push([callId, output])
  }
  interrupt(): void {
    this.host?.emit({ type: 'bargein' })
  }
  end(): void {
    this.ended = true
    this.host?.send('{"type":"session.end"}')
  }
  resumeState(): ResumeState | null {
    return this.resume
  }
  handleClose(): void {}
}

function setup(extra: { maxReconnectAttempts?: number } = {}) {
  const clock = new FakeClock()
  const sockets: FakeSocket[] = []
  const adapters: ScriptedAdapter[] = []
  const events: S2SEvent[] = []
  const logs: string[] = []
  let mints = 0
  const session = new S2SSession({
    mint: async (): Promise<SessionCredential> => {
      mints++
      return { protocol: 'assemblyai', url: `ws://127.0.0.1:1/v1/ws?token=t${mints}`, protocols: [], expiresAt: null, inputSampleRate: 24000, outputSampleRate: 24000 }
    },
    socketFactory: (url, protocols) => {
      const s = new FakeSocket(url, protocols)
      sockets.push(s)
      return s
    },
    config: CONFIG,
    playback: new FakePlayback(),
    createAdapter: () => {
      const a = new ScriptedAdapter()
      adapters.push(a)
      return a
    },
    now: clock.now,
    timers: clock,
    log: (line) => logs.push(line),
    ...extra,
  })
  session.on((e) => events.push(e))
  return {
    session,
    clock,
    sockets,
    adapters,
    events,
    logs,
    mints: () => mints,
    socket: () => sockets[sockets.length - 1] as FakeSocket,
    adapter: () => adapters[adapters.length - 1] as ScriptedAdapter,
    of: <T extends S2SEvent['type']>(type: T) => events.filter((e): e is Extract<S2SEvent, { type: T }> => e.type === type),
  }
}

async function open(t: ReturnType<typeof setup>): Promise<void> {
  const connected = t.session.connect()
  await settle()
  t.socket().open()
  t.socket().receive({ type: 'ready', inputSampleRate: 16000, outputSampleRate: 16000 })
  await connected
}

describe('S2SSession runtime', () => {
  it('holds audio until the adapter accepts it, then flushes in order', async () => {
    const t = setup()
    await open(t)
    expect(t.session.inputSampleRate).toBe(16000)
    t.session.sendAudio(new Int16Array([1]))
    t.session.sendAudio(new Int16Array([2]))
    expect(t.adapter().audio).toHaveLength(0)
    t.socket().receive({ accept: true })
    t.session.sendAudio(new Int16Array([3]))
    expect(t.adapter().audio.map((a) => a[0])).toEqual([1, 2, 3])
  })

  it('turns adapter exceptions into protocol_error events and keeps going', async () => {
    const t = setup()
    await open(t)
    t.adapter().throwOn = 'boom'
    t.socket().receive({ type: 'user.delta', text: 'boom' })
    t.socket().receive({ type: 'user.final', text: 'still here' })
    expect(t.of('error').map((e) => e.error.code)).toEqual(['protocol_error'])
    expect(t.of('user.final')).toHaveLength(1)
    expect(t.session.status).not.toBe('error')
  })

  it('survives a throwing listener', async () => {
    const t = setup()
    t.session.on(() => {
      throw new Error('listener bug')
    })
    await open(t)
    expect(t.of('ready')).toHaveLength(1)
    expect(t.logs.some((l) => l.includes('listener bug'))).toBe(true)
  })

  it('emits each tool call once and accepts one result per call', async () => {
    const t = setup()
    await open(t)
    const call = { type: 'tool.call', callId: 'c1', name: 'get_current_time', arguments: {}, rawArguments: '{}' }
    t.socket().receive(call)
    t.socket().receive(call)
    expect(t.of('tool.call')).toHaveLength(1)
    expect(t.session.submitToolResult('nope', 'x')).toBe(false)
    expect(t.session.submitToolResult('c1', 'r1')).toBe(true)
    expect(t.session.submitToolResult('c1', 'r2')).toBe(false)
    expect(t.adapter().results).toEqual([['c1', 'r1']])
  })

  it('reconnects with a fresh mint, passing resumeState and history to the new adapter', async () => {
    const t = setup()
    await open(t)
    t.socket().receive({ type: 'user.final', text: 'hello' })
    t.socket().receive({ type: 'agent.final', text: 'hi there', interrupted: false })
    t.socket().receive({ type: 'tool.call', callId: 'c1', name: 'x', arguments: {}, rawArguments: '{}' })
    t.adapter().resume = { sessionId: 'sess_9', droppedAt: 0 }
    t.socket().serverClose(1006)
    // A result that arrives while reconnecting waits for the next connection.
    t.session.submitToolResult('c1', 'late')
    await t.clock.advance(250)
    expect(t.mints()).toBe(2)
    expect(t.socket().url).toContain('token=t2')
    t.socket().open()
    expect(t.adapter().startOptions?.resume).toEqual({ sessionId: 'sess_9', droppedAt: 0 })
    expect(t.adapter().startOptions?.history).toEqual([
      { role: 'user', text: 'hello' },
      { role: 'assistant', text: 'hi there' },
    ])
    t.socket().receive({ type: 'ready', inputSampleRate: 24000, outputSampleRate: 24000 })
    expect(t.adapter().results).toEqual([['c1', 'late']])
    expect(t.session.status).toBe('ready')
  })

  it('stops without reconnecting when the provider ends the session', async () => {
    const t = setup()
    await open(t)
    t.socket().receive({ type: 'closed', reason: 'agent' })
    await settle()
    expect(t.of('closed')).toEqual([{ type: 'closed', reason: 'agent' }])
    expect(t.session.status).toBe('idle')
    await t.clock.advance(60_000)
    expect(t.mints()).toBe(1)
  })

  it('ends on a fatal adapter error', async () => {
    const t = setup()
    await open(t)
    t.socket().receive({ type: 'error', error: { code: 'auth_failed', message: 'no', fatal: true } })
    await settle()
    expect(t.of('closed')).toEqual([{ type: 'closed', reason: 'error' }])
    expect(t.session.status).toBe('error')
    expect(t.socket().closedWith?.code).toBe(1000)
  })

  it('close() sends the adapter end message before a normal close', async () => {
    const t = setup()
    await open(t)
    await t.session.close()
    expect(t.socket().types()).toEqual(['session.update', 'session.end'])
    expect(t.socket().closedWith).toEqual({ code: 1000, reason: 'client closed' })
    expect(t.of('closed')).toEqual([{ type: 'closed', reason: 'user' }])
  })

  it('reports unsupported requestReply/commit and a local interrupt without an adapter method', async () => {
    const t = setup()
    await open(t)
    expect(t.session.requestReply()).toBe(false)
    expect(t.session.commit()).toBe(false)
    t.session.interrupt()
    expect(t.of('bargein')).toHaveLength(1)
  })
})

describe('error mapping', () => {
  it('maps close codes and provider codes to stable codes', () => {
    expect(errorFromClose(1006, '', false)?.code).toBe('offline')
    // The WebRTC transport saw the HTTP answer before open: it says what it was, not "offline".
    expect(errorFromClose(4029, 'the WebRTC call was refused (429: slow down)', false)?.code).toBe('rate_limited')
    expect(errorFromClose(1011, 'the WebRTC call was refused (503)', false)?.code).toBe('provider_unavailable')
    expect(errorFromClose(4000, 'the WebRTC call was refused (400: bad offer)', false)).toMatchObject({ code: 'provider_error', message: 'The provider refused the connection (4000: the WebRTC call was refused (400: bad offer)).' })
    // A refused short-lived credential someone else minted is not the user's key, whatever the
    // server's words were.
    for (const reason of ['Speko refused to bind the WebRTC call (401: Invalid telemetry token)', 'the WebRTC call was refused (401: Unauthorized)']) {
      expect(errorFromClose(4002, reason, false)).toMatchObject({ code: 'provider_error', fatal: true, message: expect.stringContaining('not your key') })
    }
    expect(errorFromClose(1006, '', true)?.code).toBe('connection_lost')
    expect(errorFromClose(1000, '', true)).toBeNull()
    expect(errorFromClose(1001, 'Your session hit the maximum duration of 60 minutes.', true)?.code).toBe('session_expired')
    expect(errorFromClose(4000, 'beta', true)).toMatchObject({ code: 'protocol_error', fatal: true })
    expect(errorFromClose(1011, 'Provider connect failed', true)?.code).toBe('provider_unavailable')
    expect(errorFromProvider('unauthorized', 'Token expired')).toMatchObject({ code: 'auth_failed', fatal: true, providerCode: 'unauthorized' })
    expect(errorFromProvider('session_expired', 'x')).toMatchObject({ code: 'session_expired', fatal: false })
    expect(errorFromProvider(undefined, undefined).message).toMatch(/provider reported an error/i)
    expect(toS2SError({ toS2SError: () => ({ code: 'rate_limited', message: 'slow down', fatal: true, retryAfterSeconds: 3 }) })).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 3 })
    expect(toS2SError(new Error('x'))).toMatchObject({ code: 'internal', fatal: true })
    expect(toS2SError(42).code).toBe('internal')
  })
})

// -----------------------------------------------------------------------------------------------
// Robustness: random and malformed frames never throw and surface as events.
// -----------------------------------------------------------------------------------------------

const KNOWN_TYPES = [
  'session.created', 'session.updated', 'conversation.created', 'input_audio_buffer.speech_started', 'input_audio_buffer.speech_stopped',
  'input_audio_buffer.committed', 'input_audio_buffer.cleared', 'input_audio_buffer.timeout_triggered', 'conversation.item.added',
  'conversation.item.done', 'conversation.item.truncated', 'conversation.item.input_audio_transcription.delta',
  'conversation.item.input_audio_transcription.completed', 'conversation.item.input_audio_transcription.failed', 'response.created',
  'response.output_item.added', 'response.output_item.done', 'response.content_part.added', 'response.output_audio.delta', 'response.audio.delta',
  'response.output_audio.done', 'response.output_audio_transcript.delta', 'response.output_audio_transcript.done', 'response.output_text.delta',
  'response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.done', 'rate_limits.updated', 'error',
  'response.mcp_call.in_progress', 'output_audio_buffer.started', 'something.new',
]
const FIELDS = ['response', 'response_id', 'item_id', 'delta', 'transcript', 'call_id', 'name', 'arguments', 'item', 'error', 'session', 'output', 'status', 'text']
const ids = fc.constantFrom('resp_1', 'resp_2', 'item_a', 'item_b', 'call_1', 'call_2', '', '__proto__', 'constructor')

const wellFormed = fc.oneof(
  ids.map((id) => ({ type: 'response.created', response: { id } })),
  fc.tuple(ids, ids, fc.integer({ min: 0, max: 4800 })).map(([r, i, n]) => ({ type: 'response.output_audio.delta', response_id: r, item_id: i, delta: int16ToBase64(new Int16Array(n)) })),
  fc.tuple(ids, ids, fc.string()).map(([r, i, d]) => ({ type: 'response.output_audio_transcript.delta', response_id: r, item_id: i, delta: d })),
  fc.tuple(ids, ids, fc.string()).map(([r, c, a]) => ({ type: 'response.function_call_arguments.done', response_id: r, call_id: c, name: 'get_current_time', arguments: a })),
  fc.tuple(ids, fc.constantFrom('completed', 'cancelled', 'failed', 'incomplete', 'weird')).map(([id, status]) => ({ type: 'response.done', response: { id, status, usage: { total_tokens: 5 } } })),
  fc.constant({ type: 'input_audio_buffer.speech_started', item_id: 'u' }),
  fc.constant({ type: 'session.created', session: {} }),
  fc.constantFrom('response_cancel_not_active', 'invalid_value', 'session_expired', 'server_error', 'unauthorized').map((code) => ({ type: 'error', error: { code, message: code } })),
)

const randomShaped = fc
  .tuple(fc.constantFrom(...KNOWN_TYPES), fc.dictionary(fc.constantFrom(...FIELDS), fc.anything(), { maxKeys: 5 }))
  .map(([type, fields]) => ({ ...fields, type }))

type Frame = { kind: 'object'; value: unknown } | { kind: 'text'; value: string } | { kind: 'binary'; value: ArrayBuffer }
const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 3, arbitrary: wellFormed.map((value) => ({ kind: 'object' as const, value })) },
  { weight: 3, arbitrary: randomShaped.map((value) => ({ kind: 'object' as const, value })) },
  { weight: 1, arbitrary: fc.json().map((value) => ({ kind: 'text' as const, value })) },
  { weight: 1, arbitrary: fc.string().map((value) => ({ kind: 'text' as const, value })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((u) => ({ kind: 'binary' as const, value: u.slice().buffer })) },
)

type Action = { kind: 'frame'; frame: Frame } | { kind: 'interrupt' } | { kind: 'result'; callId: string } | { kind: 'audio' } | { kind: 'drop'; code: number }
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 12, arbitrary: frameArb.map((frame) => ({ kind: 'frame' as const, frame })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'interrupt' as const }) },
  { weight: 1, arbitrary: ids.map((callId) => ({ kind: 'result' as const, callId })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'audio' as const }) },
)

function toWire(frame: Frame): string | ArrayBuffer {
  if (frame.kind === 'binary') return frame.value
  if (frame.kind === 'text') return frame.value
  return JSON.stringify(frame.value) ?? 'null'
}

function isMalformed(frame: Frame): boolean {
  if (frame.kind === 'binary') return true
  let parsed: unknown
  try {
    parsed = JSON.parse(toWire(frame) as string)
  } catch {
    return true
  }
  return typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || typeof (parsed as { type?: unknown }).type !== 'string'
}

const EVENT_TYPES = new Set(['status', 'ready', 'user.speech.started', 'user.speech.stopped', 'user.idle', 'user.delta', 'user.final', 'reply.started', 'agent.delta', 'agent.final', 'audio', 'bargein', 'reply.done', 'tool.call', 'tool.result', 'usage', 'error', 'closed'])

describe('robustness (property-based)', () => {
  it('the OpenAI adapter never throws and reports malformed frames as protocol errors', () => {
    let frames = 0
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 10, maxLength: 40 }), (actions) => {
        let time = 0
        const events: S2SEvent[] = []
        const playback = new FakePlayback()
        const host: AdapterHost = { send: () => undefined, emit: (e) => events.push(e), now: () => time, playback, log: () => undefined }
        const adapter = new OpenAIAdapter()
        adapter.start(host, { config: CONFIG, credential: { protocol: 'openai', url: 'ws://x', protocols: [], expiresAt: null, inputSampleRate: 24000, outputSampleRate: 24000 } })
        for (const action of actions) {
          time += 2000 // past the protocol-error throttle
          playback.played.set('item_a', time % 300)
          const before = events.length
          switch (action.kind) {
            case 'frame':
              frames++
              adapter.handleMessage(toWire(action.frame))
              if (isMalformed(action.frame)) {
                expect(events.slice(before).some((e) => e.type === 'error' && e.error.code === 'protocol_error')).toBe(true)
              }
              break
            case 'interrupt':
              adapter.interrupt()
              break
            case 'result':
              adapter.sendToolResult(action.callId, '{}')
              break
            case 'audio':
              adapter.sendAudio(new Int16Array(480))
              break
            case 'drop':
              adapter.handleClose(action.code, '')
          }
        }
        for (const e of events) expect(EVENT_TYPES.has(e.type)).toBe(true)
      }),
      { numRuns: 400 },
    )
    expect(frames).toBeGreaterThan(3000)
  })

  it('the runtime never throws, keeps a valid status and closes at most once', async () => {
    const statuses = new Set<SessionStatus>(['idle', 'connecting', 'ready', 'listening', 'thinking', 'speaking', 'reconnecting', 'error'])
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ weight: 20, arbitrary: actionArb }, { weight: 1, arbitrary: fc.constantFrom(1000, 1001, 1006, 1011, 4000).map((code) => ({ kind: 'drop' as const, code })) }), { maxLength: 40 }),
        async (actions) => {
          const clock = new FakeClock()
          const sockets: FakeSocket[] = []
          const events: S2SEvent[] = []
          const session = new S2SSession({
            mint: async () => ({ protocol: 'openai', url: 'ws://127.0.0.1:1/v1/realtime', protocols: ['realtime'], expiresAt: null, inputSampleRate: 24000, outputSampleRate: 24000 }),
            socketFactory: (url, protocols) => {
              const s = new FakeSocket(url, protocols)
              sockets.push(s)
              return s
            },
            config: CONFIG,
            playback: new FakePlayback(),
            createAdapter: () => new OpenAIAdapter(),
            now: clock.now,
            timers: clock,
          })
          session.on((e) => events.push(e))
          void session.connect()
          await settle()
          sockets.at(-1)?.open()
          sockets.at(-1)?.receive({ type: 'session.created', session: {} })
          for (const action of actions) {
            const socket = sockets.at(-1) as FakeSocket
            switch (action.kind) {
              case 'frame':
                if (socket.readyState === 1) socket.receive(toWire(action.frame))
                break
              case 'interrupt':
                session.interrupt()
                break
              case 'result':
                session.submitToolResult(action.callId, '{}')
                break
              case 'audio':
                session.sendAudio(new Int16Array(480))
                break
              case 'drop':
                if (socket.readyState === 1) socket.serverClose(action.code, '')
                await clock.advance(5000)
                if (sockets.at(-1) !== socket) {
                  sockets.at(-1)?.open()
                  sockets.at(-1)?.receive({ type: 'session.created', session: {} })
                }
            }
          }
          await session.close()
          expect(events.filter((e) => e.type === 'closed').length).toBe(1)
          for (const e of events) {
            expect(EVENT_TYPES.has(e.type)).toBe(true)
            if (e.type === 'status') expect(statuses.has(e.status)).toBe(true)
          }
          const callIds = events.flatMap((e) => (e.type === 'tool.call' ? [e.callId] : []))
          expect(new Set(callIds).size).toBe(callIds.length)
        },
      ),
      { numRuns: 150 },
    )
  })
})

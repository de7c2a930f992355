import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  READY_TIMEOUT_MESSAGE,
  SpekoConversation,
  type ConversationMessage,
  type DisconnectionDetails,
  type PlaybackSink,
  type SpekoConversationOptions,
} from './speko-conversation'
import { FakeClock, FakeSocket } from './testing'

// ---- fakes ----------------------------------------------------------------------------------------

class FakeSink implements PlaybackSink {
  played: { pcm: number[]; rate: number; itemId: string }[] = []
  flushes = 0
  volumes: number[] = []
  idle: (() => void) | null = null
  play(pcm: Int16Array, sampleRate: number, itemId: string): void {
    this.played.push({ pcm: Array.from(pcm), rate: sampleRate, itemId })
  }
  flush(): void {
    this.flushes++
  }
  setVolume(volume: number): void {
    this.volumes.push(volume)
  }
  onIdle(listener: () => void): void {
    this.idle = listener
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

interface Rig {
  sockets: FakeSocket[]
  log: string[]
  statuses: string[]
  modes: string[]
  messages: ConversationMessage[]
  errors: string[]
  disconnects: DisconnectionDetails[]
  connects: string[]
  sink: FakeSink
  timers: FakeClock
  options: SpekoConversationOptions
}

function rig(extra: Partial<SpekoConversationOptions> = {}): Rig {
  const r: Rig = {
    sockets: [],
    log: [],
    statuses: [],
    modes: [],
    messages: [],
    errors: [],
    disconnects: [],
    connects: [],
    sink: new FakeSink(),
    timers: new FakeClock(),
    options: undefined as unknown as SpekoConversationOptions,
  }
  r.options = {
    sessionId: 'sess_9',
    wsUrl: 'wss://api.speko.dev/v1/realtime/sess_9/ws',
    wsToken: 'wst_token',
    inputSampleRate: 24000,
    outputSampleRate: 24000,
    socketFactory: (url, protocols) => {
      const s = new FakeSocket(url, protocols)
      r.sockets.push(s)
      return s
    },
    playback: r.sink,
    timers: r.timers,
    onStatusChange: (s) => r.statuses.push(s),
    onModeChange: (m) => r.modes.push(m),
    onMessage: (m) => r.messages.push(m),
    onError: (e) => r.errors.push(e.message),
    onDisconnect: (d) => r.disconnects.push(d),
    onConnect: (d) => r.connects.push(d.conversationId),
    log: (line) => r.log.push(line),
    ...extra,
  }
  return r
}

/** Creates a conversation and lets the server say ready. */
async function connected(r: Rig, ready: Record<string, unknown> = { t: 'ready', inputSampleRate: 24000, outputSampleRate: 24000 }) {
  const pending = SpekoConversation.create(r.options)
  await tick()
  const socket = r.sockets[0] as FakeSocket
  socket.open()
  socket.receive(ready)
  const conv = await pending
  return { conv, socket }
}

// ---- tests ------------------------------------------------------------------------------------------

describe('SpekoConversation', () => {
  it('connects with the token as the only subprotocol and resolves once ready', async () => {
    const r = rig()
    const rates: unknown[] = []
    r.options.onRates = (x) => rates.push(x)
    const pending = SpekoConversation.create(r.options)
    await tick()
    const socket = r.sockets[0] as FakeSocket
    expect(socket.url).toBe('wss://api.speko.dev/v1/realtime/sess_9/ws')
    expect(socket.protocols).toEqual(['wst_token'])
    socket.open()
    expect(r.statuses).toEqual(['connecting'])
    expect(socket.sent).toEqual([])
    socket.receive({ t: 'ready', inputSampleRate: 16000, outputSampleRate: 16000 })
    const conv = await pending
    expect(r.statuses).toEqual(['connecting', 'connected'])
    expect(r.connects).toEqual(['sess_9'])
    expect(conv.getId()).toBe('sess_9')
    expect(conv.isOpen()).toBe(true)
    expect(conv.mode).toBe('listening')
    expect([conv.inputSampleRate, conv.outputSampleRate]).toEqual([16000, 16000])
    expect(rates).toEqual([{ inputSampleRate: 16000, outputSampleRate: 16000 }])
    conv.sendAudio(new Int16Array(320))
    expect(socket.sent.map((f) => (typeof f === 'string' ? f : f.byteLength))).toEqual([640])
  })

  it('rejects with "Realtime session did not become ready" after 10 s without ready', async () => {
    const r = rig()
    const pending = SpekoConversation.create(r.options)
    const outcome = pending.then(
      () => 'resolved',
      (e: Error) => e.message,
    )
    await tick()
    ;(r.sockets[0] as FakeSocket).open()
    await r.timers.advance(9_999)
    await tick()
    expect(r.statuses).toEqual(['connecting'])
    await r.timers.advance(1)
    expect(await outcome).toBe(READY_TIMEOUT_MESSAGE)
    expect(r.statuses.at(-1)).toBe('disconnected')
    expect(r.disconnects).toEqual([{ reason: 'timeout', message: READY_TIMEOUT_MESSAGE }])
    expect((r.sockets[0] as FakeSocket).closedWith).toEqual({ code: 1000, reason: 'client_stopped' })
  })

  it('an error frame before ready is the reason create() rejects, and goes to onError as "CODE: message"', async () => {
    const r = rig()
    const pending = SpekoConversation.create(r.options)
    await tick()
    const socket = r.sockets[0] as FakeSocket
    socket.open()
    socket.receive({ t: 'error', code: 'S2S_PROVIDER_CONNECT_FAILED', message: 'openai-realtime: invalid model' })
    await expect(pending).rejects.toThrow('S2S_PROVIDER_CONNECT_FAILED: openai-realtime: invalid model')
    expect(r.errors).toEqual(['S2S_PROVIDER_CONNECT_FAILED: openai-realtime: invalid model'])
    expect(r.statuses.at(-1)).toBe('disconnected')
    expect(r.disconnects).toHaveLength(1)
    expect(r.disconnects[0]).toEqual({ reason: 'error', message: 'S2S_PROVIDER_CONNECT_FAILED: openai-realtime: invalid model' })
  })

  it('a server close before ready rejects create() and reports an error with the close reason', async () => {
    const r = rig()
    const pending = SpekoConversation.create(r.options)
    await tick()
    const socket = r.sockets[0] as FakeSocket
    socket.open()
    socket.serverClose(4001, 'invalid token')
    await expect(pending).rejects.toThrow()
    expect(r.disconnects).toEqual([{ reason: 'error', message: 'invalid token' }])
    expect(r.statuses).toEqual(['connecting', 'disconnected'])
  })

  it('endSession() closes 1000 "client_stopped" and reports reason user, once', async () => {
    const r = rig()
    const { conv, socket } = await connected(r)
    await conv.endSession()
    await conv.endSession()
    expect(socket.closedWith).toEqual({ code: 1000, reason: 'client_stopped' })
    expect(r.statuses).toEqual(['connecting', 'connected', 'disconnecting', 'disconnected'])
    expect(r.disconnects).toEqual([{ reason: 'user' }])
    expect(conv.isOpen()).toBe(false)
    expect(socket.sent).toEqual([]) // Speko has no end frame
  })

  it('a server close with 1000 reports agent; any other code reports error with the close reason', async () => {
    const a = rig()
    const first = await connected(a)
    first.socket.serverClose(1000)
    await tick()
    expect(a.disconnects).toEqual([{ reason: 'agent' }])
    expect(first.conv.status).toBe('disconnected')

    const b = rig()
    const second = await connected(b)
    second.socket.serverClose(1011, 'Provider connect failed')
    await tick()
    expect(b.disconnects).toEqual([{ reason: 'error', message: 'Provider connect failed' }])
    expect(b.statuses.at(-1)).toBe('disconnected')
    expect(b.sockets).toHaveLength(1) // never reconnects: a Speko token opens one socket
  })

  it('reports transport errors as "WebSocket transport error"', async () => {
    const r = rig()
    const { socket } = await connected(r)
    socket.onerror?.({})
    expect(r.errors).toEqual(['WebSocket transport error'])
  })

  it('setMicMuted stops frames from being sent and unmuting resumes them', async () => {
    const r = rig()
    const { conv, socket } = await connected(r)
    await conv.setMicMuted(true)
    conv.sendAudio(new Int16Array(480))
    expect(socket.sent).toEqual([])
    await conv.setMicMuted(false)
    conv.sendAudio(new Int16Array(480))
    expect(socket.sent).toHaveLength(1)
  })

  it('setVolume clamps to 0..1 and reports it to the playback sink', async () => {
    const r = rig()
    const { conv } = await connected(r)
    conv.setVolume(1.5)
    conv.setVolume(-2)
    conv.setVolume(0.25)
    conv.setVolume(Number.NaN)
    expect(r.sink.volumes).toEqual([1, 0, 0.25])
    expect(conv.currentVolume).toBe(0.25)
  })

  it('mode is speaking while reply audio plays, listening when the sink runs dry or the user interrupts', async () => {
    const r = rig()
    const { conv, socket } = await connected(r, { t: 'ready', inputSampleRate: 24000, outputSampleRate: 16000 })
    socket.receive(new Int16Array([1, 2, 3]).buffer)
    expect(conv.mode).toBe('speaking')
    expect(r.sink.played).toEqual([{ pcm: [1, 2, 3], rate: 16000, itemId: 'speko_reply_1' }])
    r.sink.idle?.()
    expect(conv.mode).toBe('listening')
    socket.receive(new Int16Array([4]).buffer)
    socket.receive({ t: 'interruption', at: 'user' })
    expect(conv.mode).toBe('listening')
    expect(r.sink.flushes).toBeGreaterThanOrEqual(1)
    expect(r.modes).toEqual(['speaking', 'listening', 'speaking', 'listening'])
  })

  it('interrupt() sends {"t":"interrupt"} and flushes playback', async () => {
    const r = rig()
    const { conv, socket } = await connected(r)
    socket.receive(new Int16Array([1, 2]).buffer)
    conv.interrupt()
    expect(socket.sent).toEqual(['{"t":"interrupt"}'])
    expect(r.sink.flushes).toBe(1)
    expect(conv.mode).toBe('listening')
  })

  it('forwards transcripts as messages and keeps a merged transcript', async () => {
    const r = rig()
    const { conv, socket } = await connected(r)
    socket.receive({ t: 'transcript', role: 'user', text: 'hel', final: false })
    socket.receive({ t: 'transcript', role: 'user', text: 'hello', final: false })
    socket.receive({ t: 'transcript', role: 'user', text: 'Hello.', final: true })
    socket.receive({ t: 'transcript', role: 'assistant', text: 'Hi', final: false })
    socket.receive({ t: 'transcript', role: 'assistant', text: 'Hi there.', final: true })
    expect(r.messages).toEqual([
      { source: 'user', text: 'hel', isFinal: false },
      { source: 'user', text: 'hello', isFinal: false },
      { source: 'user', text: 'Hello.', isFinal: true },
      { source: 'agent', text: 'Hi', isFinal: false },
      { source: 'agent', text: 'Hi there.', isFinal: true },
    ])
    expect(conv.transcript).toEqual([
      { source: 'user', text: 'Hello.', isFinal: true },
      { source: 'agent', text: 'Hi there.', isFinal: true },
    ])
  })

  it('answers tool calls through onToolCall, and with an error result when there is no handler', async () => {
    const r = rig({ onToolCall: async ({ name, arguments: args }) => JSON.stringify({ name, args }) })
    const { socket } = await connected(r)
    socket.receive({ t: 'tool_call', callId: 'c1', name: 'get_current_time', arguments: '{"tz":"UTC"}' })
    await tick()
    expect(socket.sent).toEqual([
      JSON.stringify({ t: 'tool_result', callId: 'c1', output: JSON.stringify({ name: 'get_current_time', args: { tz: 'UTC' } }) }),
    ])

    const bare = rig()
    const other = await connected(bare)
    other.socket.receive({ t: 'tool_call', callId: 'c2', name: 'x', arguments: '{}' })
    await tick()
    const frame = JSON.parse(other.socket.sent[0] as string) as { t: string; callId: string; output: string }
    expect(frame.t).toBe('tool_result')
    expect(frame.callId).toBe('c2')
    expect(JSON.parse(frame.output)).toHaveProperty('error')
  })

  it('callbacks that throw do not break the conversation', async () => {
    const r = rig({
      onMessage: () => {
        throw new Error('ui bug')
      },
    })
    const { conv, socket } = await connected(r)
    socket.receive({ t: 'transcript', role: 'user', text: 'x', final: true })
    expect(conv.transcript).toHaveLength(1)
    expect(conv.status).toBe('connected')
  })

  it('survives random and malformed frames with consistent status and mode', async () => {
    const frame = fc.oneof(
      fc.string().map((text) => ({ text })),
      fc.uint8Array({ maxLength: 100 }).map((bytes) => ({ bytes })),
      fc
        .record(
          {
            t: fc.constantFrom('ready', 'transcript', 'interruption', 'tool_call', 'usage', 'error', 'end', 'server_tool_call'),
            role: fc.constantFrom('user', 'assistant', 7),
            text: fc.oneof(fc.string(), fc.constant(null)),
            final: fc.boolean(),
            callId: fc.constantFrom('a', 'b', ''),
            name: fc.string(),
            arguments: fc.oneof(fc.string(), fc.constant('{"x":1}')),
            code: fc.string(),
            message: fc.string(),
          },
          { requiredKeys: ['t'] },
        )
        .map((json) => ({ text: JSON.stringify(json) })),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { maxLength: 30 }), fc.constantFrom(1000, 1006, 1011, 0), async (frames, closeCode) => {
        const r = rig({ onToolCall: () => '{"ok":true}' })
        const { conv, socket } = await connected(r)
        for (const f of frames) {
          if ('bytes' in f) socket.onmessage?.({ data: f.bytes.slice().buffer })
          else socket.onmessage?.({ data: f.text })
          expect(['connected', 'disconnected']).toContain(conv.status)
          expect(['listening', 'speaking']).toContain(conv.mode)
        }
        if (closeCode) socket.serverClose(closeCode, 'bye')
        else await conv.endSession()
        await tick()
        expect(conv.status).toBe('disconnected')
        expect(conv.mode).toBe('listening')
        expect(r.disconnects).toHaveLength(1)
      }),
      { numRuns: 150 },
    )
  })
})

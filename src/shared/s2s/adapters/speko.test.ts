import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ERROR_CODES } from '../errors'
import { S2SSession } from '../session'
import { FakeSocket } from '../testing'
import type { S2SEvent, SessionConfig, SessionCredential } from '../types'
import { SpekoAdapter } from './speko'
import { AdapterHarness, expectUnreadableReported, runAction, type Action } from './test-helpers'

// ---- harness ------------------------------------------------------------------------------------

const config: SessionConfig = {
  instructions: 'Be brief.',
  greeting: '',
  voice: 'alloy',
  model: 'gpt-realtime',
  tools: [],
  turnDetection: 'server_vad',
  transcriptionModel: 'unused',
}

const credential: SessionCredential = {
  protocol: 'speko',
  url: 'wss://api.speko.dev/v1/realtime/sess_1/ws',
  protocols: ['wst_secret'],
  expiresAt: null,
  inputSampleRate: 24000,
  outputSampleRate: 24000,
  sessionId: 'sess_1',
}

class Harness extends AdapterHarness<SpekoAdapter> {
  constructor() {
    super(new SpekoAdapter(), { config, credential }, 5_000)
  }

  binary(pcm: Int16Array): this {
    this.adapter.handleMessage(leBytes(pcm).buffer as ArrayBuffer)
    return this
  }

  json(): Record<string, unknown>[] {
    return this.sent.filter((f): f is string => typeof f === 'string').map((f) => JSON.parse(f) as Record<string, unknown>)
  }

  binaries(): ArrayBuffer[] {
    return this.sent.filter((f): f is ArrayBuffer => typeof f !== 'string')
  }
}

/** Little-endian bytes written by hand (independent of the code under test). */
function leBytes(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length * 2)
  pcm.forEach((s, i) => {
    out[2 * i] = s & 0xff
    out[2 * i + 1] = (s >> 8) & 0xff
  })
  return out
}

function ramp(n: number, start = 0): Int16Array {
  const out = new Int16Array(n)
  for (let i = 0; i < n; i++) out[i] = ((start + i) * 37) % 30000 - 15000
  return out
}

function ready(h: Harness, inputSampleRate = 24000, outputSampleRate = 24000): Harness {
  return h.recv({ t: 'ready', inputSampleRate, outputSampleRate })
}

// ---- ready and audio ------------------------------------------------------------------------------

describe('Speko adapter: ready and audio', () => {
  it('sends nothing at all before the ready frame', () => {
    const h = new Harness().start()
    expect(h.adapter.acceptsAudio).toBe(false)
    h.adapter.sendAudio(ramp(960))
    h.adapter.interrupt()
    expect(h.sent).toEqual([])
    expect(h.events).toEqual([])
  })

  it('takes the rates of the ready frame over the requested ones and frames capture at the new rate', () => {
    const h = new Harness().start() // asked for 24 kHz
    ready(h, 16000, 16000)
    expect(h.eventsOf('ready')).toEqual([{ type: 'ready', inputSampleRate: 16000, outputSampleRate: 16000, sessionId: 'sess_1' }])
    expect(h.adapter.rates).toEqual({ inputSampleRate: 16000, outputSampleRate: 16000 })
    const pcm = ramp(800)
    h.adapter.sendAudio(pcm)
    // 800 samples at 16 kHz: two 20 ms frames of 320 samples (640 bytes), 160 samples wait.
    expect(h.binaries().map((b) => b.byteLength)).toEqual([640, 640])
    expect(new Uint8Array(h.binaries()[0] as ArrayBuffer)).toEqual(leBytes(pcm.subarray(0, 320)))
    expect(new Uint8Array(h.binaries()[1] as ArrayBuffer)).toEqual(leBytes(pcm.subarray(320, 640)))
    h.adapter.sendAudio(ramp(160, 800))
    expect(h.binaries().map((b) => b.byteLength)).toEqual([640, 640, 640])
    expect(new Uint8Array(h.binaries()[2] as ArrayBuffer)).toEqual(leBytes(new Int16Array([...pcm.subarray(640), ...ramp(160, 800)])))
    expect(h.json()).toEqual([])
  })

  it('frames 480 samples (960 bytes) at 24 kHz and keeps the requested rates when ready carries none', () => {
    const h = new Harness().start()
    h.recv({ t: 'ready' })
    expect(h.eventsOf('ready')[0]).toMatchObject({ inputSampleRate: 24000, outputSampleRate: 24000 })
    h.adapter.sendAudio(ramp(1000))
    expect(h.binaries().map((b) => b.byteLength)).toEqual([960, 960])
  })

  it('ignores nonsense rates in the ready frame', () => {
    const h = new Harness().start()
    h.recv({ t: 'ready', inputSampleRate: -5, outputSampleRate: 'fast' })
    expect(h.eventsOf('ready')[0]).toMatchObject({ inputSampleRate: 24000, outputSampleRate: 24000 })
  })

  it('turns binary frames into audio events of one reply, opened before the first chunk', () => {
    const h = ready(new Harness().start()).clear()
    const a = ramp(480)
    const b = ramp(480, 480)
    h.binary(a).binary(b)
    expect(h.events.map((e) => e.type)).toEqual(['reply.started', 'audio', 'audio'])
    const audio = h.eventsOf('audio')
    expect(Array.from(audio[0]?.pcm ?? [])).toEqual(Array.from(a))
    expect(Array.from(audio[1]?.pcm ?? [])).toEqual(Array.from(b))
    const id = h.eventsOf('reply.started')[0]?.responseId
    expect(audio.every((e) => e.responseId === id && e.itemId === id)).toBe(true)
  })

  it('commit() sends the rest of the capture frame padded to 20 ms, then the commit control frame', () => {
    const h = new Harness().start()
    h.adapter.commit()
    expect(h.sent).toEqual([])
    ready(h, 16000, 16000)
    const pcm = ramp(400)
    h.adapter.sendAudio(pcm)
    h.adapter.commit()
    expect(h.sent.map((f) => (typeof f === 'string' ? f : f.byteLength))).toEqual([640, 640, '{"t":"control","action":"commit"}'])
    const padded = new Int16Array(320)
    padded.set(pcm.subarray(320))
    expect(new Uint8Array(h.sent[1] as ArrayBuffer)).toEqual(leBytes(padded))
  })

  it('drops audio that arrives before ready, and ignores a trailing odd byte', () => {
    const h = new Harness().start()
    h.binary(ramp(10))
    expect(h.eventsOf('audio')).toEqual([])
    ready(h).clear()
    const bytes = new Uint8Array([1, 0, 2, 0, 9])
    h.adapter.handleMessage(bytes.buffer)
    expect(Array.from(h.eventsOf('audio')[0]?.pcm ?? [])).toEqual([1, 2])
  })
})

// ---- transcripts and turns ---------------------------------------------------------------------------

describe('Speko adapter: transcripts', () => {
  it('merges non-final transcripts into the next one from the same role', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ t: 'transcript', role: 'user', text: 'what', final: false })
      .recv({ t: 'transcript', role: 'user', text: 'what time', final: false })
      .recv({ t: 'transcript', role: 'user', text: 'What time is it?', final: true })
      .recv({ t: 'transcript', role: 'assistant', text: 'It is', final: false })
      .recv({ t: 'transcript', role: 'assistant', text: 'It is noon', final: false })
      .recv({ t: 'transcript', role: 'assistant', text: 'It is noon.', final: true })
    const summary = h.events.map((e) =>
      'text' in e ? `${e.type}:${e.text}${e.type === 'agent.final' ? `:${e.interrupted}` : ''}` : e.type,
    )
    expect(summary).toEqual([
      'user.delta:what',
      'user.delta: time',
      'user.final:What time is it?',
      'reply.started',
      'agent.delta:It is',
      'agent.delta: noon',
      'agent.final:It is noon.:false',
      'reply.done',
    ])
  })

  it('maps any role other than "user" to the agent', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ t: 'transcript', role: 'model', text: 'Hi.', final: true })
    expect(h.eventsOf('agent.final')).toHaveLength(1)
  })

  it('keeps late audio right after the final transcript in the same reply, and opens a new reply later', () => {
    const h = ready(new Harness().start()).clear()
    h.binary(ramp(480)).recv({ t: 'transcript', role: 'assistant', text: 'Done.', final: true })
    h.binary(ramp(480))
    expect(h.eventsOf('reply.started')).toHaveLength(1)
    h.clock += 2_000
    h.binary(ramp(480))
    expect(h.eventsOf('reply.started')).toHaveLength(2)
    const ids = h.eventsOf('audio').map((e) => e.responseId)
    expect(ids[0]).toBe(ids[1])
    expect(ids[2]).not.toBe(ids[0])
  })
})

// ---- interruption ---------------------------------------------------------------------------------

describe('Speko adapter: interruption', () => {
  it('an interruption frame flushes playback, ends the reply as interrupted, and marks its final text', () => {
    const h = ready(new Harness().start()).clear()
    h.binary(ramp(480)).recv({ t: 'transcript', role: 'assistant', text: 'Let me', final: false })
    h.recv({ t: 'interruption', at: 'user' })
    h.recv({ t: 'transcript', role: 'assistant', text: 'Let me', final: true })
    expect(h.events.map((e) => e.type)).toEqual(['reply.started', 'audio', 'agent.delta', 'bargein', 'reply.done', 'agent.final'])
    const id = h.eventsOf('reply.started')[0]?.responseId
    expect(h.eventsOf('bargein')[0]).toEqual({ type: 'bargein', responseId: id, itemId: id })
    expect(h.eventsOf('reply.done')[0]).toEqual({ type: 'reply.done', responseId: id, status: 'interrupted' })
    expect(h.eventsOf('agent.final')[0]).toMatchObject({ responseId: id, text: 'Let me', interrupted: true })
    expect(h.sent).toEqual([])
  })

  it('finalises an interrupted reply with what was heard when no final transcript comes', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ t: 'transcript', role: 'assistant', text: 'The weather in', final: false })
    h.recv({ t: 'interruption', at: 'assistant' })
    h.recv({ t: 'transcript', role: 'user', text: 'Stop.', final: true })
    expect(h.eventsOf('agent.final')).toEqual([])
    h.binary(ramp(480)) // the next reply
    expect(h.eventsOf('agent.final')).toEqual([expect.objectContaining({ text: 'The weather in', interrupted: true })])
    expect(h.events.map((e) => e.type).slice(-6)).toEqual(['bargein', 'reply.done', 'user.final', 'agent.final', 'reply.started', 'audio'])
  })

  it('a user transcript that finishes after the reply started does not split the reply', () => {
    const h = ready(new Harness().start()).clear()
    h.binary(ramp(480))
    h.recv({ t: 'transcript', role: 'user', text: 'What time is it?', final: true })
    h.binary(ramp(480))
    h.recv({ t: 'transcript', role: 'assistant', text: 'Noon.', final: true })
    expect(h.events.map((e) => e.type)).toEqual(['reply.started', 'audio', 'user.final', 'audio', 'agent.final', 'reply.done'])
    expect(new Set(h.eventsOf('audio').map((e) => e.responseId)).size).toBe(1)
  })

  it('interrupt() sends {"t":"interrupt"}, flushes, and drops audio still in flight', () => {
    const h = ready(new Harness().start()).clear()
    h.binary(ramp(480))
    h.adapter.interrupt()
    expect(h.sent).toEqual(['{"t":"interrupt"}'])
    expect(h.eventsOf('bargein')).toHaveLength(1)
    h.binary(ramp(480)) // in flight before the server stopped
    expect(h.eventsOf('audio')).toHaveLength(1)
    h.recv({ t: 'interruption', at: 'user' }) // server confirms: later audio is new
    h.binary(ramp(480))
    expect(h.eventsOf('audio')).toHaveLength(2)
    expect(h.eventsOf('reply.started')).toHaveLength(2)
  })

  it('a partial transcript of the stopped reply still in flight after interrupt() does not open a second reply', () => {
    // Seen under load in the browser: the partial crossed the interrupt on the wire, opened a
    // new reply, and the server's final (what was heard) then landed there: two agent entries.
    const h = ready(new Harness().start()).clear()
    h.binary(ramp(480)).recv({ t: 'transcript', role: 'assistant', text: 'Hello! I am', final: false })
    h.adapter.interrupt()
    h.binary(ramp(480)).recv({ t: 'transcript', role: 'assistant', text: 'Hello! I am the simulated', final: false })
    h.recv({ t: 'interruption', at: 'user' })
    h.recv({ t: 'transcript', role: 'assistant', text: 'Hello! I am the', final: true })
    expect(h.eventsOf('reply.started')).toHaveLength(1)
    expect(h.eventsOf('agent.delta').map((e) => e.text)).toEqual(['Hello! I am'])
    expect(h.eventsOf('agent.final')).toEqual([expect.objectContaining({ text: 'Hello! I am the', interrupted: true })])
    // A new reply after the server confirmed is a reply of its own.
    h.recv({ t: 'transcript', role: 'assistant', text: 'Sure.', final: false })
    expect(h.eventsOf('reply.started')).toHaveLength(2)
  })

  it('a press with nothing playing does not take the next reply for an older interrupted one', () => {
    const h = ready(new Harness().start()).clear()
    h.binary(ramp(480)) // reply 1, cut off before any of its text came
    h.adapter.interrupt()
    h.recv({ t: 'interruption', at: 'user' }) // confirmed, with no final text
    h.recv({ t: 'tool_call', callId: 'c1', name: 'get_current_time', arguments: '{}' })
    h.adapter.interrupt() // a press during the tool wait: nothing is playing
    h.recv({ t: 'transcript', role: 'assistant', text: 'It is', final: false })
    h.recv({ t: 'transcript', role: 'assistant', text: 'It is noon.', final: true })
    expect(h.eventsOf('reply.started')).toHaveLength(2)
    expect(h.eventsOf('agent.final')).toEqual([expect.objectContaining({ text: 'It is noon.', interrupted: false })])
    expect(h.eventsOf('agent.final')[0]?.responseId).toBe(h.eventsOf('reply.started')[1]?.responseId)
  })
})

// ---- tools ----------------------------------------------------------------------------------------

describe('Speko adapter: tools', () => {
  it('parses JSON-string arguments and sends tool_result {callId, output} at once', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ t: 'tool_call', callId: 'c1', name: 'get_current_time', arguments: '{"tz":"UTC"}' })
    expect(h.eventsOf('tool.call')).toEqual([
      { type: 'tool.call', callId: 'c1', name: 'get_current_time', arguments: { tz: 'UTC' }, rawArguments: '{"tz":"UTC"}' },
    ])
    h.adapter.sendToolResult('c1', '{"iso":"2026-11-21T00:00:00Z"}')
    expect(h.sent).toEqual(['{"t":"tool_result","callId":"c1","output":"{\\"iso\\":\\"2026-11-21T00:00:00Z\\"}"}'])
    expect(h.eventsOf('tool.result')).toEqual([
      { type: 'tool.result', callId: 'c1', name: 'get_current_time', output: '{"iso":"2026-11-21T00:00:00Z"}', status: 'ok', sent: true },
    ])
  })

  it('answers bad JSON arguments with an error result instead of running the tool', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ t: 'tool_call', callId: 'c2', name: 'get_current_time', arguments: '{"tz":' })
    expect(h.eventsOf('tool.call')).toEqual([])
    const frames = h.json()
    expect(frames).toHaveLength(1)
    expect(frames[0]).toMatchObject({ t: 'tool_result', callId: 'c2' })
    expect(Object.keys(frames[0] ?? {}).sort()).toEqual(['callId', 'output', 't'])
    expect(JSON.parse(String(frames[0]?.output))).toHaveProperty('error')
    expect(h.eventsOf('tool.result')[0]).toMatchObject({ callId: 'c2', status: 'error', sent: true })
    expect(h.eventsOf('error')[0]?.error).toMatchObject({ code: 'tool_error', fatal: false })
  })

  it('accepts empty and object arguments, ignores duplicates, and drops results for unknown calls', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ t: 'tool_call', callId: 'a', name: 't', arguments: '' })
    h.recv({ t: 'tool_call', callId: 'b', name: 't', arguments: { x: 1 } })
    h.recv({ t: 'tool_call', callId: 'b', name: 't', arguments: { x: 1 } })
    expect(h.eventsOf('tool.call').map((c) => [c.callId, c.arguments])).toEqual([
      ['a', {}],
      ['b', { x: 1 }],
    ])
    h.adapter.sendToolResult('zzz', 'x')
    expect(h.sent).toEqual([])
    expect(h.eventsOf('tool.result')[0]).toMatchObject({ callId: 'zzz', sent: false })
  })

  it('treats server_tool_call as information only', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ t: 'server_tool_call', id: 's1', name: 'web_search', status: 'started' })
    expect(h.events).toEqual([])
    expect(h.sent).toEqual([])
  })
})

// ---- errors, usage, end ------------------------------------------------------------------------------

describe('Speko adapter: errors, usage and close', () => {
  it('an error frame before ready is fatal, formatted "CODE: message"', () => {
    const h = new Harness().start()
    h.recv({ t: 'error', code: 'S2S_PROVIDER_CONNECT_FAILED', message: 'openai-realtime: invalid model' })
    expect(h.eventsOf('error')[0]?.error).toEqual({
      code: 'provider_unavailable',
      providerCode: 'S2S_PROVIDER_CONNECT_FAILED',
      fatal: true,
      message: 'S2S_PROVIDER_CONNECT_FAILED: openai-realtime: invalid model',
    })
  })

  it('an error frame after ready is reported but not fatal', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ t: 'error', code: 'SOMETHING', message: 'hiccup' })
    expect(h.eventsOf('error')[0]?.error).toMatchObject({ code: 'provider_error', fatal: false, message: 'SOMETHING: hiccup' })
  })

  it('reports usage', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ t: 'usage', inputAudioTokens: 12, outputAudioTokens: 34 })
    expect(h.events).toEqual([{ type: 'usage', inputAudioTokens: 12, outputAudioTokens: 34 }])
  })

  it('end frame and a clean server close mean the agent ended the session (once)', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ t: 'end', reason: 'ttl' })
    h.adapter.handleClose(1000, '')
    expect(h.eventsOf('closed')).toEqual([{ type: 'closed', reason: 'agent' }])

    const h2 = ready(new Harness().start()).clear()
    h2.adapter.handleClose(1005, '')
    expect(h2.eventsOf('closed')).toEqual([{ type: 'closed', reason: 'agent' }])

    const h3 = ready(new Harness().start()).clear()
    h3.adapter.end()
    h3.adapter.handleClose(1000, 'client_stopped')
    expect(h3.eventsOf('closed')).toEqual([])

    const h4 = ready(new Harness().start()).clear()
    h4.binary(ramp(480))
    h4.adapter.handleClose(1011, 'Provider connect failed')
    expect(h4.eventsOf('closed')).toEqual([]) // the runtime reports abnormal closes
    expect(h4.eventsOf('reply.done')[0]?.status).toBe('incomplete')
    expect(h4.adapter.resumeState()).toBeNull()
  })

  it('reports frames it cannot read and carries on', () => {
    const h = ready(new Harness().start()).clear()
    h.adapter.handleMessage('garbage')
    h.adapter.handleMessage('{"type":"ready"}')
    h.adapter.handleMessage('[1,2]')
    h.recv({ t: 'transcript', role: 'user' })
    expect(h.eventsOf('error').map((e) => e.error.code)).toEqual(['protocol_error', 'protocol_error', 'protocol_error', 'protocol_error'])
    h.recv({ t: 'transcript', role: 'user', text: 'ok', final: true })
    expect(h.eventsOf('user.final')).toHaveLength(1)
  })
})

// ---- through the session runtime -------------------------------------------------------------------

describe('Speko through S2SSession', () => {
  it('opens with the token as the only subprotocol, waits for ready, then streams binary frames at the server rate', async () => {
    const sockets: FakeSocket[] = []
    const session = new S2SSession({
      mint: async () => credential,
      socketFactory: (url, protocols) => {
        const s = new FakeSocket(url, protocols)
        sockets.push(s)
        return s
      },
      config,
      playback: { playedMs: () => 0 },
      createAdapter: () => new SpekoAdapter(),
    })
    const events: S2SEvent[] = []
    session.on((e) => events.push(e))
    const connected = session.connect()
    await new Promise((r) => setTimeout(r, 0))
    const socket = sockets[0] as FakeSocket
    expect(socket.protocols).toEqual(['wst_secret'])
    socket.readyState = 1
    socket.onopen?.({})
    session.sendAudio(ramp(640))
    expect(socket.sent).toEqual([])
    socket.onmessage?.({ data: JSON.stringify({ t: 'ready', inputSampleRate: 16000, outputSampleRate: 16000 }) })
    await connected
    expect(session.inputSampleRate).toBe(16000)
    expect(socket.sent.map((f) => (typeof f === 'string' ? f : f.byteLength))).toEqual([640, 640])
    socket.onmessage?.({ data: new Uint8Array([1, 0, 255, 255]).buffer })
    expect(events.filter((e) => e.type === 'audio').map((e) => (e.type === 'audio' ? Array.from(e.pcm) : []))).toEqual([[1, -1]])
  })

  it('an error frame before ready rejects connect() with that error', async () => {
    const sockets: FakeSocket[] = []
    const session = new S2SSession({
      mint: async () => credential,
      socketFactory: (url, protocols) => {
        const s = new FakeSocket(url, protocols)
        sockets.push(s)
        return s
      },
      config,
      playback: { playedMs: () => 0 },
      createAdapter: () => new SpekoAdapter(),
    })
    const connected = session.connect()
    await new Promise((r) => setTimeout(r, 0))
    const socket = sockets[0] as FakeSocket
    socket.readyState = 1
    socket.onopen?.({})
    socket.onmessage?.({ data: JSON.stringify({ t: 'error', code: 'S2S_PROVIDER_CONNECT_FAILED', message: 'invalid model' }) })
    await expect(connected).rejects.toThrow('S2S_PROVIDER_CONNECT_FAILED: invalid model')
  })
})

// ---- robustness (property-based) ----------------------------------------------------------------------

const anyValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.constantFrom(16000, 24000, 8000, 0, -1, 1e9),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string(), { maxKeys: 3 }),
  fc.constantFrom('{"a":1}', '{"a":', '', 'null', '[]'),
)

const plausible = fc.record(
  {
    t: fc.constantFrom('ready', 'transcript', 'interruption', 'tool_call', 'server_tool_call', 'usage', 'error', 'end', 'bogus'),
    inputSampleRate: anyValue,
    outputSampleRate: anyValue,
    role: fc.oneof(fc.constantFrom('user', 'assistant'), anyValue),
    text: anyValue,
    final: anyValue,
    at: anyValue,
    callId: fc.oneof(fc.constantFrom('c1', 'c2'), anyValue),
    name: anyValue,
    arguments: anyValue,
    code: anyValue,
    message: anyValue,
    inputAudioTokens: anyValue,
    outputAudioTokens: anyValue,
  },
  { requiredKeys: ['t'] },
)

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: plausible.map((f) => ({ kind: 'text' as const, data: JSON.stringify(f) })) },
  { weight: 2, arbitrary: fc.string().map((data) => ({ kind: 'text' as const, data })) },
  { weight: 1, arbitrary: fc.json().map((data) => ({ kind: 'text' as const, data })) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ kind: 'binary' as const, bytes })) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 2000 }).map((n) => ({ kind: 'audio' as const, n })) },
  { weight: 1, arbitrary: fc.constantFrom('c1', 'c2', 'x').map((callId) => ({ kind: 'result' as const, callId })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'interrupt' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'commit' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3000 }).map((ms) => ({ kind: 'tick' as const, ms })) },
  { weight: 1, arbitrary: fc.constantFrom(1000, 1005, 1006, 1011).map((code) => ({ kind: 'close' as const, code })) },
)

describe('Speko adapter: robustness', () => {
  it('never throws on thousands of random text and binary frames, and reports unreadable ones', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(action, { maxLength: 40 }), (startReady, actions) => {
        const h = new Harness().start()
        if (startReady) ready(h, 16000, 24000)
        for (const a of actions) {
          const before = h.events.length
          runAction(h, a, { pcm: ramp, toolOutput: '{"ok":1}' })
          const fresh = h.events.slice(before)
          for (const e of fresh) {
            if (e.type === 'error') {
              expect(ERROR_CODES).toContain(e.error.code)
              expect(e.error.message.length).toBeGreaterThan(0)
            }
            if (e.type === 'audio') expect(e.pcm.length).toBeGreaterThan(0)
            if (e.type === 'ready') expect([e.inputSampleRate, e.outputSampleRate].every((r) => r >= 8000 && r <= 48000)).toBe(true)
          }
          if (a.kind === 'text') expectUnreadableReported(a.data, fresh, 't')
        }
        // Binary frames out are whole 20 ms frames at the negotiated rate; JSON frames are documented ones.
        const frameBytes = (h.adapter.rates.inputSampleRate / 50) * 2
        for (const frame of h.sent) {
          if (typeof frame === 'string') {
            expect(['tool_result', 'interrupt', 'control']).toContain((JSON.parse(frame) as { t: string }).t)
          } else {
            expect([640, 960, frameBytes]).toContain(frame.byteLength)
          }
        }
        // Every reply that started is closed at most once.
        const done = h.eventsOf('reply.done').map((e) => e.responseId)
        expect(new Set(done).size).toBe(done.length)
      }),
      { numRuns: 400 },
    )
  })
})

import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ERROR_CODES } from '../errors'
import { base64ToInt16, int16ToBase64 } from '../pcm'
import { S2SSession } from '../session'
import { FakeSocket } from '../testing'
import type { S2SEvent, SessionConfig, SessionCredential } from '../types'
import { AssemblyAIAdapter, buildSessionUpdate } from './assemblyai'
import { incrementalPart, parseArguments } from './wire'
import { AdapterHarness, expectUnreadableReported, runAction, type Action } from './test-helpers'

// ---- harness ------------------------------------------------------------------------------------

const config: SessionConfig = {
  instructions: 'Be brief.',
  greeting: 'Hi there!',
  voice: 'ivy',
  model: 'unused',
  tools: [
    {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ],
  turnDetection: 'server_vad',
  transcriptionModel: 'unused',
}

const credential: SessionCredential = {
  protocol: 'assemblyai',
  url: 'wss://agents.assemblyai.com/v1/ws?token=tok_1',
  protocols: [],
  expiresAt: null,
  inputSampleRate: 24000,
  outputSampleRate: 24000,
}

class Harness extends AdapterHarness<AssemblyAIAdapter> {
  constructor(adapter = new AssemblyAIAdapter()) {
    super(adapter, { config, credential }, 1_000_000)
  }

  frames(): Record<string, unknown>[] {
    return this.sent.map((frame) => {
      expect(typeof frame).toBe('string')
      return JSON.parse(frame as string) as Record<string, unknown>
    })
  }

  types(): string[] {
    return this.frames().map((f) => String(f.type))
  }
}

function ready(h: Harness, sessionId = 'sess_abc'): Harness {
  return h.recv({ type: 'session.ready', session_id: sessionId })
}

function pcmOf(n: number, seed = 1): Int16Array {
  const out = new Int16Array(n)
  for (let i = 0; i < n; i++) out[i] = ((i * 7919 + seed * 104729) % 65536) - 32768
  return out
}

// ---- configuration --------------------------------------------------------------------------------

describe('AssemblyAI adapter: start', () => {
  it('sends session.update as the very first and only message, in the documented shape', () => {
    const h = new Harness().start()
    expect(h.sent).toHaveLength(1)
    expect(h.frames()[0]).toEqual({
      type: 'session.update',
      session: {
        system_prompt: 'Be brief.',
        greeting: 'Hi there!',
        input: { format: { encoding: 'audio/pcm', sample_rate: 24000 }, turn_detection: { interrupt_response: true } },
        output: { voice: 'ivy', format: { encoding: 'audio/pcm', sample_rate: 24000 } },
        tools: [
          {
            type: 'function',
            name: 'get_weather',
            description: 'Weather for a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            timeout_seconds: 630,
          },
        ],
      },
    })
  })

  it('omits an empty greeting (the agent then waits for the user) and never nests tools under "function"', () => {
    const update = buildSessionUpdate({ ...config, greeting: '', instructions: '' })
    const session = update.session as Record<string, unknown>
    expect(session).not.toHaveProperty('greeting')
    expect(session).not.toHaveProperty('system_prompt')
    const tool = (session.tools as Record<string, unknown>[])[0]
    expect(tool).not.toHaveProperty('function')
    expect(tool?.type).toBe('function')
  })

  it('sends no audio before session.ready, then input.audio with base64 PCM16 in "audio"', () => {
    const h = new Harness().start()
    expect(h.adapter.acceptsAudio).toBe(false)
    h.adapter.sendAudio(pcmOf(480))
    expect(h.types()).toEqual(['session.update'])

    ready(h)
    expect(h.adapter.acceptsAudio).toBe(true)
    expect(h.eventsOf('ready')).toEqual([{ type: 'ready', inputSampleRate: 24000, outputSampleRate: 24000, sessionId: 'sess_abc' }])

    const pcm = pcmOf(480, 3)
    h.adapter.sendAudio(pcm)
    const frames = h.frames()
    expect(frames.map((f) => f.type)).toEqual(['session.update', 'input.audio'])
    expect(Object.keys(frames[1] ?? {}).sort()).toEqual(['audio', 'type'])
    expect(Array.from(base64ToInt16(String(frames[1]?.audio)))).toEqual(Array.from(pcm))
  })

  it('end() sends session.end; the server session.ended that follows is not treated as the agent hanging up', () => {
    const h = ready(new Harness().start()).clear()
    h.adapter.end()
    expect(h.types()).toEqual(['session.end'])
    h.recv({ type: 'session.ended' })
    expect(h.eventsOf('closed')).toEqual([])
    h.adapter.handleClose(1000, '')
    expect(h.adapter.resumeState()).toBeNull()
  })

  it('an unasked session.ended after a while is the duration cap: the runtime renews (session_expired)', () => {
    const h = ready(new Harness().start()).clear()
    h.clock += 3 * 3600_000
    h.recv({ type: 'session.ended', reason: 'max_session_duration' })
    expect(h.eventsOf('closed')).toEqual([])
    expect(h.eventsOf('error').map((e) => e.error)).toEqual([
      expect.objectContaining({ code: 'session_expired', fatal: false }),
    ])
    h.adapter.handleClose(1000, '')
    expect(h.adapter.resumeState()).toBeNull()
  })

  it('reply.create asks for a reply, only once ready', () => {
    const h = new Harness().start()
    h.adapter.requestReply()
    ready(h)
    h.adapter.requestReply()
    expect(h.frames()).toEqual([expect.objectContaining({ type: 'session.update' }), { type: 'reply.create' }])
  })

  it('an unsolicited session.ended right after ready means the provider ended the session (closed: agent)', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ type: 'session.ended', session_duration_seconds: 10800 })
    expect(h.eventsOf('closed')).toEqual([{ type: 'closed', reason: 'agent' }])
    h.adapter.handleClose(1000, '')
    expect(h.adapter.resumeState()).toBeNull()
  })
})

// ---- a turn -------------------------------------------------------------------------------------

describe('AssemblyAI adapter: events of a turn', () => {
  it('maps a full documented turn to the normalised events in order', () => {
    const h = ready(new Harness().start()).clear()
    const audio = pcmOf(1200, 5)
    h.recv({ type: 'input.speech.started' })
      .recv({ type: 'transcript.user.delta', text: 'what is' })
      .recv({ type: 'transcript.user.delta', text: 'what is the time' })
      .recv({ type: 'input.speech.stopped' })
      .recv({ type: 'transcript.user', text: 'What is the time?', item_id: 'item_1' })
      .recv({ type: 'reply.started', reply_id: 'reply_1' })
      .recv({ type: 'reply.audio', data: int16ToBase64(audio) })
      .recv({ type: 'transcript.agent', text: 'It is noon.', reply_id: 'reply_1', item_id: 'item_2', interrupted: false })
      .recv({ type: 'reply.done', reply_id: 'reply_1' })
    const summary = h.events.map((e) => {
      switch (e.type) {
        case 'user.delta':
        case 'user.final':
          return `${e.type}:${e.text}`
        case 'agent.final':
          return `${e.type}:${e.text}:${e.interrupted}:${e.responseId}`
        case 'reply.started':
          return `${e.type}:${e.responseId}`
        case 'audio':
          return `${e.type}:${e.responseId}:${e.pcm.length}`
        case 'reply.done':
          return `${e.type}:${e.responseId}:${e.status}`
        default:
          return e.type
      }
    })
    expect(summary).toEqual([
      'user.speech.started',
      'user.delta:what is',
      'user.delta: the time',
      'user.speech.stopped',
      'user.final:What is the time?',
      'reply.started:reply_1',
      'audio:reply_1:1200',
      'agent.final:It is noon.:false:reply_1',
      'reply.done:reply_1:completed',
    ])
    const audioEvent = h.eventsOf('audio')[0]
    expect(Array.from(audioEvent?.pcm ?? [])).toEqual(Array.from(audio))
    expect(h.sent).toEqual([])
  })

  it('accepts the old event names of the March 2026 docs on input', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ type: 'speech.started' })
      .recv({ type: 'speech.stopped' })
      .recv({ type: 'response.started', reply_id: 'r_old' })
      .recv({ type: 'response.audio', data: int16ToBase64(pcmOf(10)) })
      .recv({ type: 'response.transcript', text: 'Old shape.' })
      .recv({ type: 'response.done' })
    expect(h.events.map((e) => e.type)).toEqual([
      'user.speech.started',
      'user.speech.stopped',
      'reply.started',
      'audio',
      'agent.final',
      'reply.done',
    ])
    expect(h.eventsOf('reply.done')[0]).toEqual({ type: 'reply.done', responseId: 'r_old', status: 'completed' })
  })

  it('treats any reply.done status other than "interrupted" as completed', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ type: 'reply.started', reply_id: 'a' }).recv({ type: 'reply.done', status: 'completed' })
    h.recv({ type: 'reply.started', reply_id: 'b' }).recv({ type: 'reply.done', status: 'weird' })
    expect(h.eventsOf('reply.done').map((e) => e.status)).toEqual(['completed', 'completed'])
  })

  it('reports session.error and the bare "error" as provider errors, non-fatal after ready', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ type: 'session.error', code: 'immutable_field', message: 'voice cannot change' })
    h.recv({ type: 'error', error: { code: 'invalid_format', message: 'bad audio' } })
    const errors = h.eventsOf('error').map((e) => e.error)
    expect(errors.map((e) => [e.code, e.providerCode, e.fatal])).toEqual([
      ['provider_error', 'immutable_field', false],
      ['provider_error', 'invalid_format', false],
    ])
    expect(errors[0]?.message).toContain('voice cannot change')
  })

  it('an error before session.ready is fatal; unauthorized means the one-time token was stale', () => {
    const h = new Harness().start()
    h.recv({ type: 'session.error', code: 'unauthorized', message: 'token expired' })
    expect(h.eventsOf('error')[0]?.error).toMatchObject({ code: 'token_expired', providerCode: 'unauthorized', fatal: true })
    const h2 = new Harness().start()
    h2.recv({ type: 'session.error', code: 'invalid_format', message: 'bad session' })
    expect(h2.eventsOf('error')[0]?.error).toMatchObject({ code: 'provider_error', fatal: true })
  })

  it('surfaces malformed frames as protocol errors and keeps going', () => {
    const h = ready(new Harness().start()).clear()
    h.adapter.handleMessage('not json')
    h.adapter.handleMessage('{"no":"type"}')
    h.adapter.handleMessage(new Uint8Array([1, 2, 3]).buffer)
    h.recv({ type: 'reply.audio', data: '***not base64***' })
    h.recv({ type: 'transcript.user' })
    expect(h.eventsOf('error').map((e) => [e.error.code, e.error.fatal])).toEqual([
      ['protocol_error', false],
      ['protocol_error', false],
      ['protocol_error', false],
      ['protocol_error', false],
      ['protocol_error', false],
    ])
    h.recv({ type: 'transcript.user', text: 'still alive' })
    expect(h.eventsOf('user.final')).toEqual([{ type: 'user.final', text: 'still alive' }])
  })
})

// ---- tools ----------------------------------------------------------------------------------------

describe('AssemblyAI adapter: tool results', () => {
  function toolTurn(h: Harness, callId = 'call_1', extra: Record<string, unknown> = { arguments: { city: 'Paris' } }): Harness {
    return h.recv({ type: 'reply.started', reply_id: 'r1' }).recv({ type: 'tool.call', call_id: callId, name: 'get_weather', ...extra })
  }

  it('holds a result until reply.done, then sends tool.result with the JSON string in "result"', () => {
    const h = toolTurn(ready(new Harness().start()).clear())
    expect(h.eventsOf('tool.call')).toEqual([
      { type: 'tool.call', callId: 'call_1', name: 'get_weather', arguments: { city: 'Paris' }, rawArguments: '{"city":"Paris"}', responseId: 'r1' },
    ])
    h.adapter.sendToolResult('call_1', '{"temp_c":22}')
    expect(h.sent).toEqual([])
    expect(h.eventsOf('tool.result')).toEqual([])
    h.recv({ type: 'reply.done', reply_id: 'r1' })
    expect(h.frames()).toEqual([{ type: 'tool.result', call_id: 'call_1', result: '{"temp_c":22}' }])
    expect(h.eventsOf('tool.result')).toEqual([
      { type: 'tool.result', callId: 'call_1', name: 'get_weather', output: '{"temp_c":22}', status: 'ok', sent: true },
    ])
    // reply.done is emitted before the result goes out.
    const order = h.events.map((e) => e.type)
    expect(order.indexOf('reply.done')).toBeLessThan(order.indexOf('tool.result'))
  })

  it('sends at once when reply.done is already the latest event, and waits again after reply.started', () => {
    const h = toolTurn(ready(new Harness().start()).clear())
    h.recv({ type: 'reply.done', reply_id: 'r1' })
    h.adapter.sendToolResult('call_1', '"sunny"')
    expect(h.types()).toEqual(['tool.result'])

    h.clear()
    h.recv({ type: 'reply.started', reply_id: 'r2' }).recv({ type: 'tool.call', call_id: 'call_2', name: 'get_weather', arguments: {} })
    h.recv({ type: 'reply.done', reply_id: 'r2' })
    h.recv({ type: 'reply.started', reply_id: 'r3' }) // the agent's transition phrase
    h.adapter.sendToolResult('call_2', '"rain"')
    expect(h.sent).toEqual([])
    h.recv({ type: 'input.speech.started' })
    expect(h.sent).toEqual([])
    h.recv({ type: 'reply.done', reply_id: 'r3' })
    expect(h.frames()).toEqual([{ type: 'tool.result', call_id: 'call_2', result: '"rain"' }])
  })

  it('discards held results when reply.done says interrupted, and results that finish later', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ type: 'reply.started', reply_id: 'r1' })
      .recv({ type: 'tool.call', call_id: 'a', name: 'get_weather', arguments: {} })
      .recv({ type: 'tool.call', call_id: 'b', name: 'get_weather', arguments: {} })
    h.adapter.sendToolResult('a', '{"x":1}')
    h.recv({ type: 'reply.done', reply_id: 'r1', status: 'interrupted' })
    h.adapter.sendToolResult('b', '{"error":"late"}')
    expect(h.sent).toEqual([])
    expect(h.eventsOf('tool.result')).toEqual([
      { type: 'tool.result', callId: 'a', name: 'get_weather', output: '{"x":1}', status: 'ok', sent: false },
      { type: 'tool.result', callId: 'b', name: 'get_weather', output: '{"error":"late"}', status: 'error', sent: false },
    ])
    expect(h.eventsOf('reply.done')[0]?.status).toBe('interrupted')
    // Interrupted by the server: playback must flush.
    expect(h.eventsOf('bargein')).toEqual([{ type: 'bargein', responseId: 'r1', itemId: 'r1' }])
  })

  it('reads arguments as an object, a JSON string, or the older "args", and answers bad JSON with an error result', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ type: 'reply.started', reply_id: 'r1' })
    h.recv({ type: 'tool.call', call_id: 'obj', name: 'get_weather', arguments: { city: 'Oslo' } })
    h.recv({ type: 'tool.call', call_id: 'str', name: 'get_weather', arguments: '{"city":"Rome"}' })
    h.recv({ type: 'function.call', call_id: 'old', name: 'get_weather', args: { city: 'Lima' } })
    h.recv({ type: 'tool.call', call_id: 'none', name: 'get_weather' })
    h.recv({ type: 'tool.call', call_id: 'bad', name: 'get_weather', arguments: '{"city":' })
    expect(h.eventsOf('tool.call').map((c) => [c.callId, c.arguments])).toEqual([
      ['obj', { city: 'Oslo' }],
      ['str', { city: 'Rome' }],
      ['old', { city: 'Lima' }],
      ['none', {}],
    ])
    expect(h.eventsOf('error').map((e) => e.error.code)).toEqual(['tool_error'])
    expect(h.sent).toEqual([]) // even the error answer waits for reply.done
    h.recv({ type: 'reply.done', reply_id: 'r1' })
    const frames = h.frames()
    expect(frames).toHaveLength(1)
    expect(frames[0]?.call_id).toBe('bad')
    expect(JSON.parse(String(frames[0]?.result))).toHaveProperty('error')
    expect(h.eventsOf('tool.result')[0]).toMatchObject({ callId: 'bad', status: 'error', sent: true })
  })

  it('ignores a duplicate tool.call and a second result for the same call', () => {
    const h = toolTurn(ready(new Harness().start()).clear())
    toolTurn(h)
    expect(h.eventsOf('tool.call')).toHaveLength(1)
    h.recv({ type: 'reply.done' })
    h.adapter.sendToolResult('call_1', '1')
    h.adapter.sendToolResult('call_1', '2')
    expect(h.frames()).toEqual([{ type: 'tool.result', call_id: 'call_1', result: '1' }])
  })

  it('uses the runtime-given status when there is one', () => {
    const h = toolTurn(ready(new Harness().start()).clear())
    h.recv({ type: 'reply.done' })
    h.adapter.sendToolResult('call_1', '"The user said no."', 'denied')
    expect(h.eventsOf('tool.result')[0]).toMatchObject({ status: 'denied', sent: true })
  })
})

// ---- barge-in -----------------------------------------------------------------------------------

describe('AssemblyAI adapter: barge-in', () => {
  it('flushes on input.speech.started while a reply is active and drops that reply\'s late audio', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ type: 'reply.started', reply_id: 'r1' }).recv({ type: 'reply.audio', data: int16ToBase64(pcmOf(480)) })
    h.recv({ type: 'input.speech.started' })
    h.recv({ type: 'reply.audio', data: int16ToBase64(pcmOf(480)) })
    h.recv({ type: 'transcript.agent', text: 'It is', reply_id: 'r1', interrupted: true })
    h.recv({ type: 'reply.done', reply_id: 'r1', status: 'interrupted' })
    expect(h.events.map((e) => e.type)).toEqual([
      'reply.started',
      'audio',
      'bargein',
      'user.speech.started',
      'agent.final',
      'reply.done',
    ])
    expect(h.eventsOf('bargein')).toEqual([{ type: 'bargein', responseId: 'r1', itemId: 'r1' }])
    expect(h.eventsOf('agent.final')[0]).toMatchObject({ text: 'It is', interrupted: true })
    expect(h.sent).toEqual([]) // there is no cancel frame
  })

  it('after reply.done, barges in only while the reply is still playing locally', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ type: 'reply.started', reply_id: 'r1' }).recv({ type: 'reply.audio', data: int16ToBase64(pcmOf(24000)) }) // 1 s
    h.recv({ type: 'reply.done', reply_id: 'r1' })
    h.played.set('r1', 400)
    h.recv({ type: 'input.speech.started' })
    expect(h.eventsOf('bargein')).toHaveLength(1)

    const h2 = ready(new Harness().start()).clear()
    h2.recv({ type: 'reply.started', reply_id: 'r1' }).recv({ type: 'reply.audio', data: int16ToBase64(pcmOf(24000)) })
    h2.recv({ type: 'reply.done', reply_id: 'r1' })
    h2.played.set('r1', 1000)
    h2.recv({ type: 'input.speech.started' })
    expect(h2.eventsOf('bargein')).toHaveLength(0)
  })

  it('a local interrupt() flushes playback, sends nothing, and drops the rest of the reply', () => {
    const h = ready(new Harness().start()).clear()
    h.recv({ type: 'reply.started', reply_id: 'r1' }).recv({ type: 'reply.audio', data: int16ToBase64(pcmOf(480)) })
    h.adapter.interrupt()
    h.recv({ type: 'reply.audio', data: int16ToBase64(pcmOf(480)) })
    expect(h.eventsOf('bargein')).toEqual([{ type: 'bargein', responseId: 'r1', itemId: 'r1' }])
    expect(h.eventsOf('audio')).toHaveLength(1)
    expect(h.sent).toEqual([])
  })
})

// ---- resume -------------------------------------------------------------------------------------

describe('AssemblyAI adapter: resume and fallback', () => {
  it('offers resume state after a drop, for 30 s, and not after a clean end', () => {
    const h = ready(new Harness().start(), 'sess_42')
    expect(h.adapter.resumeState()).toBeNull() // not dropped
    h.adapter.handleClose(1006, '')
    expect(h.adapter.resumeState()).toEqual({ sessionId: 'sess_42', droppedAt: 1_000_000 })
    h.clock += 30_001
    expect(h.adapter.resumeState()).toBeNull()

    const never = new Harness().start()
    never.adapter.handleClose(1006, '')
    expect(never.adapter.resumeState()).toBeNull() // never got a session id
  })

  it('sends session.resume first on a reconnect, then audio only after the new session.ready', () => {
    const old = ready(new Harness().start(), 'sess_42')
    old.adapter.handleClose(1006, '')
    const resume = old.adapter.resumeState()
    expect(resume).not.toBeNull()
    const h = new Harness().start({ resume: resume ?? undefined })
    h.adapter.sendAudio(pcmOf(100))
    expect(h.frames()).toEqual([{ type: 'session.resume', session_id: 'sess_42' }])
    ready(h, 'sess_42')
    h.adapter.sendAudio(pcmOf(100))
    expect(h.types()).toEqual(['session.resume', 'input.audio'])
    expect(h.eventsOf('ready')[0]).toMatchObject({ sessionId: 'sess_42' })
  })

  it('falls back to a fresh session.update on the same socket when resume fails, with the conversation as context', () => {
    const h = new Harness().start({
      resume: { sessionId: 'sess_gone', droppedAt: 999_000 },
      history: [
        { role: 'user', text: 'My name is Ada.' },
        { role: 'assistant', text: 'Hello Ada.' },
      ],
    })
    h.recv({ type: 'session.error', code: 'session_not_found', message: 'Session not found or grace window has expired' })
    const frames = h.frames()
    expect(frames.map((f) => f.type)).toEqual(['session.resume', 'session.update'])
    const session = frames[1]?.session as Record<string, unknown>
    expect(session).not.toHaveProperty('greeting') // no second greeting mid-conversation
    expect(String(session.system_prompt)).toMatch(/^Be brief\.\n\n/)
    expect(String(session.system_prompt)).toContain('User: My name is Ada.\nAssistant: Hello Ada.')
    const errors = h.eventsOf('error').map((e) => e.error)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ providerCode: 'session_not_found', fatal: false })
    expect(errors[0]?.code).not.toBe('session_expired') // that would make the runtime renew on top
    expect(h.adapter.acceptsAudio).toBe(false)
    ready(h, 'sess_new')
    expect(h.adapter.acceptsAudio).toBe(true)
    expect(h.eventsOf('ready')[0]).toMatchObject({ sessionId: 'sess_new' })
  })

  it('a resume attempt that drops before ready keeps the original drop time', () => {
    const h = new Harness().start({ resume: { sessionId: 's', droppedAt: 990_000 } })
    h.adapter.handleClose(1006, '')
    expect(h.adapter.resumeState()).toEqual({ sessionId: 's', droppedAt: 990_000 })
    h.clock = 990_000 + 30_001
    expect(h.adapter.resumeState()).toBeNull()
  })

  it('treats session_forbidden the same way during a resume', () => {
    const h = new Harness().start({ resume: { sessionId: 's', droppedAt: 1 } })
    h.recv({ type: 'session.error', code: 'session_forbidden', message: 'not yours' })
    expect(h.types()).toEqual(['session.resume', 'session.update'])
    expect(h.eventsOf('error')[0]?.error.fatal).toBe(false)
  })

  it('sends results of calls made before the drop once the session is resumed', () => {
    const h = new Harness().start({ resume: { sessionId: 's', droppedAt: 1 } })
    ready(h, 's')
    h.adapter.sendToolResult('call_from_before', '{"ok":true}')
    expect(h.frames()[1]).toEqual({ type: 'tool.result', call_id: 'call_from_before', result: '{"ok":true}' })
  })

  it('hands results that were waiting for reply.done to the resumed session', () => {
    const old = ready(new Harness().start(), 'sess_7')
    old.recv({ type: 'reply.started', reply_id: 'r1' }).recv({ type: 'tool.call', call_id: 'c1', name: 'get_weather', arguments: {} })
    old.adapter.sendToolResult('c1', '{"temp_c":3}')
    old.adapter.handleClose(1006, '')
    const resume = old.adapter.resumeState()
    expect(resume).toMatchObject({ sessionId: 'sess_7', pendingResults: [{ callId: 'c1', name: 'get_weather', output: '{"temp_c":3}', status: 'ok' }] })
    expect(old.eventsOf('tool.result')).toEqual([]) // not dropped: it travels with the resume

    const h = new Harness().start({ resume: resume ?? undefined })
    expect(h.types()).toEqual(['session.resume'])
    ready(h, 'sess_7')
    expect(h.frames()).toEqual([
      { type: 'session.resume', session_id: 'sess_7' },
      { type: 'tool.result', call_id: 'c1', result: '{"temp_c":3}' },
    ])
    expect(h.eventsOf('tool.result')).toEqual([
      { type: 'tool.result', callId: 'c1', name: 'get_weather', output: '{"temp_c":3}', status: 'ok', sent: true },
    ])
  })

  it('reports handed-over results as dropped when the resume falls back or cannot happen', () => {
    const h = new Harness().start({
      resume: { sessionId: 's', droppedAt: 1, pendingResults: [{ callId: 'c1', name: 'get_weather', output: '1', status: 'ok' }] } as never,
    })
    h.recv({ type: 'session.error', code: 'session_not_found', message: 'gone' })
    expect(h.eventsOf('tool.result')).toEqual([{ type: 'tool.result', callId: 'c1', name: 'get_weather', output: '1', status: 'ok', sent: false }])
    expect(h.types()).toEqual(['session.resume', 'session.update'])

    const old = ready(new Harness().start(), 'sess_8')
    old.recv({ type: 'reply.started' }).recv({ type: 'tool.call', call_id: 'c2', name: 'get_weather', arguments: {} })
    old.adapter.sendToolResult('c2', '2')
    old.adapter.handleClose(1006, '')
    old.clock += 31_000
    expect(old.adapter.resumeState()).toBeNull()
    expect(old.eventsOf('tool.result')).toEqual([{ type: 'tool.result', callId: 'c2', name: 'get_weather', output: '2', status: 'ok', sent: false }])
  })

  it('drops results for unknown calls on a fresh session', () => {
    const h = ready(new Harness().start()).clear()
    h.adapter.sendToolResult('nope', '1')
    expect(h.sent).toEqual([])
    expect(h.eventsOf('tool.result')[0]).toMatchObject({ callId: 'nope', sent: false })
  })
})

// ---- helpers ----------------------------------------------------------------------------------------

describe('AssemblyAI adapter: issue 10 protocol items', () => {
  it('keeps the resume_token of session.ready and sends it back with session.resume', () => {
    const old = new Harness().start().recv({ type: 'session.ready', session_id: 'sess_42', resume_token: 'rt_first' })
    old.recv({ type: 'session.ready', session_id: 'sess_42', resume_token: 'rt_latest' })
    old.adapter.handleClose(1006, '')
    const resume = old.adapter.resumeState()
    expect(resume).toMatchObject({ sessionId: 'sess_42', resumeToken: 'rt_latest' })
    const h = new Harness().start({ resume: resume ?? undefined })
    expect(h.frames()).toEqual([{ type: 'session.resume', session_id: 'sess_42', resume_token: 'rt_latest' }])
  })

  it('reply.create carries one-shot instructions when given, none when blank', () => {
    const h = ready(new Harness().start())
    h.adapter.requestReply('Tell the user the lookup is still running.')
    h.adapter.requestReply('   ')
    expect(h.frames().slice(1)).toEqual([
      { type: 'reply.create', instructions: 'Tell the user the lookup is still running.' },
      { type: 'reply.create' },
    ])
  })

  it('reads transcript.agent.delta as incremental words, a repeated word included', () => {
    const h = ready(new Harness().start())
    h.recv({ type: 'reply.started', reply_id: 'r1' })
    for (const [i, word] of ['No,', 'no', 'no.'].entries()) {
      h.recv({ type: 'transcript.agent.delta', delta: word, start_ms: i * 200, end_ms: i * 200 + 180 })
    }
    h.recv({ type: 'transcript.agent.delta', delta: 'no.', start_ms: 600, end_ms: 780 })
    expect(h.eventsOf('agent.delta').map((e) => e.text)).toEqual(['No,', ' no', ' no.', ' no.'])
    // The final (with its own item_id) lands on the entry the words built: one reply, one entry.
    h.recv({ type: 'transcript.agent', text: 'No, no no. no.', reply_id: 'r1', item_id: 'item_9' })
    const keys = [...h.eventsOf('agent.delta'), ...h.eventsOf('agent.final')].map((e) => e.itemId ?? e.responseId)
    expect(new Set(keys)).toEqual(new Set(['r1']))
  })

  it('reply.error is shown and ends the reply (status leaves thinking); the session goes on', () => {
    const h = ready(new Harness().start())
    h.recv({ type: 'reply.started', reply_id: 'r1' })
    h.recv({ type: 'reply.error', reply_id: 'r1', code: 'llm_error', message: 'upstream model failed' })
    const errors = h.eventsOf('error')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ error: { code: 'provider_error', providerCode: 'llm_error', fatal: false } })
    expect(h.eventsOf('reply.done')).toEqual([expect.objectContaining({ responseId: 'r1', status: 'completed' })])
  })

  it('declares every tool with a timeout_seconds no shorter than the longest confirmation wait', () => {
    const h = new Harness().start()
    const tools = (h.frames()[0]!.session as { tools: Record<string, unknown>[] }).tools
    expect(tools.length).toBeGreaterThan(0)
    // settings.tools.confirmTimeoutSeconds allows up to 600 s.
    for (const tool of tools) expect(tool.timeout_seconds as number).toBeGreaterThanOrEqual(600)
  })

  it('tool.result carries is_error for failed, denied and unknown tools, not for good ones', () => {
    const h = ready(new Harness().start())
    h.recv({ type: 'reply.started', reply_id: 'r1' })
    for (const id of ['c_ok', 'c_err', 'c_denied', 'c_unknown']) h.recv({ type: 'tool.call', call_id: id, name: 'get_weather', arguments: {} })
    h.recv({ type: 'reply.done', reply_id: 'r1' })
    h.adapter.sendToolResult('c_ok', '{"t":1}', 'ok')
    h.adapter.sendToolResult('c_err', '{"error":"boom"}', 'error')
    h.adapter.sendToolResult('c_denied', '{"error":"denied"}', 'denied')
    h.adapter.sendToolResult('c_unknown', '{"error":"unknown tool"}', 'error')
    const results = h.frames().filter((f) => f.type === 'tool.result')
    expect(results.map((r) => [r.call_id, r.is_error])).toEqual([
      ['c_ok', undefined], ['c_err', true], ['c_denied', true], ['c_unknown', true],
    ])
  })

  it('session_expired, at_capacity and concurrency_exceeded get their own codes and messages', () => {
    const seen = (code: string): { code: string; message: string; fatal: boolean } => {
      const h = ready(new Harness().start())
      h.recv({ type: 'session.error', code, message: 'server said so' })
      const e = h.eventsOf('error')[0] as unknown as { error: { code: string; message: string; fatal: boolean } }
      return e.error
    }
    const expired = seen('session_expired')
    const capacity = seen('at_capacity')
    const concurrency = seen('concurrency_exceeded')
    expect(expired).toMatchObject({ code: 'session_expired', fatal: false })
    expect(capacity.code).toBe('provider_unavailable')
    expect(concurrency.code).toBe('rate_limited')
    expect(new Set([expired.message, capacity.message, concurrency.message]).size).toBe(3)
    expect(capacity.message).toMatch(/capacity/)
    expect(concurrency.message).toMatch(/sessions open/)
  })
})

describe('AssemblyAI helpers', () => {
  it('incrementalPart turns cumulative partials into deltas', () => {
    expect(incrementalPart('', 'hel')).toBe('hel')
    expect(incrementalPart('hel', 'hello')).toBe('lo')
    expect(incrementalPart('hello', 'hello')).toBe('')
    expect(incrementalPart('abc', 'xyz')).toBe('xyz')
  })

  it('parseArguments accepts objects, JSON strings, empty and absent values', () => {
    expect(parseArguments({ a: 1 })).toEqual({ ok: true, value: { a: 1 }, raw: '{"a":1}' })
    expect(parseArguments('{"a":1}')).toEqual({ ok: true, value: { a: 1 }, raw: '{"a":1}' })
    expect(parseArguments(undefined)).toMatchObject({ ok: true, value: {} })
    expect(parseArguments('  ')).toMatchObject({ ok: true, value: {} })
    expect(parseArguments('{')).toMatchObject({ ok: false })
  })
})

// ---- through the session runtime, on an in-memory socket ---------------------------------------------

const flush = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('AssemblyAI through S2SSession', () => {
  it('mints a new token per connection, resumes after a drop, and keeps the frame order', async () => {
    const sockets: FakeSocket[] = []
    let minted = 0
    const events: S2SEvent[] = []
    const session = new S2SSession({
      mint: async () => ({ ...credential, url: `wss://agents.assemblyai.com/v1/ws?token=tok_${++minted}` }),
      socketFactory: (url, protocols) => {
        const socket = new FakeSocket(url, protocols)
        sockets.push(socket)
        return socket
      },
      config,
      playback: { playedMs: () => 0 },
      createAdapter: () => new AssemblyAIAdapter(),
      reconnectDelayMs: () => 0,
    })
    session.on((e) => events.push(e))
    const connected = session.connect()
    await flush()
    const first = sockets[0] as FakeSocket
    first.open()
    session.sendAudio(pcmOf(480)) // buffered until ready
    expect(first.json().map((f) => f.type)).toEqual(['session.update'])
    first.receive({ type: 'session.ready', session_id: 'sess_1' })
    await connected
    expect(first.json().map((f) => f.type)).toEqual(['session.update', 'input.audio'])

    first.serverClose(1006)
    await flush()
    await flush()
    const second = sockets[1] as FakeSocket
    expect(second.url).toBe('wss://agents.assemblyai.com/v1/ws?token=tok_2')
    second.open()
    expect(second.json()).toEqual([{ type: 'session.resume', session_id: 'sess_1' }])
    second.receive({ type: 'session.error', code: 'session_not_found', message: 'gone' })
    expect(second.json().map((f) => f.type)).toEqual(['session.resume', 'session.update'])
    second.receive({ type: 'session.ready', session_id: 'sess_2' })
    session.sendAudio(pcmOf(480))
    expect(second.json().map((f) => f.type)).toEqual(['session.resume', 'session.update', 'input.audio'])
    expect(session.status).not.toBe('error')

    await Promise.all([session.close(), flush()])
    expect(second.json().at(-1)).toEqual({ type: 'session.end' })
  })
  it('a tool result held when the socket drops reaches the resumed session', async () => {
    const sockets: FakeSocket[] = []
    const events: S2SEvent[] = []
    const session = new S2SSession({
      mint: async () => ({ ...credential, url: `wss://x/v1/ws?token=t${sockets.length + 1}` }),
      socketFactory: (url, protocols) => {
        const socket = new FakeSocket(url, protocols)
        sockets.push(socket)
        return socket
      },
      config,
      playback: { playedMs: () => 0 },
      createAdapter: () => new AssemblyAIAdapter(),
      reconnectDelayMs: () => 0,
    })
    session.on((e) => events.push(e))
    const connected = session.connect()
    await flush()
    const first = sockets[0] as FakeSocket
    first.open()
    first.receive({ type: 'session.ready', session_id: 'sess_t' })
    await connected
    first.receive({ type: 'reply.started', reply_id: 'r1' })
    first.receive({ type: 'tool.call', call_id: 'c1', name: 'get_weather', arguments: { city: 'Oslo' } })
    expect(session.submitToolResult('c1', '{"temp_c":-3}')).toBe(true)
    expect(first.json().map((f) => f.type)).toEqual(['session.update']) // held: no reply.done yet
    first.serverClose(1006)
    await flush()
    await flush()
    const second = sockets[1] as FakeSocket
    second.open()
    second.receive({ type: 'session.ready', session_id: 'sess_t' })
    expect(second.json()).toEqual([
      { type: 'session.resume', session_id: 'sess_t' },
      { type: 'tool.result', call_id: 'c1', result: '{"temp_c":-3}' },
    ])
    expect(events.filter((e) => e.type === 'tool.result')).toEqual([
      { type: 'tool.result', callId: 'c1', name: 'get_weather', output: '{"temp_c":-3}', status: 'ok', sent: true },
    ])
    await Promise.all([session.close(), flush()])
  })
})

// ---- robustness (property-based) ----------------------------------------------------------------------

const SERVER_TYPES = [
  'session.ready', 'session.updated', 'session.ended', 'session.error', 'error', 'input.speech.started',
  'input.speech.stopped', 'transcript.user.delta', 'transcript.user', 'reply.started', 'reply.audio',
  'transcript.agent', 'transcript.agent.delta', 'reply.done', 'tool.call', 'function.call', 'response.audio',
  'response.done', 'response.interrupted', 'speech.started', 'session.created', 'nonsense',
]

const anyValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 3 }),
  fc.base64String({ maxLength: 64 }),
  fc.constant('{"a":'),
)

const plausibleFrame = fc.record(
  {
    type: fc.constantFrom(...SERVER_TYPES),
    session_id: anyValue,
    reply_id: fc.oneof(fc.constantFrom('r1', 'r2'), anyValue),
    call_id: fc.oneof(fc.constantFrom('c1', 'c2', 'c3'), anyValue),
    name: anyValue,
    arguments: anyValue,
    args: anyValue,
    data: anyValue,
    text: anyValue,
    status: fc.oneof(fc.constantFrom('interrupted', 'completed'), anyValue),
    code: fc.oneof(fc.constantFrom('session_not_found', 'unauthorized', 'invalid_format'), anyValue),
    message: anyValue,
    interrupted: anyValue,
    error: anyValue,
  },
  { requiredKeys: ['type'] },
)

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: plausibleFrame.map((f) => ({ kind: 'text' as const, data: JSON.stringify(f) })) },
  { weight: 2, arbitrary: fc.string().map((data) => ({ kind: 'text' as const, data })) },
  { weight: 1, arbitrary: fc.json().map((data) => ({ kind: 'text' as const, data })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ kind: 'binary' as const, bytes })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2000 }).map((n) => ({ kind: 'audio' as const, n })) },
  { weight: 1, arbitrary: fc.constantFrom('c1', 'c2', 'c3', 'zz').map((callId) => ({ kind: 'result' as const, callId })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'interrupt' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'end' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reply' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 90_000 }).map((ms) => ({ kind: 'tick' as const, ms })) },
  { weight: 1, arbitrary: fc.constantFrom(1000, 1006, 1011).map((code) => ({ kind: 'close' as const, code })) },
)

function checkEvent(e: S2SEvent): void {
  expect(typeof e.type).toBe('string')
  if (e.type === 'error') {
    expect(ERROR_CODES).toContain(e.error.code)
    expect(typeof e.error.message).toBe('string')
    expect(e.error.message.length).toBeGreaterThan(0)
    expect(typeof e.error.fatal).toBe('boolean')
  }
  if (e.type === 'audio') expect(e.pcm).toBeInstanceOf(Int16Array)
  if (e.type === 'tool.call') {
    expect(typeof e.callId).toBe('string')
    expect(typeof e.rawArguments).toBe('string')
  }
  if (e.type === 'tool.result') expect(typeof e.sent).toBe('boolean')
}

describe('AssemblyAI adapter: robustness', () => {
  it('reads a frame typed or coded like an Object.prototype member as what it is (found by the property below)', () => {
    const h = ready(new Harness().start())
    const before = h.events.length
    h.recv({ type: 'error', code: 'toString', message: 'odd' })
    h.recv({ type: 'constructor' })
    const fresh = h.events.slice(before)
    fresh.forEach(checkEvent)
    expect(fresh.find((e) => e.type === 'error')).toMatchObject({ error: { providerCode: 'toString' } })
  })

  it('never throws on thousands of random and malformed frames, and reports what it cannot read', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(action, { maxLength: 40 }), (resume, actions) => {
        const h = new Harness()
        h.start(resume ? { resume: { sessionId: 's', droppedAt: 1 } } : {})
        ready(h)
        for (const a of actions) {
          const before = h.events.length
          runAction(h, a, { pcm: pcmOf, toolOutput: '{"r":1}', afterClose: () => h.adapter.resumeState() })
          const fresh = h.events.slice(before)
          fresh.forEach(checkEvent)
          if (a.kind === 'binary') expect(fresh.some((e) => e.type === 'error' && e.error.code === 'protocol_error')).toBe(true)
          if (a.kind === 'text') expectUnreadableReported(a.data, fresh, 'type')
        }
        // Every frame sent is JSON with a documented client type.
        for (const frame of h.sent) {
          expect(typeof frame).toBe('string')
          const type = (JSON.parse(frame as string) as { type: string }).type
          expect(['session.update', 'session.resume', 'input.audio', 'tool.result', 'reply.create', 'session.end']).toContain(type)
        }
        // Each call gets at most one tool.result on the wire.
        const callIds = h.frames().filter((f) => f.type === 'tool.result').map((f) => f.call_id)
        expect(new Set(callIds).size).toBe(callIds.length)
      }),
      { numRuns: 400 },
    )
  })
})

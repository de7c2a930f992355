import { describe, expect, it } from 'vitest'
import { OpenAIAdapter, buildSessionUpdate } from './openai'
import { S2SSession } from '../session'
import { FakeClock, FakePlayback, FakeSocket, settle } from '../testing'
import { base64ToInt16, int16ToBase64 } from '../pcm'
import type { S2SEvent, SessionConfig, SessionCredential } from '../types'

const CONFIG: SessionConfig = {
  instructions: 'You are Earshot.',
  greeting: '',
  voice: 'marin',
  model: 'gpt-realtime',
  tools: [{ name: 'get_current_time', description: 'The time now.', parameters: { type: 'object', properties: {} } }],
  turnDetection: 'server_vad',
  transcriptionModel: 'gpt-4o-mini-transcribe',
}

interface Harness {
  session: S2SSession
  clock: FakeClock
  playback: FakePlayback
  sockets: FakeSocket[]
  events: S2SEvent[]
  mints: number
  socket: () => FakeSocket
  types: (type: S2SEvent['type']) => S2SEvent[]
  statuses: () => string[]
}

function harness(options: { config?: Partial<SessionConfig>; renewAfterMs?: number | null; maxBufferedAudioMs?: number; mintFails?: (n: number) => unknown } = {}): Harness {
  const clock = new FakeClock()
  const playback = new FakePlayback()
  const sockets: FakeSocket[] = []
  const events: S2SEvent[] = []
  const h: Harness = {
    session: null as unknown as S2SSession,
    clock,
    playback,
    sockets,
    events,
    mints: 0,
    socket: () => sockets[sockets.length - 1] as FakeSocket,
    types: (type) => events.filter((e) => e.type === type),
    statuses: () => events.flatMap((e) => (e.type === 'status' ? [e.status] : [])),
  }
  h.session = new S2SSession({
    mint: async (): Promise<SessionCredential> => {
      h.mints++
      const failure = options.mintFails?.(h.mints)
      if (failure) throw failure
      return {
        protocol: 'openai',
        url: 'ws://127.0.0.1:1/v1/realtime?model=gpt-realtime',
        protocols: ['realtime', `openai-insecure-api-key.ek_${h.mints}`],
        expiresAt: null,
        inputSampleRate: 24000,
        outputSampleRate: 24000,
      }
    },
    socketFactory: (url, protocols) => {
      const s = new FakeSocket(url, protocols)
      sockets.push(s)
      return s
    },
    config: { ...CONFIG, ...options.config },
    playback,
    createAdapter: () => new OpenAIAdapter({ renewAfterMs: options.renewAfterMs === undefined ? null : options.renewAfterMs }),
    now: clock.now,
    timers: clock,
    ...(options.maxBufferedAudioMs !== undefined ? { maxBufferedAudioMs: options.maxBufferedAudioMs } : {}),
  })
  h.session.on((e) => events.push(e))
  return h
}

/** Connect, open the socket, and answer with session.created. */
async function ready(h: Harness): Promise<FakeSocket> {
  const connected = h.session.connect()
  await settle()
  const socket = h.socket()
  socket.open('realtime')
  socket.receive({ type: 'session.created', event_id: 'ev_1', session: { type: 'realtime' } })
  await connected
  return socket
}

function pcm(n: number, value: number): Int16Array {
  return new Int16Array(n).fill(value)
}

function audioDelta(responseId: string, itemId: string, samples: number, value = 1000) {
  return { type: 'response.output_audio.delta', response_id: responseId, item_id: itemId, output_index: 0, content_index: 0, delta: int16ToBase64(pcm(samples, value)) }
}

describe('OpenAI adapter: session start', () => {
  it('sends the GA session.update first, with the credential subprotocols, and no response.create', async () => {
    const h = harness()
    const socket = await ready(h)
    expect(socket.url).toBe('ws://127.0.0.1:1/v1/realtime?model=gpt-realtime')
    expect(socket.protocols).toEqual(['realtime', 'openai-insecure-api-key.ek_1'])
    expect(socket.json()).toEqual([
      {
        type: 'session.update',
        session: {
          type: 'realtime',
          model: 'gpt-realtime',
          output_modalities: ['audio'],
          instructions: 'You are Earshot.',
          audio: {
            input: {
              format: { type: 'audio/pcm', rate: 24000 },
              transcription: { model: 'gpt-4o-mini-transcribe' },
              turn_detection: { type: 'server_vad', create_response: true, interrupt_response: true },
            },
            output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' },
          },
          tools: [{ type: 'function', name: 'get_current_time', description: 'The time now.', parameters: { type: 'object', properties: {} } }],
          tool_choice: 'auto',
        },
      },
    ])
    expect(h.types('ready')).toEqual([{ type: 'ready', inputSampleRate: 24000, outputSampleRate: 24000 }])
    expect(h.statuses()).toEqual(['connecting', 'ready'])
    expect(h.session.status).toBe('ready')
  })

  it('asks for the greeting with one response.create after session.update', async () => {
    const h = harness({ config: { greeting: 'Hi, I am Earshot.', turnDetection: 'semantic_vad' } })
    const socket = await ready(h)
    const frames = socket.json()
    expect(frames.map((f) => f.type)).toEqual(['session.update', 'response.create'])
    expect(((frames[0]?.session as Record<string, unknown>).audio as { input: { turn_detection: { type: string } } }).input.turn_detection.type).toBe('semantic_vad')
    expect(JSON.stringify(frames[1])).toContain('Hi, I am Earshot.')
  })

  it('turns transcription off when no model is configured', () => {
    const update = buildSessionUpdate({ ...CONFIG, transcriptionModel: '', voice: '' }) as { session: { audio: { input: Record<string, unknown>; output: Record<string, unknown> } } }
    expect(update.session.audio.input.transcription).toBeNull()
    expect(update.session.audio.output).not.toHaveProperty('voice')
  })
})

describe('OpenAI adapter: audio', () => {
  it('buffers audio captured before the session exists and flushes it in order after session.created', async () => {
    const h = harness()
    const connected = h.session.connect()
    h.session.sendAudio(pcm(480, 1))
    await settle()
    const socket = h.socket()
    expect(socket.sent).toHaveLength(0)
    socket.open()
    h.session.sendAudio(pcm(480, 2))
    expect(socket.types()).toEqual(['session.update'])
    socket.receive({ type: 'session.created', session: {} })
    expect(socket.types()).toEqual(['session.update', 'input_audio_buffer.append', 'input_audio_buffer.append'])
    const frames = socket.json()
    expect(Array.from(base64ToInt16(frames[1]?.audio as string))).toEqual(Array.from(pcm(480, 1)))
    expect(Array.from(base64ToInt16(frames[2]?.audio as string))).toEqual(Array.from(pcm(480, 2)))
    await connected
    h.session.sendAudio(pcm(480, 3))
    expect(socket.sent).toHaveLength(4)
    // The exact wire text of one 20 ms append.
    expect(socket.sent[3]).toBe(`{"type":"input_audio_buffer.append","audio":"${int16ToBase64(pcm(480, 3))}"}`)
    expect(h.session.status).toBe('listening')
  })

  it('keeps only the newest audio when the pre-connect buffer overflows', async () => {
    const h = harness({ maxBufferedAudioMs: 100 })
    void h.session.connect()
    for (let i = 1; i <= 10; i++) h.session.sendAudio(pcm(480, i))
    await settle()
    h.socket().open()
    h.socket().receive({ type: 'session.created', session: {} })
    const appended = h.socket().json().filter((f) => f.type === 'input_audio_buffer.append').map((f) => base64ToInt16(f.audio as string)[0])
    expect(appended).toEqual([6, 7, 8, 9, 10])
  })

  it('emits agent audio with its ids and transcripts as deltas and finals', async () => {
    const h = harness()
    const socket = await ready(h)
    socket.receive({ type: 'response.created', response: { id: 'resp_1', status: 'in_progress' } })
    socket.receive(audioDelta('resp_1', 'item_a', 2400, 7))
    socket.receive({ type: 'response.output_audio_transcript.delta', response_id: 'resp_1', item_id: 'item_a', delta: 'Hel' })
    socket.receive({ type: 'response.output_audio_transcript.delta', response_id: 'resp_1', item_id: 'item_a', delta: 'lo.' })
    socket.receive({ type: 'response.output_audio_transcript.done', response_id: 'resp_1', item_id: 'item_a', transcript: 'Hello.' })
    socket.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed', usage: { total_tokens: 30, input_tokens: 10, output_tokens: 20, input_token_details: { audio_tokens: 4 }, output_token_details: { audio_tokens: 15 } } } })
    const audio = h.types('audio')[0] as Extract<S2SEvent, { type: 'audio' }>
    expect(audio.responseId).toBe('resp_1')
    expect(audio.itemId).toBe('item_a')
    expect(audio.pcm.length).toBe(2400)
    expect(audio.pcm[0]).toBe(7)
    expect(h.types('agent.delta').map((e) => (e as { text: string }).text)).toEqual(['Hel', 'lo.'])
    expect(h.types('agent.final')).toEqual([{ type: 'agent.final', responseId: 'resp_1', itemId: 'item_a', text: 'Hello.', interrupted: false }])
    expect(h.types('usage')).toEqual([{ type: 'usage', inputTokens: 10, outputTokens: 20, inputAudioTokens: 4, outputAudioTokens: 15, totalTokens: 30 }])
    expect(h.types('reply.done')).toEqual([{ type: 'reply.done', responseId: 'resp_1', status: 'completed' }])
    expect(h.statuses()).toEqual(['connecting', 'ready', 'thinking', 'speaking', 'ready'])
  })

  it('maps user speech and input transcription', async () => {
    const h = harness()
    const socket = await ready(h)
    socket.receive({ type: 'input_audio_buffer.speech_started', audio_start_ms: 100, item_id: 'item_u' })
    socket.receive({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: 900, item_id: 'item_u' })
    socket.receive({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_u', content_index: 0, delta: 'what time' })
    socket.receive({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_u', content_index: 0, transcript: 'What time is it?' })
    expect(h.events.filter((e) => e.type !== 'status').map((e) => e.type)).toEqual(['ready', 'user.speech.started', 'user.speech.stopped', 'user.delta', 'user.final'])
    expect(h.types('user.final')).toEqual([{ type: 'user.final', itemId: 'item_u', text: 'What time is it?' }])
    // Nothing was playing, so speech_started is no barge-in and sends nothing.
    expect(socket.types()).toEqual(['session.update'])
    expect(h.types('bargein')).toHaveLength(0)
  })
})

describe('OpenAI adapter: tool loop', () => {
  function toolCallFrames(socket: FakeSocket, responseId: string, callId: string, args = '{"tz":"UTC"}') {
    socket.receive({ type: 'response.output_item.added', response_id: responseId, output_index: 0, item: { id: `fc_${callId}`, type: 'function_call', call_id: callId, name: 'get_current_time' } })
    socket.receive({ type: 'response.function_call_arguments.delta', response_id: responseId, item_id: `fc_${callId}`, call_id: callId, delta: args })
    socket.receive({ type: 'response.function_call_arguments.done', response_id: responseId, item_id: `fc_${callId}`, call_id: callId, name: 'get_current_time', arguments: args })
    socket.receive({ type: 'response.output_item.done', response_id: responseId, output_index: 0, item: { id: `fc_${callId}`, type: 'function_call', status: 'completed', call_id: callId, name: 'get_current_time', arguments: args } })
  }

  it('emits one tool.call, sends the output at once, and response.create only after response.done', async () => {
    const h = harness()
    const socket = await ready(h)
    socket.receive({ type: 'response.created', response: { id: 'resp_1' } })
    toolCallFrames(socket, 'resp_1', 'call_1')
    expect(h.types('tool.call')).toEqual([{ type: 'tool.call', callId: 'call_1', name: 'get_current_time', arguments: { tz: 'UTC' }, rawArguments: '{"tz":"UTC"}', responseId: 'resp_1' }])
    expect(h.session.submitToolResult('call_1', '{"iso":"2026-11-21T12:00:00Z"}')).toBe(true)
    expect(socket.json().slice(1)).toEqual([{ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'call_1', output: '{"iso":"2026-11-21T12:00:00Z"}' } }])
    expect(h.types('tool.result')).toEqual([{ type: 'tool.result', callId: 'call_1', name: 'get_current_time', output: '{"iso":"2026-11-21T12:00:00Z"}', status: 'ok', sent: true }])
    // A second answer for the same call is refused and sends nothing.
    expect(h.session.submitToolResult('call_1', 'again')).toBe(false)
    socket.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed', output: [{ type: 'function_call', status: 'completed', call_id: 'call_1', name: 'get_current_time', arguments: '{"tz":"UTC"}' }] } })
    expect(socket.types()).toEqual(['session.update', 'conversation.item.create', 'response.create'])
    expect(socket.json()[2]).toEqual({ type: 'response.create' })
    expect(h.types('tool.call')).toHaveLength(1)
  })

  it('sends response.create right after the output when the response is already done', async () => {
    const h = harness()
    const socket = await ready(h)
    socket.receive({ type: 'response.created', response: { id: 'resp_1' } })
    toolCallFrames(socket, 'resp_1', 'call_1')
    socket.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } })
    expect(socket.types()).toEqual(['session.update'])
    h.session.submitToolResult('call_1', '{"ok":true}')
    expect(socket.types()).toEqual(['session.update', 'conversation.item.create', 'response.create'])
  })

  it('waits for every call of the response and sends a single response.create', async () => {
    const h = harness()
    const socket = await ready(h)
    socket.receive({ type: 'response.created', response: { id: 'resp_1' } })
    toolCallFrames(socket, 'resp_1', 'call_1')
    toolCallFrames(socket, 'resp_1', 'call_2', '{}')
    socket.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } })
    h.session.submitToolResult('call_2', '"b"')
    expect(socket.types()).toEqual(['session.update', 'conversation.item.create'])
    h.session.submitToolResult('call_1', '"a"', 'error')
    expect(socket.types()).toEqual(['session.update', 'conversation.item.create', 'conversation.item.create', 'response.create'])
  })

  it('never sends response.create while another response is active (coalesces)', async () => {
    const h = harness()
    const socket = await ready(h)
    socket.receive({ type: 'response.created', response: { id: 'resp_1' } })
    toolCallFrames(socket, 'resp_1', 'call_1')
    socket.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } })
    // The user speaks; server VAD starts resp_2 before the tool finishes.
    socket.receive({ type: 'response.created', response: { id: 'resp_2' } })
    h.session.submitToolResult('call_1', '{"iso":"x"}')
    expect(socket.types()).toEqual(['session.update', 'conversation.item.create'])
    socket.receive({ type: 'response.done', response: { id: 'resp_2', status: 'completed' } })
    expect(socket.types()).toEqual(['session.update', 'conversation.item.create', 'response.create'])
    // Our response.create is in flight: nothing more until its response is done.
    socket.receive({ type: 'response.created', response: { id: 'resp_3' } })
    socket.receive({ type: 'response.done', response: { id: 'resp_3', status: 'completed' } })
    expect(socket.types().filter((t) => t === 'response.create')).toHaveLength(1)
  })

  it('lets a server-started response cover outputs already sent', async () => {
    const h = harness()
    const socket = await ready(h)
    socket.receive({ type: 'response.created', response: { id: 'resp_1' } })
    toolCallFrames(socket, 'resp_1', 'call_1')
    h.session.submitToolResult('call_1', '1')
    socket.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } })
    expect(socket.types()).toEqual(['session.update', 'conversation.item.create', 'response.create'])
    socket.receive({ type: 'response.created', response: { id: 'resp_2' } })
    socket.receive({ type: 'response.done', response: { id: 'resp_2', status: 'completed' } })
    expect(socket.types().filter((t) => t === 'response.create')).toHaveLength(1)
  })

  it('passes unparseable arguments on as null with the raw text', async () => {
    const h = harness()
    const socket = await ready(h)
    socket.receive({ type: 'response.function_call_arguments.done', response_id: 'resp_1', call_id: 'call_x', name: 'get_current_time', arguments: '{"tz":' })
    expect(h.types('tool.call')).toEqual([{ type: 'tool.call', callId: 'call_x', name: 'get_current_time', arguments: null, rawArguments: '{"tz":', responseId: 'resp_1' }])
  })

  it('does not ask for a reply to tools of a response the user interrupted', async () => {
    const h = harness()
    const socket = await ready(h)
    socket.receive({ type: 'response.created', response: { id: 'resp_1' } })
    toolCallFrames(socket, 'resp_1', 'call_1')
    h.session.interrupt()
    socket.receive({ type: 'response.done', response: { id: 'resp_1', status: 'cancelled', status_details: { reason: 'client_cancelled' } } })
    h.session.submitToolResult('call_1', '1')
    expect(socket.types()).toEqual(['session.update', 'response.cancel', 'conversation.item.create'])
    expect(h.types('reply.done')).toEqual([{ type: 'reply.done', responseId: 'resp_1', status: 'cancelled' }])
  })
})

describe('OpenAI adapter: barge-in', () => {
  async function speaking(h: Harness): Promise<FakeSocket> {
    const socket = await ready(h)
    socket.receive({ type: 'response.created', response: { id: 'resp_1' } })
    socket.receive({ type: 'response.output_item.added', response_id: 'resp_1', item: { id: 'item_a', type: 'message', role: 'assistant' } })
    for (let i = 0; i < 3; i++) socket.receive(audioDelta('resp_1', 'item_a', 2400)) // 3 x 100 ms
    socket.receive({ type: 'response.output_audio_transcript.delta', response_id: 'resp_1', item_id: 'item_a', delta: 'It is twelve ' })
    return socket
  }

  it('server VAD: bargein + truncate at the played ms, no cancel (interrupt_response), late deltas dropped', async () => {
    const h = harness()
    const socket = await speaking(h)
    h.playback.played.set('item_a', 150.7)
    socket.receive({ type: 'input_audio_buffer.speech_started', audio_start_ms: 5000, item_id: 'item_u' })
    expect(socket.json().slice(1)).toEqual([{ type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 150 }])
    expect(h.types('bargein')).toEqual([{ type: 'bargein', responseId: 'resp_1', itemId: 'item_a' }])
    const audioBefore = h.types('audio').length
    socket.receive(audioDelta('resp_1', 'item_a', 2400))
    socket.receive({ type: 'response.output_audio_transcript.delta', response_id: 'resp_1', item_id: 'item_a', delta: 'o clock and' })
    expect(h.types('audio')).toHaveLength(audioBefore)
    socket.receive({ type: 'response.output_audio_transcript.done', response_id: 'resp_1', item_id: 'item_a', transcript: "It is twelve o'clock and sunny." })
    socket.receive({ type: 'response.done', response: { id: 'resp_1', status: 'cancelled', status_details: { reason: 'turn_detected' } } })
    expect(h.types('agent.final')).toEqual([{ type: 'agent.final', responseId: 'resp_1', itemId: 'item_a', text: 'It is twelve ', interrupted: true }])
    expect(h.types('reply.done')).toEqual([{ type: 'reply.done', responseId: 'resp_1', status: 'interrupted' }])
    expect(h.types('agent.delta')).toHaveLength(1)
  })

  it('local interrupt(): response.cancel then truncate, clamped to the audio received', async () => {
    const h = harness()
    const socket = await speaking(h)
    h.playback.played.set('item_a', 299.9)
    h.session.interrupt()
    expect(socket.json().slice(1)).toEqual([
      { type: 'response.cancel' },
      { type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 299 },
    ])
    expect(h.session.status).toBe('listening')
  })

  it('sends response.cancel on speech when the server does not interrupt by itself', async () => {
    const h = harness()
    const socket = await ready(h)
    socket.receive({ type: 'session.updated', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', interrupt_response: false } } } } })
    socket.receive({ type: 'response.created', response: { id: 'resp_1' } })
    socket.receive(audioDelta('resp_1', 'item_a', 4800))
    h.playback.played.set('item_a', 40)
    socket.receive({ type: 'input_audio_buffer.speech_started', item_id: 'u' })
    expect(socket.json().slice(1)).toEqual([{ type: 'response.cancel' }, { type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 40 }])
  })

  it('truncates a finished response whose audio is still playing, but not one fully heard', async () => {
    const h = harness()
    const socket = await speaking(h)
    socket.receive({ type: 'response.output_audio_transcript.done', response_id: 'resp_1', item_id: 'item_a', transcript: 'It is twelve.' })
    socket.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } })
    h.playback.played.set('item_a', 120)
    socket.receive({ type: 'input_audio_buffer.speech_started', item_id: 'u1' })
    expect(socket.json().slice(1)).toEqual([{ type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 120 }])
    expect(h.types('bargein')).toHaveLength(1)

    // A second reply, heard to the end: speech is then just speech.
    socket.receive({ type: 'response.created', response: { id: 'resp_2' } })
    socket.receive(audioDelta('resp_2', 'item_b', 2400))
    socket.receive({ type: 'response.done', response: { id: 'resp_2', status: 'completed' } })
    h.playback.played.set('item_b', 100)
    socket.receive({ type: 'input_audio_buffer.speech_started', item_id: 'u2' })
    expect(socket.json()).toHaveLength(2)
    expect(h.types('bargein')).toHaveLength(1)
  })

  it('does not truncate an item that has not started playing (but still cancels and flushes)', async () => {
    const h = harness()
    const socket = await speaking(h)
    h.session.interrupt()
    expect(socket.json().slice(1)).toEqual([{ type: 'response.cancel' }])
    expect(h.types('bargein')).toHaveLength(1)
  })
})

describe('OpenAI adapter: manual turns', () => {
  it('commit and requestReply send their events, never a second response.create while one is active', async () => {
    const h = harness()
    const socket = await ready(h)
    expect(h.session.commit()).toBe(true)
    expect(h.session.requestReply()).toBe(true)
    expect(h.session.requestReply()).toBe(true) // accepted by the runtime, but coalesced by the adapter
    expect(socket.types()).toEqual(['session.update', 'input_audio_buffer.commit', 'response.create'])
    socket.receive({ type: 'response.created', response: { id: 'resp_1' } })
    h.session.requestReply()
    socket.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } })
    h.session.requestReply()
    expect(socket.types()).toEqual(['session.update', 'input_audio_buffer.commit', 'response.create', 'response.create'])
  })
})

describe('OpenAI adapter: errors', () => {
  it('surfaces provider errors, keeps routine ones quiet, and maps failed responses', async () => {
    const h = harness()
    const socket = await ready(h)
    socket.receive({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_value', message: "Invalid value: 'x'.", param: 'type' } })
    socket.receive({ type: 'error', error: { type: 'invalid_request_error', code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found' } })
    socket.receive({ type: 'response.created', response: { id: 'resp_f' } })
    socket.receive({ type: 'response.done', response: { id: 'resp_f', status: 'failed', status_details: { type: 'failed', error: { type: 'server_error', code: 'server_error', message: 'boom' } } } })
    const errors = h.types('error').map((e) => (e as Extract<S2SEvent, { type: 'error' }>).error)
    expect(errors.map((e) => [e.code, e.providerCode, e.fatal])).toEqual([
      ['provider_error', 'invalid_value', false],
      ['provider_unavailable', 'server_error', false],
    ])
    expect(h.types('reply.done')).toEqual([{ type: 'reply.done', responseId: 'resp_f', status: 'failed' }])
    expect(h.session.status).not.toBe('error')
  })

  it('reports a handshake failure as a fatal error and rejects connect()', async () => {
    const h = harness()
    const connected = h.session.connect()
    await settle()
    h.socket().serverClose(1006, '')
    await expect(connected).rejects.toMatchObject({ code: 'offline' })
    expect(h.types('error')).toHaveLength(1)
    expect(h.types('closed')).toEqual([{ type: 'closed', reason: 'error' }])
    expect(h.session.status).toBe('error')
    expect(h.mints).toBe(1)
  })

  it('reports a mint failure with its own code', async () => {
    const h = harness({ mintFails: () => Object.assign(new Error('The API key was rejected.'), { code: 'auth_failed' }) })
    await expect(h.session.connect()).rejects.toMatchObject({ code: 'auth_failed' })
    expect((h.types('error')[0] as Extract<S2SEvent, { type: 'error' }>).error).toMatchObject({ code: 'auth_failed', fatal: true, message: 'The API key was rejected.' })
    expect(h.sockets).toHaveLength(0)
  })
})

describe('OpenAI adapter: reconnect and renewal', () => {
  async function conversation(h: Harness, socket: FakeSocket): Promise<void> {
    socket.receive({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'u1', transcript: 'What time is it?' })
    socket.receive({ type: 'response.created', response: { id: 'resp_1' } })
    socket.receive({ type: 'response.output_audio_transcript.done', response_id: 'resp_1', item_id: 'a1', transcript: 'It is noon.' })
    socket.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } })
    await settle()
  }

  it('reconnects after a drop with a fresh credential, replays the conversation as text, then the buffered audio', async () => {
    const h = harness()
    const first = await ready(h)
    await conversation(h, first)
    first.receive({ type: 'response.function_call_arguments.done', response_id: 'resp_2', call_id: 'call_1', name: 'get_current_time', arguments: '{}' })
    first.serverClose(1006, '')
    expect(h.session.status).toBe('reconnecting')
    h.session.sendAudio(pcm(480, 9)) // captured during the gap
    await h.clock.advance(250)
    expect(h.mints).toBe(2)
    const second = h.socket()
    expect(second).not.toBe(first)
    expect(second.protocols).toEqual(['realtime', 'openai-insecure-api-key.ek_2'])
    second.open()
    second.receive({ type: 'session.created', session: {} })
    expect(second.json()).toEqual([
      expect.objectContaining({ type: 'session.update' }),
      { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What time is it?' }] } },
      { type: 'conversation.item.create', item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'It is noon.' }] } },
      { type: 'input_audio_buffer.append', audio: int16ToBase64(pcm(480, 9)) },
    ])
    expect(h.session.status).toBe('listening')
    // The answer to the old call cannot go to the new session: reported as not sent.
    expect(h.session.submitToolResult('call_1', '{}')).toBe(true)
    expect(h.types('tool.result')).toEqual([expect.objectContaining({ callId: 'call_1', sent: false })])
    expect(second.types().at(-1)).toBe('input_audio_buffer.append')
    // The same call id on the new connection is not executed twice.
    second.receive({ type: 'response.function_call_arguments.done', response_id: 'resp_9', call_id: 'call_1', name: 'get_current_time', arguments: '{}' })
    expect(h.types('tool.call')).toHaveLength(1)
    expect(h.statuses()).toEqual(['connecting', 'ready', 'thinking', 'ready', 'reconnecting', 'listening'])
    expect(h.types('error').map((e) => (e as Extract<S2SEvent, { type: 'error' }>).error.code)).toEqual(['connection_lost'])
    expect(h.types('closed')).toHaveLength(0)
  })

  it('gives up after the bounded attempts with a fatal connection_lost', async () => {
    const h = harness()
    const first = await ready(h)
    first.serverClose(1006)
    for (let i = 0; i < 4; i++) {
      await h.clock.advance(5000)
      h.socket().serverClose(1006)
    }
    await h.clock.advance(5000)
    expect(h.mints).toBe(5)
    expect(h.session.status).toBe('error')
    expect(h.types('closed')).toEqual([{ type: 'closed', reason: 'error' }])
    const last = h.types('error').at(-1) as Extract<S2SEvent, { type: 'error' }>
    expect(last.error).toMatchObject({ code: 'connection_lost', fatal: true })
  })

  it('renews proactively before the cap (fake clock), ending the old socket normally', async () => {
    const h = harness({ renewAfterMs: 55 * 60 * 1000 })
    const first = await ready(h)
    await conversation(h, first)
    await h.clock.advance(55 * 60 * 1000 - 1)
    expect(h.mints).toBe(1)
    await h.clock.advance(1)
    expect(first.closedWith).toEqual({ code: 1000, reason: 'renew' })
    expect(h.mints).toBe(2)
    const second = h.socket()
    second.open()
    expect(second.types()).toEqual(['session.update', 'conversation.item.create', 'conversation.item.create'])
    second.receive({ type: 'session.created', session: {} })
    h.session.sendAudio(pcm(480, 5))
    expect(second.types().at(-1)).toBe('input_audio_buffer.append')
    expect(h.types('error')).toHaveLength(0)
    expect(h.types('closed')).toHaveLength(0)
    // Renewal repeats for the new session.
    await h.clock.advance(55 * 60 * 1000)
    expect(h.mints).toBe(3)
  })

  it('waits for the reply in progress before renewing', async () => {
    const h = harness({ renewAfterMs: 1000 })
    const first = await ready(h)
    first.receive({ type: 'response.created', response: { id: 'resp_1' } })
    first.receive(audioDelta('resp_1', 'item_a', 480))
    await h.clock.advance(1000)
    expect(h.mints).toBe(1)
    first.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } })
    await settle()
    expect(h.mints).toBe(2)
  })

  it('does not renew while a tool call is outstanding; waits for its follow-up reply', async () => {
    const h = harness({ renewAfterMs: 1000 })
    const first = await ready(h)
    first.receive({ type: 'response.created', response: { id: 'resp_1' } })
    first.receive({ type: 'response.function_call_arguments.done', response_id: 'resp_1', call_id: 'call_1', name: 'get_current_time', arguments: '{}' })
    first.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } })
    await h.clock.advance(1000)
    expect(h.mints).toBe(1)
    h.session.submitToolResult('call_1', '{"iso":"x"}')
    expect(first.types()).toEqual(['session.update', 'conversation.item.create', 'response.create'])
    first.receive({ type: 'response.created', response: { id: 'resp_2' } })
    first.receive({ type: 'response.output_audio_transcript.done', response_id: 'resp_2', item_id: 'a2', transcript: 'It is x.' })
    await settle()
    expect(h.mints).toBe(1)
    first.receive({ type: 'response.done', response: { id: 'resp_2', status: 'completed' } })
    await settle()
    expect(h.mints).toBe(2)
    h.socket().open()
    expect(h.socket().json()[1]).toEqual({ type: 'conversation.item.create', item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'It is x.' }] } })
  })

  it('renews at once on session_expired, with the conversation carried over', async () => {
    const h = harness()
    const first = await ready(h)
    await conversation(h, first)
    first.receive({ type: 'error', error: { type: 'invalid_request_error', code: 'session_expired', message: 'Your session hit the maximum duration of 60 minutes.' } })
    first.serverClose(1001, 'Your session hit the maximum duration of 60 minutes.')
    await settle()
    expect(h.mints).toBe(2)
    h.socket().open()
    expect(h.socket().types()).toEqual(['session.update', 'conversation.item.create', 'conversation.item.create'])
    const errors = h.types('error').map((e) => (e as Extract<S2SEvent, { type: 'error' }>).error)
    expect(errors).toEqual([expect.objectContaining({ code: 'session_expired', fatal: false })])
  })

  it('close(): a normal close, closed "user" and idle', async () => {
    const h = harness()
    const socket = await ready(h)
    await h.session.close()
    expect(socket.closedWith).toEqual({ code: 1000, reason: 'client closed' })
    expect(h.types('closed')).toEqual([{ type: 'closed', reason: 'user' }])
    expect(h.session.status).toBe('idle')
    expect(h.mints).toBe(1)
  })
})

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON read by deep paths in these tests
type Wire = Record<string, any>

describe('OpenAI adapter: session tuning (noise reduction, VAD, idle timeout, reasoning, truncation)', () => {
  const TUNING = { noiseReduction: 'near_field', silenceDurationMs: 700, idleTimeoutMs: 8000, eagerness: 'high', reasoningEffort: 'medium', retentionRatio: 0.8 } as const

  it('sends noise_reduction, silence_duration_ms, idle_timeout_ms and truncation retention_ratio; no reasoning for gpt-realtime', () => {
    const s = (buildSessionUpdate({ ...CONFIG, openai: TUNING }) as { session: Wire }).session
    expect(s.audio.input.noise_reduction).toEqual({ type: 'near_field' })
    expect(s.audio.input.turn_detection).toEqual({ type: 'server_vad', create_response: true, interrupt_response: true, silence_duration_ms: 700, idle_timeout_ms: 8000 })
    expect(s.truncation).toEqual({ type: 'retention_ratio', retention_ratio: 0.8 })
    expect(s).not.toHaveProperty('reasoning')
  })

  it('sends reasoning.effort to the gpt-realtime-2 family only', () => {
    for (const model of ['gpt-realtime-2', 'gpt-realtime-2.1', 'gpt-realtime-2.1-mini']) {
      const s = (buildSessionUpdate({ ...CONFIG, model, openai: TUNING }) as { session: Wire }).session
      expect(s.reasoning, model).toEqual({ effort: 'medium' })
    }
    for (const model of ['gpt-realtime', 'gpt-realtime-mini', 'gpt-realtime-1.5', 'gpt-realtime-20']) {
      const s = (buildSessionUpdate({ ...CONFIG, model, openai: TUNING }) as { session: Wire }).session
      expect(s, model).not.toHaveProperty('reasoning')
    }
  })

  it('semantic_vad carries eagerness and none of the server_vad fields; far_field and off map to the wire', () => {
    const semantic = (buildSessionUpdate({ ...CONFIG, turnDetection: 'semantic_vad', openai: { ...TUNING, noiseReduction: 'far_field' } }) as { session: Wire }).session
    expect(semantic.audio.input.turn_detection).toEqual({ type: 'semantic_vad', create_response: true, interrupt_response: true, eagerness: 'high' })
    expect(semantic.audio.input.noise_reduction).toEqual({ type: 'far_field' })
    const off = (buildSessionUpdate({ ...CONFIG, openai: { ...TUNING, noiseReduction: 'off', idleTimeoutMs: null } }) as { session: Wire }).session
    expect(off.audio.input.noise_reduction).toBeNull()
    expect(off.audio.input.turn_detection.idle_timeout_ms).toBeNull()
  })

  it('keeps the tuning when push-to-talk hands turn taking back to server VAD', async () => {
    const h = harness({ config: { openai: TUNING, turnTaking: 'manual' } })
    const socket = await ready(h)
    socket.sent.length = 0
    h.session.setTurnTaking('auto')
    const update = socket.json().find((f) => f.type === 'session.update') as Wire
    expect(update.session.audio.input.turn_detection).toMatchObject({ type: 'server_vad', silence_duration_ms: 700, idle_timeout_ms: 8000 })
  })

  it("turns input_audio_buffer.timeout_triggered into 'user.idle' and leaves the reply to the server", async () => {
    const h = harness({ config: { openai: TUNING } })
    const socket = await ready(h)
    socket.sent.length = 0
    socket.receive({ type: 'input_audio_buffer.timeout_triggered', event_id: 'ev_9', audio_start_ms: 12000, audio_end_ms: 20000, item_id: 'item_u9' })
    await settle()
    expect(h.types('user.idle')).toEqual([{ type: 'user.idle', itemId: 'item_u9', silentMs: 8000 }])
    expect(socket.json().filter((f) => f.type === 'response.create')).toEqual([])
  })

  it('reads cached tokens (and their text/audio split) into the usage event', async () => {
    const h = harness()
    const socket = await ready(h)
    socket.receive({ type: 'response.created', response: { id: 'resp_1' } })
    socket.receive({
      type: 'response.done',
      response: {
        id: 'resp_1',
        status: 'completed',
        usage: { total_tokens: 150, input_tokens: 120, output_tokens: 30, input_token_details: { audio_tokens: 20, text_tokens: 100, cached_tokens: 74, cached_tokens_details: { text_tokens: 64, audio_tokens: 10 } }, output_token_details: { audio_tokens: 25 } },
      },
    })
    await settle()
    expect(h.types('usage')).toEqual([
      { type: 'usage', inputTokens: 120, outputTokens: 30, inputAudioTokens: 20, outputAudioTokens: 25, totalTokens: 150, cachedTokens: 74, cachedTextTokens: 64, cachedAudioTokens: 10 },
    ])
  })

  it('warns (not fatal) once when a rate limit has under 10% left, and again only after it recovered', async () => {
    const h = harness()
    const socket = await ready(h)
    const limits = (remaining: number) => ({ type: 'rate_limits.updated', rate_limits: [{ name: 'requests', limit: 1000, remaining: 900, reset_seconds: 1 }, { name: 'tokens', limit: 100000, remaining, reset_seconds: 12.3 }] })
    socket.receive(limits(50000))
    socket.receive(limits(9999))
    socket.receive(limits(5000))
    await settle()
    let warnings = h.types('error') as Extract<S2SEvent, { type: 'error' }>[]
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.error).toMatchObject({ code: 'rate_limited', fatal: false })
    expect(warnings[0]?.error.message).toBe("Close to OpenAI's tokens rate limit: 9999 of 100000 left (9%), resets in 13 s. Replies may fail until it resets.")
    expect(h.session.status).toBe('ready')
    socket.receive(limits(90000))
    socket.receive(limits(100))
    await settle()
    warnings = h.types('error') as Extract<S2SEvent, { type: 'error' }>[]
    expect(warnings).toHaveLength(2)
  })
})

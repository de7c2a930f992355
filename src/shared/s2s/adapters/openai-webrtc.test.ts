import { describe, expect, it } from 'vitest'
import { OpenAIAdapter } from './openai'
import { S2SSession } from '../session'
import { FakeClock, FakePlayback, FakeSocket, settle } from '../testing'
import type { S2SEvent, SessionConfig, SessionCredential } from '../types'

/**
 * The OpenAI adapter over WebRTC (docs/protocols/openai-realtime.md, "WebRTC"): the same events on
 * the `oai-events` data channel, the microphone on an audio track, the reply on the remote track,
 * no truncation from the client, and barge-in by response.cancel + output_audio_buffer.clear.
 */

const CONFIG: SessionConfig = {
  instructions: 'You are Earshot.',
  greeting: '',
  voice: 'marin',
  model: 'gpt-realtime',
  tools: [],
  turnDetection: 'server_vad',
  transcriptionModel: 'gpt-4o-mini-transcribe',
}

/** A data channel seen as a socket, with the microphone track's writes recorded. */
class FakeMediaSocket extends FakeSocket {
  readonly track: Int16Array[] = []
  sendAudio(pcm: Int16Array): void {
    this.track.push(pcm)
  }
}

function webrtcSession(transport: 'webrtc' | 'websocket' = 'webrtc', config: Partial<SessionConfig> = {}, extra: Partial<SessionCredential> = {}) {
  const clock = new FakeClock()
  const playback = new FakePlayback()
  const sockets: FakeMediaSocket[] = []
  const events: S2SEvent[] = []
  const factoryCalls: { url: string; credential?: SessionCredential }[] = []
  const session = new S2SSession({
    mint: async (): Promise<SessionCredential> => ({
      protocol: 'openai',
      transport,
      url: 'https://api.openai.com/v1/realtime/calls',
      protocols: [],
      bearer: 'ek_webrtc',
      expiresAt: null,
      inputSampleRate: 24000,
      outputSampleRate: 24000,
      ...extra,
    }),
    socketFactory: (url, protocols, credential) => {
      factoryCalls.push({ url, ...(credential ? { credential } : {}) })
      const socket = new FakeMediaSocket(url, protocols)
      sockets.push(socket)
      return socket
    },
    createAdapter: () => new OpenAIAdapter({ renewAfterMs: null }),
    config: { ...CONFIG, ...config },
    playback,
    timers: clock,
    now: clock.now,
  })
  session.on((event) => events.push(event))
  const socket = () => sockets[sockets.length - 1] as FakeMediaSocket
  const sentTypes = () => socket().sent.map((frame) => (JSON.parse(String(frame)) as { type: string }).type)
  return { session, clock, sockets, events, factoryCalls, socket, sentTypes }
}

async function connected(transport: 'webrtc' | 'websocket' = 'webrtc', config: Partial<SessionConfig> = {}, extra: Partial<SessionCredential> = {}) {
  const h = webrtcSession(transport, config, extra)
  const ready = h.session.connect()
  await settle()
  h.socket().open()
  h.socket().receive({ type: 'session.created', session: { audio: { input: { turn_detection: { type: 'server_vad', interrupt_response: true } } } } })
  await ready
  return h
}

describe('OpenAI adapter over WebRTC', () => {
  it('hands the socket factory the whole credential, so it can open the WebRTC transport with the bearer secret', async () => {
    const h = await connected()
    expect(h.factoryCalls).toHaveLength(1)
    expect(h.factoryCalls[0]?.credential?.transport).toBe('webrtc')
    expect(h.factoryCalls[0]?.credential?.bearer).toBe('ek_webrtc')
    expect(h.sentTypes()[0]).toBe('session.update')
  })

  it('configures a Speko session with what Speko resolved (model, voice, instructions, tools), the rest from settings', async () => {
    const tool = { name: 'get_current_time', description: 'Now.', parameters: { type: 'object' } }
    const h = await connected('webrtc', {}, { upstreamSession: { model: 'gpt-realtime-2', voice: 'cedar', instructions: 'Resolved by Speko.', tools: [tool] } })
    const update = JSON.parse(String(h.socket().sent[0])) as { session: { model: string; instructions: string; audio: { output: { voice: string } }; tools: Array<{ name: string }> } }
    expect(update.session.model).toBe('gpt-realtime-2')
    expect(update.session.instructions).toBe('Resolved by Speko.')
    expect(update.session.audio.output.voice).toBe('cedar')
    expect(update.session.tools.map((t) => t.name)).toEqual(['get_current_time'])
    const plain = await connected('webrtc')
    expect((JSON.parse(String(plain.socket().sent[0])) as { session: { instructions: string } }).session.instructions).toBe('You are Earshot.')
  })

  it('puts the microphone on the audio track, never in input_audio_buffer.append', async () => {
    const h = await connected()
    h.session.sendAudio(new Int16Array(480).fill(1000))
    h.session.sendAudio(new Int16Array(480).fill(-1000))
    expect(h.socket().track.map((pcm) => pcm.length)).toEqual([480, 480])
    expect(h.sentTypes()).not.toContain('input_audio_buffer.append')
  })

  it('a WebSocket session still sends input_audio_buffer.append (the track path is WebRTC only)', async () => {
    const h = await connected('websocket')
    h.session.sendAudio(new Int16Array(480).fill(1000))
    expect(h.socket().track).toHaveLength(0)
    expect(h.sentTypes()).toContain('input_audio_buffer.append')
  })

  it('push-to-talk over WebRTC: the turn is still committed and answered on the data channel', async () => {
    const h = await connected('webrtc', { turnTaking: 'manual' })
    h.session.beginTurn()
    for (let i = 0; i < 10; i++) h.session.sendAudio(new Int16Array(480).fill(500)) // 200 ms
    h.session.endTurn()
    await settle()
    const types = h.sentTypes()
    // The press starts from an empty server buffer (the track carried silence before it).
    expect(types.indexOf('input_audio_buffer.clear')).toBeGreaterThan(0)
    expect(types.indexOf('input_audio_buffer.clear')).toBeLessThan(types.indexOf('input_audio_buffer.commit'))
    expect(types).toContain('input_audio_buffer.commit')
    expect(types.indexOf('response.create')).toBeGreaterThan(types.indexOf('input_audio_buffer.commit'))
  })

  it('speaking follows output_audio_buffer.started/stopped (the reply plays on the remote track)', async () => {
    const h = await connected()
    const s = h.socket()
    s.receive({ type: 'response.created', response: { id: 'resp_1' } })
    s.receive({ type: 'output_audio_buffer.started', response_id: 'resp_1' })
    expect(h.session.status).toBe('speaking')
    s.receive({ type: 'response.output_audio_transcript.delta', response_id: 'resp_1', item_id: 'item_1', delta: 'Hello there' })
    s.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } })
    s.receive({ type: 'output_audio_buffer.stopped', response_id: 'resp_1' })
    expect(h.session.status).toBe('listening')
    const finals = h.events.filter((e) => e.type === 'agent.final')
    expect(finals).toEqual([expect.objectContaining({ text: 'Hello there', interrupted: false })])
  })

  it('local barge-in: response.cancel, then output_audio_buffer.clear, and never conversation.item.truncate', async () => {
    const h = await connected()
    const s = h.socket()
    s.receive({ type: 'response.created', response: { id: 'resp_1' } })
    s.receive({ type: 'output_audio_buffer.started', response_id: 'resp_1' })
    s.sent.length = 0
    h.session.interrupt()
    expect(h.sentTypes()).toEqual(['response.cancel', 'output_audio_buffer.clear'])
    expect(h.events.filter((e) => e.type === 'bargein')).toEqual([{ type: 'bargein', responseId: 'resp_1' }])
    // Late transcript text of the cut reply is dropped; the cut reply is final as interrupted.
    s.receive({ type: 'response.output_audio_transcript.delta', response_id: 'resp_1', item_id: 'item_1', delta: 'late words' })
    s.receive({ type: 'response.done', response: { id: 'resp_1', status: 'cancelled', status_details: { reason: 'client_cancelled' } } })
    s.receive({ type: 'output_audio_buffer.cleared', response_id: 'resp_1' })
    expect(h.events.some((e) => e.type === 'agent.delta' && e.text === 'late words')).toBe(false)
    expect(h.sentTypes()).not.toContain('conversation.item.truncate')
  })

  it('a started already on its way when the user cut in does not bring the cut reply back to speaking', async () => {
    const h = await connected()
    const s = h.socket()
    s.receive({ type: 'response.created', response: { id: 'resp_1' } })
    h.session.interrupt()
    const at = h.events.length
    s.receive({ type: 'output_audio_buffer.started', response_id: 'resp_1' }) // sent before the server saw the clear
    s.receive({ type: 'response.done', response: { id: 'resp_1', status: 'cancelled', status_details: { reason: 'client_cancelled' } } })
    s.receive({ type: 'output_audio_buffer.cleared', response_id: 'resp_1' })
    expect(h.events.slice(at).some((e) => e.type === 'status' && e.status === 'speaking')).toBe(false)
    // The next reply speaks as usual.
    s.receive({ type: 'response.created', response: { id: 'resp_2' } })
    s.receive({ type: 'output_audio_buffer.started', response_id: 'resp_2' })
    expect(h.events.slice(at).some((e) => e.type === 'status' && e.status === 'speaking')).toBe(true)
  })

  it('a clear that is never acknowledged (nothing was playing) does not keep the next reply from speaking', async () => {
    const h = await connected()
    const s = h.socket()
    s.receive({ type: 'response.created', response: { id: 'resp_1' } })
    h.session.interrupt() // "thinking": nothing heard yet
    s.receive({ type: 'response.done', response: { id: 'resp_1', status: 'cancelled', status_details: { reason: 'client_cancelled' } } })
    const at = h.events.length
    s.receive({ type: 'response.created', response: { id: 'resp_2' } }) // no output_audio_buffer.cleared came
    s.receive({ type: 'output_audio_buffer.started', response_id: 'resp_2' })
    expect(h.events.slice(at).some((e) => e.type === 'status' && e.status === 'speaking')).toBe(true)
  })

  it('a finished reply still playing on the remote track is cut with output_audio_buffer.clear alone', async () => {
    const h = await connected()
    const s = h.socket()
    s.receive({ type: 'response.created', response: { id: 'resp_1' } })
    s.receive({ type: 'output_audio_buffer.started', response_id: 'resp_1' })
    s.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } })
    s.sent.length = 0
    h.session.interrupt()
    expect(h.sentTypes()).toEqual(['output_audio_buffer.clear'])
  })

  it("server speech_started with interrupt_response: 'bargein' only; the server has cut the audio itself", async () => {
    const h = await connected()
    const s = h.socket()
    s.receive({ type: 'response.created', response: { id: 'resp_1' } })
    s.receive({ type: 'output_audio_buffer.started', response_id: 'resp_1' })
    s.sent.length = 0
    s.receive({ type: 'input_audio_buffer.speech_started', audio_start_ms: 1200, item_id: 'item_u' })
    expect(h.events.filter((e) => e.type === 'bargein')).toHaveLength(1)
    expect(h.socket().sent).toHaveLength(0)
  })

  it('server speech_started without interrupt_response: the client cancels and clears', async () => {
    const h = webrtcSession()
    const ready = h.session.connect()
    await settle()
    h.socket().open()
    h.socket().receive({ type: 'session.created', session: { audio: { input: { turn_detection: { type: 'server_vad', interrupt_response: false } } } } })
    await ready
    const s = h.socket()
    s.receive({ type: 'response.created', response: { id: 'resp_1' } })
    s.receive({ type: 'output_audio_buffer.started', response_id: 'resp_1' })
    s.sent.length = 0
    s.receive({ type: 'input_audio_buffer.speech_started' })
    expect(h.sentTypes()).toEqual(['response.cancel', 'output_audio_buffer.clear'])
  })

  it('plain user speech while nothing plays is not a barge-in', async () => {
    const h = await connected()
    h.socket().sent.length = 0
    h.socket().receive({ type: 'input_audio_buffer.speech_started' })
    expect(h.events.filter((e) => e.type === 'bargein')).toHaveLength(0)
    expect(h.socket().sent).toHaveLength(0)
  })
})

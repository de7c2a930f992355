/**
 * The OpenAI simulator's WebRTC endpoint, driven by a second real peer (werift) in Node: the SDP
 * exchange and its refusals, events on `oai-events`, microphone audio on the track heard by the
 * server VAD, the reply on the remote track with output_audio_buffer.started/stopped, and the two
 * ways a reply is cut (the client's output_audio_buffer.clear, the server's own barge-in).
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { SimHandle } from './common'
import { startOpenAISim } from './openai'
import { startSpekoSim } from './speko'
import type { SimScript } from './script'
import { Caller, until } from './testcaller'
import { silence, synthesizeVoice } from './voice'
import { CallMedia, simWebRtc } from './webrtc'

let sim: SimHandle | null = null
let client: Caller | null = null
afterEach(async () => {
  await client?.close()
  client = null
  await sim?.close()
  sim = null
})

function ephemeralKey(s: SimHandle): string {
  const proto = s.credential().protocols.find((p) => p.startsWith('openai-insecure-api-key.'))!
  return proto.slice('openai-insecure-api-key.'.length)
}

const speech = () => synthesizeVoice('What is the weather like today', 24000, { durationMs: 1200 })

async function call(script: SimScript): Promise<{ s: SimHandle; c: Caller }> {
  sim = await startOpenAISim(script, { webrtc: simWebRtc, vad: { silenceMs: 300 } })
  client = new Caller()
  const res = await client.connect(`${sim.baseUrl}/realtime/calls`, ephemeralKey(sim))
  expect(res.status).toBe(201)
  await until(() => client!.of('session.created')[0], 'session.created')
  return { s: sim, c: client }
}

describe('OpenAI simulator: POST /v1/realtime/calls', () => {
  it('answers an offer with SDP and a Location naming the call; the session speaks on oai-events', async () => {
    sim = await startOpenAISim({ turns: [] }, { webrtc: simWebRtc })
    client = new Caller()
    const res = await client.connect(`${sim.baseUrl}/realtime/calls`, ephemeralKey(sim))
    expect(res.status).toBe(201)
    expect(res.headers.get('content-type')).toBe('application/sdp')
    expect(res.headers.get('location')).toMatch(/^\/v1\/realtime\/calls\/rtc_[0-9a-f]+$/)
    const sdp = await res.text()
    expect(sdp).toMatch(/^v=0/)
    expect(sdp).toMatch(/a=rtpmap:\d+ opus\/48000\/2/i)
    expect(sdp).toMatch(/m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel/)
    const created = await until(() => client!.of('session.created')[0], 'session.created')
    expect((created.session as Record<string, unknown>).model).toBe('gpt-realtime')
    client.send({ type: 'output_audio_buffer.clear' })
    // Allowed on WebRTC (the socket refuses it); with nothing playing it just says cleared.
    await until(() => client!.of('output_audio_buffer.cleared')[0], 'cleared')
    expect(client.of('error')).toEqual([])
  })

  it('refuses a missing or unknown key, a wrong content type and a body that is not an offer', async () => {
    sim = await startOpenAISim({ turns: [] }, { webrtc: simWebRtc })
    const url = `${sim.baseUrl}/realtime/calls`
    const offer = await new Caller().offer()
    const post = (headers: Record<string, string>, body = offer) => fetch(url, { method: 'POST', body, headers })
    const noKey = await post({ 'content-type': 'application/sdp' })
    expect(noKey.status).toBe(401)
    const wrong = await post({ authorization: 'Bearer ek_nope', 'content-type': 'application/sdp' })
    expect(wrong.status).toBe(401)
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key')
    // The real API key is not an ephemeral one: the page never holds it.
    expect((await post({ authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/sdp' })).status).toBe(401)
    const key = ephemeralKey(sim)
    const json = await post({ authorization: `Bearer ${key}`, 'content-type': 'application/json' })
    expect(json.status).toBe(400)
    expect(((await json.json()) as { error: { code: string } }).error.code).toBe('unsupported_content_type')
    const junk = await post({ authorization: `Bearer ${key}`, 'content-type': 'application/sdp' }, 'hello')
    expect(junk.status).toBe(400)
    expect(((await junk.json()) as { error: { code: string } }).error.code).toBe('invalid_offer')
    sim.expireCredentials()
    expect((await post({ authorization: `Bearer ${key}`, 'content-type': 'application/sdp' })).status).toBe(401)
  })

  it('is not there unless the simulator was given a peer', async () => {
    sim = await startOpenAISim({ turns: [] })
    const res = await fetch(`${sim.baseUrl}/realtime/calls`, { method: 'POST', body: 'v=0', headers: { authorization: `Bearer ${ephemeralKey(sim)}`, 'content-type': 'application/sdp' } })
    expect(res.status).toBe(404)
  })
})

describe('OpenAI simulator over WebRTC: a conversation', () => {
  it('hears the microphone track, answers on the remote track, and says when the audio starts and stops', async () => {
    const { s, c } = await call({ turns: [{ user: 'What is the weather like today?', reply: 'Sunny and warm.', replyMs: 800 }] })
    await c.speak(speech())
    await c.speak(silence(24000, 600))
    const started = await until(() => c.of('output_audio_buffer.started')[0], 'output_audio_buffer.started')
    const stopped = await until(() => c.of('output_audio_buffer.stopped')[0], 'output_audio_buffer.stopped')
    const done = c.of('response.done')[0]!
    expect(started.response_id).toBe((done.response as Record<string, unknown>).id)
    expect(stopped.response_id).toBe(started.response_id)
    // Audio rides the track: no audio in events, but the transcript does come as events.
    expect(c.of('response.output_audio.delta')).toEqual([])
    expect(c.of('response.output_audio_transcript.delta').map((e) => e.delta).join('')).toBe('Sunny and warm.')
    expect(c.of('input_audio_buffer.speech_started')).toHaveLength(1)
    expect(s.records.turns[0]!.userSpeechMs).toBeGreaterThan(900)
    // About 800 ms of reply arrived as 20 ms frames, with silence around it.
    const first = c.frames.findIndex((r) => r > 0.02)
    const last = c.frames.length - 1 - [...c.frames].reverse().findIndex((r) => r > 0.02)
    expect(first).toBeGreaterThanOrEqual(0)
    expect(last - first + 1).toBeGreaterThan(30)
    expect(last - first + 1).toBeLessThan(50)
  })

  it('stops the reply on output_audio_buffer.clear and truncates it itself', async () => {
    const { s, c } = await call({ turns: [{ user: 'Tell me a story', reply: 'Once upon a time there was a long story.', replyMs: 4000 }] })
    await c.speak(speech())
    await c.speak(silence(24000, 500))
    const started = await until(() => c.of('output_audio_buffer.started')[0], 'started')
    await until(() => c.frames.filter((r) => r > 0.02).length > 10, 'reply audio')
    c.send({ type: 'output_audio_buffer.clear' })
    const cleared = await until(() => c.of('output_audio_buffer.cleared')[0], 'cleared')
    expect(cleared.response_id).toBe(started.response_id)
    const cut = s.records.truncations[0]!
    expect(cut.by).toBe('server')
    expect(cut.audioEndMs).toBeGreaterThan(150)
    expect(cut.audioEndMs).toBeLessThan(3000)
    // Nothing loud follows the clear, and no stopped for the cleared reply.
    const at = c.frames.length
    await until(() => c.frames.length > at + 15, 'more frames')
    expect(c.frames.slice(at + 3).filter((r) => r > 0.02)).toEqual([])
    expect(c.of('output_audio_buffer.stopped')).toEqual([])
  })

  it('on a barge-in with interrupt_response cancels the reply and clears the track', async () => {
    const { s, c } = await call({ turns: [{ user: 'Tell me a story', reply: 'Once upon a time there was a long story.', replyMs: 4000 }, { user: 'Stop', reply: 'Okay.' }] })
    await c.speak(speech())
    await c.speak(silence(24000, 500))
    await until(() => c.frames.filter((r) => r > 0.02).length > 10, 'reply audio')
    await c.speak(synthesizeVoice('Stop', 24000, { durationMs: 500 }))
    await until(() => c.of('output_audio_buffer.cleared')[0], 'cleared')
    expect(s.records.bargeIns).toHaveLength(1)
    expect(s.records.truncations.map((t) => t.by)).toEqual(['server'])
    expect(c.sent.map((e) => e.type)).not.toContain('conversation.item.truncate')
  })
})

describe('Speko simulator, provider_direct openai.realtime.v1 over WebRTC', () => {
  const BODY = { mode: 's2s', s2s: { provider: 'openai', model: 'gpt-realtime', voice: 'alloy', systemPrompt: 'Be brief.' } }
  async function mint(s: SimHandle): Promise<Record<string, unknown> & { sessionId: string; attemptId: string; endpoint: string; sidebandUrl: string; credential: { value: string }; telemetry: { token: string } }> {
    const res = await fetch(`${s.baseUrl}/v1/sessions`, { method: 'POST', headers: { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(BODY) })
    return (await res.json()) as never
  }

  it('answers a call on its own calls endpoint, and lets it talk once the call id is bound to the sideband', async () => {
    sim = await startSpekoSim({ turns: [{ user: 'What is the weather like today?', reply: 'Sunny.', replyMs: 600 }] }, { transport: 'provider_direct', directAdapter: 'openai.realtime.v1', webrtc: simWebRtc, vad: { silenceMs: 300 } })
    const s = sim
    const m = await mint(s)
    expect(m).toMatchObject({ adapter: 'openai.realtime.v1', providerTransport: 'webrtc', endpoint: `${s.baseUrl}/v1/realtime/calls`, sidebandUrl: `${s.baseUrl}/v1/sessions/${m.sessionId}/sidebands/openai` })
    expect(m.credential.value).toMatch(/^ek_/)
    client = new Caller()
    const c = client
    const res = await c.connect(m.endpoint, m.credential.value, async (callId) => {
      const wrong = await fetch(m.sidebandUrl, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, body: JSON.stringify({ attempt_id: m.attemptId, provider_session_id: callId }) })
      expect(wrong.status).toBe(401)
      const bind = await fetch(m.sidebandUrl, { method: 'POST', headers: { authorization: `Bearer ${m.telemetry.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ attempt_id: m.attemptId, provider_session_id: callId }) })
      expect(bind.status).toBe(204)
    })
    expect(res.status).toBe(201)
    await until(() => c.of('session.created')[0], 'session.created')
    expect(s.records.sidebands).toEqual([{ sessionId: m.sessionId, attemptId: m.attemptId, callId: res.headers.get('location')!.split('/').pop()! }])
    await c.speak(speech())
    await c.speak(silence(24000, 500))
    await until(() => c.of('output_audio_buffer.stopped')[0], 'the reply played')
    expect(c.frames.some((r) => r > 0.02)).toBe(true)
  })

  it('gives an unbound call no session: an error, then the call ends', async () => {
    sim = await startSpekoSim({ turns: [] }, { transport: 'provider_direct', directAdapter: 'openai.realtime.v1', webrtc: simWebRtc })
    const m = await mint(sim)
    client = new Caller()
    const c = client
    expect((await c.connect(m.endpoint, m.credential.value)).status).toBe(201)
    const error = await until(() => c.of('error')[0], 'error')
    expect((error.error as Record<string, unknown>).code).toBe('call_not_bound')
    expect(sim.records.errors.map((e) => e.code)).toEqual(['call_not_bound'])
    expect(c.of('session.created')).toEqual([])
  })
})

describe('the call media pump', () => {
  it('says stopped and started at the boundary when one reply follows another at once, and counts each reply from zero', async () => {
    const packets: number[] = []
    const media = new CallMedia({ writeRtp: () => packets.push(1) } as never, 111)
    const events: string[] = []
    const playedAtSwitch: number[] = []
    media.onPlayout((event, id) => {
      events.push(`${event} ${id}`)
      if (event === 'started') playedAtSwitch.push(media.playedMs)
    })
    media.enqueue(synthesizeVoice('first', 24000, { durationMs: 200 }), 'r1')
    media.end('r1')
    media.enqueue(synthesizeVoice('second', 24000, { durationMs: 100 }), 'r2')
    media.start()
    try {
      await until(() => events.includes('started r2'), 'the second reply on the track')
      expect(media.current).toBe('r2')
      media.end('r2')
      await until(() => events.includes('stopped r2'), 'the second reply played')
      expect(events).toEqual(['started r1', 'stopped r1', 'started r2', 'stopped r2'])
      expect(packets.length).toBeGreaterThanOrEqual(15) // 300 ms of 20 ms frames
      expect(playedAtSwitch).toEqual([0, 0])
    } finally {
      media.dispose()
    }
  })
})

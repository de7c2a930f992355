/**
 * The OpenAI simulator's WebRTC endpoint, driven by a second real peer (werift) in Node: the SDP
 * exchange and its refusals, events on `oai-events`, microphone audio on the track heard by the
 * server VAD, the reply on the remote track with output_audio_buffer.started/stopped, and the two
 * ways a reply is cut (the client's output_audio_buffer.clear, the server's own barge-in).
 */
import OpusScript from 'opusscript'
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, useOPUS, type RTCDataChannel } from 'werift'
import { afterEach, describe, expect, it } from 'vitest'
import type { SimHandle } from './common'
import { startOpenAISim } from './openai'
import type { SimScript } from './script'
import { silence, synthesizeVoice, rms } from './voice'
import { simWebRtc } from './webrtc'

type Ev = Record<string, unknown> & { type: string }

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

async function until<T>(read: () => T | undefined | null | false, what: string, timeoutMs = 10_000): Promise<T> {
  const start = Date.now()
  for (;;) {
    const v = read()
    if (v) return v
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A client peer: microphone track, oai-events channel, and the reply track decoded to PCM. */
class Caller {
  events: Ev[] = []
  sent: Ev[] = []
  /** Loudness of each received 20 ms reply frame. */
  frames: number[] = []
  private readonly pc = new RTCPeerConnection({ codecs: { audio: [useOPUS()] }, iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv6: false })
  private readonly mic = new MediaStreamTrack({ kind: 'audio' })
  private readonly dc: RTCDataChannel
  private readonly encoder = new OpusScript(24000, 1, OpusScript.Application.VOIP)
  private readonly decoder = new OpusScript(24000, 1, OpusScript.Application.VOIP)
  private seq = 0
  private ts = 0
  private payloadType = 111

  constructor() {
    this.pc.addTransceiver(this.mic, { direction: 'sendrecv' })
    this.dc = this.pc.createDataChannel('oai-events')
    this.dc.onMessage.subscribe((d) => this.events.push(JSON.parse(String(d)) as Ev))
    this.pc.onTrack.subscribe((t) =>
      t.onReceiveRtp.subscribe((rtp) => {
        const out = this.decoder.decode(rtp.payload)
        this.frames.push(rms(new Int16Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength))))
      }),
    )
  }

  async offer(): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer())
    const sdp = this.pc.localDescription!.sdp
    this.payloadType = Number(/a=rtpmap:(\d+) opus\/48000/i.exec(sdp)?.[1] ?? 111)
    return sdp
  }

  async connect(url: string, key: string): Promise<Response> {
    const res = await fetch(url, { method: 'POST', body: await this.offer(), headers: { authorization: `Bearer ${key}`, 'content-type': 'application/sdp' } })
    if (res.status === 201) await this.pc.setRemoteDescription({ type: 'answer', sdp: await res.clone().text() })
    return res
  }

  send(ev: Ev): void {
    this.sent.push(ev)
    this.dc.send(JSON.stringify(ev))
  }

  /** Speaks PCM (24 kHz) into the microphone track as 20 ms Opus frames, in real time. */
  async speak(pcm: Int16Array): Promise<void> {
    for (let i = 0; i + 480 <= pcm.length; i += 480) {
      const frame = pcm.subarray(i, i + 480)
      const payload = this.encoder.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), 480)
      this.mic.writeRtp(new RtpPacket(new RtpHeader({ payloadType: this.payloadType, sequenceNumber: this.seq++ & 0xffff, timestamp: this.ts, ssrc: 42, marker: false }), payload))
      this.ts += 960
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  of(type: string): Ev[] {
    return this.events.filter((e) => e.type === type)
  }

  async close(): Promise<void> {
    await this.pc.close()
    this.encoder.delete()
    this.decoder.delete()
  }
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

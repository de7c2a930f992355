import { describe, expect, it } from 'vitest'
import type { SessionCredential } from '../../shared/s2s/types'
import type { RemoteAudio, Uplink } from '../audio/engine'
import { callIdFrom, WebRtcSocket, type WebRtcMedia } from './webrtc-transport'

/**
 * The WebRTC transport's own logic against fakes of the browser's peer connection (the real peer is
 * exercised in test/e2e against the OpenAI simulator): the SDP request, the channel as a socket,
 * errors as close codes, the reply's playing state, and a commit that never overtakes the audio.
 */

class FakeChannel {
  readyState = 'open'
  sent: string[] = []
  onopen: (() => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: (() => void) | null = null
  send(data: string) {
    this.sent.push(data)
  }
  close() {
    this.readyState = 'closed'
  }
}

class FakePeer {
  static last: FakePeer | null = null
  channel = new FakeChannel()
  channelLabel = ''
  tracks: unknown[] = []
  remote: { type: string; sdp: string } | null = null
  closed = false
  connectionState = 'new'
  ontrack: ((event: { streams: unknown[]; track: unknown }) => void) | null = null
  onconnectionstatechange: (() => void) | null = null
  constructor() {
    FakePeer.last = this
  }
  addTrack(track: unknown) {
    this.tracks.push(track)
  }
  createDataChannel(label: string) {
    this.channelLabel = label
    return this.channel
  }
  async createOffer() {
    return { type: 'offer', sdp: 'v=0 offer' }
  }
  async setLocalDescription() {}
  async setRemoteDescription(description: { type: string; sdp: string }) {
    this.remote = description
  }
  close() {
    this.closed = true
  }
}

class FakeUplink implements Uplink {
  readonly track = { kind: 'audio', stop: () => (this.stopped = true) } as unknown as MediaStreamTrack
  written: number[] = []
  /** Milliseconds written in all (24 kHz frames) and not yet played. */
  total = 0
  buffered = 0
  stopped = false
  write(pcm: Int16Array) {
    this.written.push(pcm.length)
    this.total += (pcm.length / 24000) * 1000
    this.buffered += (pcm.length / 24000) * 1000
  }
  get bufferedMs() {
    return this.buffered
  }
  get writtenMs() {
    return this.total
  }
  get playedMs() {
    return this.total - this.buffered
  }
  close() {
    this.stopped = true
  }
}

function media() {
  const uplink = new FakeUplink()
  const playing: boolean[] = []
  const remotes: unknown[] = []
  const m: WebRtcMedia = {
    openUplink: () => uplink,
    playRemote: (stream): RemoteAudio => {
      remotes.push(stream)
      return { close() {} }
    },
    setRemotePlaying: (on) => playing.push(on),
  }
  return { m, uplink, playing, remotes }
}

const CREDENTIAL: SessionCredential = {
  protocol: 'openai',
  transport: 'webrtc',
  url: 'https://api.openai.com/v1/realtime/calls',
  protocols: [],
  bearer: 'ek_test',
  expiresAt: null,
  inputSampleRate: 24000,
  outputSampleRate: 24000,
}

;(globalThis as { MediaStream?: unknown }).MediaStream ??= class {
  constructor(readonly tracks: unknown[]) {}
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 2))
  expect(check()).toBe(true)
}

function answering(status = 201, body = 'v=0 answer', headers: Record<string, string> = { Location: '/v1/realtime/calls/rtc_abc123' }) {
  const requests: { url: string; init: RequestInit }[] = []
  const fetch = (async (url: string, init: RequestInit) => {
    requests.push({ url, init })
    return new Response(body, { status, headers })
  }) as unknown as typeof globalThis.fetch
  return { fetch, requests }
}

/** A call whose data channel is open (commits released 5 ms after the uplink drained). */
function openCall() {
  const { m, uplink } = media()
  const socket = new WebRtcSocket(CREDENTIAL, m, { fetch: answering().fetch, RTCPeerConnection: FakePeer as unknown as typeof RTCPeerConnection, commitMarginMs: 5 })
  const peer = FakePeer.last!
  peer.channel.readyState = 'open'
  peer.channel.onopen?.()
  return { socket, peer, uplink }
}

describe('WebRtcSocket', () => {
  it('POSTs the SDP offer with the bearer secret, applies the answer, and opens when oai-events opens', async () => {
    const { fetch, requests } = answering()
    const { m, uplink } = media()
    const socket = new WebRtcSocket(CREDENTIAL, m, { fetch, RTCPeerConnection: FakePeer as unknown as typeof RTCPeerConnection })
    const peer = FakePeer.last!
    const opened: unknown[] = []
    socket.onopen = (event) => opened.push(event)
    await until(() => peer.remote !== null)
    expect(peer.channelLabel).toBe('oai-events')
    expect(peer.tracks).toEqual([uplink.track])
    expect(requests[0]?.url).toBe(CREDENTIAL.url)
    expect(requests[0]?.init.method).toBe('POST')
    expect(requests[0]?.init.body).toBe('v=0 offer')
    expect(requests[0]?.init.headers).toEqual({ 'Content-Type': 'application/sdp', Authorization: 'Bearer ek_test' })
    expect(peer.remote).toEqual({ type: 'answer', sdp: 'v=0 answer' })
    expect(socket.callId).toBe('rtc_abc123')
    expect(socket.readyState).toBe(0)
    peer.channel.onopen?.()
    expect(socket.readyState).toBe(1)
    expect(opened).toHaveLength(1)
  })

  it('carries text events both ways, audio to the uplink, and tells the engine when the reply plays', async () => {
    const { fetch } = answering()
    const { m, uplink, playing } = media()
    const socket = new WebRtcSocket(CREDENTIAL, m, { fetch, RTCPeerConnection: FakePeer as unknown as typeof RTCPeerConnection })
    const peer = FakePeer.last!
    peer.channel.onopen?.()
    const received: unknown[] = []
    socket.onmessage = (event) => received.push(event.data)
    socket.send('{"type":"session.update"}')
    socket.sendAudio(new Int16Array(480))
    expect(peer.channel.sent).toEqual(['{"type":"session.update"}'])
    expect(uplink.written).toEqual([480])
    expect(() => socket.send(new ArrayBuffer(4))).toThrow(/JSON text only/)
    peer.channel.onmessage?.({ data: '{"type":"output_audio_buffer.started","response_id":"r1"}' })
    peer.channel.onmessage?.({ data: '{"type":"output_audio_buffer.stopped","response_id":"r1"}' })
    expect(playing).toEqual([true, false])
    expect(received).toHaveLength(2)
    // After the client clears, a started already on its way stays muted; cleared ends that.
    socket.send('{"type":"output_audio_buffer.clear"}')
    peer.channel.onmessage?.({ data: '{"type":"output_audio_buffer.started","response_id":"r2"}' })
    peer.channel.onmessage?.({ data: '{"type":"output_audio_buffer.cleared","response_id":"r2"}' })
    peer.channel.onmessage?.({ data: '{"type":"output_audio_buffer.started","response_id":"r3"}' })
    expect(playing).toEqual([true, false, false, true])
  })

  it('releases a commit once the audio before it has played, even while a next press is already writing', async () => {
    const { socket, peer, uplink } = openCall()
    socket.sendAudio(new Int16Array(2400)) // 100 ms of the first turn still to play
    socket.send('{"type":"input_audio_buffer.commit"}')
    socket.send('{"type":"input_audio_buffer.clear"}') // the next press
    for (let i = 0; i < 50; i++) socket.sendAudio(new Int16Array(480)) // 1 s of the next turn
    uplink.buffered = 1000 // the first turn's 100 ms have played; the next turn's second has not
    await until(() => peer.channel.sent.length === 1)
    // The commit emptied the buffer; what plays after it is the next press's, so no clear follows
    // (sent now, it would cut the start of the next turn).
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(peer.channel.sent).toEqual(['{"type":"input_audio_buffer.commit"}'])
  })

  it('a quick second press: its commit waits for its own audio to play, not for the first one', async () => {
    const { socket, peer, uplink } = openCall()
    socket.sendAudio(new Int16Array(2400)) // press 1: 100 ms still to play
    socket.send('{"type":"input_audio_buffer.commit"}')
    socket.send('{"type":"response.create"}')
    socket.send('{"type":"input_audio_buffer.clear"}') // press 2
    socket.sendAudio(new Int16Array(12000)) // press 2: 500 ms
    socket.send('{"type":"input_audio_buffer.commit"}')
    socket.send('{"type":"response.create"}')
    uplink.buffered = 500 // press 1 played
    await until(() => peer.channel.sent.length === 2)
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(peer.channel.sent).toEqual(['{"type":"input_audio_buffer.commit"}', '{"type":"response.create"}'])
    uplink.buffered = 0 // press 2 played
    await until(() => peer.channel.sent.length === 4)
    expect(peer.channel.sent.slice(2)).toEqual(['{"type":"input_audio_buffer.commit"}', '{"type":"response.create"}'])
    socket.send('{"type":"input_audio_buffer.clear"}') // nothing held: at once
    expect(peer.channel.sent).toHaveLength(5)
  })

  it('a clear held behind a commit with audio written between them is sent when the uplink reaches it', async () => {
    const { socket, peer, uplink } = openCall()
    socket.sendAudio(new Int16Array(2400))
    socket.send('{"type":"input_audio_buffer.commit"}')
    socket.sendAudio(new Int16Array(2400)) // 100 ms that belongs to no press
    socket.send('{"type":"input_audio_buffer.clear"}')
    uplink.buffered = 100
    await until(() => peer.channel.sent.length === 1)
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(peer.channel.sent).toHaveLength(1)
    uplink.buffered = 0
    await until(() => peer.channel.sent.length === 2)
    expect(peer.channel.sent[1]).toBe('{"type":"input_audio_buffer.clear"}')
  })

  it('holds a commit (and what follows it) until the uplink played out the audio before it', async () => {
    const { fetch } = answering()
    const { m, uplink } = media()
    const socket = new WebRtcSocket(CREDENTIAL, m, { fetch, RTCPeerConnection: FakePeer as unknown as typeof RTCPeerConnection, commitMarginMs: 5 })
    const peer = FakePeer.last!
    peer.channel.onopen?.()
    uplink.buffered = 300
    socket.send('{"type":"input_audio_buffer.commit"}')
    socket.send('{"type":"response.create"}')
    expect(peer.channel.sent).toEqual([])
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(peer.channel.sent).toEqual([]) // still 300 ms queued
    uplink.buffered = 0
    await until(() => peer.channel.sent.length === 2)
    expect(peer.channel.sent).toEqual(['{"type":"input_audio_buffer.commit"}', '{"type":"response.create"}'])
    socket.send('{"type":"input_audio_buffer.commit"}') // nothing queued: at once
    expect(peer.channel.sent).toHaveLength(3)
  })

  it('a refused call closes with the code the runtime maps (401 -> auth, 429 -> rate limit, 5xx -> unavailable)', async () => {
    for (const [status, code] of [
      [401, 4001],
      [429, 4029],
      [503, 1011],
      [400, 4000],
    ] as const) {
      const { fetch } = answering(status, JSON.stringify({ error: { message: 'Invalid ephemeral key' } }), { 'content-type': 'application/json' })
      const { m, uplink } = media()
      const socket = new WebRtcSocket(CREDENTIAL, m, { fetch, RTCPeerConnection: FakePeer as unknown as typeof RTCPeerConnection })
      const closes: { code: number; reason: string }[] = []
      socket.onclose = (event) => closes.push(event)
      await until(() => closes.length === 1)
      expect(closes[0]?.code).toBe(code)
      expect(closes[0]?.reason).toContain(`${status}: Invalid ephemeral key`)
      expect(FakePeer.last!.closed).toBe(true)
      expect(uplink.stopped).toBe(true)
    }
  })

  it('an unreachable host and a failed connection close as drops; close() closes once', async () => {
    const failing = (async () => {
      throw new TypeError('Failed to fetch')
    }) as unknown as typeof fetch
    const { m } = media()
    const socket = new WebRtcSocket(CREDENTIAL, m, { fetch: failing, RTCPeerConnection: FakePeer as unknown as typeof RTCPeerConnection })
    const closes: { code: number; reason: string }[] = []
    socket.onclose = (event) => closes.push(event)
    await until(() => closes.length === 1)
    expect(closes[0]).toMatchObject({ code: 1006, reason: expect.stringContaining('could not reach api.openai.com') })

    const { fetch } = answering()
    const second = new WebRtcSocket(CREDENTIAL, media().m, { fetch, RTCPeerConnection: FakePeer as unknown as typeof RTCPeerConnection })
    const peer = FakePeer.last!
    peer.channel.onopen?.()
    const secondCloses: number[] = []
    second.onclose = (event) => secondCloses.push(event.code)
    peer.connectionState = 'failed'
    peer.onconnectionstatechange?.()
    second.close(1000, 'user')
    await until(() => secondCloses.length === 1)
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(secondCloses).toEqual([1006])
  })

  it('a clear that is never acknowledged does not silence the next reply', async () => {
    const { m, playing } = media()
    const socket = new WebRtcSocket(CREDENTIAL, m, { fetch: answering().fetch, RTCPeerConnection: FakePeer as unknown as typeof RTCPeerConnection })
    const peer = FakePeer.last!
    peer.channel.onopen?.()
    socket.send('{"type":"output_audio_buffer.clear"}') // a press while nothing played
    peer.channel.onmessage?.({ data: '{"type":"output_audio_buffer.started","response_id":"resp_old"}' })
    expect(playing).toEqual([]) // the cut reply's start, already on its way: stays muted
    peer.channel.onmessage?.({ data: '{"type":"response.created","response":{"id":"resp_new"}}' })
    peer.channel.onmessage?.({ data: '{"type":"output_audio_buffer.started","response_id":"resp_new"}' })
    expect(playing).toEqual([true])
  })

  it('a channel the server closes is the call ending; a channel lost with the connection is a drop', async () => {
    for (const [state, code] of [
      ['connected', 1000],
      ['disconnected', 1006],
    ] as const) {
      const socket = new WebRtcSocket(CREDENTIAL, media().m, { fetch: answering().fetch, RTCPeerConnection: FakePeer as unknown as typeof RTCPeerConnection })
      const peer = FakePeer.last!
      peer.channel.onopen?.()
      const closes: number[] = []
      socket.onclose = (event) => closes.push(event.code)
      peer.connectionState = state
      peer.channel.onclose?.()
      await until(() => closes.length === 1)
      expect(closes).toEqual([code])
    }
  })

  it('refuses to start where the preload removed WebRTC, with a message that says what to do', () => {
    expect(() => new WebRtcSocket(CREDENTIAL, media().m, { RTCPeerConnection: undefined, fetch: answering().fetch })).toThrow(/WebRTC is not available in this window/)
  })

  it('reads the call id only from a calls Location', () => {
    expect(callIdFrom('/v1/realtime/calls/rtc_abc123')).toBe('rtc_abc123')
    expect(callIdFrom('https://api.openai.com/v1/realtime/calls/rtc_u1-2345')).toBe('rtc_u1-2345')
    expect(callIdFrom(null)).toBeNull()
    expect(callIdFrom('/v1/other/rtc_abc123')).toBeNull()
    expect(callIdFrom('/v1/realtime/calls/a%20b')).toBeNull()
  })
})

describe('WebRtcSocket for a Speko provider_direct OpenAI session', () => {
  const SPEKO: SessionCredential = {
    ...CREDENTIAL,
    sidebandUrl: 'https://api.speko.dev/v1/sessions/s1/sidebands/openai',
    telemetry: { url: 'https://api.speko.dev/v1/sessions/s1/telemetry', token: 'tel_1', flushIntervalMs: 15_000, sessionId: 's1', attemptId: 'att_1', authorizedDurationMs: 60_000 },
  }

  function speko(sidebandStatus: number, location: string | null = '/v1/realtime/calls/rtc_abc123') {
    const requests: { url: string; init: RequestInit; remoteSet: boolean }[] = []
    const fetch = (async (url: string, init: RequestInit) => {
      requests.push({ url, init, remoteSet: FakePeer.last?.remote !== null })
      if (url === SPEKO.url) return new Response('v=0 answer', { status: 201, headers: location ? { Location: location } : {} })
      return new Response(sidebandStatus < 300 ? null : JSON.stringify({ error: { message: 'no such attempt' } }), { status: sidebandStatus })
    }) as unknown as typeof globalThis.fetch
    return { fetch, requests }
  }

  it('a refused call on a secret Speko minted closes as a refused session credential, not as a bad key', async () => {
    const fetch = (async () => new Response('Unauthorized', { status: 401 })) as unknown as typeof globalThis.fetch
    const socket = new WebRtcSocket(SPEKO, media().m, { fetch, RTCPeerConnection: FakePeer as unknown as typeof RTCPeerConnection })
    const closed: number[] = []
    socket.onclose = (event) => closed.push(event.code)
    await until(() => closed.length === 1)
    expect(closed).toEqual([4002])
  })

  it('binds the call id to the sideband with the telemetry token before it applies the answer', async () => {
    const { fetch, requests } = speko(204)
    new WebRtcSocket(SPEKO, media().m, { fetch, RTCPeerConnection: FakePeer as unknown as typeof RTCPeerConnection })
    const peer = FakePeer.last!
    await until(() => peer.remote !== null)
    expect(requests.map((r) => r.url)).toEqual([SPEKO.url, SPEKO.sidebandUrl])
    const bind = requests[1]!
    expect(bind.remoteSet).toBe(false)
    expect(bind.init.method).toBe('POST')
    expect(bind.init.headers).toEqual({ Authorization: 'Bearer tel_1', 'Content-Type': 'application/json' })
    expect(JSON.parse(String(bind.init.body))).toEqual({ attempt_id: 'att_1', provider_session_id: 'rtc_abc123' })
  })

  it('closes without media when Speko refuses the binding, or when there is no call id to bind', async () => {
    for (const [status, location, code, reason] of [
      [401, '/v1/realtime/calls/rtc_abc123', 4002, /Speko refused to bind the WebRTC call \(401: no such attempt\)/],
      [500, '/v1/realtime/calls/rtc_abc123', 1011, /Speko refused/],
      [204, null, 4000, /without a call id/],
    ] as const) {
      const { fetch } = speko(status, location)
      const socket = new WebRtcSocket(SPEKO, media().m, { fetch, RTCPeerConnection: FakePeer as unknown as typeof RTCPeerConnection })
      const peer = FakePeer.last!
      const closed: { code: number; reason: string }[] = []
      socket.onclose = (event) => closed.push(event)
      await until(() => closed.length === 1)
      expect(closed[0]!.code).toBe(code)
      expect(closed[0]!.reason).toMatch(reason)
      expect(peer.remote).toBeNull()
      expect(peer.closed).toBe(true)
    }
  })
})

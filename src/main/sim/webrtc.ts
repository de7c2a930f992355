/**
 * The WebRTC side of the OpenAI simulator: a real peer (werift) that answers the client's SDP offer
 * the way `POST /v1/realtime/calls` does (docs/protocols/openai-realtime.md, "WebRTC"): the
 * `oai-events` data channel carries the same JSON events as the socket, the client's microphone
 * arrives as an Opus track and the reply leaves as one, paced in real time.
 *
 * Only tests and benchmarks load this module (pass `webrtc: simWebRtc` to startOpenAISim), so the
 * app's bundle never carries werift or the Opus codec.
 *
 *   const sim = await startOpenAISim(script, { webrtc: simWebRtc })
 */
import OpusScript from 'opusscript'
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, useOPUS, type RTCDataChannel } from 'werift'
import type { SimCall, SimCallMedia } from './openai'
import type { SimChannel } from './server'
import type { WireLog } from './wire'

/** PCM rate the session works at; Opus encodes and decodes it natively (its RTP clock stays 48 kHz). */
const RATE = 24000
const FRAME_MS = 20
const FRAME = (RATE * FRAME_MS) / 1000
const RTP_CLOCK_STEP = (48000 * FRAME_MS) / 1000
/** Opus payload type: what the client offered for opus/48000/2 (Chromium offers 111). */
function opusPayloadType(offer: string): number {
  const m = /a=rtpmap:(\d+) opus\/48000/i.exec(offer)
  return m ? Number(m[1]) : 111
}

/** The call's data channel as a simulator session sees it, every message on the wire log. */
class CallChannel implements SimChannel {
  private dc: RTCDataChannel | null = null
  private closed = false
  private readonly messageListeners: Array<(data: string | Uint8Array, isBinary: boolean) => void> = []
  private readonly closeListeners: Array<(code: number, reason: string) => void> = []

  constructor(
    readonly id: number,
    private readonly wire: WireLog,
    private readonly hangUp: () => void,
  ) {}

  attach(dc: RTCDataChannel): void {
    this.dc = dc
    dc.onMessage.subscribe((data) => {
      if (this.closed) return
      if (typeof data === 'string') {
        this.wire.text(this.id, 'in', data)
        for (const l of this.messageListeners) l(data, false)
      } else {
        this.wire.binary(this.id, 'in', new Uint8Array(data))
        for (const l of this.messageListeners) l(new Uint8Array(data), true)
      }
    })
    dc.stateChanged.subscribe((state) => {
      if (state === 'closed') this.ended(1000, 'data channel closed', 'in')
    })
  }

  get open(): boolean {
    return !this.closed && this.dc?.readyState === 'open'
  }

  onMessage(listener: (data: string | Uint8Array, isBinary: boolean) => void): void {
    this.messageListeners.push(listener)
  }

  onClose(listener: (code: number, reason: string) => void): void {
    this.closeListeners.push(listener)
  }

  sendJson(obj: unknown): void {
    this.sendText(JSON.stringify(obj))
  }

  sendText(text: string): void {
    if (!this.open) return
    this.wire.text(this.id, 'out', text)
    this.dc!.send(text)
  }

  sendRaw(frame: string | Uint8Array): void {
    if (typeof frame === 'string') this.sendText(frame)
    else if (this.open) {
      this.wire.binary(this.id, 'out', frame)
      this.dc!.send(Buffer.from(frame))
    }
  }

  /** A data channel has no close codes: the call ends (the code is for the wire log only). */
  close(code = 1000, reason = ''): void {
    this.ended(code, reason, 'out')
  }

  drop(): void {
    if (this.closed) return
    this.closed = true
    this.wire.add({ kind: 'close', conn: this.id, dir: 'out', code: 1006, reason: '', dropped: true })
    this.hangUp()
    for (const l of this.closeListeners) l(1006, '')
  }

  /** The peer connection went away (ICE failed, the client closed it). */
  lost(): void {
    this.ended(1006, 'peer connection closed', 'in')
  }

  private ended(code: number, reason: string, dir: 'in' | 'out'): void {
    if (this.closed) return
    this.closed = true
    this.wire.add({ kind: 'close', conn: this.id, dir, code, reason })
    if (dir === 'out') this.dc?.close()
    this.hangUp()
    for (const l of this.closeListeners) l(code, reason)
  }
}

/**
 * The call's audio: decoded microphone frames in, reply PCM out through a real-time pump that sends
 * one 20 ms Opus frame per tick (silence between replies, as a media server keeps the stream
 * going), with 'started' on a reply's first frame and 'stopped' when a finished reply has played.
 */
export class CallMedia implements SimCallMedia {
  private readonly encoder = new OpusScript(RATE, 1, OpusScript.Application.VOIP)
  private readonly decoder = new OpusScript(RATE, 1, OpusScript.Application.VOIP)
  private readonly audioListeners: Array<(pcm: Int16Array) => void> = []
  private readonly playoutListeners: Array<(event: 'started' | 'stopped', responseId: string) => void> = []
  /** Reply audio waiting for the track, in order, each chunk with its reply. */
  private queue: Array<{ pcm: Int16Array; id: string }> = []
  private queued = 0
  /** Replies that will get no more audio. */
  private readonly ended = new Set<string>()
  /** The reply on the track ('started' sent, 'stopped' not yet). */
  private currentId: string | null = null
  private playedSamples = 0
  private seq = Math.floor(Math.random() * 0x8000)
  private timestamp = Math.floor(Math.random() * 0x7fffffff)
  private readonly ssrc = 1 + Math.floor(Math.random() * 0x7ffffffe)
  private readonly silence: Int16Array = new Int16Array(FRAME)
  private sent = 0
  private startedAt = 0
  private pump: NodeJS.Timeout | null = null
  private disposed = false

  constructor(
    private readonly track: MediaStreamTrack,
    private readonly payloadType: number,
  ) {}

  /** One RTP packet from the client's microphone track. */
  receive(payload: Buffer): void {
    if (this.disposed || payload.length === 0) return
    let pcm: Int16Array
    try {
      const out = this.decoder.decode(payload)
      pcm = new Int16Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength))
    } catch {
      return // a packet the decoder cannot read is lost audio, as on a real network
    }
    for (const l of this.audioListeners) l(pcm)
  }

  start(): void {
    if (this.pump || this.disposed) return
    this.startedAt = performance.now()
    this.pump = setInterval(() => this.tick(), FRAME_MS / 2)
  }

  onAudio(listener: (pcm: Int16Array) => void): void {
    this.audioListeners.push(listener)
  }

  onPlayout(listener: (event: 'started' | 'stopped', responseId: string) => void): void {
    this.playoutListeners.push(listener)
  }

  enqueue(pcm: Int16Array, responseId: string): void {
    if (this.disposed || pcm.length === 0) return
    this.queue.push({ pcm, id: responseId })
    this.queued += pcm.length
  }

  end(responseId: string): void {
    this.ended.add(responseId)
    if (this.currentId === responseId && !this.queue.some((c) => c.id === responseId)) this.stop()
  }

  clear(): void {
    this.queue = []
    this.queued = 0
    this.currentId = null
    this.ended.clear()
  }

  get playing(): boolean {
    return this.currentId !== null || this.queued > 0
  }

  get current(): string | null {
    return this.currentId ?? this.queue[0]?.id ?? null
  }

  get playedMs(): number {
    return Math.round((this.playedSamples * 1000) / RATE)
  }

  dispose(): void {
    this.disposed = true
    if (this.pump) clearInterval(this.pump)
    this.pump = null
    this.encoder.delete()
    this.decoder.delete()
  }

  /** Sends every frame that is due by the wall clock (a late timer catches up, a few frames at most). */
  private tick(): void {
    const due = Math.floor((performance.now() - this.startedAt) / FRAME_MS)
    if (due - this.sent > 5) this.sent = due - 5
    while (this.sent < due && !this.disposed) {
      this.sendFrame()
      this.sent++
    }
  }

  private sendFrame(): void {
    let frame = this.silence
    let marker = false
    const head = this.queue[0]
    if (head) {
      // A next reply's audio may follow the last one's at once: stopped, then started, at the boundary.
      if (this.currentId !== null && this.currentId !== head.id) this.stop()
      if (this.currentId === null) {
        this.currentId = head.id
        this.playedSamples = 0
        marker = true
        this.emit('started', head.id)
      }
      frame = this.take(FRAME, head.id)
      this.playedSamples += FRAME
    } else if (this.currentId !== null && this.ended.has(this.currentId)) {
      this.stop()
    }
    const payload = this.encoder.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), FRAME)
    const header = new RtpHeader({ payloadType: this.payloadType, sequenceNumber: this.seq, timestamp: this.timestamp >>> 0, ssrc: this.ssrc, marker })
    this.seq = (this.seq + 1) & 0xffff
    this.timestamp = (this.timestamp + RTP_CLOCK_STEP) >>> 0
    this.track.writeRtp(new RtpPacket(header, payload))
  }

  private stop(): void {
    const id = this.currentId
    if (id === null) return
    this.currentId = null
    this.ended.delete(id)
    this.emit('stopped', id)
  }

  /** The next n samples of one reply's audio (zero-padded at its end). */
  private take(n: number, id: string): Int16Array {
    const out = new Int16Array(n)
    let o = 0
    while (o < n && this.queue.length > 0 && this.queue[0]!.id === id) {
      const head = this.queue[0]!.pcm
      const k = Math.min(n - o, head.length)
      out.set(head.subarray(0, k), o)
      o += k
      if (k === head.length) this.queue.shift()
      else this.queue[0] = { pcm: head.subarray(k), id }
    }
    this.queued -= o
    return out
  }

  private emit(event: 'started' | 'stopped', responseId: string): void {
    for (const l of this.playoutListeners) l(event, responseId)
  }
}

/**
 * Answers one offer: a werift peer with Opus audio both ways and the client's `oai-events` channel.
 * Resolves with the answer SDP; `opened` fires once the data channel is open (when the real service
 * sends session.created).
 */
export async function simWebRtc(offer: string, id: number, wire: WireLog): Promise<SimCall> {
  const pc = new RTCPeerConnection({
    codecs: { audio: [useOPUS()] },
    // The client may be on loopback only (a test machine without a network).
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
  })
  const track = new MediaStreamTrack({ kind: 'audio' })
  pc.addTransceiver(track, { direction: 'sendrecv' })
  const media = new CallMedia(track, opusPayloadType(offer))
  let hungUp = false
  const hangUp = () => {
    if (hungUp) return
    hungUp = true
    media.dispose()
    void pc.close().catch(() => {})
  }
  const channel = new CallChannel(id, wire, hangUp)
  const openListeners: Array<() => void> = []
  pc.onTrack.subscribe((t) => {
    t.onReceiveRtp.subscribe((rtp) => media.receive(rtp.payload))
  })
  pc.onDataChannel.subscribe((dc) => {
    if (dc.label !== 'oai-events') return
    channel.attach(dc)
    const opened = () => {
      media.start()
      for (const l of openListeners) l()
    }
    if (dc.readyState === 'open') opened()
    else dc.stateChanged.subscribe((state) => state === 'open' && opened())
  })
  pc.connectionStateChange.subscribe((state) => {
    if (state === 'failed' || state === 'closed') channel.lost()
  })
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: offer })
    await pc.setLocalDescription(await pc.createAnswer())
  } catch (err) {
    hangUp()
    throw err
  }
  return {
    answer: pc.localDescription!.sdp,
    channel,
    media,
    onOpen: (listener) => openListeners.push(listener),
    hangUp,
  }
}

/**
 * A WebRTC client peer (werift) for simulator tests: the microphone as an Opus track, the
 * `oai-events` channel, and the reply track decoded to loudness per 20 ms frame.
 * Test support only (not used by the product).
 */
import OpusScript from 'opusscript'
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, useOPUS, type RTCDataChannel } from 'werift'
import { rms } from './voice'

export type Ev = Record<string, unknown> & { type: string }

export async function until<T>(read: () => T | undefined | null | false, what: string, timeoutMs = 10_000): Promise<T> {
  const start = Date.now()
  for (;;) {
    const v = read()
    if (v) return v
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A client peer: microphone track, oai-events channel, and the reply track decoded to PCM. */
export class Caller {
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

  /** Posts the offer; on 201, `bind` (the Speko sideband) runs with the call id before the answer is applied. */
  async connect(url: string, key: string, bind?: (callId: string) => Promise<void>): Promise<Response> {
    const res = await fetch(url, { method: 'POST', body: await this.offer(), headers: { authorization: `Bearer ${key}`, 'content-type': 'application/sdp' } })
    if (res.status === 201) {
      await bind?.(res.headers.get('location')?.split('/').pop() ?? '')
      await this.pc.setRemoteDescription({ type: 'answer', sdp: await res.clone().text() })
    }
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

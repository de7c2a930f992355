/**
 * OpenAI Realtime over WebRTC, seen by the session runtime as a socket (SocketLike). What it does
 * is OpenAI's documented browser flow (docs/protocols/openai-realtime.md, "WebRTC"):
 *
 *   RTCPeerConnection + the microphone track (the engine's uplink) + a data channel `oai-events`
 *   -> SDP offer POSTed to the credential's URL (`/v1/realtime/calls`) with
 *      `Authorization: Bearer <ek_...>` and `Content-Type: application/sdp`
 *   -> the answer SDP (201; the call id in `Location`) -> the channel opens: the socket is open.
 *
 * Events are the adapter's usual JSON, as text messages on the channel; the reply is the remote
 * audio track, which the engine plays. Two things only a transport can do are done here:
 * - `output_audio_buffer.started/stopped/cleared` tell the engine whether the reply is being
 *   heard (isPlaying, barge-in), since no audio frames pass through the page.
 * - `input_audio_buffer.commit` waits until the uplink has played out the audio sent before it,
 *   plus a margin for the network: the microphone's last words travel on RTP, the commit on SCTP,
 *   and a commit that overtook them would cut the end of the turn off.
 * Only this file, and only when the user chose the WebRTC transport, creates an RTCPeerConnection;
 * in every other case the preload has removed the constructor from the page.
 */
import type { SessionCredential, SocketLike } from '../../shared/s2s/types'
import type { RemoteAudio, Uplink } from '../audio/engine'

/** What the transport needs from the audio engine. */
export interface WebRtcMedia {
  openUplink(): Uplink
  playRemote(stream: MediaStream): RemoteAudio
  setRemotePlaying(playing: boolean): void
}

export interface WebRtcDeps {
  fetch?: typeof fetch
  /** The constructor (absent when the preload removed WebRTC from this window). */
  RTCPeerConnection?: typeof RTCPeerConnection
  /** Extra time a commit waits after the uplink drained, for RTP to arrive before SCTP (ms). */
  commitMarginMs?: number
  log?: (line: string) => void
}

const CONNECTING = 0
const OPEN = 1
const CLOSING = 2
const CLOSED = 3

/**
 * Close codes the session runtime maps to its errors (src/shared/s2s/errors.ts errorFromClose).
 * 4002: a short-lived credential someone else minted was refused (not the user's key).
 */
function closeCodeForStatus(status: number, keyIsTheUsers = true): number {
  if (status === 401 || status === 403) return keyIsTheUsers ? 4001 : 4002
  if (status === 429) return 4029
  if (status >= 500) return 1011
  return 4000
}

async function errorDetail(response: Response): Promise<string> {
  try {
    const text = (await response.text()).trim()
    if (!text) return response.statusText
    try {
      const message = (JSON.parse(text) as { error?: { message?: unknown } })?.error?.message
      if (typeof message === 'string' && message) return message
    } catch {
      /* not JSON */
    }
    return text.slice(0, 200)
  } catch {
    return response.statusText
  }
}

/** The call id from the answer's Location (`/v1/realtime/calls/<id>`), or null when there is none usable. */
export function callIdFrom(location: string | null): string | null {
  if (!location) return null
  let path: string
  try {
    path = new URL(location, 'https://call.invalid').pathname
  } catch {
    return null
  }
  const id = /\/realtime\/calls\/([^/]+)$/.exec(path)?.[1]
  return id && /^[A-Za-z0-9_-]{8,256}$/.test(id) ? id : null
}

export class WebRtcSocket implements SocketLike {
  readyState = CONNECTING
  readonly protocol = ''
  binaryType = 'arraybuffer'
  onopen: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: ((event: { code: number; reason: string; wasClean?: boolean }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  /** The call id OpenAI gave this connection (from the Location header). */
  callId: string | null = null

  private readonly pc: RTCPeerConnection
  private readonly channel: RTCDataChannel
  private readonly uplink: Uplink
  private remote: RemoteAudio | null = null
  /**
   * Messages held behind a commit that waits for the uplink to drain (order is kept). A commit or
   * a clear carries its mark: how much audio had been written to the uplink when it was sent.
   */
  private held: Held[] | null = null
  private closeSent = false
  /** output_audio_buffer.clear sent, cleared not yet back. */
  private clearing = false
  /** This call told the engine its reply is playing (and has not taken it back). */
  private playingSaid = false

  private setPlaying(playing: boolean): void {
    this.playingSaid = playing
    this.media.setRemotePlaying(playing)
  }
  /** Cancels the SDP and sideband requests when the socket closes first (no call left unanswered). */
  private readonly abort = new AbortController()
  private readonly log: (line: string) => void

  constructor(
    private readonly credential: SessionCredential,
    private readonly media: WebRtcMedia,
    private readonly deps: WebRtcDeps = {},
  ) {
    this.log = deps.log ?? (() => {})
    const Peer = deps.RTCPeerConnection ?? (globalThis as { RTCPeerConnection?: typeof RTCPeerConnection }).RTCPeerConnection
    if (typeof Peer !== 'function') {
      throw new Error(
        credential.sidebandUrl
          ? 'WebRTC is not available in this window, and Speko sessions on the OpenAI upstream need it. Restart Earshot so the window opens with WebRTC, or choose another upstream for Speko in Settings.'
          : 'WebRTC is not available in this window. Choose the WebSocket transport in Settings, or restart Earshot so the window opens with WebRTC.',
      )
    }
    if (!credential.bearer) throw new Error('The WebRTC credential has no client secret.')
    // The uplink first: if the engine cannot make one, no peer connection is left behind.
    this.uplink = media.openUplink()
    try {
      this.pc = new Peer()
    } catch (error) {
      this.uplink.close()
      throw error
    }
    try {
      this.pc.addTrack(this.uplink.track, new MediaStream([this.uplink.track]))
      this.channel = this.pc.createDataChannel('oai-events')
    } catch (error) {
      this.pc.close()
      this.uplink.close()
      throw error
    }
    this.channel.onopen = () => {
      if (this.readyState !== CONNECTING) return
      this.readyState = OPEN
      this.onopen?.({})
    }
    this.channel.onmessage = (event: MessageEvent) => this.onChannelMessage(event.data)
    // A channel closed while the connection is up is the server hanging up; closed with the
    // connection going down, it is a drop (the runtime reconnects).
    this.channel.onclose = () => (this.pc.connectionState === 'connected' ? this.finish(1000, 'the call ended') : this.finish(1006, 'the WebRTC connection was lost'))
    this.pc.ontrack = (event) => {
      this.remote?.close()
      this.remote = this.media.playRemote(event.streams[0] ?? new MediaStream([event.track]))
    }
    this.pc.onconnectionstatechange = () => {
      const state = this.pc.connectionState
      if (state === 'failed') this.finish(1006, 'the WebRTC connection failed')
    }
    void this.negotiate()
  }

  private async negotiate(): Promise<void> {
    try {
      const offer = await this.pc.createOffer()
      await this.pc.setLocalDescription(offer)
      if (this.readyState >= CLOSING) return
      const doFetch = this.deps.fetch ?? fetch
      let response: Response
      try {
        response = await doFetch(this.credential.url, {
          method: 'POST',
          signal: this.abort.signal,
          body: offer.sdp ?? '',
          headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${this.credential.bearer ?? ''}` },
        })
      } catch (error) {
        this.finish(1006, `could not reach ${new URL(this.credential.url).host} (${error instanceof Error ? error.message : String(error)})`)
        return
      }
      if (this.readyState >= CLOSING) return
      if (!response.ok) {
        const detail = await errorDetail(response)
        // A Speko session's secret was minted by Speko: a refusal is not about the user's Speko key.
        this.finish(closeCodeForStatus(response.status, !this.credential.sidebandUrl), `the WebRTC call was refused (${response.status}${detail ? `: ${detail}` : ''})`)
        return
      }
      this.callId = callIdFrom(response.headers.get('Location'))
      const sdp = await response.text()
      if (this.readyState >= CLOSING) return
      // Speko provider_direct: the call is bound to Speko's billing sideband before any media flows.
      if (this.credential.sidebandUrl && !(await this.bindSideband(this.credential.sidebandUrl))) return
      await this.pc.setRemoteDescription({ type: 'answer', sdp })
      this.log(`webrtc: call ${this.callId ?? '(no id)'} answered`)
    } catch (error) {
      this.finish(1006, `the WebRTC negotiation failed (${error instanceof Error ? error.message : String(error)})`)
    }
  }

  /**
   * Speko's OpenAI sessions (docs/protocols/speko.md, "OpenAI over WebRTC"): POST the call id to the
   * sideband URL with the telemetry token, and only then apply the answer (no media before Speko
   * has attached its provider-side sideband). False (and the socket closed) when that failed.
   */
  private async bindSideband(url: string): Promise<boolean> {
    const telemetry = this.credential.telemetry
    if (!this.callId || !telemetry) {
      this.finish(4000, 'OpenAI answered the WebRTC call without a call id, so Speko cannot bind it')
      return false
    }
    let bound: Response
    try {
      bound = await (this.deps.fetch ?? fetch)(url, {
        method: 'POST',
        signal: this.abort.signal,
        headers: { Authorization: `Bearer ${telemetry.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ attempt_id: telemetry.attemptId, provider_session_id: this.callId }),
      })
    } catch (error) {
      this.finish(1006, `could not reach ${new URL(url).host} to bind the call (${error instanceof Error ? error.message : String(error)})`)
      return false
    }
    if (this.readyState >= CLOSING) return false
    if (!bound.ok) {
      const detail = await errorDetail(bound)
      // Not the key: Speko refused this session's binding (its token or attempt).
      const code = closeCodeForStatus(bound.status, false)
      this.finish(code, `Speko refused to bind the WebRTC call (${bound.status}${detail ? `: ${detail}` : ''})`)
      return false
    }
    return true
  }

  private onChannelMessage(data: unknown): void {
    if (typeof data !== 'string') return // OpenAI sends JSON text only; the adapter reports anything else
    // Only these small events are parsed here (the adapter parses everything).
    const type = data.includes('"output_audio_buffer.') || data.includes('"response.created"') ? typeOf(data) : null
    // A started already on its way when the client cleared belongs to the cut reply: stay muted.
    if (type === 'output_audio_buffer.started' && !this.clearing) this.setPlaying(true)
    else if (type === 'output_audio_buffer.stopped' || type === 'output_audio_buffer.cleared') this.setPlaying(false)
    // The clear is over once it is acknowledged, or once a new response exists (a clear of an
    // empty buffer may never be acknowledged; the new reply's started must not be ignored).
    if (type === 'output_audio_buffer.cleared' || type === 'response.created') this.clearing = false
    this.onmessage?.({ data })
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.readyState !== OPEN) throw new Error('WebRTC: send while the data channel is not open')
    if (typeof data !== 'string') throw new Error('WebRTC: the data channel carries JSON text only')
    if (data.includes('"output_audio_buffer.clear"')) this.clearing = true
    const kind = data.includes('"input_audio_buffer.commit"') ? 'commit' : data.includes('"input_audio_buffer.clear"') ? 'clear' : 'other'
    // What the turn wrote before this event; audio of a next press written later does not count.
    const entry: Held = { data, kind, mark: this.uplink.writtenMs }
    if (this.held) {
      this.held.push(entry)
      return
    }
    if (kind === 'commit' && this.uplink.bufferedMs > 0) {
      this.held = [entry]
      void this.releaseHeld()
      return
    }
    this.sendNow(data)
  }

  /**
   * Sends what is held, in order. Each commit waits until the uplink has played up to its own mark,
   * plus the margin (a quick second press's commit waits for its own audio, not the first's). A
   * clear (the next press) is sent once the uplink reached its mark; when no audio was written
   * between the commit before it and the clear, it is dropped: that commit already emptied the
   * buffer, and what plays after it is the next press's own audio, which a late clear would cut.
   */
  private async releaseHeld(): Promise<void> {
    let committedAt: number | null = null
    while (this.held && this.held.length > 0 && this.readyState === OPEN) {
      const next = this.held[0]!
      if (next.kind === 'commit') {
        await this.playedUpTo(next.mark)
        await delay(this.deps.commitMarginMs ?? 80)
        committedAt = next.mark
      } else if (next.kind === 'clear') {
        if (committedAt !== null && next.mark - committedAt < CLEAR_AFTER_COMMIT_MS) {
          this.held?.shift()
          this.log('webrtc: a clear right behind a held commit dropped (the commit emptied the buffer)')
          continue
        }
        await this.playedUpTo(next.mark)
      }
      if (!this.held || this.readyState !== OPEN) return
      this.held.shift()
      if (!this.sendNow(next.data)) return
    }
    this.held = null
  }

  /** Waits (at most 3 s) until the uplink has played `mark` ms of what was written to it. */
  private async playedUpTo(mark: number): Promise<void> {
    const started = Date.now()
    while (this.uplink.playedMs < mark && Date.now() - started < 3000 && this.readyState === OPEN) await delay(10)
  }

  /** False when the channel is already going away (its close event ends the socket). */
  private sendNow(data: string): boolean {
    if (this.channel.readyState !== 'open') return false
    try {
      this.channel.send(data)
      return true
    } catch {
      return false
    }
  }

  sendAudio(pcm: Int16Array): void {
    if (this.readyState === OPEN) this.uplink.write(pcm)
  }

  close(code = 1000, reason = ''): void {
    this.finish(code, reason)
  }

  private finish(code: number, reason: string): void {
    if (this.readyState >= CLOSING && this.closeSent) return
    this.readyState = CLOSING
    this.held = null
    this.abort.abort()
    this.channel.onopen = null
    this.channel.onmessage = null
    this.channel.onclose = null
    this.pc.ontrack = null
    this.pc.onconnectionstatechange = null
    try {
      this.channel.close()
    } catch {
      /* already closed */
    }
    this.pc.close()
    this.uplink.close()
    this.remote?.close()
    this.remote = null
    // Only what this call said: a renewed call may already be playing on the same engine.
    if (this.playingSaid) this.setPlaying(false)
    if (this.closeSent) return
    this.closeSent = true
    queueMicrotask(() => {
      this.readyState = CLOSED
      this.onclose?.({ code, reason, wasClean: code === 1000 })
    })
  }
}

interface Held {
  data: string
  kind: 'commit' | 'clear' | 'other'
  mark: number
}

/** A clear this soon (in uplink audio) after a held commit has nothing of its own to clear. */
const CLEAR_AFTER_COMMIT_MS = 20

function typeOf(data: string): string | null {
  try {
    const parsed = JSON.parse(data) as { type?: unknown }
    return typeof parsed.type === 'string' ? parsed.type : null
  } catch {
    return null
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Speko S2S adapter (protocol 'speko'): the proxy WebSocket returned by POST /v1/sessions
 * (wsUrl + wsToken). Pure TypeScript.
 *
 * Protocol facts: docs/protocols/speko-proxy.md. In short:
 *   - the runtime opens the socket with the wsToken as the only subprotocol;
 *   - the client sends nothing until the server's `{"t":"ready"}` frame, whose
 *     inputSampleRate/outputSampleRate override the requested ones;
 *   - audio both ways is BINARY PCM16 LE mono, 20 ms frames (320 samples at 16 kHz, 480 at 24 kHz);
 *   - JSON frames are keyed by `t`: transcript, interruption, tool_call (arguments as a JSON
 *     STRING), server_tool_call, usage, error, end;
 *   - client frames: `{"t":"tool_result","callId","output"}` and `{"t":"interrupt"}`.
 * Speko carries no reply or item ids: the adapter numbers replies itself (`speko_reply_N`).
 */
import type {
  AdapterHost,
  AdapterStartOptions,
  ProviderAdapter,
  ResumeState,
  S2SError,
  S2SErrorCode,
  ToolResultStatus,
} from '../types'
import { errorFromProvider } from '../errors'
import { bytesToInt16, int16ToBytes, PcmFramer } from '../pcm'
import { describe, incrementalPart, inferToolStatus, preview, readJsonFrame, readToolCall, rejectedToolOutput, str, type Json } from './wire'

export const SPEKO_DEFAULT_SAMPLE_RATE = 24_000
/** Capture frame length the official client sends. */
export const SPEKO_FRAME_MS = 20
/** After a local interrupt, audio still in flight is dropped for at most this long. */
const LOCAL_INTERRUPT_GUARD_MS = 1_500
/**
 * Audio this soon after a reply's final transcript still belongs to it; later audio (with no user
 * transcript in between, e.g. when user transcription is off) starts a new reply.
 */
const LATE_AUDIO_WINDOW_MS = 500

type Phase = 'idle' | 'waiting' | 'ready' | 'ending' | 'closed'

interface Reply {
  id: string
  done: boolean
  /** Received audio samples (to know whether playback may still be running). */
  samples: number
  /** Assistant text so far (cumulative partials). */
  partial: string
  finalized: boolean
  interrupted: boolean
  /** host.now() when the reply closed. */
  doneAt: number
}

interface CallRecord {
  name: string
  settled: boolean
}

export class SpekoAdapter implements ProviderAdapter {
  readonly protocol = 'speko' as const

  private host: AdapterHost | null = null
  private phase: Phase = 'idle'
  private sessionId: string | undefined
  private requestedInputRate = SPEKO_DEFAULT_SAMPLE_RATE
  private requestedOutputRate = SPEKO_DEFAULT_SAMPLE_RATE
  private inputRate = SPEKO_DEFAULT_SAMPLE_RATE
  private outputRate = SPEKO_DEFAULT_SAMPLE_RATE
  private serverEnded = false

  /** Cuts capture audio into exact 20 ms frames at the negotiated input rate. */
  private framer = new PcmFramer(SPEKO_DEFAULT_SAMPLE_RATE, SPEKO_FRAME_MS)

  private replySeq = 0
  /** The reply currently receiving audio/text (done replies stay here for late audio). */
  private reply: Reply | null = null
  /** The reply stopped by the latest barge-in, until its final transcript (if any) arrives. */
  private interruptedReply: Reply | null = null
  /** Epoch ms until which audio is dropped after a local interrupt. */
  private dropAudioUntil = 0
  /** The reply the latest local interrupt stopped, until the server confirms or the guard ends. */
  private stoppedLocally: Reply | null = null
  private userPartial = ''
  private readonly calls = new Map<string, CallRecord>()

  get acceptsAudio(): boolean {
    return this.phase === 'ready'
  }

  /** Negotiated rates (authoritative once ready). */
  get rates(): { inputSampleRate: number; outputSampleRate: number } {
    return { inputSampleRate: this.inputRate, outputSampleRate: this.outputRate }
  }

  start(host: AdapterHost, options: AdapterStartOptions): void {
    this.host = host
    this.sessionId = options.credential.sessionId
    this.requestedInputRate = positiveRate(options.credential.inputSampleRate) ?? SPEKO_DEFAULT_SAMPLE_RATE
    this.requestedOutputRate = positiveRate(options.credential.outputSampleRate) ?? SPEKO_DEFAULT_SAMPLE_RATE
    this.inputRate = this.requestedInputRate
    this.outputRate = this.requestedOutputRate
    this.phase = 'waiting'
    this.serverEnded = false
    this.framer = new PcmFramer(this.inputRate, SPEKO_FRAME_MS)
    this.reply = null
    this.interruptedReply = null
    this.dropAudioUntil = 0
    this.stoppedLocally = null
    this.userPartial = ''
    if (options.history && options.history.length > 0) {
      host.log('speko: a new Speko session cannot take earlier conversation; it starts from the minted prompt')
    }
    // Nothing is sent: the server speaks first with {"t":"ready"}.
  }

  handleMessage(data: string | ArrayBuffer): void {
    try {
      if (typeof data === 'string') this.handleText(data)
      else this.handleBinary(data)
    } catch (err) {
      this.emitError('protocol_error', `Speko: could not handle a server frame (${describe(err)})`, false)
    }
  }

  sendAudio(pcm: Int16Array): void {
    if (this.phase !== 'ready' || pcm.length === 0) return
    for (const frame of this.framer.push(pcm)) {
      if (!this.sendRaw(int16ToBytes(frame).buffer as ArrayBuffer)) break
    }
  }

  sendToolResult(callId: string, output: string, explicitStatus?: ToolResultStatus): void {
    const text = typeof output === 'string' ? output : String(output)
    const status = explicitStatus ?? inferToolStatus(text)
    const call = this.calls.get(callId)
    if (!call) {
      this.host?.log(`speko: result for ${callId} dropped (not a call of this connection)`)
      this.host?.emit({ type: 'tool.result', callId, name: '', output: text, status, sent: false })
      return
    }
    if (call.settled) {
      this.host?.log(`speko: duplicate result for ${callId} ignored`)
      return
    }
    call.settled = true
    this.deliverResult(callId, call.name, text, status)
  }

  interrupt(): void {
    if (this.phase !== 'ready') return
    this.sendJson({ t: 'interrupt' })
    const playing = this.playingReply()
    this.dropAudioUntil = (this.host?.now() ?? 0) + LOCAL_INTERRUPT_GUARD_MS
    this.stoppedLocally = playing
    if (playing) this.stopReply(playing)
    else this.host?.emit({ type: 'bargein' })
  }

  /**
   * Push-to-talk: the user's turn is over. Sends what is left of the capture frame (padded with
   * silence to 20 ms), then {"t":"control","action":"commit"}.
   */
  commit(): void {
    if (this.phase !== 'ready') return
    const rest = this.framer.flush()
    if (rest && !this.sendRaw(int16ToBytes(rest).buffer as ArrayBuffer)) return
    this.sendJson({ t: 'control', action: 'commit' })
  }

  /**
   * Push-to-talk press: `{"t":"control","action":"clear"}` drops whatever input the server still
   * holds, so the turn starts clean (and tells the server this client ends its own turns).
   */
  beginTurn(): void {
    if (this.phase !== 'ready') return
    this.framer.flush()
    this.sendJson({ t: 'control', action: 'clear' })
  }

  /** Push-to-talk release, after the tail: commit (no silence padding). */
  endTurn(): boolean {
    if (this.phase !== 'ready') return false
    this.commit()
    return true
  }

  /** A press too short to be a turn: clear what it sent. */
  cancelTurn(): void {
    if (this.phase !== 'ready') return
    this.framer.flush()
    this.sendJson({ t: 'control', action: 'clear' })
  }

  end(): void {
    // Speko has no end frame: the runtime closes the socket (1000 "client_stopped").
    if (this.phase === 'closed') return
    this.phase = 'ending'
  }

  resumeState(): ResumeState | null {
    return null // Speko sessions cannot be resumed; a drop means a new session.
  }

  handleClose(code: number, reason: string): void {
    const previous = this.phase
    this.phase = 'closed'
    this.framer.reset()
    this.finishInterrupted()
    if (this.reply && !this.reply.done) {
      this.reply.done = true
      this.host?.emit({ type: 'reply.done', responseId: this.reply.id, status: 'incomplete' })
    }
    this.reply = null
    this.host?.log(`speko: socket closed (${code}${reason ? ` ${reason}` : ''})`)
    // docs/protocols/speko-proxy.md, "B6. Statuses and close handling": a server close with 1000/1005 (or after its `end` frame) is the agent ending the
    // session on purpose. Other closes are reported by the runtime (errorFromClose).
    const clean = code === 1000 || code === 1005
    if (previous === 'ready' && clean) this.agentEnded()
  }

  private agentEnded(): void {
    if (this.serverEnded) return
    this.serverEnded = true
    this.host?.emit({ type: 'closed', reason: 'agent' })
  }

  // ---------------------------------------------------------------------------------------------

  private handleBinary(data: unknown): void {
    let bytes: Uint8Array
    if (data instanceof ArrayBuffer) bytes = new Uint8Array(data)
    else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    else {
      this.emitError('protocol_error', 'Speko sent a frame of an unknown kind', false)
      return
    }
    if (this.phase !== 'ready') {
      this.host?.log(`speko: ${bytes.length} bytes of audio before ready dropped`)
      return
    }
    if (bytes.length < 2) return
    if (this.dropAudioUntil > 0) {
      if ((this.host?.now() ?? 0) < this.dropAudioUntil) return
      this.dropAudioUntil = 0
    }
    if (bytes.length % 2 === 1) this.host?.log('speko: odd-length audio frame; last byte ignored')
    const pcm = bytesToInt16(bytes)
    const reply = this.ensureReply(true)
    reply.samples += pcm.length
    this.host?.emit({ type: 'audio', responseId: reply.id, itemId: reply.id, pcm })
  }

  private handleText(data: string): void {
    const read = readJsonFrame(data, 't')
    if ('problem' in read) {
      const what = read.problem === 'not_json' ? 'that is not JSON' : 'without a "t" key'
      this.emitError('protocol_error', `Speko sent a frame ${what}: ${preview(data)}`, false)
      return
    }
    const msg = read.frame
    const t = msg.t as string
    switch (t) {
      case 'ready':
        return this.onReady(msg)
      case 'transcript':
        return this.onTranscript(msg)
      case 'interruption':
        return this.onInterruption(msg)
      case 'tool_call':
        return this.onToolCall(msg)
      case 'server_tool_call':
        this.host?.log(
          `speko: server tool ${preview(str(msg.name) ?? '?', 60)} ${preview(str(msg.status) ?? '', 20)} (${preview(str(msg.id) ?? '', 60)})`,
        )
        return
      case 'usage':
        return this.onUsage(msg)
      case 'error':
        return this.onError(msg)
      case 'end':
        this.host?.log(`speko: server ended the session (${preview(str(msg.reason) ?? 'no reason', 120)})`)
        if (this.phase !== 'ending') this.agentEnded()
        return
      default:
        this.host?.log(`speko: ignored frame t=${preview(t, 60)}`)
    }
  }

  private onReady(msg: Json): void {
    if (this.phase === 'closed' || this.phase === 'ending') return
    const input = acceptedRate(msg.inputSampleRate) ?? this.requestedInputRate
    const output = acceptedRate(msg.outputSampleRate) ?? this.requestedOutputRate
    const changed = this.phase !== 'ready' || input !== this.inputRate || output !== this.outputRate
    if (input !== this.inputRate || this.phase !== 'ready') this.framer = new PcmFramer(input, SPEKO_FRAME_MS)
    this.inputRate = input
    this.outputRate = output
    this.phase = 'ready'
    if (!changed) return
    if (input !== this.requestedInputRate || output !== this.requestedOutputRate) {
      this.host?.log(
        `speko: server set rates in ${input} Hz / out ${output} Hz (asked ${this.requestedInputRate}/${this.requestedOutputRate})`,
      )
    }
    this.host?.emit({
      type: 'ready',
      inputSampleRate: input,
      outputSampleRate: output,
      ...(this.sessionId ? { sessionId: this.sessionId } : {}),
    })
  }

  private onTranscript(msg: Json): void {
    const text = str(msg.text)
    if (text === undefined) {
      this.emitError('protocol_error', 'Speko sent a transcript without text', false)
      return
    }
    const final = msg.final === true
    if (msg.role === 'user') {
      const delta = incrementalPart(this.userPartial, text)
      if (!final) {
        this.userPartial = text.startsWith(this.userPartial) ? text : this.userPartial + delta
        if (delta !== '') this.host?.emit({ type: 'user.delta', text: delta })
        return
      }
      this.userPartial = ''
      // Not a reply boundary: upstream transcription (OpenAI's) often finishes after the reply
      // to it has started, so the open reply stays open.
      this.host?.emit({ type: 'user.final', text })
      return
    }
    // Anything other than "user" is the agent (as the official client maps it).
    if (!final) {
      if (this.inFlightAfterInterrupt(text)) return
      if (!this.reply || this.reply.done) this.finishInterrupted()
      const reply = this.ensureReply(false)
      const delta = incrementalPart(reply.partial, text)
      reply.partial = text.startsWith(reply.partial) ? text : reply.partial + delta
      if (delta !== '') this.host?.emit({ type: 'agent.delta', responseId: reply.id, itemId: reply.id, text: delta })
      return
    }
    const stopped = this.interruptedReply
    if (stopped && !stopped.finalized && (!this.reply || this.reply.done)) {
      // The final text of a reply the user barged into.
      stopped.finalized = true
      this.interruptedReply = null
      this.host?.emit({ type: 'agent.final', responseId: stopped.id, itemId: stopped.id, text, interrupted: true })
      return
    }
    this.finishInterrupted()
    const reply = this.ensureReply(false)
    reply.finalized = true
    reply.partial = ''
    this.host?.emit({ type: 'agent.final', responseId: reply.id, itemId: reply.id, text, interrupted: reply.interrupted })
    this.closeReply('completed', false)
  }

  private onInterruption(msg: Json): void {
    const at = str(msg.at) ?? 'user'
    this.dropAudioUntil = 0 // the server confirmed: audio after this frame is new
    this.stoppedLocally = null
    const playing = this.playingReply()
    if (playing) this.stopReply(playing)
    else {
      // Nothing we know of is playing; flushing is idempotent, so flush anyway.
      this.host?.log(`speko: interruption (at ${preview(at, 20)}) with nothing playing`)
      this.host?.emit({ type: 'bargein' })
    }
  }

  private onToolCall(msg: Json): void {
    const callId = str(msg.callId) ?? str(msg.call_id) ?? str(msg.id)
    if (callId === undefined || callId === '') {
      this.emitError('protocol_error', 'Speko sent a tool_call without a callId; it cannot be answered', false)
      return
    }
    if (this.calls.has(callId)) {
      this.host?.log(`speko: duplicate tool_call ${callId} ignored`)
      return
    }
    const name = str(msg.name) ?? ''
    const responseId = this.reply?.id
    // The tool call ends the reply that asked for it; the answer comes in a new one.
    this.closeReply('completed')
    this.reply = null
    const record: CallRecord = { name, settled: false }
    this.calls.set(callId, record)
    const parsed = readToolCall(name, msg.arguments)
    if (!parsed.ok) {
      this.emitError('tool_error', `Speko tool call ${callId} could not run: ${parsed.problem}`, false)
      record.settled = true
      this.deliverResult(callId, name, rejectedToolOutput(parsed.problem), 'error')
      return
    }
    this.host?.emit({
      type: 'tool.call',
      callId,
      name,
      arguments: parsed.value,
      rawArguments: parsed.raw,
      ...(responseId ? { responseId } : {}),
    })
  }

  private onUsage(msg: Json): void {
    const input = num(msg.inputAudioTokens)
    const output = num(msg.outputAudioTokens)
    if (input === undefined && output === undefined) {
      this.host?.log('speko: usage frame without token counts')
      return
    }
    this.host?.emit({
      type: 'usage',
      ...(input !== undefined ? { inputAudioTokens: input } : {}),
      ...(output !== undefined ? { outputAudioTokens: output } : {}),
    })
  }

  private onError(msg: Json): void {
    const providerCode = str(msg.code) ?? 'ERROR'
    const message = str(msg.message) ?? ''
    const beforeReady = this.phase === 'waiting' || this.phase === 'idle'
    // The official client reports these as "CODE: message"; an error before ready is why
    // the session failed to start.
    this.emit({
      code: errorFromProvider(providerCode, message).code,
      providerCode,
      fatal: beforeReady,
      message: `${providerCode}: ${message}`,
    })
  }

  // ---------------------------------------------------------------------------------------------

  private deliverResult(callId: string, name: string, output: string, status: ToolResultStatus): void {
    const sent = this.phase === 'ready' && this.sendJson({ t: 'tool_result', callId, output })
    this.host?.emit({ type: 'tool.result', callId, name, output, status, sent })
  }

  /** The current reply, opening one if there is none (or if text starts after a finished one). */
  private ensureReply(forAudio: boolean): Reply {
    const current = this.reply
    if (current && !current.done) return current
    if (current && forAudio && (this.host?.now() ?? 0) - current.doneAt <= LATE_AUDIO_WINDOW_MS) return current
    this.finishInterrupted()
    this.replySeq += 1
    const reply: Reply = { id: `speko_reply_${this.replySeq}`, done: false, samples: 0, partial: '', finalized: false, interrupted: false, doneAt: 0 }
    this.reply = reply
    this.host?.emit({ type: 'reply.started', responseId: reply.id })
    return reply
  }

  private closeReply(status: 'completed' | 'interrupted', forget = true): void {
    const reply = this.reply
    if (!reply) return
    if (!reply.done) {
      reply.done = true
      reply.doneAt = this.host?.now() ?? 0
      this.host?.emit({ type: 'reply.done', responseId: reply.id, status })
    }
    if (forget) this.reply = null
  }

  /** Barge-in on this reply: flush playback, close it as interrupted, drop its late audio. */
  private stopReply(reply: Reply): void {
    reply.interrupted = true
    this.host?.emit({ type: 'bargein', responseId: reply.id, itemId: reply.id })
    if (!reply.done) {
      reply.done = true
      reply.doneAt = this.host?.now() ?? 0
      this.host?.emit({ type: 'reply.done', responseId: reply.id, status: 'interrupted' })
    }
    if (this.reply === reply) this.reply = null
    if (!reply.finalized) this.interruptedReply = reply
  }

  /**
   * More text of the reply the user just cut off, sent before the server heard the interrupt (its
   * audio is dropped for the same reason): it was never heard and is not a new reply.
   */
  private inFlightAfterInterrupt(text: string): boolean {
    const stopped = this.stoppedLocally
    if (!stopped || stopped !== this.interruptedReply || stopped.finalized || (this.reply && !this.reply.done)) return false
    if (this.dropAudioUntil === 0 || (this.host?.now() ?? 0) >= this.dropAudioUntil) {
      this.stoppedLocally = null
      return false
    }
    // Speko's partials are cumulative: more of the same reply starts with what it had.
    if (!text.startsWith(stopped.partial)) return false
    this.host?.log('speko: a partial transcript of the interrupted reply arrived after the interrupt; dropped')
    return true
  }

  /** An interrupted reply whose final transcript never came: finalise it with what was heard. */
  private finishInterrupted(): void {
    const stopped = this.interruptedReply
    this.interruptedReply = null
    if (!stopped || stopped.finalized) return
    stopped.finalized = true
    if (stopped.partial !== '') {
      this.host?.emit({ type: 'agent.final', responseId: stopped.id, itemId: stopped.id, text: stopped.partial, interrupted: true })
    }
  }

  private playingReply(): Reply | null {
    const reply = this.reply
    if (!reply) return null
    if (!reply.done) return reply
    if (!this.host || reply.samples === 0) return null
    const receivedMs = (reply.samples / this.outputRate) * 1000
    let playedMs = receivedMs
    try {
      playedMs = this.host.playback.playedMs(reply.id)
    } catch {
      // A broken reporter must not break the session.
    }
    return Number.isFinite(playedMs) && playedMs + 1 < receivedMs ? reply : null
  }

  private emitError(code: S2SErrorCode, message: string, fatal: boolean): void {
    this.emit({ code, message, fatal })
  }

  private emit(error: S2SError): void {
    this.host?.emit({ type: 'error', error })
  }

  private sendJson(frame: Json): boolean {
    return this.sendRaw(JSON.stringify(frame))
  }

  private sendRaw(data: string | ArrayBuffer): boolean {
    if (!this.host) return false
    try {
      this.host.send(data)
      return true
    } catch (err) {
      this.emitError('connection_lost', `Speko: could not send a frame (${describe(err)})`, false)
      return false
    }
  }
}

export function createSpekoAdapter(): SpekoAdapter {
  return new SpekoAdapter()
}

/** Rates from the ready frame: 16000/24000 documented; other sane PCM rates tolerated. */
function acceptedRate(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  return typeof n === 'number' && Number.isInteger(n) && n >= 8_000 && n <= 48_000 ? n : undefined
}

function positiveRate(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 8_000 && value <= 48_000 ? value : undefined
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined
}

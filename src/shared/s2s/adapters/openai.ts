/**
 * OpenAI Realtime (GA) over WebSocket or WebRTC, as a ProviderAdapter. Protocol facts:
 * docs/protocols/openai-realtime.md.
 *
 * The credential (minted in main) already carries the subprotocols `realtime` and
 * `openai-insecure-api-key.<ek_...>`; this adapter only speaks the protocol:
 * - start: GA `session.update` (session.type "realtime", nested audio/pcm 24 kHz formats, turn
 *   detection with create_response and interrupt_response true, input transcription, voice, flat
 *   function tools, instructions), then the carried-over conversation as text items (renewal), then
 *   a `response.create` only when there is a greeting (and nothing to carry over).
 * - audio: `input_audio_buffer.append` with base64 PCM16, once session.created (or .updated) arrived.
 * - tools: 'tool.call' once per call_id (function_call_arguments.done or output_item.done,
 *   whichever comes first); `function_call_output` as soon as the result arrives; `response.create`
 *   only after that response's `response.done`, all its calls answered, and no other response
 *   active or requested (coalesced: a response the server starts meanwhile covers the outputs).
 * - barge-in (server speech_started or local interrupt()): 'bargein'; `response.cancel` when a
 *   response is active and the server did not cancel it itself (interrupt_response) - always for a
 *   local interrupt; `conversation.item.truncate` for the assistant audio item that was playing and
 *   not finished, at floor(playedMs) clamped to the audio received; late deltas of the interrupted
 *   response are dropped.
 *
 * Server events (GA, plus beta names where they differ) and what they become:
 *
 * | server event                                              | S2SEvent / action                               |
 * |-----------------------------------------------------------|-------------------------------------------------|
 * | session.created, session.updated                          | 'ready' (first one); interrupt_response noted   |
 * | conversation.created                                      | ignored (UNCONFIRMED in GA)                     |
 * | input_audio_buffer.speech_started                         | 'user.speech.started' + barge-in if playing     |
 * | input_audio_buffer.speech_stopped                         | 'user.speech.stopped'                           |
 * | input_audio_buffer.committed / .cleared                   | bookkeeping (server VAD's commit, auto mode)    |
 * | input_audio_buffer.timeout_triggered                      | 'user.idle' (the server answers by itself)      |
 * | input_audio_buffer.dtmf_event_received                    | ignored (SIP only)                              |
 * | conversation.item.added / .created / .done                | ignored (items arrive via response events)      |
 * | conversation.item.retrieved / .deleted / .truncated       | ignored (acks)                                  |
 * | conversation.item.input_audio_transcription.delta         | 'user.delta'                                    |
 * | conversation.item.input_audio_transcription.completed     | 'user.final'                                    |
 * | conversation.item.input_audio_transcription.failed        | 'error' provider_error (not fatal)              |
 * | conversation.item.input_audio_transcription.segment       | ignored (diarization)                           |
 * | response.created                                          | 'reply.started'                                 |
 * | response.output_item.added                                | ignored (item state is created lazily)          |
 * | response.content_part.added / .done                       | ignored                                         |
 * | response.output_audio.delta (beta response.audio.delta)   | 'audio' (dropped if the response was interrupted)|
 * | response.output_audio.done (beta response.audio.done)     | ignored                                         |
 * | response.output_audio_transcript.delta (+beta, +text)     | 'agent.delta' (dropped if interrupted)          |
 * | response.output_audio_transcript.done (+beta, +text)      | 'agent.final' (interrupted: text = received)    |
 * | response.function_call_arguments.delta                    | ignored (we act on .done)                       |
 * | response.function_call_arguments.done                     | 'tool.call' (once per call_id)                  |
 * | response.output_item.done                                 | 'tool.call' for a completed function_call item  |
 * | response.done                                             | missing finals, 'usage' (+cached), 'reply.done', tool loop|
 * | response.mcp_call* / mcp_list_tools.*                     | ignored (no MCP tools declared)                 |
 * | rate_limits.updated                                       | non-fatal 'rate_limited' error when < 10% left  |
 * | output_audio_buffer.started / .stopped / .cleared         | WebRTC: the reply is (no longer) being heard    |
 * | error                                                     | 'error' (routine codes only logged)             |
 * | anything else                                             | logged and ignored (forward compatibility)      |
 *
 * Push-to-talk (manual turn taking): the session has `turn_detection: null`, so the server never
 * commits on its own; endTurn() sends `input_audio_buffer.commit` and then `response.create`
 * (after the active response, if one is running). A buffer under 100 ms is cleared instead of
 * committed. setTurnTaking() flips the session between that and server VAD with session.update.
 *
 * Over WebRTC (credential.transport 'webrtc'; the same events travel on the `oai-events` data
 * channel): the microphone is an audio track (sendAudio hands the PCM to the host's media path,
 * never `input_audio_buffer.append`), the reply is the remote audio track (no output_audio deltas),
 * and the server tracks playback itself, so the adapter never sends `conversation.item.truncate`.
 * `output_audio_buffer.started/stopped/cleared` say when the reply is heard. Barge-in: a local
 * interrupt sends `response.cancel` (while a response is active) then `output_audio_buffer.clear`;
 * on the server's speech_started with interrupt_response the server has already cut the audio.
 */
import { errorFromProvider, isRoutineProviderError, makeError } from '../errors'
import { Base64Error, base64ToInt16, int16ToBase64 } from '../pcm'
import { isObject, str, type Json } from './wire'
import type {
  AdapterHost,
  AdapterStartOptions,
  ConversationTurn,
  ProtocolId,
  ProviderAdapter,
  ResumeState,
  S2SEvent,
  SessionConfig,
  ToolDeclaration,
  ToolResultStatus,
  TurnTaking,
} from '../types'

export const OPENAI_SAMPLE_RATE = 24_000
/** The GA session cap is 60 minutes; renew 5 minutes before it. */
export const OPENAI_RENEW_AFTER_MS = 55 * 60 * 1000
/** Conversation carried over on renewal: at most this many turns and characters (newest kept). */
export const OPENAI_HISTORY_MAX_TURNS = 50
export const OPENAI_HISTORY_MAX_CHARS = 24_000

interface ItemState {
  itemId: string
  responseId: string
  receivedSamples: number
  transcript: string
  finalSent: boolean
  truncated: boolean
}

interface ResponseState {
  id: string
  interrupted: boolean
  done: boolean
  items: Map<string, ItemState>
  callIds: Set<string>
  outstanding: Set<string>
  replyHandled: boolean
  status?: string
}

export interface OpenAIAdapterOptions {
  /** Overrides the proactive renewal delay (tests). */
  renewAfterMs?: number | null
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

/** Audio a commit needs at least: the server rejects a smaller buffer (input_audio_buffer_commit_empty). */
export const OPENAI_MIN_COMMIT_MS = 100

/** `audio.input.turn_detection` for a turn-taking mode: null (off) for push-to-talk, else the server's VAD. */
export function turnDetectionFor(config: Pick<SessionConfig, 'turnDetection' | 'openai'>, mode: TurnTaking): Json | null {
  if (mode === 'manual') return null
  const tuning = config.openai ?? {}
  if (config.turnDetection === 'semantic_vad') {
    const td: Json = { type: 'semantic_vad', create_response: true, interrupt_response: true }
    if (tuning.eagerness) td.eagerness = tuning.eagerness
    return td
  }
  const td: Json = { type: 'server_vad', create_response: true, interrupt_response: true }
  if (typeof tuning.silenceDurationMs === 'number') td.silence_duration_ms = Math.round(tuning.silenceDurationMs)
  // idle_timeout_ms is server_vad only [N-RT]; null = no timeout.
  if (tuning.idleTimeoutMs !== undefined) td.idle_timeout_ms = tuning.idleTimeoutMs === null ? null : Math.round(tuning.idleTimeoutMs)
  return td
}

/** Models that take `reasoning.effort`: the reasoning-capable gpt-realtime-2 family (2, 2.1, their minis and snapshots). */
export function takesReasoningEffort(model: string): boolean {
  return /^gpt-realtime-2(?:[.-]|$)/.test(model)
}

/** A rate limit counts as close once less than this share of it remains. */
export const RATE_LIMIT_WARN_FRACTION = 0.1

/** The GA session.update for a config. */
export function buildSessionUpdate(config: SessionConfig): Json {
  const tuning = config.openai ?? {}
  const input: Json = {
    format: { type: 'audio/pcm', rate: OPENAI_SAMPLE_RATE },
    transcription: config.transcriptionModel ? { model: config.transcriptionModel } : null,
    turn_detection: turnDetectionFor(config, config.turnTaking ?? 'auto'),
  }
  if (tuning.noiseReduction) input.noise_reduction = tuning.noiseReduction === 'off' ? null : { type: tuning.noiseReduction }
  const output: Json = { format: { type: 'audio/pcm', rate: OPENAI_SAMPLE_RATE } }
  if (config.voice) output.voice = config.voice
  const session: Json = { type: 'realtime' }
  if (config.model) session.model = config.model
  session.output_modalities = ['audio']
  session.instructions = config.instructions ?? ''
  session.audio = { input, output }
  session.tools = (config.tools ?? []).map((t) => ({ type: 'function', name: t.name, description: t.description, parameters: t.parameters }))
  session.tool_choice = 'auto'
  if (typeof tuning.retentionRatio === 'number') {
    session.truncation = { type: 'retention_ratio', retention_ratio: Math.min(1, Math.max(0, tuning.retentionRatio)) }
  }
  if (tuning.reasoningEffort && takesReasoningEffort(config.model)) session.reasoning = { effort: tuning.reasoningEffort }
  return { type: 'session.update', session }
}

/** A mid-session `session.update` that replaces only the tools (session.type is required on every update). */
export function buildToolsUpdate(tools: readonly ToolDeclaration[]): Json {
  return {
    type: 'session.update',
    session: { type: 'realtime', tools: tools.map((t) => ({ type: 'function', name: t.name, description: t.description, parameters: t.parameters })), tool_choice: 'auto' },
  }
}

/** The newest turns that fit the carry-over budget, oldest first. */
export function trimHistory(history: readonly ConversationTurn[]): ConversationTurn[] {
  const out: ConversationTurn[] = []
  let chars = 0
  for (let i = history.length - 1; i >= 0 && out.length < OPENAI_HISTORY_MAX_TURNS; i--) {
    const turn = history[i]
    if (!turn || typeof turn.text !== 'string' || !turn.text.trim()) continue
    if (chars + turn.text.length > OPENAI_HISTORY_MAX_CHARS) break
    chars += turn.text.length
    out.push(turn)
  }
  return out.reverse()
}

export class OpenAIAdapter implements ProviderAdapter {
  /** A subclass speaking an OpenAI-compatible dialect (xai.ts) names its own protocol. */
  readonly protocol: ProtocolId = 'openai'
  readonly renewAfterMs: number | null

  private host: AdapterHost | null = null
  private started = false
  private readyEmitted = false
  /** The server cancels on speech itself (turn_detection.interrupt_response, our default). */
  protected serverInterrupts = true
  private activeResponseId: string | null = null
  /** We sent response.create and have not seen its response.created yet. */
  private createInFlight = false
  private readonly responses = new Map<string, ResponseState>()
  private readonly emittedCalls = new Map<string, { name: string; responseId: string }>()
  private readonly answeredCalls = new Set<string>()
  private lastAudioItem: ItemState | null = null
  private config: SessionConfig | null = null
  private turnTaking: TurnTaking = 'auto'
  /** Input samples appended since the last commit or clear (manual turn taking). */
  private uncommittedSamples = 0
  /** A committed push-to-talk turn waits for the active response to end before its response.create. */
  private replyWanted = false
  /** A local barge-in came between our response.create and its response.created. */
  private cancelOnCreated = false
  private lastProtocolErrorAt = -Infinity
  /** Rate limits already warned about while they stay close (warned again once they recover). */
  private readonly warnedLimits = new Set<string>()
  private suppressedProtocolErrors = 0
  /** WebRTC transport: audio on tracks, playback tracked by the server. */
  private webrtc = false
  /** WebRTC: the server says its reply audio is playing (output_audio_buffer.started, not yet stopped). */
  private remotePlaying: string | null = null
  /**
   * WebRTC: output_audio_buffer.clear sent, cleared not yet back. A started already on its way
   * belongs to the reply just cut, so it must not bring the status back to speaking.
   */
  private clearing = false

  constructor(options: OpenAIAdapterOptions = {}) {
    this.renewAfterMs = options.renewAfterMs !== undefined ? options.renewAfterMs : OPENAI_RENEW_AFTER_MS
  }

  /** After session.created (conservative: never audio before the server says the session exists). */
  get acceptsAudio(): boolean {
    return this.started && this.readyEmitted
  }

  start(host: AdapterHost, options: AdapterStartOptions): void {
    this.host = host
    const { config } = options
    this.config = config
    this.webrtc = options.credential.transport === 'webrtc'
    this.remotePlaying = null
    this.clearing = false
    this.turnTaking = config.turnTaking ?? 'auto'
    this.uncommittedSamples = 0
    this.replyWanted = false
    this.send(this.sessionUpdate({ ...options, config: { ...config, turnTaking: this.turnTaking } }))
    const history = trimHistory(options.history ?? [])
    for (const turn of history) {
      this.send({
        type: 'conversation.item.create',
        item:
          turn.role === 'user'
            ? { type: 'message', role: 'user', content: [{ type: 'input_text', text: turn.text }] }
            : { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: turn.text }] },
      })
    }
    const greeting = typeof config.greeting === 'string' ? config.greeting.trim() : ''
    if (greeting && options.history === undefined) {
      this.createInFlight = true
      this.send({
        type: 'response.create',
        response: { instructions: `Greet the user by saying exactly this, and nothing else: ${JSON.stringify(greeting)}` },
      })
    }
    this.started = true
  }

  updateTools(tools: ToolDeclaration[]): void {
    if (!this.started) return
    this.send(buildToolsUpdate(tools))
  }

  sendAudio(pcm: Int16Array): void {
    if (!this.started || pcm.length === 0) return
    this.uncommittedSamples += pcm.length
    if (this.webrtc) {
      if (!this.host?.sendMedia?.(pcm)) this.log('a WebRTC session without an audio track: microphone audio dropped')
      return
    }
    this.host?.send(`{"type":"input_audio_buffer.append","audio":"${int16ToBase64(pcm)}"}`)
  }

  sendToolResult(callId: string, output: string, status: ToolResultStatus = 'ok'): void {
    const call = this.emittedCalls.get(callId)
    if (!call) {
      // A call from an earlier connection: this session has no such function_call item.
      this.log(`result for unknown call ${callId} not sent`)
      this.emit({ type: 'tool.result', callId, name: '', output, status, sent: false })
      return
    }
    if (this.answeredCalls.has(callId)) return
    this.answeredCalls.add(callId)
    this.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: callId, output } })
    this.emit({ type: 'tool.result', callId, name: call.name, output, status, sent: true })
    this.responses.get(call.responseId)?.outstanding.delete(callId)
    this.maybeCreateResponse()
  }

  interrupt(): void {
    this.bargeIn('local')
  }

  requestReply(): void {
    if (this.activeResponseId || this.createInFlight) {
      this.log('reply requested while a response is active: not sent')
      return
    }
    this.createResponse()
  }

  commit(): void {
    this.uncommittedSamples = 0
    this.send({ type: 'input_audio_buffer.commit' })
  }

  setTurnTaking(mode: TurnTaking): void {
    if (mode === this.turnTaking) return
    this.turnTaking = mode
    if (!this.started || !this.config) return
    this.send(this.turnTakingUpdate(this.config, mode))
  }

  /**
   * Push-to-talk release, after the tail: commit the buffer, then ask for the reply (at once, or
   * when the active response ends: one response at a time). A buffer under 100 ms is cleared
   * instead, so a stray tap never gets a reply or an input_audio_buffer_commit_empty error.
   */
  endTurn(): boolean {
    if (!this.started) return false
    if (this.uncommittedSamples < (OPENAI_SAMPLE_RATE * OPENAI_MIN_COMMIT_MS) / 1000) {
      this.cancelTurn()
      return false
    }
    this.commit()
    this.replyWanted = true
    this.flushWantedReply()
    return true
  }

  /**
   * WebRTC push-to-talk: the server buffers the microphone track all the time (silence between
   * presses included), so a press starts its turn from an empty buffer. Over a WebSocket the
   * buffer holds only what was appended, so nothing is needed.
   */
  beginTurn(): void {
    if (!this.started || !this.webrtc || this.turnTaking !== 'manual') return
    this.uncommittedSamples = 0
    this.send({ type: 'input_audio_buffer.clear' })
  }

  cancelTurn(): void {
    if (!this.started) return
    this.uncommittedSamples = 0
    this.send({ type: 'input_audio_buffer.clear' })
  }

  private flushWantedReply(): void {
    if (!this.replyWanted || this.activeResponseId || this.createInFlight || !this.started) return
    this.createResponse()
  }

  /** One response.create covers everything in the conversation so far: tool outputs and a committed turn. */
  private createResponse(): void {
    this.replyWanted = false
    this.createInFlight = true
    this.send({ type: 'response.create' })
  }

  end(): void {
    // OpenAI has no end message: a normal close ends the session.
  }

  resumeState(): ResumeState | null {
    return null // no server-side resume; the runtime carries the conversation over as text
  }

  handleClose(code: number, reason: string): void {
    this.started = false
    this.log(`socket closed ${code}${reason ? ` ${reason}` : ''}`)
  }

  handleMessage(data: string | ArrayBuffer): void {
    if (typeof data !== 'string') {
      this.protocolError('The provider sent a binary frame; OpenAI Realtime sends only JSON.')
      return
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(data)
    } catch {
      this.protocolError('The provider sent a frame that is not JSON.')
      return
    }
    if (!isObject(parsed) || typeof parsed.type !== 'string') {
      this.protocolError('The provider sent a frame without an event type.')
      return
    }
    this.dispatch(parsed.type, parsed)
  }

  // -------------------------------------------------------------------------------------------

  /**
   * The first frame sent on open (a dialect overrides it with its own session shape). A Speko
   * session configures the upstream with what Speko resolved (model, voice, instructions, tools)
   * where it resolved them, as its SDK does.
   */
  protected sessionUpdate(options: AdapterStartOptions): Json {
    const upstream = options.credential.upstreamSession
    if (!upstream) return buildSessionUpdate(options.config)
    return buildSessionUpdate({
      ...options.config,
      ...(upstream.model !== undefined ? { model: upstream.model } : {}),
      ...(upstream.voice !== undefined ? { voice: upstream.voice } : {}),
      ...(upstream.instructions !== undefined ? { instructions: upstream.instructions } : {}),
      ...(upstream.tools !== undefined ? { tools: upstream.tools } : {}),
    })
  }

  /** The session.update that switches turn taking mid-session (a dialect may place it elsewhere). */
  protected turnTakingUpdate(config: SessionConfig, mode: TurnTaking): Json {
    return { type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: turnDetectionFor(config, mode) } } } }
  }

  protected dispatch(type: string, ev: Json): void {
    switch (type) {
      case 'session.created':
      case 'session.updated':
        return this.onSession(ev)
      case 'input_audio_buffer.speech_started':
        this.emit({ type: 'user.speech.started' })
        return this.bargeIn('server')
      case 'input_audio_buffer.speech_stopped':
        return this.emit({ type: 'user.speech.stopped' })
      case 'conversation.item.input_audio_transcription.delta': {
        const delta = str(ev.delta)
        if (delta === undefined) return this.protocolError(`${type} without a text delta.`)
        if (delta) this.emit({ type: 'user.delta', ...this.itemIdOf(ev), text: delta })
        return
      }
      case 'conversation.item.input_audio_transcription.completed': {
        const transcript = str(ev.transcript)
        if (transcript === undefined) return this.protocolError(`${type} without a transcript.`)
        return this.emit({ type: 'user.final', ...this.itemIdOf(ev), text: transcript })
      }
      case 'conversation.item.input_audio_transcription.failed': {
        const err = isObject(ev.error) ? ev.error : {}
        const error = errorFromProvider(str(err.code), str(err.message), str(err.type))
        return this.emit({ type: 'error', error: { ...error, code: 'provider_error', fatal: false, message: `Could not transcribe what you said${str(err.message) ? `: ${str(err.message)}` : '.'}` } })
      }
      case 'response.created':
        return this.onResponseCreated(ev)
      case 'response.output_audio.delta':
      case 'response.audio.delta':
        return this.onAudioDelta(ev)
      case 'response.output_audio_transcript.delta':
      case 'response.audio_transcript.delta':
      case 'response.output_text.delta':
      case 'response.text.delta':
        return this.onTranscriptDelta(ev)
      case 'response.output_audio_transcript.done':
      case 'response.audio_transcript.done':
      case 'response.output_text.done':
      case 'response.text.done':
        return this.onTranscriptDone(ev)
      case 'response.function_call_arguments.done':
        return this.onToolCall(ev.call_id, ev.name, ev.arguments, str(ev.response_id))
      case 'response.output_item.done': {
        const item = isObject(ev.item) ? ev.item : null
        if (item && item.type === 'function_call' && (item.status === undefined || item.status === 'completed')) {
          this.onToolCall(item.call_id, item.name, item.arguments, str(ev.response_id))
        }
        return
      }
      case 'response.done':
        return this.onResponseDone(ev)
      case 'error':
        return this.onError(ev)
      case 'input_audio_buffer.committed':
      case 'input_audio_buffer.cleared':
        // The server's VAD committed (auto); in manual turn taking the count is ours to keep.
        if (this.turnTaking === 'auto') this.uncommittedSamples = 0
        return
      case 'input_audio_buffer.timeout_triggered':
        return this.onIdleTimeout(ev)
      case 'rate_limits.updated':
        return this.onRateLimits(ev)
      case 'conversation.created':
      case 'input_audio_buffer.dtmf_event_received':
      case 'conversation.item.added':
      case 'conversation.item.created':
      case 'conversation.item.done':
      case 'conversation.item.retrieved':
      case 'conversation.item.deleted':
      case 'conversation.item.truncated':
      case 'conversation.item.input_audio_transcription.segment':
      case 'response.output_item.added':
      case 'response.content_part.added':
      case 'response.content_part.done':
      case 'response.output_audio.done':
      case 'response.audio.done':
      case 'response.function_call_arguments.delta':
        return
      case 'output_audio_buffer.started':
        if (this.clearing) return
        this.remotePlaying = str(ev.response_id) ?? this.activeResponseId ?? ''
        return this.emit({ type: 'status', status: 'speaking' })
      case 'output_audio_buffer.stopped':
      case 'output_audio_buffer.cleared':
        if (type === 'output_audio_buffer.cleared') this.clearing = false
        this.remotePlaying = null
        if (!this.activeResponseId && !this.createInFlight) this.emit({ type: 'status', status: 'listening' })
        return
      default:
        if (type.startsWith('response.mcp_call') || type.startsWith('mcp_list_tools.')) return
        this.log(`ignored unknown event ${type.slice(0, 80)}`)
    }
  }

  /**
   * idle_timeout_ms fired: the server commits the silent audio and starts a response itself [N-RT
   * InputAudioBufferTimeoutTriggered]. The session hears 'user.idle' (the user went quiet); no
   * response.create from here, or it would race the server's own response.
   */
  private onIdleTimeout(ev: Json): void {
    const start = num(ev.audio_start_ms)
    const end = num(ev.audio_end_ms)
    const itemId = str(ev.item_id)
    this.emit({ type: 'user.idle', ...(itemId ? { itemId } : {}), ...(start !== undefined && end !== undefined && end >= start ? { silentMs: end - start } : {}) })
  }

  /**
   * rate_limits.updated (after every response.done) [N-RT]: a non-fatal 'rate_limited' error, once
   * per limit while it stays close (under RATE_LIMIT_WARN_FRACTION of the limit left), so the UI
   * shows a warning before requests start failing. No retryAfterSeconds: nothing failed, and the
   * conversation would word it as "Try again in …"; the message names the reset time itself.
   */
  private onRateLimits(ev: Json): void {
    if (!Array.isArray(ev.rate_limits)) return
    for (const entry of ev.rate_limits) {
      if (!isObject(entry)) continue
      const name = str(entry.name) ?? 'requests'
      const limit = num(entry.limit)
      const remaining = num(entry.remaining)
      if (limit === undefined || remaining === undefined || limit <= 0) continue
      const close = remaining < limit * RATE_LIMIT_WARN_FRACTION
      if (!close) {
        this.warnedLimits.delete(name)
        continue
      }
      if (this.warnedLimits.has(name)) continue
      this.warnedLimits.add(name)
      const reset = num(entry.reset_seconds)
      const what = name.replace(/_/g, ' ')
      const percent = Math.max(0, Math.floor((remaining / limit) * 100))
      const message = `Close to OpenAI's ${what} rate limit: ${remaining} of ${limit} left (${percent}%)${reset !== undefined ? `, resets in ${Math.ceil(reset)} s` : ''}. Replies may fail until it resets.`
      this.emit({ type: 'error', error: makeError('rate_limited', message, { fatal: false, providerCode: `rate_limit_${name}` }) })
    }
  }

  private onSession(ev: Json): void {
    const session = isObject(ev.session) ? ev.session : null
    const audio = session && isObject(session.audio) ? session.audio : null
    const input = audio && isObject(audio.input) ? audio.input : null
    if (input && 'turn_detection' in input) {
      const td = input.turn_detection
      this.serverInterrupts = isObject(td) && td.interrupt_response !== false
    }
    if (!this.readyEmitted) {
      this.readyEmitted = true
      this.emit({ type: 'ready', inputSampleRate: OPENAI_SAMPLE_RATE, outputSampleRate: OPENAI_SAMPLE_RATE })
    }
  }

  private onResponseCreated(ev: Json): void {
    const response = isObject(ev.response) ? ev.response : null
    const id = response ? str(response.id) : undefined
    if (!id) return this.protocolError('response.created without a response id.')
    const ours = this.createInFlight
    this.createInFlight = false
    // WebRTC: a new response ends an unacknowledged clear (a clear of an empty buffer may get no
    // output_audio_buffer.cleared), so this reply's started is not taken for the cut one's.
    this.clearing = false
    this.activeResponseId = id
    if (ours && this.cancelOnCreated) {
      this.cancelOnCreated = false
      this.response(id).interrupted = true
      this.send({ type: 'response.cancel' })
    }
    this.response(id)
    if (!ours) {
      // The server started a response (VAD): it sees every function_call_output already sent.
      for (const rs of this.responses.values()) {
        if (rs.id !== id && rs.done && rs.callIds.size > 0 && rs.outstanding.size === 0) rs.replyHandled = true
      }
    }
    this.emit({ type: 'reply.started', responseId: id })
  }

  private onAudioDelta(ev: Json): void {
    const delta = str(ev.delta)
    if (delta === undefined) return this.protocolError('An audio delta without audio.')
    const responseId = str(ev.response_id) ?? this.activeResponseId ?? ''
    const itemId = str(ev.item_id) ?? ''
    const rs = this.response(responseId)
    if (rs.interrupted) return // late delta of an interrupted response
    let pcm: Int16Array
    try {
      pcm = base64ToInt16(delta)
    } catch (e) {
      return this.protocolError(e instanceof Base64Error ? 'An audio delta was not valid base64.' : 'An audio delta could not be decoded.')
    }
    if (pcm.length === 0) return
    const item = this.item(rs, itemId)
    item.receivedSamples += pcm.length
    this.lastAudioItem = item
    this.emit({ type: 'audio', responseId, itemId, pcm })
  }

  private onTranscriptDelta(ev: Json): void {
    const delta = str(ev.delta)
    if (delta === undefined) return this.protocolError('A transcript delta without text.')
    const responseId = str(ev.response_id) ?? this.activeResponseId ?? ''
    const itemId = str(ev.item_id) ?? ''
    const rs = this.response(responseId)
    if (rs.interrupted) return
    const item = this.item(rs, itemId)
    if (item.finalSent) return
    item.transcript += delta
    if (delta) this.emit({ type: 'agent.delta', responseId, itemId, text: delta })
  }

  private onTranscriptDone(ev: Json): void {
    const responseId = str(ev.response_id) ?? this.activeResponseId ?? ''
    const itemId = str(ev.item_id) ?? ''
    const rs = this.response(responseId)
    const item = this.item(rs, itemId)
    if (item.finalSent) return
    item.finalSent = true
    if (rs.interrupted) {
      this.emit({ type: 'agent.final', responseId, itemId, text: item.transcript, interrupted: true })
      return
    }
    const text = str(ev.transcript) ?? str(ev.text) ?? item.transcript
    this.emit({ type: 'agent.final', responseId, itemId, text, interrupted: false })
  }

  private onToolCall(callIdValue: unknown, nameValue: unknown, argsValue: unknown, responseIdValue: string | undefined): void {
    const callId = str(callIdValue)
    const name = str(nameValue)
    if (!callId || !name) return this.protocolError('A function call without call_id or name.')
    if (this.emittedCalls.has(callId)) return
    const responseId = responseIdValue ?? this.activeResponseId ?? ''
    let rawArguments: string
    let parsedArguments: unknown = null
    if (typeof argsValue === 'string') {
      rawArguments = argsValue
      try {
        parsedArguments = argsValue.trim() ? JSON.parse(argsValue) : {}
      } catch {
        parsedArguments = null // the tool layer reports invalid arguments back to the model
      }
    } else if (isObject(argsValue)) {
      rawArguments = JSON.stringify(argsValue)
      parsedArguments = argsValue
    } else {
      rawArguments = argsValue === undefined ? '' : JSON.stringify(argsValue) ?? ''
      parsedArguments = argsValue === undefined ? {} : null
    }
    this.emittedCalls.set(callId, { name, responseId })
    const rs = this.response(responseId)
    rs.callIds.add(callId)
    rs.outstanding.add(callId)
    this.emit({ type: 'tool.call', callId, name, arguments: parsedArguments, rawArguments, ...(responseId ? { responseId } : {}) })
  }

  private onResponseDone(ev: Json): void {
    const response = isObject(ev.response) ? ev.response : {}
    const id = str(response.id) ?? this.activeResponseId ?? ''
    const status = str(response.status) ?? 'completed'
    const details = isObject(response.status_details) ? response.status_details : {}
    const rs = this.response(id)
    if (this.activeResponseId === id || !id) this.activeResponseId = null
    rs.done = true
    rs.status = status
    const reason = str(details.reason)
    const cancelled = status === 'cancelled'
    if (cancelled) rs.interrupted = true
    // Function calls that arrived only inside response.done.
    if (Array.isArray(response.output)) {
      for (const item of response.output) {
        if (isObject(item) && item.type === 'function_call' && (item.status === undefined || item.status === 'completed')) {
          this.onToolCall(item.call_id, item.name, item.arguments, id || undefined)
        }
      }
    }
    for (const item of rs.items.values()) {
      if (item.finalSent || (!item.transcript && item.receivedSamples === 0)) continue
      item.finalSent = true
      this.emit({ type: 'agent.final', responseId: id, itemId: item.itemId, text: item.transcript, interrupted: rs.interrupted || status !== 'completed' })
    }
    const usage = isObject(response.usage) ? response.usage : null
    if (usage) {
      const inDetails = isObject(usage.input_token_details) ? usage.input_token_details : {}
      const outDetails = isObject(usage.output_token_details) ? usage.output_token_details : {}
      const cached = isObject(inDetails.cached_tokens_details) ? inDetails.cached_tokens_details : {}
      const event: Extract<S2SEvent, { type: 'usage' }> = { type: 'usage' }
      const fields: [keyof typeof event, number | undefined][] = [
        ['inputTokens', num(usage.input_tokens)],
        ['outputTokens', num(usage.output_tokens)],
        ['inputAudioTokens', num(inDetails.audio_tokens)],
        ['outputAudioTokens', num(outDetails.audio_tokens)],
        ['totalTokens', num(usage.total_tokens)],
        ['cachedTokens', num(inDetails.cached_tokens)],
        ['cachedTextTokens', num(cached.text_tokens)],
        ['cachedAudioTokens', num(cached.audio_tokens)],
      ]
      for (const [key, value] of fields) if (value !== undefined) (event as Record<string, unknown>)[key] = value
      this.emit(event)
    }
    if (status === 'failed') {
      const err = isObject(details.error) ? details.error : {}
      const error = errorFromProvider(str(err.code), str(err.message) ?? 'The reply failed.', str(err.type))
      this.emit({ type: 'error', error: { ...error, fatal: false } })
    }
    let doneStatus: Extract<S2SEvent, { type: 'reply.done' }>['status']
    if (cancelled) doneStatus = reason === 'client_cancelled' ? 'cancelled' : 'interrupted'
    else if (status === 'failed') doneStatus = 'failed'
    else if (status === 'incomplete' || status === 'in_progress') doneStatus = 'incomplete'
    else doneStatus = rs.interrupted ? 'interrupted' : 'completed'
    this.emit({ type: 'reply.done', responseId: id, status: doneStatus })
    this.pruneResponses()
    this.maybeCreateResponse()
    this.flushWantedReply()
  }

  private onError(ev: Json): void {
    const err = isObject(ev.error) ? ev.error : {}
    const code = str(err.code)
    const message = str(err.message)
    // A rejected commit has no turn to answer: its waiting response.create must not go out.
    if (code === 'input_audio_buffer_commit_empty') {
      // No turn was committed, so nothing is to be answered: a response.create already on its way
      // is cancelled the moment it exists (its audio is dropped), and the user is listened to again.
      this.replyWanted = false
      if (this.createInFlight && !this.activeResponseId) this.cancelOnCreated = true
      if (!this.activeResponseId) this.emit({ type: 'status', status: 'listening' })
    }
    if (isRoutineProviderError(code, message)) {
      this.log(`routine error ${code ?? ''}: ${message ?? ''}`)
      return
    }
    if (code === 'conversation_already_has_active_response') {
      // Our response.create lost a race with a server-made response, which covers the outputs.
      this.createInFlight = false
      this.log(`response.create refused: ${message ?? ''}`)
      return
    }
    this.emit({ type: 'error', error: errorFromProvider(code, message, str(err.type)) })
  }

  /** Send response.create for answered tool calls once nothing else is active. */
  private maybeCreateResponse(): void {
    if (this.activeResponseId || this.createInFlight || !this.started) return
    let waiting = false
    const ready: ResponseState[] = []
    for (const rs of this.responses.values()) {
      if (rs.callIds.size === 0 || rs.replyHandled) continue
      if (!rs.done || rs.outstanding.size > 0) {
        if (!rs.interrupted) waiting = true
        continue
      }
      if (rs.interrupted || rs.status === 'failed') {
        rs.replyHandled = true // the user moved on; their next turn gets its own response
        continue
      }
      ready.push(rs)
    }
    if (waiting || ready.length === 0) return
    for (const rs of ready) rs.replyHandled = true
    this.createResponse()
  }

  private bargeIn(source: 'server' | 'local'): void {
    if (this.webrtc) return this.bargeInWebRtc(source)
    if (source === 'local') {
      // The user talks again: a reply still waiting to be asked for is not wanted any more, and one
      // asked for but not created yet is cancelled as soon as it exists.
      this.replyWanted = false
      if (this.createInFlight && !this.activeResponseId) this.cancelOnCreated = true
    }
    const active = this.activeResponseId
    const item = this.lastAudioItem
    let played = 0
    let receivedMs = 0
    if (item && !item.truncated) {
      receivedMs = Math.floor((item.receivedSamples * 1000) / OPENAI_SAMPLE_RATE)
      try {
        const reported = Number(this.host?.playback.playedMs(item.itemId))
        played = Number.isFinite(reported) ? Math.max(0, Math.floor(reported)) : 0
      } catch {
        played = 0
      }
      played = Math.min(played, receivedMs)
    }
    const unfinished = !!item && !item.truncated && played < receivedMs
    if (source === 'server' && !active && !this.createInFlight && !unfinished) return // plain user speech
    this.emit({ type: 'bargein', ...(active || item ? { responseId: active ?? item?.responseId ?? '' } : {}), ...(item ? { itemId: item.itemId } : {}) })
    if (active) {
      this.response(active).interrupted = true
      if (source === 'local' || !this.serverInterrupts) this.send({ type: 'response.cancel' })
    }
    if (item && unfinished) {
      this.response(item.responseId).interrupted = true
      if (played > 0) {
        item.truncated = true
        this.send({ type: 'conversation.item.truncate', item_id: item.itemId, content_index: 0, audio_end_ms: played })
      }
    }
    this.lastAudioItem = null
  }

  /**
   * WebRTC barge-in: the server plays the reply and knows how much was heard, so nothing is
   * truncated here. A local interrupt cancels the active response and clears the server's output
   * buffer (it answers output_audio_buffer.cleared); on the server's own speech_started with
   * interrupt_response the server has cancelled and cut the audio already.
   */
  private bargeInWebRtc(source: 'server' | 'local'): void {
    if (source === 'local') {
      this.replyWanted = false
      if (this.createInFlight && !this.activeResponseId) this.cancelOnCreated = true
    }
    const active = this.activeResponseId
    const playing = this.remotePlaying
    if (source === 'server' && !active && !this.createInFlight && playing === null) return // plain user speech
    const responseId = active ?? playing ?? undefined
    this.emit({ type: 'bargein', ...(responseId !== undefined ? { responseId } : {}) })
    if (active) this.response(active).interrupted = true
    const heard = playing ? this.responses.get(playing) : undefined // a finished reply has no state to keep
    if (heard) heard.interrupted = true
    const serverCut = source === 'server' && this.serverInterrupts
    if (active && !serverCut) this.send({ type: 'response.cancel' })
    if (!serverCut) {
      this.clearing = true
      this.send({ type: 'output_audio_buffer.clear' })
    }
  }

  // -------------------------------------------------------------------------------------------

  private response(id: string): ResponseState {
    let rs = this.responses.get(id)
    if (!rs) {
      rs = { id, interrupted: false, done: false, items: new Map(), callIds: new Set(), outstanding: new Set(), replyHandled: false }
      this.responses.set(id, rs)
    }
    return rs
  }

  private item(rs: ResponseState, itemId: string): ItemState {
    let item = rs.items.get(itemId)
    if (!item) {
      item = { itemId, responseId: rs.id, receivedSamples: 0, transcript: '', finalSent: false, truncated: false }
      rs.items.set(itemId, item)
    }
    return item
  }

  private pruneResponses(): void {
    if (this.responses.size <= 64) return
    for (const [id, rs] of this.responses) {
      if (this.responses.size <= 48) break
      if (rs.done && (rs.callIds.size === 0 || rs.replyHandled) && id !== this.activeResponseId) this.responses.delete(id)
    }
  }

  private itemIdOf(ev: Json): { itemId?: string } {
    const itemId = str(ev.item_id)
    return itemId ? { itemId } : {}
  }

  private send(frame: Json): void {
    this.host?.send(JSON.stringify(frame))
  }

  protected emit(event: S2SEvent): void {
    this.host?.emit(event)
  }

  private log(line: string): void {
    this.host?.log(line)
  }

  /** A malformed frame: one 'protocol_error' event per second at most (the rest are logged). */
  private protocolError(message: string): void {
    const now = this.host ? this.host.now() : 0
    if (now - this.lastProtocolErrorAt < 1000) {
      this.suppressedProtocolErrors++
      this.log(`protocol error (repeat): ${message}`)
      return
    }
    const repeats = this.suppressedProtocolErrors
    this.suppressedProtocolErrors = 0
    this.lastProtocolErrorAt = now
    this.emit({ type: 'error', error: makeError('protocol_error', repeats ? `${message} (${repeats} similar problems before this one)` : message) })
  }
}

export function createOpenAIAdapter(options?: OpenAIAdapterOptions): OpenAIAdapter {
  return new OpenAIAdapter(options)
}

/**
 * xAI realtime (Grok Voice Agent) over WebSocket, as reached through a Speko provider_direct
 * session (adapter `xai.realtime.v1`). The protocol is OpenAI-Realtime-compatible, so this is the
 * OpenAI adapter with the differences xAI and the Speko SDK document (docs/protocols/xai.md):
 *
 * - auth: the credential's only subprotocol is `xai-client-secret.<token>` (minted in main);
 *   the URL is Speko's `endpoint` with `?model=`. Nothing here touches the socket.
 * - the first server event is `conversation.created`; the session is ready on `session.updated`
 *   (the OpenAI adapter already ignores conversation.created and takes session.updated as ready).
 * - session.update: `voice` and `turn_detection` sit on the session itself (not under
 *   audio.output / audio.input); input transcription model `grok-transcribe`; PCM16 24 kHz both
 *   ways. Voice, instructions and tools come from what Speko resolved (credential.upstreamSession)
 *   where it sent them, else from Earshot's settings.
 * - `conversation.item.input_audio_transcription.updated` carries cumulative corrections of the
 *   user's words: the new suffix becomes a 'user.delta'; a rewrite of earlier words waits for
 *   `.completed` (the final text replaces the entry).
 * - barge-in: xAI documents no `interrupt_response`, so on the server's speech_started the adapter
 *   cancels the active response itself (`response.cancel`), as the Speko SDK's interrupt() does.
 * - no proactive renewal: the Speko reservation bounds the session (authorizedDurationSeconds).
 */
import type { AdapterStartOptions, ProtocolId, SessionConfig, TurnTaking } from '../types'
import { OPENAI_SAMPLE_RATE, OpenAIAdapter } from './openai'
import { isObject, str, type Json } from './wire'

export const XAI_SUBPROTOCOL_PREFIX = 'xai-client-secret.'
export const XAI_TRANSCRIPTION_MODEL = 'grok-transcribe'

/** xAI's `turn_detection` (on the session itself) for a turn-taking mode. */
export function xaiTurnDetection(mode: TurnTaking): Json | null {
  return mode === 'manual' ? null : { type: 'server_vad' }
}

/** The xAI session.update for a start (config + what Speko resolved). */
export function buildXaiSessionUpdate(options: AdapterStartOptions): Json {
  const { config } = options
  const upstream = options.credential.upstreamSession ?? {}
  const voice = upstream.voice ?? config.voice
  const instructions = upstream.instructions ?? config.instructions ?? ''
  const tools = upstream.tools ?? config.tools ?? []
  // xAI documents server_vad only; push-to-talk (manual turn taking) turns it off.
  const session: Json = { type: 'realtime' }
  if (config.model) session.model = config.model
  session.output_modalities = ['audio']
  if (voice) session.voice = voice
  session.instructions = instructions
  session.turn_detection = xaiTurnDetection(config.turnTaking ?? 'auto')
  session.audio = {
    input: { format: { type: 'audio/pcm', rate: OPENAI_SAMPLE_RATE }, transcription: { model: XAI_TRANSCRIPTION_MODEL } },
    output: { format: { type: 'audio/pcm', rate: OPENAI_SAMPLE_RATE } },
  }
  session.tools = tools.map((t) => ({ type: 'function', name: t.name, description: t.description, parameters: t.parameters }))
  session.tool_choice = 'auto'
  return { type: 'session.update', session }
}

export class XaiAdapter extends OpenAIAdapter {
  override readonly protocol: ProtocolId = 'xai'
  /** Cumulative user transcript per item, as `.updated` last said it. */
  private readonly userSoFar = new Map<string, string>()

  constructor() {
    super({ renewAfterMs: null })
    this.serverInterrupts = false
  }

  protected override sessionUpdate(options: AdapterStartOptions): Json {
    return buildXaiSessionUpdate(options)
  }

  protected override turnTakingUpdate(_config: SessionConfig, mode: TurnTaking): Json {
    return { type: 'session.update', session: { type: 'realtime', turn_detection: xaiTurnDetection(mode) } }
  }

  protected override dispatch(type: string, ev: Json): void {
    switch (type) {
      case 'conversation.item.input_audio_transcription.updated': {
        const transcript = str(ev.transcript)
        if (transcript === undefined) return
        const itemId = str(ev.item_id) ?? ''
        const before = this.userSoFar.get(itemId) ?? ''
        this.userSoFar.set(itemId, transcript)
        if (transcript.startsWith(before) && transcript.length > before.length) {
          this.emit({ type: 'user.delta', ...(itemId ? { itemId } : {}), text: transcript.slice(before.length) })
        }
        return
      }
      case 'conversation.item.input_audio_transcription.delta': {
        const itemId = str(ev.item_id) ?? ''
        const delta = str(ev.delta)
        if (delta) this.userSoFar.set(itemId, (this.userSoFar.get(itemId) ?? '') + delta)
        return super.dispatch(type, ev)
      }
      case 'conversation.item.input_audio_transcription.completed':
        this.userSoFar.delete(str(ev.item_id) ?? '')
        return super.dispatch(type, ev)
      case 'session.updated': {
        // xAI echoes turn_detection on the session itself; interrupt_response is not an xAI field.
        const session = isObject(ev.session) ? ev.session : null
        if (session && isObject(session.turn_detection) && session.turn_detection.interrupt_response === true) this.serverInterrupts = true
        return super.dispatch(type, ev)
      }
      default:
        return super.dispatch(type, ev)
    }
  }
}

export function createXaiAdapter(): XaiAdapter {
  return new XaiAdapter()
}

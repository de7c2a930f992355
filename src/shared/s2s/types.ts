/**
 * The normalised speech-to-speech model. Every provider adapter translates its wire protocol to
 * and from these types, so the session runtime, the renderer, the CLI and the tests see one model.
 * Pure TypeScript: runs in the renderer (browser WebSocket) and in Node (`ws`) alike.
 */

/**
 * Wire protocols Earshot speaks. Demo mode speaks one of them to a local simulator. 'xai' is the
 * xAI realtime protocol, reached through a Speko provider_direct session (adapter xai.realtime.v1).
 * Each one is described (adapter, tool format, name) by a provider in src/shared/providers/.
 */
export const PROTOCOL_IDS = ['openai', 'assemblyai', 'speko', 'xai'] as const
export type ProtocolId = (typeof PROTOCOL_IDS)[number]

export type SessionStatus =
  | 'idle'
  | 'connecting'
  | 'ready'
  | 'listening'
  | 'thinking'
  | 'speaking'
  | 'reconnecting'
  | 'error'

/** Stable error codes (the UI and the CLI map them to actions and messages). */
export type S2SErrorCode =
  | 'auth_failed' // key or token rejected
  | 'token_expired'
  | 'rate_limited'
  | 'provider_unavailable' // 5xx, provider down
  | 'offline' // network unreachable
  | 'connection_lost' // the socket dropped
  | 'session_expired' // provider's session cap
  | 'protocol_error' // malformed or unexpected frame
  | 'provider_error' // an error event from the provider
  | 'tool_error'
  | 'timeout'
  | 'microphone' // capture problems (renderer)
  | 'internal'

export interface S2SError {
  code: S2SErrorCode
  message: string
  /** The provider's own code, when it sent one. */
  providerCode?: string
  /** True when the session cannot continue. */
  fatal: boolean
  /** Seconds to wait before retrying (rate limits). */
  retryAfterSeconds?: number
}

/**
 * What main's minting returns to whoever opens the socket: everything the socket needs and
 * nothing more. It never contains the real API key.
 */
export interface SessionCredential {
  protocol: ProtocolId
  /**
   * How the client reaches the provider: a WebSocket (the default when absent) or WebRTC (OpenAI
   * Realtime only: an SDP offer POSTed to `url`, events on the `oai-events` data channel, the
   * microphone and the reply as audio tracks; docs/protocols/openai-realtime.md, "WebRTC").
   */
  transport?: 'websocket' | 'webrtc'
  /** ws:// or wss:// URL to open; for WebRTC the https:// URL the SDP offer is POSTed to. */
  url: string
  /** WebSocket subprotocols to offer (OpenAI: realtime + ek_ key; Speko: the wsToken); [] for WebRTC. */
  protocols: string[]
  /** WebRTC: the short-lived secret the SDP request carries as `Authorization: Bearer` (never the API key). */
  bearer?: string
  /** Epoch ms after which the credential can no longer open a socket; null if unknown. */
  expiresAt: number | null
  /** Requested PCM16 sample rates; the provider may override them (Speko's ready frame). */
  inputSampleRate: number
  outputSampleRate: number
  /** Provider session id where the mint returns one (Speko). */
  sessionId?: string
  /**
   * Speko provider_direct sessions: where and how the client reports usage (see
   * shared/s2s/speko-telemetry.ts). Absent for every other credential.
   */
  telemetry?: SessionTelemetry
  /**
   * Speko provider_direct sessions: what Speko resolved for the upstream session (voice,
   * instructions, tools). The adapter configures the upstream with these where present.
   */
  upstreamSession?: { model?: string; voice?: string; instructions?: string; tools?: ToolDeclaration[] }
  /**
   * Speko provider_direct over WebRTC (OpenAI upstream): where the client POSTs the call id, with the
   * telemetry token, before it applies the answer (docs/protocols/speko.md).
   */
  sidebandUrl?: string
}

/** Usage reporting for a Speko provider_direct session (the mint reply's telemetry + ids). */
export interface SessionTelemetry {
  /** http(s) URL the reports are POSTed to. */
  url: string
  /** Bearer token for the reports (not the API key). */
  token: string
  flushIntervalMs: number
  sessionId: string
  attemptId: string
  /** The reservation's authorizedDurationSeconds, in ms: reported duration never exceeds it. */
  authorizedDurationMs: number
}

/** A tool as declared to the model (JSON Schema parameters, generated from zod in main). */
export interface ToolDeclaration {
  name: string
  description: string
  parameters: Record<string, unknown>
}

/**
 * How a user turn ends. 'auto': the provider's own turn detection (always-listening, or an open
 * microphone). 'manual': the client ends each turn itself (push-to-talk): the provider's turn
 * detection is off or held open, and the adapter ends the turn explicitly on endTurn().
 */
export type TurnTaking = 'auto' | 'manual'

/** What the session asks the provider for. Adapters map it to each provider's session config. */
export interface SessionConfig {
  instructions: string
  /** Spoken by the agent first; empty = the agent waits for the user. */
  greeting: string
  voice: string
  model: string
  tools: ToolDeclaration[]
  /** OpenAI: server_vad or semantic_vad. */
  turnDetection: 'server_vad' | 'semantic_vad'
  /** OpenAI input transcription model. */
  transcriptionModel: string
  /** How user turns end at the start of the session (default 'auto'); setTurnTaking() changes it. */
  turnTaking?: TurnTaking
  /** OpenAI-only session tuning (docs/protocols/openai-realtime.md); other dialects ignore it. */
  openai?: OpenAISessionTuning
}

/** OpenAI Realtime session fields beyond the basics (all optional: absent = the server's default). */
export interface OpenAISessionTuning {
  /** audio.input.noise_reduction: near_field (close microphone), far_field (laptop/room), or off (null). */
  noiseReduction?: 'near_field' | 'far_field' | 'off'
  /** server_vad: silence that ends a turn (ms). */
  silenceDurationMs?: number
  /** server_vad: a model response after this much silence following the last reply (ms); null = never. */
  idleTimeoutMs?: number | null
  /** semantic_vad: how soon the model answers. */
  eagerness?: 'low' | 'medium' | 'high' | 'auto'
  /** reasoning.effort, sent only to models that take it (the gpt-realtime-2 family). */
  reasoningEffort?: 'minimal' | 'low' | 'medium' | 'high' | 'xhigh'
  /** truncation {type:'retention_ratio'}: the fraction of the conversation kept when it overflows. */
  retentionRatio?: number
}

export type ToolResultStatus = 'ok' | 'error' | 'denied'

/**
 * Events the session emits, in the order things happened. Adapters emit all of them except
 * 'status', which the session runtime derives from the others (an adapter's own 'status' events
 * are taken as hints for listening/thinking/speaking only). Conventions adapters follow:
 * - 'tool.call' once per callId; the runtime also drops duplicates, including across reconnects.
 * - 'tool.result' is emitted by the adapter when it sends a result (sent: true) or drops it
 *   (sent: false, e.g. AssemblyAI's interrupted reply, or a call from a previous connection).
 * - 'error' with fatal: true ends the session (no reconnect); code 'session_expired' makes the
 *   runtime renew the session (fresh credential, conversation carried over).
 * - 'closed' with reason 'agent' means the provider ended the session on purpose: the runtime
 *   closes and does not reconnect. The runtime emits 'closed' itself in every other case.
 */
export type S2SEvent =
  | { type: 'status'; status: SessionStatus }
  /** The provider is ready for audio, at these (authoritative) rates. */
  | { type: 'ready'; inputSampleRate: number; outputSampleRate: number; sessionId?: string }
  | { type: 'user.speech.started' }
  | { type: 'user.speech.stopped' }
  /**
   * The provider's idle timeout fired: the user said nothing for the configured time after the
   * last reply. The provider commits the silence and answers on its own (OpenAI idle_timeout_ms).
   */
  | { type: 'user.idle'; itemId?: string; silentMs?: number }
  | { type: 'user.delta'; itemId?: string; text: string }
  | { type: 'user.final'; itemId?: string; text: string }
  | { type: 'reply.started'; responseId: string }
  | { type: 'agent.delta'; responseId?: string; itemId?: string; text: string }
  | { type: 'agent.final'; responseId?: string; itemId?: string; text: string; interrupted: boolean }
  /** Reply audio: PCM16 mono at the output rate. */
  | { type: 'audio'; responseId: string; itemId: string; pcm: Int16Array }
  /**
   * Playback must stop now and drop what is queued (the user barged in). Providers send audio
   * faster than real time, so the reply's agent.final (interrupted: false) may already have been
   * emitted: a 'bargein' naming that itemId/responseId while its audio was still playing means the
   * user heard only part of it (the playback owner knows how much).
   */
  | { type: 'bargein'; responseId?: string; itemId?: string }
  /**
   * Manual turn taking: the runtime ended the user's turn (committed: true) or dropped a turn too
   * short to be one (committed: false). Emitted by the session runtime, not by adapters.
   */
  | { type: 'turn.ended'; committed: boolean }
  | { type: 'reply.done'; responseId: string; status: 'completed' | 'interrupted' | 'cancelled' | 'failed' | 'incomplete' }
  | { type: 'tool.call'; callId: string; name: string; arguments: unknown; rawArguments: string; responseId?: string }
  | { type: 'tool.result'; callId: string; name: string; output: string; status: ToolResultStatus; sent: boolean }
  | {
      type: 'usage'
      inputTokens?: number
      outputTokens?: number
      inputAudioTokens?: number
      outputAudioTokens?: number
      totalTokens?: number
      /** Cached input tokens (a part of inputTokens), and their text/audio split when reported. */
      cachedTokens?: number
      cachedTextTokens?: number
      cachedAudioTokens?: number
    }
  | { type: 'error'; error: S2SError }
  | { type: 'closed'; reason: 'user' | 'agent' | 'error' | 'timeout' }

/**
 * The smallest socket surface both the browser WebSocket and `ws` satisfy (with binaryType
 * 'arraybuffer'). Adapters never touch a socket directly; the session runtime does.
 */
export interface SocketLike {
  readonly readyState: number
  readonly protocol: string
  binaryType: string
  send(data: string | ArrayBuffer | ArrayBufferView): void
  close(code?: number, reason?: string): void
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number; reason: string; wasClean?: boolean }) => void) | null
  onerror: ((event: unknown) => void) | null
  /**
   * A media transport (WebRTC) carries the microphone as an audio track instead of frames on the
   * socket: PCM16 mono at the session's input rate goes to that track here. Absent on a WebSocket.
   */
  sendAudio?(pcm: Int16Array): void
}

/** Opens the connection a credential describes (the credential says which transport). */
export type SocketFactory = (url: string, protocols: string[], credential?: SessionCredential) => SocketLike

/** Tells the core how much of an agent item was really heard (for truncation). */
export interface PlaybackReporter {
  /** Milliseconds of this item actually played so far (output latency subtracted where known). */
  playedMs(itemId: string): number
}

/** Provider state carried across a reconnect (AssemblyAI's session id for session.resume). */
export interface ResumeState {
  sessionId: string
  /** Epoch ms of the drop; resume is pointless after the provider's grace window. */
  droppedAt: number
}

/** One finished turn of the conversation, as text (carried over when a session is renewed). */
export interface ConversationTurn {
  role: 'user' | 'assistant'
  text: string
}

/** What the session runtime gives an adapter. */
export interface AdapterHost {
  /** Sends one frame on the socket (text JSON or binary PCM). */
  send(data: string | ArrayBuffer): void
  /**
   * Microphone audio for a media transport's audio track (WebRTC); false when the connection has
   * no media path (a WebSocket), so the adapter sends the audio in its own frames instead.
   */
  sendMedia?(pcm: Int16Array): boolean
  /** Emits a normalised event to the session's listeners. */
  emit(event: S2SEvent): void
  /** Milliseconds clock (injectable for tests). */
  now(): number
  /** How much of each agent item was really played (truncation). */
  playback: PlaybackReporter
  log(line: string): void
}

export interface AdapterStartOptions {
  config: SessionConfig
  credential: SessionCredential
  /** Present when reconnecting after a drop and the protocol supports resuming. */
  resume?: ResumeState
  /**
   * The conversation so far (final transcripts, oldest first), present on every reconnect and
   * renewal. Protocols without server-side resume (OpenAI) replay it as text items before audio.
   */
  history?: ConversationTurn[]
}

/**
 * One per provider: a pure translator between the provider's wire protocol and S2SEvent. It owns
 * protocol state (active response, pending tool results, ready flag) but no socket and no timers
 * beyond what the protocol requires; the session runtime owns connection, reconnects and pacing.
 */
export interface ProviderAdapter {
  readonly protocol: ProtocolId
  /** The socket is open: send the session configuration (or the resume request). */
  start(host: AdapterHost, options: AdapterStartOptions): void
  /** One frame from the server (string for text frames, ArrayBuffer for binary). */
  handleMessage(data: string | ArrayBuffer): void
  /** True once the provider accepts audio (AssemblyAI session.ready, Speko ready, OpenAI session.created). */
  readonly acceptsAudio: boolean
  /** PCM16 mono at the negotiated input rate. */
  sendAudio(pcm: Int16Array): void
  /**
   * A tool finished; the adapter sends it when its protocol allows (or drops it if interrupted)
   * and emits 'tool.result' saying which. `status` is informational (the output already says it).
   */
  sendToolResult(callId: string, output: string, status?: ToolResultStatus): void
  /** Local barge-in: stop/cancel/truncate as the protocol wants, using host.playback. */
  interrupt(): void
  /** Clean end (AssemblyAI session.end); the runtime closes the socket afterwards. */
  end(): void
  /** State to resume after a drop, or null when the protocol cannot resume. */
  resumeState(): ResumeState | null
  /** The socket closed (code and reason as received). */
  handleClose(code: number, reason: string): void
  /** Ask for a reply now (manual turn taking); absent when the protocol has no such request. */
  requestReply?(): void
  /** Commit the audio sent so far as a user turn (manual turn taking); absent when unsupported. */
  commit?(): void
  /** Switches how user turns end, mid-session (OpenAI and AssemblyAI send session.update). */
  setTurnTaking?(mode: TurnTaking): void
  /** Manual turn taking: a push-to-talk press starts a user turn (before its first audio). */
  beginTurn?(): void
  /**
   * Manual turn taking: the user's turn is over and its audio (tail included) has been sent. The
   * adapter ends it the provider's way (OpenAI commit + response.create, Speko commit, AssemblyAI
   * its shortest pacing plus the trailing silence that pacing needs). Returns false when the turn
   * held too little audio to be one and was dropped instead (OpenAI's 100 ms minimum).
   */
  endTurn?(): boolean
  /** Manual turn taking: drop the audio of the turn in progress (a press too short to mean anything). */
  cancelTurn?(): void
  /**
   * Replace the tools the model may call, mid-session (OpenAI and AssemblyAI: a `session.update`
   * carrying the new tools array). Absent: the protocol cannot, and the new list applies from the
   * next session (Speko).
   */
  updateTools?(tools: ToolDeclaration[]): void
  /**
   * The provider's hard session cap minus a margin: the runtime renews the session proactively
   * after this many ms from ready (OpenAI: 55 min). Absent or null: no proactive renewal.
   */
  readonly renewAfterMs?: number | null
}

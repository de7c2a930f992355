/**
 * What a Conversation is given: small ports for the audio, the tools, the session's provider and
 * where finished turns go. The voice window implements them over the AudioWorklet engine and
 * window.earshot; the CLI over WAV files, a simulated loudspeaker and main's own services; the
 * tests over the in-memory socket and clock of src/shared/s2s/testing.ts.
 */
import type { PendingConfirmation } from '../tools/types'
import type { TimerLike } from '../s2s/session'
import type { PlaybackReporter, ProtocolId, ProviderAdapter, S2SEvent, SessionConfig, SessionCredential, SocketFactory, ToolDeclaration, ToolResultStatus } from '../s2s/types'
import type { Entry } from './transcript'

/** Capture and playback. Frames come back through Conversation.sendAudio(), the tail's end through captureEnded(). */
export interface AudioPort {
  /** Start sending capture frames (the pre-roll first, so a syllable spoken just before the press is kept). */
  startCapture(): void
  /** Stop after the tail (~300 ms); then call Conversation.captureEnded(). */
  stopCapture(): void
  /** The provider's authoritative rates (its ready event). */
  setRates(input: number, output: number): void
  /** The provider accepts audio now: frames held while it connected may go. */
  ready?(): void
  /** The session that frames were held for is gone: drop them (they must not reach the next one). */
  discard?(): void
  /** Reply audio, PCM16 mono at the output rate. */
  play(event: Extract<S2SEvent, { type: 'audio' }>): void
  /** A reply ended (its last audio has arrived). */
  endReply(responseId: string, itemId: string | null): void
  /** Barge-in: silence now; resolves once nothing more of the reply can be heard. */
  flush(): Promise<void>
  /** Reply audio is being heard right now. */
  readonly isPlaying: boolean
  /** How much of each agent item was really played (truncation). */
  readonly reporter: PlaybackReporter
}

export interface ToolCallRequest {
  callId: string
  name: string
  arguments: unknown
  rawArguments: string
}

export interface ToolCallOutcome {
  output: string
  status: ToolResultStatus
}

/** The tools the agent may call. Running them (and asking the user) happens behind this port. */
export interface ToolsPort {
  run(call: ToolCallRequest): Promise<ToolCallOutcome>
  /** Calls waiting for the user's decision, whenever that list changes. */
  onPending?(listener: (pending: PendingConfirmation[]) => void): () => void
  /** The declared tool list changed (MCP servers come and go): the session gets the new list. */
  onDeclarationsChanged?(listener: (tools: ToolDeclaration[]) => void): () => void
}

/** What a new provider session needs. `open()` throws a ConversationStartError when it cannot start. */
export interface OpenedSession {
  config: SessionConfig
  /** A credential for each connection (the first one may be minted already). */
  mint: () => Promise<SessionCredential>
  provider: string
  model: string
}

export interface SessionPort {
  open(): Promise<OpenedSession>
  socketFactory: SocketFactory
  createAdapter: (protocol: ProtocolId) => ProviderAdapter
}

/** Why a session could not start (minting failed, no key, provider refused). */
export class ConversationStartError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ConversationStartError'
  }
}

/**
 * Where the conversation's record goes (history). `entry` is called when a transcript entry
 * becomes final, and again if it changes afterwards (a reply marked interrupted by a later
 * barge-in): keep the newest value per entry id. Partials are never passed.
 */
export interface TurnSink {
  begin?(meta: { provider: string; model: string; at: number }): void
  entry?(entry: Entry): void
  usage?(usage: Omit<Extract<S2SEvent, { type: 'usage' }>, 'type'>): void
  end?(at: number): void
}

/**
 * Reports about each session to whoever bills it (Speko provider_direct sessions: SpekoTelemetry).
 * Sees every credential minted and every session event; closed when the conversation is disposed.
 */
export interface SessionTelemetry {
  wrapMint(mint: () => Promise<SessionCredential>): () => Promise<SessionCredential>
  handle(event: S2SEvent): void
  close(): Promise<void>
}

/**
 * How a user turn ends:
 *  - 'push-to-talk': the press decides; the provider's turn detection is off (or held open) and the
 *    turn ends explicitly at release. A press while the agent speaks is a barge-in.
 *  - 'provider-vad': capture is open and the provider's turn detection ends turns (open microphone).
 */
export type TurnPolicy = 'push-to-talk' | 'provider-vad'

export type { TimerLike }

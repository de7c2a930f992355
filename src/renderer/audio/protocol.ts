/**
 * Messages between the audio engine (main thread) and its two worklets. Pure types and constants:
 * imported by both sides, so the protocol cannot drift.
 */

export const CAPTURE_PROCESSOR = 'earshot-capture'
export const PLAYBACK_PROCESSOR = 'earshot-playback'

export interface EchoGateParams {
  /** Mic RMS must exceed this multiple of the expected echo (coupling x playback level). */
  ratio: number
  /** Mic RMS below this never opens the gate (linear, full scale = 1). */
  floor: number
  /** Lowest echo coupling assumed (residual echo / playback level after platform AEC). */
  minCoupling: number
  /** Highest echo coupling assumed, and the starting estimate. */
  maxCoupling: number
  /** How long the expected-echo envelope holds after the playback level drops (echo path delay). */
  holdMs: number
  /** How long the gate stays open after the last frame that opened it. */
  hangMs: number
  /** Playback RMS below this counts as "the agent is silent" (no gating). */
  silence: number
}

export interface CaptureConfig {
  /** Negotiated uplink rate (PCM16 frames are produced at this rate). */
  targetRate: number
  preRollMs: number
  tailMs: number
  levelIntervalMs: number
}

export type CaptureInMessage =
  | { type: 'config'; config: CaptureConfig }
  | { type: 'rate'; rate: number }
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'mute'; muted: boolean }
  | { type: 'gate'; enabled: boolean; params?: Partial<EchoGateParams> }

/** One 20 ms PCM16 frame leaving the capture worklet (its buffer is transferred). */
export interface CaptureFrameMessage {
  type: 'frame'
  pcm: Int16Array
  rate: number
  /** Consecutive frame number since the worklet started (gaps mean dropped frames). */
  seq: number
  /** True when the frame came from the pre-roll ring (captured before the press). */
  preroll: boolean
  /** True when the echo gate replaced the frame by silence. */
  gated: boolean
  /** RMS and peak of the captured audio (before gating), full scale = 1. */
  rms: number
  peak: number
  /** Date.now() when the worklet produced the frame's first and last samples. */
  firstAt: number
  lastAt: number
}

export type CaptureOutMessage =
  | CaptureFrameMessage
  | { type: 'level'; rms: number; peak: number; gated: boolean; at: number }
  /** The tail after a stop has been sent; capture is back to filling the pre-roll ring. */
  | { type: 'stopped'; at: number }

export interface PlaybackConfig {
  startThresholdMs: number
  maxStartWaitMs: number
}

export type PlaybackInMessage =
  | { type: 'config'; config: PlaybackConfig }
  /** PCM16 at the context rate for one item (buffer transferred). */
  | { type: 'push'; itemId: string; pcm: Int16Array; sentAt: number }
  /** Barge-in: drop everything queued now. */
  | { type: 'flush'; id: number; sentAt: number }
  /** The node is done for good (an uplink that closed): the processor stops rendering. */
  | { type: 'stop' }

/** [itemId, samples rendered so far, samples received so far] */
export type ItemCount = [string, number, number]

export type PlaybackOutMessage =
  /** Sent after every render quantum that played something. */
  | { type: 'progress'; at: number; items: ItemCount[]; buffered: number; rms: number }
  /** Playback (re)started: the first sample of `itemId` was rendered in the quantum at `at`. */
  | { type: 'started'; at: number; itemId: string; waited: number }
  /** The ring ran dry (reply finished, or an underrun). */
  | { type: 'idle'; at: number; items: ItemCount[] }
  /** A flush took effect: the next quantum rendered is silent. */
  | { type: 'flushed'; id: number; at: number; sentAt: number; receivedAt: number; items: ItemCount[]; dropped: number }

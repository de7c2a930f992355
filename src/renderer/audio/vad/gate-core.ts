/**
 * The speech gate's decisions, kept free of workers and models so they can be tested in Node:
 * capture frames in, each with the VAD worker's verdict for it, and out only what may leave the
 * machine.
 *
 * - Closed: frames go into a ring (`preRollMs`, more with a wake phrase). Nothing leaves.
 * - Speech onset: `onsetMs` of consecutive frames whose speech probability is >= `threshold`
 *   (and whose level is above `minRms`). The gate opens: first the ring from `preRollMs` before
 *   the first speech frame (so the first syllable is kept), marked `preroll`, then live frames.
 * - Open: every frame leaves at once. Once the probability has stayed below
 *   `negativeThreshold` for `hangoverMs`, the gate closes (the quiet hangover went out, so a
 *   provider's own VAD sees the silence that ends the turn).
 * - Echo: a frame the capture worklet's echo gate marked `gated` (the agent's own voice, which
 *   the playback level explains) counts as silence whatever the VAD says: it cannot open the
 *   gate nor keep it open. See echo-gate.ts.
 * - Wake phrase: with one set, speech alone does not open the gate; a phrase score >=
 *   `wakeThreshold` (while there is, or just was, speech) does, releasing the ring from the start
 *   of that speech (the phrase itself and what followed it). `armFollowUp(ms)` opens a window in
 *   which speech opens the gate without the phrase (after a reply).
 * - `close()` closes now; the speech that was going on cannot reopen it, only new speech can.
 * Time is counted in frames (audio time), so results do not depend on how fast frames arrive.
 */
import type { FrameInfo } from '../engine'

export interface GateFrame {
  pcm: Int16Array
  info: FrameInfo
}

export interface Verdict {
  /** Speech probability of the last VAD window completed in this frame (null: none). */
  vad: number | null
  /** Phrase score of the last wake chunk completed in this frame (null: none). */
  wake: number | null
}

export interface SpeechGateParams {
  /** Audio released ahead of the first speech frame when the gate opens. The VAD notices a soft
   *  onset (a fricative) up to ~150 ms late, so 800 keeps >= 500 ms ahead of the first sound. */
  preRollMs: number
  /** Consecutive speech needed to open (filters clicks and other short sounds). */
  onsetMs: number
  /** Quiet needed to close again. */
  hangoverMs: number
  /** Speech probability at or above which a frame is speech. */
  threshold: number
  /** Speech probability below which a frame is quiet (hysteresis between the two). */
  negativeThreshold: number
  /** Frames quieter than this RMS (full scale 1) are never speech. */
  minRms: number
  /** Phrase score at or above which the wake phrase was said. */
  wakeThreshold: number
  /** With a wake phrase: how much audio the ring keeps (the phrase and what follows it). */
  wakeRingMs: number
  /** Default length of the follow-up window (armFollowUp() without an argument). */
  followUpMs: number
}

export const DEFAULT_GATE_PARAMS: SpeechGateParams = {
  preRollMs: 800,
  onsetMs: 40,
  hangoverMs: 800,
  threshold: 0.5,
  negativeThreshold: 0.35,
  minRms: 0.002,
  wakeThreshold: 0.5,
  wakeRingMs: 3000,
  followUpMs: 5000,
}

export type OpenReason = 'speech' | 'wake' | 'follow-up'
export type CloseReason = 'hangover' | 'closed'

export interface GateOpenEvent {
  reason: OpenReason
  /** Seq of the first frame released (the oldest pre-roll frame). */
  fromSeq: number
  /** Seq of the frame that opened it. */
  atSeq: number
  /** Audio released from the ring ahead of the opening frame. */
  prerollMs: number
  /** Pre-roll ahead of the first speech frame. */
  leadMs: number
  /** Date.now() when the opening frame was captured (its last sample). */
  capturedAt: number
  /** Phrase score, when a wake phrase opened it. */
  score?: number
}

export interface GateCloseEvent {
  reason: CloseReason
  /** Seq of the last frame that left. */
  lastSeq: number
  /** Audio that left while open, pre-roll included. */
  sentMs: number
}

export interface GateCallbacks {
  frame(pcm: Int16Array, info: FrameInfo): void
  open(event: GateOpenEvent): void
  close(event: GateCloseEvent): void
  /** A phrase score crossed the threshold (whether or not it opened the gate). */
  wake?(score: number, seq: number): void
}

const FRAME_MS = 20

function frameMs(frame: GateFrame): number {
  return (frame.pcm.length / frame.info.rate) * 1000
}

export class SpeechGateCore {
  params: SpeechGateParams
  private readonly cb: GateCallbacks
  private ring: GateFrame[] = []
  private ringMs = 0
  private isOpen = false
  private prob = 0
  private run = 0
  private runStart: GateFrame | null = null
  /** Speech segment (onset reached, hangover not yet over). */
  private segment = false
  private segmentStart: GateFrame | null = null
  private quietMs = 0
  private sinceSpeechMs = Infinity
  private wakeOn = false
  private followUpLeftMs = 0
  /** After close(): the segment going on may not reopen the gate. */
  private suppressed = false
  private sentMs = 0
  private lastSeq = -1

  constructor(params: Partial<SpeechGateParams>, callbacks: GateCallbacks) {
    this.params = { ...DEFAULT_GATE_PARAMS, ...params }
    this.cb = callbacks
  }

  get open(): boolean {
    return this.isOpen
  }

  /** True while the VAD hears speech (onset reached, hangover not over), open or not. */
  get speaking(): boolean {
    return this.segment
  }

  get wakePhrase(): boolean {
    return this.wakeOn
  }

  get followUpMs(): number {
    return this.followUpLeftMs
  }

  /** Audio held in the ring. */
  get heldMs(): number {
    return this.ringMs
  }

  setParams(params: Partial<SpeechGateParams>): void {
    this.params = { ...this.params, ...params }
    this.trim()
  }

  /** With a wake phrase on, only the phrase (or a follow-up window) opens the gate. */
  setWakePhrase(on: boolean): void {
    this.wakeOn = on
    if (!on) this.followUpLeftMs = 0
    this.trim()
  }

  /** After a reply: for `ms`, speech opens the gate without the wake phrase. */
  armFollowUp(ms = this.params.followUpMs): void {
    this.followUpLeftMs = Math.max(0, ms)
  }

  endFollowUp(): void {
    this.followUpLeftMs = 0
  }

  /** Closes now (the turn is over elsewhere, or the mode changed). */
  close(): void {
    if (this.segment) this.suppressed = true
    if (this.isOpen) this.finish('closed')
  }

  /** Forgets all audio and state (the microphone changed, the gate is re-armed). */
  reset(): void {
    if (this.isOpen) this.finish('closed')
    this.ring = []
    this.ringMs = 0
    this.prob = 0
    this.run = 0
    this.runStart = null
    this.segment = false
    this.segmentStart = null
    this.quietMs = 0
    this.sinceSpeechMs = Infinity
    this.suppressed = false
  }

  /** One capture frame and the worker's verdict on it. */
  process(frame: GateFrame, verdict: Verdict): void {
    const p = this.params
    const ms = frameMs(frame) || FRAME_MS
    if (verdict.vad !== null) this.prob = verdict.vad
    const echo = frame.info.gated
    const prob = echo || frame.info.rms < p.minRms ? 0 : this.prob
    const speech = prob >= p.threshold

    if (speech) {
      if (this.run === 0) this.runStart = frame
      this.run += ms
      this.sinceSpeechMs = 0
    } else {
      this.run = 0
      this.runStart = null
      this.sinceSpeechMs += ms
    }
    let onset = false
    if (!this.segment && this.run >= p.onsetMs) {
      onset = true
      this.segment = true
      this.segmentStart = this.runStart
      this.quietMs = 0
    } else if (this.segment) {
      if (prob < p.negativeThreshold) this.quietMs += ms
      else this.quietMs = 0
      if (this.quietMs >= p.hangoverMs) {
        this.segment = false
        this.segmentStart = null
        this.suppressed = false
      }
    }

    let wakeHit = false
    if (this.wakeOn && !echo && verdict.wake !== null && verdict.wake >= p.wakeThreshold) {
      this.cb.wake?.(verdict.wake, frame.info.seq)
      // The phrase is speech: a score with no speech around it is not trusted.
      wakeHit = this.sinceSpeechMs <= 1000
    }

    if (this.isOpen) {
      this.emit(frame, false)
      if (!this.segment) this.finish('hangover')
      return
    }

    this.ring.push(frame)
    this.ringMs += ms
    this.trim()

    const followUp = this.wakeOn && this.followUpLeftMs > 0
    let reason: OpenReason | null = null
    if (!this.suppressed) {
      if (!this.wakeOn && this.segment) reason = 'speech'
      else if (this.wakeOn && wakeHit) reason = 'wake'
      // Only speech that starts inside the window (not the tail of speech that did not open it).
      else if (followUp && onset) reason = 'follow-up'
    }
    if (this.wakeOn && this.followUpLeftMs > 0 && reason !== 'follow-up') this.followUpLeftMs = Math.max(0, this.followUpLeftMs - ms)
    if (!reason) return
    if (reason === 'follow-up') this.followUpLeftMs = 0
    if (reason === 'wake' && !this.segment) {
      // The VAD missed the phrase's onset: treat the phrase as the start of a segment.
      this.segment = true
      this.quietMs = 0
      this.segmentStart = null
    }
    this.suppressed = false
    this.openFrom(frame, reason, this.segmentStart ?? frame, reason === 'wake' ? (verdict.wake ?? undefined) : undefined)
  }

  private openFrom(at: GateFrame, reason: OpenReason, speechStart: GateFrame, score: number | undefined): void {
    const p = this.params
    // Release from `preRollMs` before the first speech frame (as far as the ring goes).
    let start = this.ring.indexOf(speechStart)
    if (start < 0) start = this.ring.length - 1
    let lead = 0
    while (start > 0 && lead < p.preRollMs) {
      start--
      lead += frameMs(this.ring[start]!)
    }
    const released = this.ring.slice(start)
    this.ring = []
    this.ringMs = 0
    this.isOpen = true
    this.sentMs = 0
    const prerollMs = released.slice(0, -1).reduce((sum, f) => sum + frameMs(f), 0)
    this.cb.open({
      reason,
      fromSeq: released[0]?.info.seq ?? at.info.seq,
      atSeq: at.info.seq,
      prerollMs,
      leadMs: lead,
      capturedAt: at.info.lastAt,
      ...(score !== undefined ? { score } : {}),
    })
    released.forEach((f, i) => this.emit(f, i < released.length - 1))
  }

  private emit(frame: GateFrame, preroll: boolean): void {
    this.sentMs += frameMs(frame)
    this.lastSeq = frame.info.seq
    this.cb.frame(frame.pcm, preroll ? { ...frame.info, preroll: true } : frame.info)
  }

  private finish(reason: CloseReason): void {
    this.isOpen = false
    this.cb.close({ reason, lastSeq: this.lastSeq, sentMs: this.sentMs })
  }

  private trim(): void {
    const p = this.params
    const keep = Math.max(p.preRollMs + p.onsetMs + 200, this.wakeOn ? p.wakeRingMs : 0)
    while (this.ring.length > 1 && this.ringMs - frameMs(this.ring[0]!) >= keep) {
      this.ringMs -= frameMs(this.ring.shift()!)
    }
  }
}

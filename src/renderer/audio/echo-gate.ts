import type { EchoGateParams } from './protocol'

/**
 * Echo gate for always-listening mode: keeps the agent from interrupting itself.
 *
 * Strategy (two layers):
 *  1. Platform echo cancellation. In always-listening mode the engine opens the microphone with
 *     echoCancellation and noiseSuppression forced on (devices.ts#audioConstraints). That removes
 *     most of the agent's voice from the microphone, but not all of it: laptop speakers next to the
 *     microphone, Bluetooth delay and loud volumes leave a residual that a server VAD can take for
 *     the user speaking, and the agent then barges in on itself.
 *  2. This gate, in the capture worklet, where the microphone and the playback signal are
 *     available sample-aligned (the playback worklet's output, after the volume gain, is wired into
 *     the capture worklet's second input). While the agent is audible the uplink carries silence
 *     unless the microphone is clearly louder than the echo we expect:
 *       - expected echo = coupling x playback envelope. The envelope is the playback RMS held for
 *         holdMs (the echo reaches the microphone later than we render it: output latency, the air,
 *         input latency) and then decaying.
 *       - coupling (how much of the playback comes back after the platform AEC) is learnt: in
 *         frames where the agent plays, the ratio mic/playback is tracked by a follower that falls
 *         fast and rises slowly, so it settles on the echo floor (pauses between the user's words)
 *         rather than on the user's speech. It is clamped to [minCoupling, maxCoupling].
 *       - a frame passes when mic RMS > max(floor, ratio x expected echo): the user is talking
 *         over the agent, a real barge-in. The gate then stays open for hangMs so the words that
 *         follow (quieter syllables included) go through whole.
 *     When the agent is silent (envelope below `silence`) the gate is open.
 *  Gated frames are sent as silence rather than dropped, so the provider's VAD sees a continuous
 *  stream and ends the user's turn normally. Push-to-talk does not use the gate: the user's press
 *  is the barge-in.
 */
export const DEFAULT_ECHO_GATE: EchoGateParams = {
  ratio: 4,
  floor: 0.01,
  minCoupling: 0.03,
  maxCoupling: 1,
  holdMs: 300,
  hangMs: 500,
  silence: 0.003,
}

export class EchoGate {
  params: EchoGateParams
  private envelope = 0
  private holdLeftMs = 0
  private coupling: number
  private openLeftMs = 0

  constructor(params: Partial<EchoGateParams> = {}) {
    this.params = { ...DEFAULT_ECHO_GATE, ...params }
    this.coupling = this.params.maxCoupling
  }

  setParams(params: Partial<EchoGateParams>): void {
    this.params = { ...this.params, ...params }
    this.coupling = Math.min(this.params.maxCoupling, Math.max(this.params.minCoupling, this.coupling))
  }

  /** The playback level over the last `ms` milliseconds (RMS of what was rendered). */
  reference(rms: number, ms: number): void {
    if (rms >= this.envelope) {
      this.envelope = rms
      this.holdLeftMs = this.params.holdMs
    } else if (this.holdLeftMs > 0) {
      this.holdLeftMs -= ms
    } else {
      // Decay by half every 50 ms once the hold is over.
      this.envelope = Math.max(rms, this.envelope * Math.pow(0.5, ms / 50))
    }
  }

  /** The echo level expected in the microphone now. */
  get expectedEcho(): number {
    return this.coupling * this.envelope
  }

  /** True while the agent is audible (the gate is armed). */
  get agentAudible(): boolean {
    return this.envelope >= this.params.silence
  }

  get estimatedCoupling(): number {
    return this.coupling
  }

  /** Decides one microphone frame of `ms` milliseconds: true = send it, false = send silence. */
  pass(micRms: number, ms: number): boolean {
    const p = this.params
    if (!this.agentAudible) {
      this.openLeftMs = 0
      return true
    }
    const threshold = Math.max(p.floor, p.ratio * this.expectedEcho)
    const speech = micRms > threshold
    // Learn the coupling from frames that are not a barge-in: fall fast, rise slowly.
    if (!speech && this.envelope > 0) {
      const ratio = micRms / this.envelope
      const k = ratio < this.coupling ? 0.5 : 0.02
      this.coupling = Math.min(p.maxCoupling, Math.max(p.minCoupling, this.coupling + k * (ratio - this.coupling)))
    }
    if (speech) {
      this.openLeftMs = p.hangMs
      return true
    }
    if (this.openLeftMs > 0) {
      this.openLeftMs -= ms
      return true
    }
    return false
  }

  reset(): void {
    this.envelope = 0
    this.holdLeftMs = 0
    this.openLeftMs = 0
    this.coupling = this.params.maxCoupling
  }
}

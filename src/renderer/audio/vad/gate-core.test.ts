// The speech gate's decisions (gate-core.ts) in plain Node: frames with scripted verdicts, so
// ring, onset, hangover, echo, wake phrase and follow-up are checked frame by frame.
import { describe, expect, it } from 'vitest'
import type { FrameInfo } from '../engine'
import { SpeechGateCore, type GateCloseEvent, type GateOpenEvent, type SpeechGateParams, type Verdict } from './gate-core'

function harness(params: Partial<SpeechGateParams> = {}) {
  const out: { seq: number; preroll: boolean }[] = []
  const opens: GateOpenEvent[] = []
  const closes: GateCloseEvent[] = []
  const wakes: number[] = []
  const core = new SpeechGateCore(params, {
    frame: (_pcm, info) => out.push({ seq: info.seq, preroll: info.preroll }),
    open: (e) => opens.push(e),
    close: (e) => closes.push(e),
    wake: (score) => wakes.push(score),
  })
  let seq = 0
  /** `n` frames of 20 ms at 24 kHz, each with this verdict (rms 0.1 unless given). */
  const feed = (n: number, verdict: Partial<Verdict> = {}, extra: Partial<FrameInfo> = {}) => {
    const first = seq
    for (let i = 0; i < n; i++) {
      const info: FrameInfo = { seq: seq++, rate: 24000, preroll: false, gated: false, rms: 0.1, peak: 0.2, firstAt: 0, lastAt: 0, ...extra }
      core.process({ pcm: new Int16Array(480), info }, { vad: verdict.vad ?? null, wake: verdict.wake ?? null })
    }
    return first
  }
  return { core, out, opens, closes, wakes, feed }
}

const quiet = { vad: 0.01 }
const voice = { vad: 0.95 }

describe('speech gate: ring and onset', () => {
  it('lets nothing out while nobody speaks, and keeps only a bounded ring', () => {
    const h = harness({ preRollMs: 600, onsetMs: 60 })
    h.feed(3000, quiet)
    expect(h.out).toHaveLength(0)
    expect(h.opens).toHaveLength(0)
    expect(h.core.heldMs).toBeLessThanOrEqual(600 + 60 + 200)
    expect(h.core.heldMs).toBeGreaterThanOrEqual(600)
  })

  it('opens after onsetMs of speech and releases preRollMs before the first speech frame, then live frames, in order', () => {
    const h = harness({ preRollMs: 600, onsetMs: 60 })
    h.feed(100, quiet)
    const speechAt = h.feed(2, voice)
    expect(h.opens).toHaveLength(0) // 40 ms of speech: not yet
    h.feed(1, voice)
    expect(h.opens).toHaveLength(1)
    const open = h.opens[0]!
    expect(open.reason).toBe('speech')
    expect(open.fromSeq).toBe(speechAt - 30)
    expect(open.leadMs).toBe(600)
    expect(open.prerollMs).toBe(600 + 40)
    // 30 pre-roll frames + the 2 speech frames held, all marked preroll; the opening frame is live.
    expect(h.out.slice(0, 32).every((f) => f.preroll)).toBe(true)
    expect(h.out[32]).toEqual({ seq: speechAt + 2, preroll: false })
    h.feed(10, voice)
    const seqs = h.out.map((f) => f.seq)
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i))
    expect(h.out.slice(33).every((f) => !f.preroll)).toBe(true)
  })

  it('releases only what the ring has when speech starts early', () => {
    const h = harness({ preRollMs: 600, onsetMs: 60 })
    h.feed(5, quiet)
    h.feed(3, voice)
    expect(h.opens[0]!.fromSeq).toBe(0)
    expect(h.opens[0]!.leadMs).toBe(100)
  })

  it('a short sound (a click: one window of speech-like probability) does not open it', () => {
    const h = harness({ onsetMs: 60 })
    for (let i = 0; i < 50; i++) {
      h.feed(2, { vad: 0.9 })
      h.feed(20, quiet)
    }
    expect(h.out).toHaveLength(0)
  })

  it('frames below minRms are never speech, whatever the model says', () => {
    const h = harness({ minRms: 0.002 })
    h.feed(50, voice, { rms: 0.001 })
    expect(h.out).toHaveLength(0)
  })

  it('carries the last window probability over frames that completed none (null verdicts)', () => {
    const h = harness({ onsetMs: 60 })
    h.feed(1, voice)
    h.feed(2, {})
    expect(h.opens).toHaveLength(1)
  })
})

describe('speech gate: hangover', () => {
  it('stays open through pauses shorter than the hangover, closes after it, and the hangover went out', () => {
    const h = harness({ hangoverMs: 800, onsetMs: 60 })
    h.feed(50, quiet)
    h.feed(20, voice)
    h.feed(30, quiet) // 600 ms pause
    h.feed(20, voice)
    expect(h.closes).toHaveLength(0)
    const before = h.out.length
    h.feed(39, quiet)
    expect(h.closes).toHaveLength(0)
    h.feed(1, quiet) // 800 ms of quiet
    expect(h.closes).toEqual([expect.objectContaining({ reason: 'hangover' })])
    expect(h.out.length - before).toBe(40)
    h.feed(100, quiet)
    expect(h.out.length - before).toBe(40)
  })

  it('the hysteresis: probabilities between the thresholds neither open nor end speech', () => {
    const h = harness({ threshold: 0.5, negativeThreshold: 0.35, hangoverMs: 400 })
    h.feed(100, { vad: 0.45 })
    expect(h.opens).toHaveLength(0)
    h.feed(5, voice)
    h.feed(100, { vad: 0.4 })
    expect(h.closes).toHaveLength(0)
    h.feed(20, quiet)
    expect(h.closes).toHaveLength(1)
  })

  it('close() ends the opening now, and the speech going on cannot reopen it; new speech can', () => {
    const h = harness({ hangoverMs: 400 })
    h.feed(20, quiet)
    h.feed(20, voice)
    h.core.close()
    expect(h.closes).toEqual([expect.objectContaining({ reason: 'closed' })])
    const n = h.out.length
    h.feed(50, voice)
    expect(h.out.length).toBe(n)
    h.feed(30, quiet)
    h.feed(10, voice)
    expect(h.opens).toHaveLength(2)
  })
})

describe('speech gate: echo', () => {
  it('frames the echo gate marked count as silence: they neither open the gate nor keep it open', () => {
    const h = harness({ hangoverMs: 400 })
    h.feed(100, voice, { gated: true })
    expect(h.out).toHaveLength(0)
    h.feed(10, voice)
    expect(h.opens).toHaveLength(1)
    h.feed(20, voice, { gated: true })
    expect(h.closes).toHaveLength(1)
  })
})

describe('speech gate: wake phrase and follow-up', () => {
  it('with a phrase on, speech alone does not open it; the phrase does, releasing from the start of the speech', () => {
    const h = harness({ preRollMs: 600, wakeThreshold: 0.5, wakeRingMs: 3000 })
    h.core.setWakePhrase(true)
    h.feed(100, quiet)
    h.feed(200, { vad: 0.95, wake: 0.1 })
    expect(h.out).toHaveLength(0)
    h.feed(100, quiet)
    const speechAt = h.feed(40, voice) // "hey jarvis, what ..."
    h.feed(1, { vad: 0.95, wake: 0.9 })
    expect(h.opens).toEqual([expect.objectContaining({ reason: 'wake', fromSeq: speechAt - 30, score: 0.9 })])
    expect(h.wakes).toEqual([0.9])
  })

  it('a phrase score with no speech around it does not open it', () => {
    const h = harness()
    h.core.setWakePhrase(true)
    h.feed(200, { vad: 0.01, wake: 0.99 })
    expect(h.opens).toHaveLength(0)
  })

  it('follow-up: within the window speech opens it without the phrase, once; after the window it does not', () => {
    const h = harness({ followUpMs: 2000, hangoverMs: 400 })
    h.core.setWakePhrase(true)
    h.feed(50, quiet)
    h.core.armFollowUp()
    h.feed(50, quiet) // 1 s of the window
    h.feed(10, voice)
    expect(h.opens.map((o) => o.reason)).toEqual(['follow-up'])
    expect(h.core.followUpMs).toBe(0)
    h.feed(40, quiet)
    h.feed(10, voice)
    expect(h.opens.map((o) => o.reason)).toEqual(['follow-up'])
    h.core.armFollowUp(1000)
    h.feed(51, quiet)
    expect(h.core.followUpMs).toBe(0)
    h.feed(10, voice)
    expect(h.opens).toHaveLength(1)
  })

  it('turning the phrase off goes back to plain speech', () => {
    const h = harness()
    h.core.setWakePhrase(true)
    h.feed(20, voice)
    h.feed(50, quiet)
    expect(h.opens).toHaveLength(0)
    h.core.setWakePhrase(false)
    h.feed(5, voice)
    expect(h.opens.map((o) => o.reason)).toEqual(['speech'])
  })
})

describe('speech gate: timing is audio time', () => {
  it('16 kHz frames count the same 20 ms', () => {
    const out: number[] = []
    const core = new SpeechGateCore({ onsetMs: 60, preRollMs: 600 }, { frame: (_p, i) => out.push(i.seq), open: () => {}, close: () => {} })
    for (let seq = 0; seq < 100; seq++) {
      const info: FrameInfo = { seq, rate: 16000, preroll: false, gated: false, rms: 0.1, peak: 0.1, firstAt: 0, lastAt: 0 }
      core.process({ pcm: new Int16Array(320), info }, { vad: seq >= 60 ? 0.9 : 0.01, wake: null })
    }
    expect(out[0]).toBe(30)
  })
})

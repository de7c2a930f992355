import { describe, expect, it } from 'vitest'
import { PacedSender, type PacerClock } from './pacer'

/** A manual clock: timers fire only when the test advances time. */
function manualClock() {
  let now = 0
  let timers: { at: number; fn: () => void; id: number }[] = []
  let nextId = 1
  const clock: PacerClock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++
      timers.push({ at: now + ms, fn, id })
      return id
    },
    clearTimeout: (id) => {
      timers = timers.filter((timer) => timer.id !== id)
    },
  }
  const advance = (ms: number, step = 1) => {
    const end = now + ms
    while (now < end) {
      now = Math.min(end, now + step)
      for (;;) {
        const due = timers.filter((timer) => timer.at <= now).sort((a, b) => a.at - b.at)[0]
        if (!due) break
        timers = timers.filter((timer) => timer !== due)
        due.fn()
      }
    }
  }
  return { clock, advance, now: () => now }
}

describe('PacedSender', () => {
  it('sends 20 ms frames never ahead of the wall clock, then silence', () => {
    const { clock, advance, now } = manualClock()
    const samples = Int16Array.from({ length: 480 * 3 + 100 }, (_, i) => (i % 1000) + 1)
    const sent: { at: number; frame: Int16Array }[] = []
    let fileEndAt = -1
    const sender = new PacedSender({ samples, rate: 24000, send: (frame) => sent.push({ at: now(), frame }), canSend: () => true, clock, onFileEnd: () => (fileEndAt = now()) })
    sender.start()
    expect(sent).toHaveLength(0) // nothing before 20 ms of audio exist
    advance(200)
    expect(sent.length).toBe(10)
    sent.forEach((entry, k) => {
      expect(entry.frame.length).toBe(480)
      expect(entry.at).toBeGreaterThanOrEqual((k + 1) * 20) // never ahead
      expect(entry.at).toBeLessThanOrEqual((k + 1) * 20 + 1) // and not lagging
    })
    expect([...sent[0]!.frame]).toEqual([...samples.subarray(0, 480)])
    expect([...sent[3]!.frame.subarray(0, 100)]).toEqual([...samples.subarray(1440, 1540)])
    expect(sent[3]!.frame.subarray(100).every((s) => s === 0)).toBe(true) // last partial frame padded
    expect(sent.slice(4).every((entry) => entry.frame.every((s) => s === 0))).toBe(true) // open-mic silence
    expect(fileEndAt).toBe(80)
    expect(sender.fileDone).toBe(true)
    sender.stop()
    advance(100)
    expect(sent.length).toBe(10)
  })

  it('waits until the provider can take audio and pauses without a burst', () => {
    const { clock, advance, now } = manualClock()
    let ready = false
    const sent: number[] = []
    const sender = new PacedSender({ samples: new Int16Array(16000), rate: 16000, send: () => sent.push(now()), canSend: () => ready, clock })
    sender.start()
    advance(500)
    expect(sent).toHaveLength(0)
    ready = true
    sender.poke()
    advance(100)
    expect(sent).toHaveLength(5)
    expect(sent[0]).toBe(520)
    ready = false
    advance(1000)
    expect(sent).toHaveLength(5)
    ready = true
    sender.poke()
    advance(40)
    // After the pause it resumes at real time: two frames in 40 ms, no catch-up burst.
    expect(sent).toHaveLength(7)
    expect(sender.framesSent).toBe(7)
    const total = sent.length * 20
    expect(total).toBeLessThanOrEqual(now() - 500 - 1000)
  })

  it('sends frames of the right size at 16 kHz and 24 kHz', () => {
    for (const [rate, size] of [
      [16000, 320],
      [24000, 480],
      [48000, 960],
    ] as const) {
      const { clock, advance } = manualClock()
      const frames: Int16Array[] = []
      new PacedSender({ samples: new Int16Array(rate), rate, send: (frame) => frames.push(frame), canSend: () => true, clock }).start()
      advance(60)
      expect(frames.map((frame) => frame.length)).toEqual([size, size, size])
    }
  })
})

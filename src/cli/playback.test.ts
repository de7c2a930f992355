import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { SimulatedPlayer } from './playback'

const ramp = (n: number, from = 0) => Int16Array.from({ length: n }, (_, i) => (from + i) % 30000)

describe('SimulatedPlayer', () => {
  it('plays chunks back to back from the moment they arrive', () => {
    let t = 1000
    const player = new SimulatedPlayer(1000, () => t) // 1 sample per ms keeps the arithmetic readable
    player.enqueue('item1', 'r1', ramp(100))
    t = 1050
    expect(player.playedMs('item1')).toBe(50)
    player.enqueue('item1', 'r1', ramp(100, 100)) // queued behind: starts at 1100
    expect(player.idleAt).toBe(1200)
    t = 1150
    expect(player.playedMs('item1')).toBe(150)
    expect(player.playing).toBe(true)
    expect(player.isPlayingResponse('r1')).toBe(true)
    t = 1300
    expect(player.playing).toBe(false)
    expect(player.isPlayingResponse('r1')).toBe(false)
    expect([...player.output()]).toEqual([...ramp(200)])
  })

  it('starts late audio at its arrival, not at the end of earlier playback', () => {
    let t = 0
    const player = new SimulatedPlayer(1000, () => t)
    player.enqueue('a', 'r1', ramp(10))
    t = 500
    player.enqueue('b', 'r2', ramp(10))
    expect(player.idleAt).toBe(510)
    t = 505
    expect(player.playedMs('a')).toBe(10)
    expect(player.playedMs('b')).toBe(5)
  })

  it('on stop keeps what was played and drops the unplayed rest', () => {
    let t = 0
    const player = new SimulatedPlayer(24000, () => t)
    const reply = ramp(24000) // 1 s
    player.enqueue('item', 'resp', reply.subarray(0, 12000))
    player.enqueue('item', 'resp', reply.subarray(12000))
    t = 700 // 0.7 s played
    expect(player.playedMs('item')).toBe(700)
    const dropped = player.stop()
    expect(dropped).toBe(24000 - 16800)
    expect(player.droppedSamples('resp')).toBe(7200)
    expect(player.playing).toBe(false)
    t = 2000
    expect(player.playedMs('item')).toBe(700)
    const out = player.output()
    expect(out.length).toBe(16800)
    expect([...out]).toEqual([...reply.subarray(0, 16800)])
    // Audio after a barge-in starts afresh.
    player.enqueue('item2', 'resp2', ramp(240))
    t = 2010
    expect(player.output().length).toBe(16800 + 240)
  })

  it('output is always a prefix-ordered concatenation of what was played, unchanged (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 50 }), len: fc.integer({ min: 1, max: 40 }), stop: fc.boolean() }), { maxLength: 30 }),
        (steps) => {
          let t = 0
          const player = new SimulatedPlayer(1000, () => t)
          let counter = 0
          const expected: number[] = []
          let pending: { s: number[]; start: number }[] = []
          let endsAt = 0
          for (const step of steps) {
            t += step.gap
            if (step.stop) {
              for (const p of pending) expected.push(...p.s.slice(0, Math.max(0, Math.min(p.s.length, t - p.start))))
              pending = []
              endsAt = t
              player.stop()
              continue
            }
            const s = Array.from({ length: step.len }, () => counter++ % 32000)
            const start = Math.max(t, endsAt)
            pending.push({ s, start })
            endsAt = start + step.len
            player.enqueue('i', 'r', Int16Array.from(s))
          }
          for (const p of pending) expected.push(...p.s.slice(0, Math.max(0, Math.min(p.s.length, t - p.start))))
          player.stop()
          expect([...player.output()]).toEqual(expected)
        },
      ),
    )
  })
})

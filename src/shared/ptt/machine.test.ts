import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  DEFAULT_PTT_OPTIONS,
  initialPttState,
  isCapturing,
  pttStep,
  type PttCommand,
  type PttInput,
  type PttMode,
  type PttState,
} from './machine'
import { PushToTalk, type PttClock } from './controller'

const T = DEFAULT_PTT_OPTIONS.tapMs
const MAX = DEFAULT_PTT_OPTIONS.maxHoldMs

type Step = PttInput
const down = (at: number): Step => ({ type: 'key-down', at })
const up = (at: number): Step => ({ type: 'key-up', at })
const toggle = (at: number): Step => ({ type: 'toggle', at })
const tick = (at: number): Step => ({ type: 'tick', at })
const ended = (at: number): Step => ({ type: 'session-ended', at })
const mode = (m: PttMode, at: number): Step => ({ type: 'set-mode', mode: m, at })
const muted = (value: boolean, at: number): Step => ({ type: 'set-muted', muted: value, at })

/** Runs inputs; returns every command (in order) and the final state. */
function run(m: PttMode, steps: Step[]): { commands: PttCommand[]; state: PttState; trace: PttCommand[][] } {
  let state = initialPttState(m)
  const commands: PttCommand[] = []
  const trace: PttCommand[][] = []
  for (const step of steps) {
    const next = pttStep(state, step)
    state = next.state
    commands.push(...next.commands)
    trace.push(next.commands)
  }
  return { commands, state, trace }
}

const startLive: PttCommand = { type: 'start-capture' }
const stopBy = (reason: Extract<PttCommand, { type: 'stop-capture' }>['reason']): PttCommand => ({ type: 'stop-capture', reason })

/** Auto-repeat key-downs every 33 ms from `from` to `to` (exclusive), after a 500 ms delay. */
function repeats(from: number, to: number): Step[] {
  const out: Step[] = []
  for (let at = from + 500; at < to; at += 33) out.push(down(at))
  return out
}

describe('hold mode', () => {
  it('talks while the key is down', () => {
    const { commands, state } = run('hold', [down(0), up(2000)])
    expect(commands).toEqual([startLive, stopBy('key-up')])
    expect(state.phase).toBe('idle')
  })

  it('ignores auto-repeat key-downs while held', () => {
    const { commands } = run('hold', [down(0), ...repeats(0, 3000), up(3000)])
    expect(commands).toEqual([startLive, stopBy('key-up')])
  })

  it('a short tap still ends on key-up (hold has no latch)', () => {
    const { commands, state } = run('hold', [down(0), up(50)])
    expect(commands).toEqual([startLive, stopBy('key-up')])
    expect(isCapturing(state)).toBe(false)
  })

  it('a stray key-up with no press does nothing', () => {
    expect(run('hold', [up(10)]).commands).toEqual([])
  })
})

describe('toggle mode', () => {
  it('press starts, the next press stops, repeats and key-ups in between do not matter', () => {
    const { trace, state } = run('toggle', [down(0), ...repeats(0, 1000), up(1000), down(5000), ...repeats(5000, 6000), up(6000)])
    const flat = trace.flat()
    expect(flat).toEqual([startLive, stopBy('toggle')])
    // the stop happens on the second key-down, not on its key-up
    expect(trace[trace.length - 1]).toEqual([])
    expect(state.phase).toBe('idle')
  })

  it('a press-only toggle source starts and stops', () => {
    expect(run('toggle', [toggle(0), toggle(4000)]).commands).toEqual([startLive, stopBy('toggle')])
  })

  it('a press-only toggle works in hold mode too (globalShortcut fallback, --toggle)', () => {
    expect(run('hold', [toggle(0), toggle(100)]).commands).toEqual([startLive, stopBy('toggle')])
  })
})

describe('auto mode', () => {
  it('a hold (>= tap time) talks until key-up', () => {
    expect(run('auto', [down(0), up(T)]).commands).toEqual([startLive, stopBy('key-up')])
    expect(run('auto', [down(0), ...repeats(0, 2000), up(2000)]).commands).toEqual([startLive, stopBy('key-up')])
  })

  it('a tap (< tap time) latches; the next press stops', () => {
    const first = run('auto', [down(0), up(T - 1)])
    expect(first.commands).toEqual([startLive])
    expect(first.state.phase).toBe('latched')
    const both = run('auto', [down(0), up(T - 1), down(3000), up(3100)])
    expect(both.commands).toEqual([startLive, stopBy('toggle')])
    expect(both.state.phase).toBe('idle')
  })

  it('after stopping a latch, its auto-repeats do not start a new capture', () => {
    const { commands, state } = run('auto', [down(0), up(100), down(3000), ...repeats(3000, 4500), up(4500)])
    expect(commands).toEqual([startLive, stopBy('toggle')])
    expect(state.phase).toBe('idle')
  })

  it('capture starts on key-down, before the machine knows whether it is a tap', () => {
    const { trace } = run('auto', [down(0)])
    expect(trace[0]).toEqual([startLive])
  })
})

describe('lost key-ups', () => {
  it('the watchdog ends a hold whose key-up never came', () => {
    const { commands, state } = run('hold', [down(0), tick(MAX - 1), tick(MAX)])
    expect(commands).toEqual([startLive, stopBy('watchdog')])
    expect(isCapturing(state)).toBe(false)
  })

  it('after the watchdog, repeats of a key that really is still down do not restart, and its late key-up is ignored', () => {
    const held = [...repeats(0, MAX), tick(MAX), ...repeats(MAX - 500, MAX + 2000).slice(1)]
    const { commands, state } = run('hold', [down(0), ...held, up(MAX + 2000), up(MAX + 2010)])
    expect(commands).toEqual([startLive, stopBy('watchdog')])
    expect(state.phase).toBe('idle')
  })

  it('the watchdog counts from the last fresh press, not from the first', () => {
    // key-up lost at ~1 s; a new press at 10 s restarts the hold
    const { commands } = run('hold', [down(0), down(10_000), tick(MAX), tick(MAX + 9_999), tick(MAX + 10_000)])
    expect(commands).toEqual([startLive, stopBy('watchdog')])
  })

  it('a fresh press after a lost key-up in toggle-stop is not swallowed', () => {
    // latched, press to stop, its key-up is lost, the user presses again 5 s later: capture starts
    const { commands, state } = run('toggle', [toggle(0), down(1000), down(6000)])
    expect(commands).toEqual([startLive, stopBy('toggle'), startLive])
    expect(state.phase).toBe('pressed')
  })

  it('the watchdog does not touch a hands-free latch', () => {
    const { commands, state } = run('toggle', [down(0), up(100), tick(MAX * 3)])
    expect(commands).toEqual([startLive])
    expect(state.phase).toBe('latched')
  })
})

describe('mode switches while talking', () => {
  it('a press keeps the mode it began with', () => {
    // began in hold, switched to toggle mid-press: the key-up still ends it
    expect(run('hold', [down(0), mode('toggle', 500), up(1000)]).commands).toEqual([startLive, stopBy('key-up')])
    // began in toggle, switched to auto mid-press: the key-up latches as toggle would...
    const t = run('toggle', [down(0), mode('auto', 50), up(1000)])
    expect(t.commands).toEqual([startLive])
    expect(t.state.phase).toBe('latched')
    // ...and the next press uses the new mode's rules
    expect(t.state.mode).toBe('auto')
  })

  it('a press that would latch stops instead when the mode became hold meanwhile (no latch in hold mode)', () => {
    const { commands, state } = run('toggle', [down(0), mode('hold', 50), up(100)])
    expect(commands).toEqual([startLive, stopBy('mode-change')])
    expect(state.phase).toBe('idle')
  })

  it('switching to hold while latched stops the capture', () => {
    expect(run('toggle', [toggle(0), mode('hold', 100)]).commands).toEqual([startLive, stopBy('mode-change')])
    expect(run('auto', [down(0), up(50), mode('hold', 100)]).commands).toEqual([startLive, stopBy('mode-change')])
  })

  it('switching between toggle and auto keeps a latch', () => {
    const { commands, state } = run('toggle', [toggle(0), mode('auto', 100)])
    expect(commands).toEqual([startLive])
    expect(state.phase).toBe('latched')
  })
})

describe('the session ends', () => {
  it('a held press is dropped (session-ended), and its auto-repeats and key-up start nothing', () => {
    const { trace, state } = run('hold', [down(0), ended(900), ...repeats(0, 1500), up(1500)])
    expect(trace[1]).toEqual([stopBy('session-ended')])
    expect(trace.slice(2).flat()).toEqual([])
    expect(state.phase).toBe('idle')
  })

  it('a latched capture is dropped; with nothing captured it means nothing', () => {
    expect(run('toggle', [toggle(0), ended(100)]).trace[1]).toEqual([stopBy('session-ended')])
    expect(run('toggle', [ended(0)]).commands).toEqual([])
  })

  it('always-listening taking the microphone ends a press as a turn (hand-over), where a cancel drops it', () => {
    expect(run('hold', [down(0), { type: 'hand-over', at: 500 }]).trace[1]).toEqual([stopBy('hand-over')])
    expect(run('hold', [down(0), { type: 'cancel', at: 500 }]).trace[1]).toEqual([stopBy('cancel')])
    expect(run('hold', [{ type: 'hand-over', at: 0 }]).commands).toEqual([])
  })

  it('a press always starts capture at once: main does not wait for, or track, the session', () => {
    expect(run('hold', [down(0)]).commands).toEqual([startLive])
  })
})

describe('mute', () => {
  it('a press while muted is blocked, and its key-up does not latch anything', () => {
    const { commands, state } = run('auto', [muted(true, 0), down(10), up(50)])
    expect(commands).toEqual([{ type: 'blocked', reason: 'muted' }])
    expect(state.phase).toBe('idle')
  })

  it('muting while talking stops the capture; unmuting does not restart it', () => {
    expect(run('toggle', [toggle(0), muted(true, 100), muted(false, 200)]).commands).toEqual([startLive, stopBy('muted')])
  })
})

describe('invariants over random key sequences', () => {
  const input = fc.oneof(
    fc.constant('key-down' as const),
    fc.constant('key-up' as const),
    fc.constant('toggle' as const),
    fc.constant('tick' as const),
    fc.constantFrom('hold', 'toggle', 'auto').map((m) => ({ mode: m as PttMode })),
    fc.constant({ ended: true as const }),
    fc.boolean().map((m) => ({ muted: m })),
  )

  it('start and stop alternate and the state agrees with them', () => {
    fc.assert(
      fc.property(fc.constantFrom<PttMode>('hold', 'toggle', 'auto'), fc.array(fc.tuple(input, fc.integer({ min: 0, max: 200_000 })), { maxLength: 60 }), (m, ops) => {
        let state = initialPttState(m)
        let at = 0
        let capturing = false
        for (const [op, gap] of ops) {
          at += gap
          const step: PttInput =
            op === 'key-down' ? down(at)
            : op === 'key-up' ? up(at)
            : op === 'toggle' ? toggle(at)
            : op === 'tick' ? tick(at)
            : 'mode' in op ? mode(op.mode, at)
            : 'ended' in op ? ended(at)
            : muted(op.muted, at)
          const next = pttStep(state, step)
          for (const c of next.commands) {
            if (c.type === 'start-capture') {
              expect(capturing).toBe(false)
              expect(state.muted).toBe(false)
              capturing = true
            } else if (c.type === 'stop-capture') {
              expect(capturing).toBe(true)
              capturing = false
            }
          }
          state = next.state
          expect(isCapturing(state)).toBe(capturing)
          if (state.muted) expect(capturing).toBe(false)
          // a held key never outlives the watchdog by more than one tick
          if (state.phase === 'pressed') expect(state.downAt).not.toBeNull()
        }
      }),
      { numRuns: 500 },
    )
  })
})

describe('PushToTalk (with a clock)', () => {
  function fakeClock() {
    let now = 0
    const timers: { at: number; fn: () => void; live: boolean }[] = []
    const clock: PttClock = {
      now: () => now,
      schedule: (fn, ms) => {
        const timer = { at: now + ms, fn, live: true }
        timers.push(timer)
        return () => (timer.live = false)
      },
    }
    const advance = (ms: number) => {
      const until = now + ms
      for (;;) {
        const due = timers.filter((t) => t.live && t.at <= until).sort((a, b) => a.at - b.at)[0]
        if (!due) break
        now = due.at
        due.live = false
        due.fn()
      }
      now = until
    }
    return { clock, advance, live: () => timers.filter((t) => t.live).length }
  }

  it('the watchdog fires on its own after maxHoldMs, and only once', () => {
    const { clock, advance, live } = fakeClock()
    const ptt = new PushToTalk('hold', clock)
    const seen: PttCommand[] = []
    ptt.onCommands((commands) => seen.push(...commands))
    ptt.keyDown()
    expect(live()).toBe(1)
    advance(MAX - 1)
    expect(ptt.capturing).toBe(true)
    advance(1)
    expect(ptt.capturing).toBe(false)
    expect(seen).toEqual([startLive, stopBy('watchdog')])
    expect(live()).toBe(0)
  })

  it('a normal key-up disarms the watchdog', () => {
    const { clock, advance, live } = fakeClock()
    const ptt = new PushToTalk('hold', clock)
    ptt.keyDown()
    advance(1000)
    ptt.keyUp()
    expect(live()).toBe(0)
    advance(MAX * 2)
    expect(ptt.state.phase).toBe('idle')
  })

  it('auto mode measures taps with the clock', () => {
    const { clock, advance } = fakeClock()
    const ptt = new PushToTalk('auto', clock)
    ptt.keyDown()
    advance(T - 50)
    ptt.keyUp()
    expect(ptt.state.phase).toBe('latched')
    advance(2000)
    ptt.keyDown()
    advance(1000)
    ptt.keyUp()
    expect(ptt.state.phase).toBe('idle')
  })
})

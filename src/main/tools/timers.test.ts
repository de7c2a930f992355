import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DesktopNotification } from './host'
import { createTimerTools } from './impl/timer-tools'
import { runTool, tempDir } from './test-helpers'
import { spokenDuration, TimerService, type Scheduler } from './timers'

/** A manual clock: advance() fires what came due, in order. */
function fakeScheduler(start = 1_000_000) {
  let now = start
  let nextHandle = 1
  const pending = new Map<number, { at: number; callback: () => void }>()
  const scheduler: Scheduler = {
    now: () => now,
    setTimeout: (callback, ms) => {
      const handle = nextHandle++
      pending.set(handle, { at: now + ms, callback })
      return handle
    },
    clearTimeout: (handle) => void pending.delete(handle as number),
  }
  const advance = (ms: number) => {
    const end = now + ms
    for (;;) {
      const due = [...pending.entries()].filter(([, p]) => p.at <= end).sort((a, b) => a[1].at - b[1].at)[0]
      if (!due) break
      pending.delete(due[0])
      now = due[1].at
      due[1].callback()
    }
    now = end
  }
  return { scheduler, advance, pending, setNow: (value: number) => void (now = value) }
}

let dir: ReturnType<typeof tempDir>
beforeEach(() => (dir = tempDir()))
afterEach(() => dir.cleanup())

function setup(clock = fakeScheduler(), file: string | null = join(dir.path, 'timers.json')) {
  const notes: DesktopNotification[] = []
  const timers = new TimerService({ scheduler: clock.scheduler, notify: (n) => notes.push(n), file })
  const tools = createTimerTools({ timers, now: clock.scheduler.now })
  return { clock, timers, tools, notes }
}

describe('timers', () => {
  it('sets a timer that fires a notification when due, then is gone', async () => {
    const { clock, tools, notes } = setup()
    const r = await runTool(tools, 'set_timer', { minutes: 5, label: 'pasta' })
    expect(r.json).toMatchObject({ set: true, id: 't1', label: 'pasta', remaining: '5 minutes', remainingSeconds: 300 })
    clock.advance(299_000)
    expect(notes).toEqual([])
    clock.advance(1_000)
    expect(notes).toEqual([{ title: 'Timer: pasta', body: 'Your 5 minutes timer is done.' }])
    expect((await runTool(tools, 'list_timers', {})).json.timers).toEqual([])
  })

  it('lists timers soonest first with the time left', async () => {
    const { clock, tools } = setup()
    await runTool(tools, 'set_timer', { hours: 1, minutes: 30 })
    await runTool(tools, 'set_timer', { seconds: 90, label: 'tea' })
    clock.advance(30_000)
    const list = (await runTool(tools, 'list_timers', {})).json.timers as { label: string; remaining: string }[]
    expect(list.map((t) => [t.label, t.remaining])).toEqual([
      ['tea', '1 minute'],
      ['Timer', '1 hour 29 minutes 30 seconds'],
    ])
  })

  it('cancels by label, by id and all; reports unknown and ambiguous timers', async () => {
    const { clock, tools, notes } = setup()
    await runTool(tools, 'set_timer', { minutes: 1, label: 'eggs' })
    await runTool(tools, 'set_timer', { minutes: 2, label: 'tea one' })
    await runTool(tools, 'set_timer', { minutes: 3, label: 'tea two' })
    expect((await runTool(tools, 'cancel_timer', { label: 'Eggs' })).json).toEqual({ cancelled: [{ id: 't1', label: 'eggs' }] })
    const ambiguous = await runTool(tools, 'cancel_timer', { label: 'tea' })
    expect(ambiguous.json.error).toMatch(/Several timers match/)
    expect((await runTool(tools, 'cancel_timer', { label: 'soup' })).json).toMatchObject({ code: 'not_found' })
    expect((await runTool(tools, 'cancel_timer', { id: 't2' })).json.cancelled).toHaveLength(1)
    expect((await runTool(tools, 'cancel_timer', { all: true })).json.cancelled).toHaveLength(1)
    clock.advance(10 * 60_000)
    expect(notes).toEqual([])
    expect((await runTool(tools, 'cancel_timer', { all: true })).json.error).toBe('There are no timers running.')
  })

  it('refuses invalid durations and arguments', async () => {
    const { tools, timers } = setup()
    for (const args of [{}, { minutes: 0 }, { minutes: -1 }, { hours: 200 }, { seconds: 0.2 }, { minutes: '5' }, { label: 'x' }]) {
      const r = await runTool(tools, 'set_timer', args)
      expect(r.json.code, JSON.stringify(args)).toBe('invalid_arguments')
    }
    expect((await runTool(tools, 'set_timer', { hours: 168, minutes: 1 })).json.error).toMatch(/at most 7 days/)
    expect((await runTool(tools, 'cancel_timer', {})).json.error).toMatch(/Say which timer/)
    expect(timers.list()).toEqual([])
  })

  it('asks before setting or cancelling (write), and does nothing when denied', async () => {
    const { tools, timers } = setup()
    expect((await runTool(tools, 'set_timer', { minutes: 1 }, () => 'deny')).status).toBe('denied')
    expect(timers.list()).toEqual([])
  })

  it('persists across a restart and announces a timer missed while not running', async () => {
    const file = join(dir.path, 'timers.json')
    const first = setup(fakeScheduler(0), file)
    await runTool(first.tools, 'set_timer', { minutes: 10, label: 'laundry' })
    await runTool(first.tools, 'set_timer', { hours: 2, label: 'call mum' })
    first.timers.dispose()
    expect(JSON.parse(readFileSync(file, 'utf8')).timers).toHaveLength(2)

    // Earshot starts again an hour later: laundry was missed, the call is still ahead.
    const clock = fakeScheduler(3_600_000)
    const second = setup(clock, file)
    expect(second.notes).toEqual([{ title: 'Timer: laundry', body: expect.stringMatching(/was due at .* while Earshot was not running/) }])
    expect(second.timers.list().map((t) => t.label)).toEqual(['call mum'])
    clock.advance(3_600_000)
    expect(second.notes.map((n) => n.title)).toEqual(['Timer: laundry', 'Timer: call mum'])
    expect(JSON.parse(readFileSync(file, 'utf8')).timers).toEqual([])
    // Ids keep counting after a restart.
    expect((await runTool(second.tools, 'set_timer', { seconds: 5 })).json.id).toBe('t3')
  })

  it('sets a damaged timers file aside instead of failing', () => {
    const file = join(dir.path, 'timers.json')
    writeFileSync(file, '{not json')
    const { timers } = setup(fakeScheduler(), file)
    expect(timers.list()).toEqual([])
    expect(existsSync(`${file}.corrupt`)).toBe(true)
  })

  it('reports that timers cannot alert on a host without notifications', async () => {
    const clock = fakeScheduler()
    const timers = new TimerService({ scheduler: clock.scheduler, notify: null, file: null })
    const r = await runTool(createTimerTools({ timers, now: clock.scheduler.now }), 'set_timer', { minutes: 1 })
    expect(r.json.code).toBe('not_available')
  })

  it('speaks durations', () => {
    expect(spokenDuration(61_000)).toBe('1 minute 1 second')
    expect(spokenDuration(90_061_000)).toBe('1 day 1 hour 1 minute 1 second')
    expect(spokenDuration(0)).toBe('0 seconds')
  })
})

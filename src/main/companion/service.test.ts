import { describe, expect, it } from 'vitest'
import type { PttClock } from '../../shared/ptt/controller'
import { defaultSettings, mergeSettings, SettingsSchema, type Settings, type SettingsPatch } from '../../shared/settings/schema'
import type { PendingConfirmation } from '../../shared/tools/types'
import { PILL_SIZES, placePill, resizePill, TOP_MARGIN, type DisplayArea, type Rect } from './placement'
import { AUTO_HIDE_MS, CompanionService, ERROR_HIDE_MS, MOVE_SETTLE_MS, type CompanionDeps } from './service'

const LEFT: DisplayArea = { id: 1, workArea: { x: 0, y: 25, width: 1440, height: 875 } } // a menu bar on top
const RIGHT: DisplayArea = { id: 2, workArea: { x: 1440, y: 0, width: 2560, height: 1400 } }

describe('pill placement', () => {
  it('goes to the top centre of the display with the cursor', () => {
    const size = PILL_SIZES.compact
    expect(placePill({ displays: [LEFT, RIGHT], cursor: { x: 100, y: 500 }, remembered: null, size })).toEqual({
      x: (1440 - size.width) / 2,
      y: 25 + TOP_MARGIN,
      ...size,
    })
    expect(placePill({ displays: [LEFT, RIGHT], cursor: { x: 3000, y: 10 }, remembered: null, size })).toEqual({
      x: 1440 + (2560 - size.width) / 2,
      y: TOP_MARGIN,
      ...size,
    })
    // A cursor between displays (or off every one) picks the nearest.
    expect(placePill({ displays: [LEFT, RIGHT], cursor: { x: 5000, y: 5000 }, remembered: null, size })?.x).toBe(1440 + (2560 - size.width) / 2)
    expect(placePill({ displays: [], cursor: { x: 0, y: 0 }, remembered: null, size })).toBeNull()
  })

  it('uses a remembered position, clamped into a display that is still there', () => {
    const size = PILL_SIZES.compact
    expect(placePill({ displays: [LEFT, RIGHT], cursor: { x: 100, y: 500 }, remembered: { x: 2000, y: 300 }, size })).toEqual({ x: 2000, y: 300, ...size })
    // Half off the right edge of the big display: pulled back in.
    expect(placePill({ displays: [LEFT, RIGHT], cursor: { x: 0, y: 0 }, remembered: { x: 3900, y: 1380 }, size })).toEqual({ x: 4000 - size.width, y: 1400 - size.height, ...size })
    // The display it was on is unplugged: the pill lands on the nearest one that remains.
    const onlyLeft = placePill({ displays: [LEFT], cursor: { x: 0, y: 0 }, remembered: { x: 3000, y: 200 }, size })!
    expect(onlyLeft).toEqual({ x: 1440 - size.width, y: 200, ...size })
    // Under the menu bar is not allowed.
    expect(placePill({ displays: [LEFT], cursor: { x: 0, y: 0 }, remembered: { x: 10, y: 0 }, size })?.y).toBe(25)
  })

  it('grows downwards from the same top edge, or upwards near the bottom', () => {
    const compact: Rect = { x: 500, y: 40, ...PILL_SIZES.compact }
    expect(resizePill(compact, PILL_SIZES.tool, [LEFT])).toEqual({ x: 500, y: 40, ...PILL_SIZES.tool })
    const low: Rect = { x: 500, y: 900 - PILL_SIZES.compact.height, ...PILL_SIZES.compact }
    expect(resizePill(low, PILL_SIZES.tool, [LEFT])).toEqual({ x: 500, y: 900 - PILL_SIZES.tool.height, ...PILL_SIZES.tool })
  })
})

/** A clock the test advances by hand. */
function manualClock() {
  let now = 0
  const timers: Array<{ at: number; fn: () => void; live: boolean }> = []
  const clock: PttClock = {
    now: () => now,
    schedule: (fn, ms) => {
      const t = { at: now + ms, fn, live: true }
      timers.push(t)
      return () => void (t.live = false)
    },
  }
  return {
    clock,
    /** Timers still due, in ms from now. */
    due: () => timers.filter((t) => t.live).map((t) => t.at - now),
    advance(ms: number) {
      now += ms
      for (const t of timers) {
        if (t.live && t.at <= now) {
          t.live = false
          t.fn()
        }
      }
    },
  }
}

function setup(overrides: Partial<CompanionDeps> = {}) {
  const calls: Array<{ op: 'show' | 'setBounds' | 'hide'; bounds?: Rect }> = []
  let settings: Settings = defaultSettings()
  const views: unknown[] = []
  const time = manualClock()
  let inFront = false
  const service = new CompanionService({
    window: {
      show: (bounds) => calls.push({ op: 'show', bounds }),
      setBounds: (bounds) => calls.push({ op: 'setBounds', bounds }),
      hide: () => calls.push({ op: 'hide' }),
    },
    screen: { cursor: () => ({ x: 2000, y: 700 }), displays: () => [LEFT, RIGHT] },
    mainWindowInFront: () => inFront,
    settings: {
      get: () => settings,
      update: (patch: SettingsPatch) => (settings = SettingsSchema.parse(mergeSettings(settings, patch))),
    },
    emit: (event, payload) => {
      if (event === 'companion:view') views.push(payload)
    },
    clock: time.clock,
    ...overrides,
  })
  return { service, calls, views, time, settings: () => settings, setInFront: (v: boolean) => (inFront = v) }
}

const request: PendingConfirmation = {
  callId: 'c1',
  name: 'set_timer',
  risk: 'write',
  summary: 'Set a 2 minute timer for tea.',
  arguments: { minutes: 2, label: 'tea' },
  requestedAt: 0,
  expiresAt: 30_000,
}

describe('the companion pill', () => {
  it('shows on a hotkey press only while the main window is out of sight', () => {
    const t = setup()
    t.setInFront(true)
    t.service.hotkeyPressed()
    expect(t.calls).toEqual([])
    t.setInFront(false)
    t.service.hotkeyPressed()
    expect(t.calls).toEqual([{ op: 'show', bounds: { x: 1440 + (2560 - 400) / 2, y: TOP_MARGIN, ...PILL_SIZES.compact } }])
    expect(t.service.view()).toMatchObject({ visible: true, size: 'compact' })
  })

  it('hides itself a few seconds after the reply, and not while anything is going on', () => {
    const t = setup()
    t.service.hotkeyPressed()
    t.service.capture(true)
    t.service.session('connecting', null)
    t.service.session('listening', null)
    expect(t.time.due()).toEqual([]) // capturing
    t.service.capture(false)
    t.service.session('thinking', null)
    t.service.session('speaking', null)
    t.time.advance(AUTO_HIDE_MS * 3)
    expect(t.service.visible).toBe(true) // the reply is still playing
    t.service.session('listening', null) // the reply ended; the session listens again
    expect(t.time.due()).toEqual([AUTO_HIDE_MS])
    t.time.advance(AUTO_HIDE_MS - 1)
    expect(t.service.visible).toBe(true)
    t.time.advance(1)
    expect(t.service.visible).toBe(false)
    expect(t.calls.at(-1)).toEqual({ op: 'hide' })
    expect(t.views.at(-1)).toMatchObject({ visible: false })
  })

  it('a new press before the timer fires keeps it up', () => {
    const t = setup()
    t.service.hotkeyPressed()
    t.service.session('ready', null)
    expect(t.time.due()).toEqual([AUTO_HIDE_MS])
    t.time.advance(AUTO_HIDE_MS - 100)
    t.service.hotkeyPressed()
    t.service.capture(true)
    t.time.advance(AUTO_HIDE_MS * 2)
    expect(t.service.visible).toBe(true)
  })

  it('stays longer after an error, so the error can be read', () => {
    const t = setup()
    t.service.hotkeyPressed()
    t.service.session('listening', null)
    t.service.session('error', 'The key was refused.')
    expect(t.time.due()).toEqual([ERROR_HIDE_MS])
    expect(t.service.view()).toMatchObject({ status: 'error', error: 'The key was refused.' })
  })

  it('grows for a tool request, stays while it waits, and shrinks back after the decision', () => {
    const t = setup()
    t.service.hotkeyPressed()
    t.service.session('listening', null)
    t.service.pendingChanged([request])
    expect(t.time.due()).toEqual([])
    expect(t.calls.at(-1)).toEqual({ op: 'setBounds', bounds: { x: 1440 + (2560 - 400) / 2, y: TOP_MARGIN, ...PILL_SIZES.tool } })
    expect(t.service.view()).toMatchObject({ size: 'tool', pending: [request] })
    t.time.advance(AUTO_HIDE_MS * 5)
    expect(t.service.visible).toBe(true)
    t.service.pendingChanged([])
    expect(t.calls.at(-1)).toEqual({ op: 'setBounds', bounds: { x: 1440 + (2560 - 400) / 2, y: TOP_MARGIN, ...PILL_SIZES.compact } })
    expect(t.time.due()).toEqual([AUTO_HIDE_MS])
  })

  it('a pill the user asked for stays until it is closed', () => {
    const t = setup()
    t.service.request(true)
    t.service.session('listening', null)
    t.time.advance(AUTO_HIDE_MS * 10)
    expect(t.service.visible).toBe(true)
    expect(t.service.pinned).toBe(true)
    t.service.action('hide')
    expect(t.service.visible).toBe(false)
  })

  it('opens the main window from the pill and steps aside', () => {
    let opened = 0
    const t = setup({ showMainWindow: () => opened++ })
    t.service.request(true)
    t.service.action('open-main')
    expect(opened).toBe(1)
    expect(t.service.visible).toBe(false)
  })

  it('remembers where the user dragged it, once the drag settles, and shows it there next time', () => {
    const t = setup()
    t.service.request(true)
    t.service.moved({ x: 1500, y: 200, ...PILL_SIZES.compact })
    t.service.moved({ x: 1600, y: 300, ...PILL_SIZES.compact })
    expect(t.settings().ui.companionPosition).toBeNull()
    t.time.advance(MOVE_SETTLE_MS)
    expect(t.settings().ui.companionPosition).toEqual({ x: 1600, y: 300 })
    t.service.action('hide')
    t.service.hotkeyPressed()
    expect(t.calls.at(-1)).toEqual({ op: 'show', bounds: { x: 1600, y: 300, ...PILL_SIZES.compact } })
  })

  it('forwards level and the last line while shown, nothing while hidden, and zero level when not capturing', () => {
    const t = setup()
    t.service.report({ level: 0.5, line: { speaker: 'user', text: 'hello' } })
    expect(t.views).toEqual([])
    t.service.hotkeyPressed()
    expect(t.views.at(-1)).toMatchObject({ visible: true, level: 0, line: { speaker: 'user', text: 'hello' } })
    t.service.capture(true)
    t.service.report({ level: 0.5 })
    expect(t.views.at(-1)).toMatchObject({ capturing: true, level: 0.5 })
    t.service.capture(false)
    expect(t.views.at(-1)).toMatchObject({ capturing: false, level: 0 })
  })

  it('without a window (the browser harness, a headless run) there is no pill, and nothing breaks', () => {
    const t = setup({ window: undefined })
    t.service.hotkeyPressed()
    t.service.session('listening', null)
    expect(t.service.view().visible).toBe(false)
    expect(t.time.due()).toEqual([])
  })
})

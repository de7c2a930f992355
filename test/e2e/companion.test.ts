// The companion pill end to end: main's own CompanionService (placement, sizing, self-hide) with a
// window port that opens the pill as a second page of ours in the same Chromium, the main window
// as the harness page with a fake microphone talking to the OpenAI simulator. The hotkey is
// main's push-to-talk machine (what uiohook / globalShortcut drive in the app). The pill has no
// microphone and no socket: everything it shows comes from main.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AxeBuilder } from '@axe-core/playwright'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PILL_SIZES, type CompanionWindowPort, type Rect } from '../../src/main/companion'
import { TOP_MARGIN } from '../../src/main/companion/placement'
import type { EarshotApi } from '../../src/shared/ipc/api'
import { startOpenAISim, type SimHandle } from '../../src/main/sim'
import { closeAfterEach, SHOTS } from '../harness/after-each'
import { startHarness, type Harness } from '../harness/harness'

let tmp = ''
let speech = ''
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'earshot-pill-'))
  const raw = join(tmp, 'raw.wav')
  speech = join(tmp, 'speech.wav')
  execFileSync('espeak-ng', ['-w', raw, 'Hello Earshot, please start a timer for my tea.'])
  execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', speech, 'norm', '-3'])
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** The pill's window as a page: show opens it (once) at the bounds' size, hide takes it off "screen". */
class PagePill implements CompanionWindowPort {
  harness: Harness | null = null
  page: Page | null = null
  bounds: Rect | null = null
  onScreen = false
  shows: Rect[] = []
  private ops: Promise<unknown> = Promise.resolve()
  show(bounds: Rect): void {
    this.bounds = bounds
    this.onScreen = true
    this.shows.push(bounds)
    this.queue(async () => {
      if (!this.page) this.page = await this.harness!.openWindow('#companion', { width: bounds.width, height: bounds.height })
      else await this.page.setViewportSize({ width: bounds.width, height: bounds.height })
    })
  }
  setBounds(bounds: Rect): void {
    this.bounds = bounds
    this.queue(async () => this.page?.setViewportSize({ width: bounds.width, height: bounds.height }))
  }
  hide(): void {
    this.onScreen = false
  }
  private queue(op: () => Promise<unknown>): void {
    this.ops = this.ops.then(op).catch(() => {})
  }
}

const DISPLAY = { id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1040 } }
const SECOND = { id: 2, workArea: { x: 1920, y: 0, width: 1600, height: 900 } }

let harness: Harness | null = null
let sim: SimHandle | null = null
closeAfterEach({ name: 'companion', harness: () => harness, also: () => [sim] })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Screenshots in light and dark, each with an axe-core pass: no serious or critical violation. */
async function shoot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0) // no hover on a button
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await page.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`), omitBackground: true })
    const results = await new AxeBuilder({ page: page as never }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze()
    expect(results.passes.length).toBeGreaterThan(10) // axe really ran over the pill
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${name} (${scheme}): ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)
    expect(bad).toEqual([])
  }
  await page.emulateMedia({ colorScheme: 'light' })
}

describe('the companion pill', () => {
  it('shows on a hotkey press with the main window away, follows the conversation, grows for a tool request, and hides itself after the reply', async () => {
    sim = await startOpenAISim({
      turns: [
        { user: 'Hello Earshot', reply: 'Hi! This line shows in the companion too.', replyMs: 1500 },
        { user: 'Start a tea timer', toolCalls: [{ name: 'set_timer', arguments: { minutes: 2, label: 'tea' } }], reply: 'Your tea timer is running.', replyMs: 900 },
      ],
    })
    const s = sim
    const pill = new PagePill()
    let cursor = { x: 2500, y: 400 } // on the second display
    const notified: string[] = []
    harness = await startHarness({
      fakeMicrophone: speech,
      connectOrigins: [new URL(s.wsUrl).origin.replace(/^http/, 'ws')],
      deps: {
        companion: { window: pill, screen: { cursor: () => cursor, displays: () => [DISPLAY, SECOND] }, mainWindowInFront: () => false },
        toolHost: { notify: (n) => void notified.push(n.title), documentsDir: tmp },
      },
      beforeLoad: (services) => {
        services.settings.update({ provider: 'openai', providers: { openai: { baseUrl: s.baseUrl } } })
        services.secrets.set('openai', s.apiKey)
      },
    })
    pill.harness = harness
    const { page, services } = harness
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    expect(pill.page).toBeNull() // nothing pressed yet: no pill

    // --- Idle: the tray's "Show companion" opens it at the top centre of the display with the cursor.
    // (The main window's "Companion" button and the tray's menu item both come here.)
    await page.evaluate(() => (globalThis as unknown as { earshot: EarshotApi }).earshot.desktop.showCompanion({ show: true }))
    expect(pill.shows[0]).toEqual({ x: SECOND.workArea.x + (SECOND.workArea.width - PILL_SIZES.compact.width) / 2, y: TOP_MARGIN, ...PILL_SIZES.compact })
    await expect.poll(() => pill.page !== null).toBe(true)
    const p = pill.page!
    const view = p.getByTestId('pill')
    await expect.poll(() => view.getAttribute('data-visible')).toBe('true')
    await expect.poll(() => p.getByTestId('pill-status').textContent()).toBe('Ready when you are')
    expect(await page.getByTestId('status').textContent()).toContain('Ready when you are') // the main window's label
    await shoot(p, 'pill-idle')
    await p.getByRole('button', { name: 'Hide the companion' }).click()
    await expect.poll(() => view.getAttribute('data-visible')).toBe('false')
    expect(pill.onScreen).toBe(false)

    // --- A hotkey press (main's push-to-talk machine) with the main window away shows it; now on the first display.
    cursor = { x: 300, y: 700 }
    services.desktop.ptt.keyDown()
    await expect.poll(() => pill.onScreen).toBe(true)
    expect(pill.shows[1]).toEqual({ x: (DISPLAY.workArea.width - PILL_SIZES.compact.width) / 2, y: TOP_MARGIN, ...PILL_SIZES.compact })
    await expect.poll(() => p.getByTestId('pill-status').textContent(), { timeout: 15_000 }).toBe('Listening')
    // The input level comes from the main window's microphone, through main.
    await expect.poll(() => p.getByTestId('pill-level').getAttribute('aria-valuenow').then(Number), { timeout: 10_000 }).toBeGreaterThan(5)
    await shoot(p, 'pill-listening')
    await sleep(1200) // keep talking: the fake microphone plays the sentence
    services.desktop.ptt.keyUp()

    // The reply: its words arrive in the pill while it speaks, and the pill stays up meanwhile.
    await expect.poll(() => p.getByTestId('pill-line').textContent(), { timeout: 20_000 }).toContain('This line shows')
    expect(await view.getAttribute('data-visible')).toBe('true')
    // A few seconds after the reply it hides itself (main's timer; nothing here waits a fixed time).
    await expect.poll(() => view.getAttribute('data-visible'), { timeout: 20_000 }).toBe('false')
    expect(pill.onScreen).toBe(false)
    expect(await page.locator('[data-testid="agent-entry"][data-final="true"]').count()).toBe(1)
    expect(services.companion.pinned).toBe(false)

    // --- A tool request: the pill grows, shows what the tool will do, and the user answers there.
    services.desktop.ptt.keyDown()
    await expect.poll(() => p.getByTestId('pill-status').textContent(), { timeout: 15_000 }).toBe('Listening')
    await sleep(1200)
    services.desktop.ptt.keyUp()
    const request = p.getByTestId('pill-request')
    await expect.poll(() => request.count(), { timeout: 20_000 }).toBe(1)
    const summary = services.tools.confirmations.pending()[0]?.summary ?? ''
    expect(summary).toMatch(/timer for tea/)
    expect(await request.textContent()).toContain(summary)
    await expect.poll(() => view.getAttribute('data-size')).toBe('tool')
    expect(pill.bounds).toMatchObject({ y: TOP_MARGIN, ...PILL_SIZES.tool })
    await expect.poll(() => p.viewportSize()?.height).toBe(PILL_SIZES.tool.height)
    await expect.poll(() => page.getByTestId('tool-card').getAttribute('data-state')).toBe('waiting') // the same request in the main window
    await shoot(p, 'pill-tool')
    // The pill cannot allow by itself: its button brings up main's confirmation window, which does.
    await request.getByRole('button', { name: 'Review and allow…' }).click()
    const confirm = await harness!.confirmPage()
    await confirm.getByRole('alertdialog').getByRole('button', { name: 'Allow once' }).click()
    await expect.poll(() => page.getByTestId('tool-card').getAttribute('data-state'), { timeout: 10_000 }).toBe('done')
    await expect.poll(() => view.getAttribute('data-size')).toBe('compact')
    expect(pill.bounds).toMatchObject({ y: TOP_MARGIN, ...PILL_SIZES.compact })
    expect(services.tools.timers().map((t) => t.label)).toEqual(['tea'])
    await expect.poll(() => p.getByTestId('pill-line').textContent(), { timeout: 20_000 }).toContain('tea timer is running')
    await expect.poll(() => view.getAttribute('data-visible'), { timeout: 20_000 }).toBe('false')
  })
})

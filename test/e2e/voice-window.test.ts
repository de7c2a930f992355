/// <reference lib="dom" />
// The voice window's own behaviour in Chromium over the real main-process handlers: microphone
// problems, an error whose action fixes it, the companion pill's last line, export and copy, the aria-live
// region, keyboard use, 200% zoom and the dark theme.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAISim, type SimHandle } from '../../src/main/sim'
import { closeAfterEach, SHOTS } from '../harness/after-each'
import { startHarness, type Harness, type HarnessOptions } from '../harness/harness'

let tmp = ''
let speech = ''
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'earshot-window-'))
  const raw = join(tmp, 'raw.wav')
  speech = join(tmp, 'speech.wav')
  execFileSync('espeak-ng', ['-w', raw, 'Hello Earshot, how are you today?'])
  execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', speech, 'norm', '-3'])
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

let harness: Harness | null = null
let sim: SimHandle | null = null
closeAfterEach({
  name: 'voice-window',
  harness: () => harness,
  also: () => [sim],
  reset: () => {
    harness = null
    sim = null
  },
  consoleLines: 30,
  onFail: () => {
    if (sim && process.env.EARSHOT_DEBUG) console.log(sim.wire.types().filter((t) => t !== 'input_audio_buffer.append' && t !== 'response.output_audio.delta').join(' '))
  },
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function hold(page: Page, ms: number): Promise<void> {
  await page.getByTestId('talk').hover()
  await page.mouse.down()
  await sleep(ms)
  await page.mouse.up()
}

/** A harness with an OpenAI key set (so the voice view shows, not onboarding). */
async function withKey(options: HarnessOptions = {}, baseUrl?: string, key = 'sk-test-voice-window-0123456789'): Promise<Harness> {
  return startHarness({
    ...options,
    beforeLoad: (services) => {
      if (baseUrl) services.settings.update({ providers: { openai: { baseUrl } } })
      services.secrets.set('openai', key)
    },
  })
}

describe('microphone problems', () => {
  it('a denied microphone says so, with the fixes one click away', async () => {
    harness = await withKey({ denyMicrophone: true })
    const { page } = harness
    const alert = page.getByTestId('mic-error')
    await expect.poll(() => alert.textContent(), { timeout: 10_000 }).toContain('not allowed to use the microphone')
    await page.screenshot({ path: join(SHOTS, 'voice-mic-denied.png') })
    // Main turned the browser's error into help (the renderer reported it).
    expect(harness.ipc.some((r) => r.channel === 'desktop:reportMicrophoneError' && JSON.stringify(r.input).includes('NotAllowedError'))).toBe(true)
    await alert.getByRole('button', { name: 'Pick another microphone' }).click()
    // The settings window opens at Audio with the microphone list focused.
    const settings = await harness.settingsPage()
    await expect.poll(() => settings.evaluate(() => document.activeElement?.id)).toBe('mic-select')
    // Talking does not start a session without a microphone.
    await hold(page, 300)
    await sleep(300)
    expect(harness.ipc.some((r) => r.channel === 'session:start')).toBe(false)
  })

  it('no microphone at all says so', async () => {
    harness = await withKey({ noMicrophone: true })
    const { page } = harness
    await expect.poll(() => page.getByTestId('mic-error').textContent(), { timeout: 10_000 }).toMatch(/No microphone was found|could not be opened/)
    await page.screenshot({ path: join(SHOTS, 'voice-mic-missing.png') })
  })
})

describe('errors, companion, export, accessibility', () => {
  it('a rejected key shows an inline error whose action opens the key field, the pill says so, and the key card turns red', async () => {
    sim = await startOpenAISim({ turns: [] }, { rejectKey: true })
    harness = await withKey({ fakeMicrophone: speech }, sim.baseUrl)
    const { page } = harness
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    await hold(page, 400)
    const error = page.getByTestId('error-entry')
    await expect.poll(() => error.count(), { timeout: 10_000 }).toBe(1)
    expect(await error.getAttribute('data-action')).toBe('key')
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('error')
    // The pill says what went wrong in a few words; the transcript has the whole sentence.
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Key refused')
    await page.screenshot({ path: join(SHOTS, 'voice-key-rejected.png') })
    await error.getByRole('button', { name: 'Re-enter the API key' }).click()
    const settings = await harness.settingsPage()
    await expect.poll(() => settings.evaluate(() => document.activeElement?.id)).toBe('api-key')
    const card = settings.getByTestId('key-card')
    await expect.poll(() => card.getAttribute('data-rejected')).toBe('true')
    expect(await card.evaluate((el) => getComputedStyle(el).borderTopColor)).toBe('rgb(179, 38, 30)') // --error (#b3261e) in the light theme
    expect(await settings.getByTestId('key-status').textContent()).toContain('OpenAI refused this key')
    await settings.screenshot({ path: join(SHOTS, 'settings-key-rejected.png') })
    // A new key clears it, once main's own confirmation window agrees to the replacement.
    await settings.getByTestId('key-input').fill('sk-test-voice-window-9876543210')
    await settings.getByRole('button', { name: 'Save key' }).click()
    const confirm = await harness.confirmPage()
    await expect.poll(() => confirm.getByRole('alertdialog').getByRole('heading').textContent()).toContain('Replace the saved OpenAI Realtime key')
    expect(await card.getAttribute('data-rejected')).toBe('true') // nothing changes before the answer
    await confirm.getByRole('button', { name: 'Replace key' }).click()
    await expect.poll(() => card.getAttribute('data-rejected')).toBe('false')
    // The key never reached the page: the error text does not contain it.
    expect(await page.content()).not.toContain('sk-test-voice-window')
  })

  it('a provider outage shows an inline error whose Retry starts a new attempt', async () => {
    sim = await startOpenAISim({ turns: [] }, { mintFault: { status: 503 } })
    harness = await withKey({ fakeMicrophone: speech }, sim.baseUrl, sim.apiKey)
    const { page } = harness
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    await hold(page, 300)
    const error = page.getByTestId('error-entry')
    await expect.poll(() => error.count(), { timeout: 10_000 }).toBe(1)
    expect(await error.getAttribute('data-action')).toBe('retry')
    const attempts = () => harness!.ipc.filter((r) => r.channel === 'session:start').length
    expect(attempts()).toBe(1)
    await error.getByRole('button', { name: 'Retry' }).click()
    await expect.poll(attempts).toBe(2)
    await expect.poll(() => error.count()).toBe(2)
  })

  it('shows the last line in the companion pill, announces finals only, exports Markdown and copies a message', async () => {
    sim = await startOpenAISim({ turns: [{ user: 'Hello Earshot', reply: 'Hi! Nice to hear from you today.', replyMs: 1200 }] })
    // A pill window that is "on screen" as soon as main shows it (the page below is its content).
    const pillWindow = { show: () => {}, setBounds: () => {}, hide: () => {} }
    const screen = { cursor: () => ({ x: 10, y: 10 }), displays: () => [{ id: 1, workArea: { x: 0, y: 0, width: 1280, height: 800 } }] }
    harness = await withKey(
      { fakeMicrophone: speech, connectOrigins: [sim.wsUrl.replace(/\/v1.*$/, '')], deps: { companion: { window: pillWindow, screen, mainWindowInFront: () => true } } },
      sim.baseUrl,
      sim.apiKey,
    )
    const { page, context } = harness
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: harness.origin })
    await expect.poll(() => page.getByTestId('live-region').count()).toBe(1)
    // Every text the live region ever shows.
    await page.evaluate(() => {
      const region = document.querySelector('[data-testid="live-region"]')!
      const seen: string[] = []
      ;(globalThis as unknown as { __announced: string[] }).__announced = seen
      new MutationObserver(() => seen.push(region.textContent ?? '')).observe(region, { childList: true, characterData: true, subtree: true })
    })
    // The companion pill, as one of our windows (main feeds it; see test/e2e/companion.test.ts for its window).
    const companion = await harness.openWindow('#companion', { width: 400, height: 76 })
    await expect.poll(() => companion.getByTestId('pill').count()).toBe(1)

    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    await hold(page, 1300)
    await expect.poll(() => page.locator('[data-testid="agent-entry"][data-final="true"]').count(), { timeout: 15_000 }).toBe(1)
    // The pill shows the last line, whoever said it.
    await expect.poll(() => harness!.services.companion.view().line, { timeout: 5_000 }).toEqual({ speaker: 'agent', text: 'Hi! Nice to hear from you today.' })
    harness.services.companion.request(true) // the window's "Companion" button
    await expect.poll(() => companion.getByTestId('pill-line').textContent()).toBe('Earshot Hi! Nice to hear from you today.')
    await companion.screenshot({ path: join(SHOTS, 'voice-companion.png') })

    // aria-live: whole finals, never word-by-word deltas.
    const announced = await page.evaluate(() => (globalThis as unknown as { __announced: string[] }).__announced)
    expect(announced).toContain('You said: Hello Earshot')
    expect(announced).toContain('Earshot said: Hi! Nice to hear from you today.')
    expect(announced.every((a) => a === '' || a === 'You said: Hello Earshot' || a === 'Earshot said: Hi! Nice to hear from you today.')).toBe(true)

    // Export as Markdown (a download of a blob: URL).
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()])
    const file = join(tmp, 'export.md')
    await download.saveAs(file)
    const markdown = readFileSync(file, 'utf8')
    expect(download.suggestedFilename()).toMatch(/^earshot-conversation-.*\.md$/)
    expect(markdown).toContain('**You:** Hello Earshot')
    expect(markdown).toContain('**Earshot:** Hi! Nice to hear from you today.')

    // Copy one message.
    await page.getByRole('button', { name: "Copy Earshot's message" }).click()
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('Hi! Nice to hear from you today.')
    await companion.close()
  })

  it('is keyboard operable with visible focus, readable at 200% zoom in a 640 px window, and follows the dark theme', async () => {
    // A closed local port as the endpoint: the press starts a session that fails offline, never leaving the machine.
    harness = await withKey({ fakeMicrophone: speech }, 'http://127.0.0.1:9/v1')
    const { page } = harness
    await expect.poll(() => page.getByTestId('talk').count()).toBe(1)
    // Tab reaches the talk button; the focused control has a visible outline.
    let reached = false
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press('Tab')
      reached = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'talk')
    }
    expect(reached).toBe(true)
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)
    expect(outline).not.toBe('none')
    // Space held on the focused button talks through main's push-to-talk, and releasing stops.
    await page.keyboard.down('Space')
    await expect.poll(() => harness!.ipc.some((r) => r.channel === 'session:start')).toBe(true)
    await sleep(200)
    await page.keyboard.up('Space')
    await expect.poll(() => page.getByTestId('talk').getAttribute('aria-pressed'), { timeout: 3_000 }).toBe('false')
    expect(harness.ipc.filter((r) => r.channel === 'desktop:talk').map((r) => (r.input as { action: string }).action)).toEqual(['down', 'up'])

    // 200% zoom in a 640 px wide window = a 320 CSS px viewport: nothing sticks out sideways.
    await page.setViewportSize({ width: 320, height: 700 })
    await sleep(200)
    const overflow = await page.evaluate(() => {
      const width = document.documentElement.clientWidth
      let worst = 0
      for (const el of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
        const r = el.getBoundingClientRect()
        if (r.width > 0 && r.right > worst) worst = r.right
      }
      return { width, worst, scroll: document.documentElement.scrollWidth }
    })
    expect(overflow.scroll).toBeLessThanOrEqual(overflow.width)
    expect(overflow.worst).toBeLessThanOrEqual(overflow.width + 1)
    await page.screenshot({ path: join(SHOTS, 'voice-zoom-200.png') })

    await page.setViewportSize({ width: 1100, height: 760 })
    await page.emulateMedia({ colorScheme: 'dark' })
    const dark = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)
    await page.emulateMedia({ colorScheme: 'light' })
    const light = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)
    expect(dark).not.toBe(light)
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.screenshot({ path: join(SHOTS, 'voice-dark.png') })
  })
})

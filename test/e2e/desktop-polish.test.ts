/// <reference lib="dom" />
// The finishing touches of the voice window, in Chromium over the real main-process handlers and
// the OpenAI simulator: earcons on a hotkey pressed in another app (and silence when switched
// off), the onboarding's Demo button and where focus goes after it, and the Markdown export.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAISim, type SimHandle, type SimScript } from '../../src/main/sim'
import { closeAfterEach } from '../harness/after-each'
import { startHarness, type Harness, type HarnessOptions } from '../harness/harness'

let tmp = ''
let speech = ''
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'earshot-polish-'))
  const raw = join(tmp, 'raw.wav')
  speech = join(tmp, 'speech.wav')
  execFileSync('espeak-ng', ['-w', raw, 'Hello Earshot, open the example page please.'])
  execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', speech, 'norm', '-3', 'pad', '0', '2'])
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

let harness: Harness | null = null
let sim: SimHandle | null = null
closeAfterEach({ name: 'desktop-polish', harness: () => harness, also: () => [sim], consoleLines: 30 })

/**
 * Records every AudioBufferSourceNode the page starts (earcons are the only ones: replies play
 * through the playback worklet), with the length of what it plays.
 */
const EARCON_TAP = `(() => {
  const started = []
  Object.defineProperty(globalThis, '__earconsStarted', { value: started })
  const start = AudioBufferSourceNode.prototype.start
  AudioBufferSourceNode.prototype.start = function (...args) {
    started.push({ ms: Math.round((this.buffer ? this.buffer.duration : 0) * 1000), at: performance.now() })
    return start.apply(this, args)
  }
})()`

/** The earcon files' lengths (resources/earcons, 24 kHz): what a started buffer's length names. */
const EARCON_MS: Record<string, number> = { 'capture-start': 165, 'capture-end': 175, 'tool-request': 340, error: 300 }
const nameOf = (ms: number) => Object.entries(EARCON_MS).find(([, length]) => Math.abs(length - ms) <= 2)?.[0] ?? `unknown ${ms} ms`
const earcons = (page: Page) => page.evaluate(() => (globalThis as unknown as { __earconsStarted: { ms: number }[] }).__earconsStarted.map((e) => e.ms)).then((list) => list.map(nameOf))

async function withSim(script: SimScript, options: HarnessOptions = {}): Promise<Harness> {
  sim = await startOpenAISim(script)
  const s = sim
  return startHarness({
    fakeMicrophone: speech,
    initScripts: [EARCON_TAP],
    ...options,
    beforeLoad: (services) => {
      services.settings.update({ providers: { openai: { baseUrl: s.baseUrl } } })
      services.secrets.set('openai', s.apiKey)
    },
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('earcons in the voice window', () => {
  it('play on a hotkey pressed in another app (capture start, capture end, a tool request), and not once switched off', async () => {
    harness = await withSim({
      turns: [
        { user: 'Hello Earshot', toolCalls: [{ name: 'open_url', arguments: { url: 'https://example.com/earcon' } }], reply: 'Opened it.', replyMs: 500 },
        { user: 'Again', reply: 'Still here.', replyMs: 400 },
      ],
    })
    const { page, services } = harness
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    // Another window is in front, and the press comes from main's hotkey (no input event in the page).
    const settings = await harness.openSettings('audio')
    await settings.bringToFront()

    services.desktop.ptt.keyDown()
    await expect.poll(() => earcons(page)).toEqual(['capture-start'])
    await sleep(1300)
    services.desktop.ptt.keyUp()
    await expect.poll(() => earcons(page)).toEqual(['capture-start', 'capture-end'])
    // The model asks to open a page: a tool request waits for the user, with its own sound.
    await expect.poll(() => page.getByTestId('tool-card').first().getAttribute('data-state'), { timeout: 15_000 }).toBe('waiting')
    await expect.poll(() => earcons(page)).toEqual(['capture-start', 'capture-end', 'tool-request'])
    await page.getByTestId('tool-card').first().getByRole('button', { name: 'Deny' }).click()

    // Switched off in Settings: the next press is silent.
    await settings.getByTestId('earcons-switch').click()
    await expect.poll(() => services.settings.get().audio.earcons.enabled).toBe(false)
    services.desktop.ptt.keyDown()
    await expect.poll(() => page.getByTestId('talk').getAttribute('aria-pressed')).toBe('true')
    await sleep(600)
    services.desktop.ptt.keyUp()
    await expect.poll(() => page.getByTestId('talk').getAttribute('aria-pressed')).toBe('false')
    await sleep(300)
    expect(await earcons(page)).toEqual(['capture-start', 'capture-end', 'tool-request'])
  })

  it('play the error sound when the session fails', async () => {
    sim = await startOpenAISim({ turns: [] }, { rejectKey: true })
    const s = sim
    harness = await startHarness({
      fakeMicrophone: speech,
      initScripts: [EARCON_TAP],
      beforeLoad: (services) => {
        services.settings.update({ providers: { openai: { baseUrl: s.baseUrl } } })
        services.secrets.set('openai', 'sk-test-wrong-key-0123456789')
      },
    })
    const { page, services } = harness
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    services.desktop.ptt.keyDown()
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status'), { timeout: 10_000 }).toBe('error')
    services.desktop.ptt.keyUp()
    // The press was heard (capture start), then its failure: the error sound stands for the end of
    // a capture the user did not end, so there is no capture end, and nothing plays out of order.
    await expect.poll(() => earcons(page)).toEqual(['capture-start', 'error'])
  })
})

describe('onboarding and export', () => {
  it('makes Demo a primary button, and choosing it leaves focus on the talk button', async () => {
    harness = await startHarness()
    const { page } = harness
    const demo = page.getByTestId('try-demo')
    await demo.waitFor()
    const look = await demo.evaluate((el) => ({ classes: el.className, background: getComputedStyle(el).backgroundColor, accent: getComputedStyle(document.querySelector('button[type="submit"]')!).backgroundColor }))
    expect(look.classes).not.toMatch(/link|secondary/)
    // Filled with the accent colour, like the primary Save key button.
    expect(look.background).toBe(look.accent)
    await demo.focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => harness!.services.settings.get().provider).toBe('demo')
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('talk')
  })

  it('exports Markdown with tool results in words and no empty line at the end', async () => {
    harness = await withSim({
      turns: [{ user: 'Hello Earshot', toolCalls: [{ name: 'get_current_time', arguments: { timeZone: 'UTC' } }], reply: 'It is noon.', replyMs: 500 }],
    })
    const { page } = harness
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    await page.getByTestId('talk').hover()
    await page.mouse.down()
    await sleep(1300)
    await page.mouse.up()
    await expect.poll(() => page.locator('[data-testid="agent-entry"][data-final="true"]').count(), { timeout: 15_000 }).toBe(1)
    await expect.poll(() => page.getByTestId('tool-card').first().getAttribute('data-state')).toBe('done')
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()])
    const file = join(tmp, 'export.md')
    await download.saveAs(file)
    const markdown = readFileSync(file, 'utf8')
    expect(markdown.endsWith('\n')).toBe(true)
    expect(markdown.endsWith('\n\n')).toBe(false)
    expect(markdown).toContain('**Earshot:** It is noon.')
    const result = markdown.split('\n').find((line) => line.startsWith('> **Result:**'))
    expect(result, markdown).toBeDefined()
    // Words, not the JSON the model received.
    expect(result).not.toMatch(/[{}"]/)
    expect(result).toMatch(/time zone UTC/i)
  })
})

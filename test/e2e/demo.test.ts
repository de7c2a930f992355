// Demo mode as a new user meets it: the app's own Demo server (APP_DEMO: words ahead of silent
// audio as long as the speech), a fake microphone, the real tools. The window says plainly that
// Demo follows a script, walks through the time, a timer and a note with tool cards, and speaks its
// replies with the system's speech synthesis where a voice exists.
//
// Debian's headless Chromium here has speechSynthesis but no voices (no speech-dispatcher):
// getVoices() stays empty and speak() fails with "synthesis-failed". So the real-browser test
// proves the "no voice" path; the spoken path runs against a speechSynthesis test double.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_SOCKET_ORIGIN } from '../../src/main/s2s'
import { closeAfterEach, SHOTS } from '../harness/after-each'
import { startHarness, type Harness } from '../harness/harness'

let tmp = ''
let speech = ''
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'earshot-demo-'))
  const raw = join(tmp, 'raw.wav')
  speech = join(tmp, 'speech.wav')
  execFileSync('espeak-ng', ['-w', raw, 'Hello, what can you do for me today?'])
  execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', speech, 'norm', '-3'])
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** A speechSynthesis with one voice that records what it is asked to say and never finishes on its own. */
const TTS_DOUBLE = `(() => {
  const log = { spoken: [], cancels: 0 }
  window.__tts = log
  const queue = []
  const voice = { name: 'Test Voice', lang: 'en-US', default: true, localService: true, voiceURI: 'test-voice' }
  const synth = new EventTarget()
  synth.getVoices = () => [voice]
  synth.speak = (u) => { log.spoken.push(u.text); queue.push(u) }
  synth.cancel = () => { log.cancels++; for (const u of queue.splice(0)) if (u.onerror) u.onerror({ error: 'interrupted' }) }
  Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true })
  window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; this.lang = ''; this.voice = null; this.onend = null; this.onerror = null } }
})()`

let harness: Harness | null = null
closeAfterEach({ name: 'demo', harness: () => harness })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function hold(page: Page, ms: number): Promise<void> {
  await page.getByTestId('talk').hover()
  await page.mouse.down()
  await sleep(ms)
  await page.mouse.up()
}

async function demo(initScripts: string[] = []): Promise<Harness> {
  const notesDir = join(tmp, `docs-${Date.now()}`)
  return startHarness({
    fakeMicrophone: speech,
    connectOrigins: [DEMO_SOCKET_ORIGIN],
    initScripts,
    // The harness's createMainServices starts the app's own Demo launcher (APP_DEMO).
    deps: { toolHost: { notify: () => {}, documentsDir: notesDir } },
    beforeLoad: (services) => void services.settings.update({ provider: 'demo' }),
  })
}

const agentTexts = (page: Page) => page.locator('[data-testid="agent-entry"][data-final="true"] .entry-text').allTextContents()
const lastCard = (page: Page) => page.getByTestId('tool-card').last()

describe('Demo mode', () => {
  it('says it follows a script, reads the time, asks before a timer and a note, and says when there is no system voice', async () => {
    harness = await demo()
    const { page, services } = harness
    const note = page.getByTestId('demo-note')
    await expect.poll(() => note.textContent()).toContain('Demo follows a script and does not understand speech.')
    const voices = await page.evaluate(() => speechSynthesis.getVoices().length)
    const voiceNote = page.getByTestId('demo-voice')
    // Where this Chromium has a voice, the window names it; here it has none, and the window says so.
    await expect.poll(() => voiceNote.getAttribute('data-state'), { timeout: 5000 }).toBe(voices > 0 ? 'voice' : 'none')
    if (voices === 0) expect(await voiceNote.textContent()).toContain('no speech synthesis voice, so the Demo shows its replies as text only')

    // 1. The time: a read-only tool, run at once, and the first reply in words.
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    await hold(page, 1500)
    await expect.poll(() => lastCard(page).getAttribute('data-state'), { timeout: 20_000 }).toBe('done')
    expect(await lastCard(page).locator('.tool-name').textContent()).toBe('get_current_time')
    await expect.poll(() => agentTexts(page).then((t) => t.join(' ')), { timeout: 20_000 }).toMatch(/^Your clock says it is \d\d:\d\d\. .*I follow a script and do not understand what you say\. Talk to me again, and I will start a timer\.$/)
    await page.mouse.move(0, 0)
    await page.evaluate(() => window.scrollTo(0, 0))
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      await page.screenshot({ path: join(SHOTS, `demo-first-reply-${scheme}.png`) })
    }
    await page.emulateMedia({ colorScheme: 'light' })

    // 2. A timer: it changes something, so the card waits for the user.
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status'), { timeout: 20_000 }).not.toBe('speaking')
    await hold(page, 1500)
    await expect.poll(() => lastCard(page).getAttribute('data-state'), { timeout: 20_000 }).toBe('waiting')
    expect(await lastCard(page).locator('.tool-name').textContent()).toBe('set_timer')
    await page.screenshot({ path: join(SHOTS, 'demo-timer-waiting.png') })
    // The card cannot allow: it asks main to show its confirmation window, which decides.
    expect(await lastCard(page).getByRole('button', { name: /Allow once|Always allow/ }).count()).toBe(0)
    await lastCard(page).getByRole('button', { name: /Review and allow/ }).click()
    const confirm = await harness.confirmPage()
    const dialog = confirm.getByRole('alertdialog')
    await expect.poll(() => dialog.getByRole('heading').textContent()).toMatch(/^Earshot wants to set a .*timer.* Allow\?$/)
    expect(services.tools.timers()).toEqual([])
    await dialog.getByRole('button', { name: 'Allow once' }).click()
    await expect.poll(() => lastCard(page).getAttribute('data-state'), { timeout: 10_000 }).toBe('done')
    expect(services.tools.timers().map((t) => t.label)).toEqual(['Earshot demo'])
    await expect.poll(() => agentTexts(page).then((t) => t.at(-1) ?? ''), { timeout: 20_000 }).toMatch(/^Done: a 2-minute timer is running/)

    // 3. A note, denied this time: the reply follows the real outcome and nothing is written.
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status'), { timeout: 20_000 }).not.toBe('speaking')
    await hold(page, 1500)
    await expect.poll(() => lastCard(page).getAttribute('data-state'), { timeout: 20_000 }).toBe('waiting')
    expect(await lastCard(page).locator('.tool-name').textContent()).toBe('take_note')
    await lastCard(page).getByRole('button', { name: 'Deny' }).click()
    await expect.poll(() => lastCard(page).getAttribute('data-state'), { timeout: 10_000 }).toBe('denied')
    await expect.poll(() => agentTexts(page).then((t) => t.at(-1) ?? ''), { timeout: 20_000 }).toMatch(/^No note, then: nothing was saved\. That was the whole Demo script\./)
    const docs = readdirSync(tmp).filter((d) => d.startsWith('docs-'))
    for (const d of docs) expect(readdirSync(join(tmp, d), { recursive: true }).filter((f) => String(f).endsWith('.md'))).toEqual([])
  })

  it('speaks each reply with the system voice (a speechSynthesis double) and stops it when the user talks over it', async () => {
    harness = await demo([TTS_DOUBLE])
    const { page } = harness
    await expect.poll(() => page.getByTestId('demo-voice').textContent()).toBe("Its replies are spoken by your system's voice (Test Voice).")
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    await hold(page, 1500)
    const spoken = () => page.evaluate(() => (globalThis as unknown as { __tts: { spoken: string[] } }).__tts.spoken.join(' '))
    // Sentence by sentence, as the words arrive (ahead of the silent reply audio).
    await expect.poll(spoken, { timeout: 20_000 }).toMatch(/^Your clock says it is \d\d:\d\d\. I read it with a tool that only looks, so it ran at once\./)
    await expect.poll(() => agentTexts(page).then((t) => t.join(' ')), { timeout: 20_000 }).toContain('Talk to me again')
    expect(await spoken()).toBe((await agentTexts(page)).join(' '))
    // The double never finishes an utterance: the voice is still "speaking" when the user presses.
    const cancels = () => page.evaluate(() => (globalThis as unknown as { __tts: { cancels: number } }).__tts.cancels)
    expect(await cancels()).toBe(0)
    await page.getByTestId('talk').hover()
    await page.mouse.down()
    await expect.poll(cancels).toBe(1)
    await page.mouse.up()
  })
})

/// <reference lib="dom" />
// Settings, push-to-talk from main, always-listening and tool permissions in the voice window, in
// Chromium over the real main-process handlers (and the OpenAI simulator where a session runs).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAISim, type SimHandle, type SimScript } from '../../src/main/sim'
import { closeAfterEach, SHOTS } from '../harness/after-each'
import { startHarness, type Harness, type HarnessOptions } from '../harness/harness'

let tmp = ''
let speech = ''
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'earshot-settings-'))
  const raw = join(tmp, 'raw.wav')
  speech = join(tmp, 'speech.wav')
  // Speech, then two seconds of silence (the fake microphone loops the file).
  execFileSync('espeak-ng', ['-w', raw, 'Hello Earshot, what time is it?'])
  execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', speech, 'norm', '-3', 'pad', '0', '2'])
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

let harness: Harness | null = null
let sim: SimHandle | null = null
closeAfterEach({
  name: 'voice-settings',
  harness: () => harness,
  also: () => [sim],
  consoleLines: 30,
  onFail: (h) => {
    if (process.env.EARSHOT_DEBUG) console.log(JSON.stringify(h.events.filter((e) => e.event !== 'settings:changed').map((e) => [e.event, e.event === 'desktop:status' ? (e.payload as { alwaysListening: unknown }).alwaysListening : e.payload])))
  },
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function withSim(script: SimScript, options: HarnessOptions = {}): Promise<Harness> {
  sim = await startOpenAISim(script)
  const s = sim
  return startHarness({
    fakeMicrophone: speech,
    ...options,
    beforeLoad: (services) => {
      services.settings.update({ providers: { openai: { baseUrl: s.baseUrl } } })
      services.secrets.set('openai', s.apiKey)
    },
  })
}

const finals = (h: Harness) => h.page.locator('[data-testid="agent-entry"][data-final="true"]').count()

describe('settings in the voice window', () => {
  it('persist through the bridge; bad input gets a readable error and keeps what was typed', async () => {
    harness = await startHarness({
      beforeLoad: (services) => {
        services.secrets.set('openai', 'sk-test-settings-0123456789')
      },
    })
    const { services } = harness
    const page = await harness.openSettings('voice')
    const settings = page.getByTestId('settings')
    await settings.waitFor()

    const voice = settings.getByRole('combobox', { name: 'Voice', exact: true })
    await voice.selectOption('cedar')
    await expect.poll(() => services.settings.get().providers.openai.voice).toBe('cedar')

    await page.locator('nav [data-section="provider"]').click()
    await settings.getByRole('combobox', { name: 'Model', exact: true }).selectOption({ label: 'Other…' })
    const model = settings.getByLabel('Model name', { exact: true })
    await model.fill('')
    await model.blur()
    await expect.poll(() => settings.getByRole('alert').textContent()).toBe('Model name cannot be empty.')
    expect(await model.inputValue()).toBe('')
    expect(services.settings.get().providers.openai.model).toBe('gpt-realtime')

    await page.locator('nav [data-section="voice"]').click()

    const instructions = settings.getByLabel('Instructions', { exact: true })
    await instructions.fill('Answer like a pirate.')
    await instructions.blur()
    // New instructions steer every answer: main asks on its own confirmation window first.
    const confirm = await harness.confirmPage()
    await expect.poll(() => confirm.getByRole('alertdialog').getByRole('heading').textContent()).toContain('Change the instructions')
    expect(services.settings.get().providers.openai.instructions).toBe('')
    await confirm.getByRole('button', { name: 'Change instructions' }).click()
    await expect.poll(() => services.settings.get().providers.openai.instructions).toBe('Answer like a pirate.')

    // Microphones from enumerateDevices; the choice is saved by deviceId.
    await page.locator('nav [data-section="audio"]').click()
    const mic = page.getByTestId('mic-select')
    await expect.poll(() => mic.locator('option').count()).toBeGreaterThan(1)
    const id = await mic.locator('option').nth(1).getAttribute('value')
    await mic.selectOption(id!)
    await expect.poll(() => services.settings.get().audio.inputDeviceId).toBe(id)

    // Push-to-talk mode, through main (which applies the hotkey and saves).
    await page.locator('nav [data-section="ptt"]').click()
    await page.getByTestId('ptt-mode').selectOption('toggle')
    await expect.poll(() => services.settings.get().hotkey.mode).toBe('toggle')

    // Hotkey capture: a bare letter is refused by main's check with its reason; a chord can be used.
    const capture = page.getByTestId('hotkey-capture')
    await capture.click()
    await page.keyboard.press('k')
    await expect.poll(() => page.getByTestId('hotkey-check').textContent()).toMatch(/K\s*\S+/)
    const bare = harness.ipc.filter((r) => r.channel === 'desktop:checkHotkey').at(-1)!
    const bareReply = (bare.reply as { value: { ok: boolean; reason: string | null } }).value
    expect(bareReply.ok).toBe(false)
    await expect.poll(() => page.getByTestId('hotkey-check').textContent()).toContain(bareReply.reason!)
    await expect.poll(() => page.getByRole('button', { name: 'Use this hotkey' }).count()).toBe(0)

    await capture.click()
    await page.keyboard.press('Control+Alt+KeyJ')
    await expect.poll(() => page.getByTestId('hotkey-check').textContent()).toContain('Ctrl+Alt+J')
    await expect.poll(() => page.getByTestId('hotkey-check').textContent()).toContain('can be used')
    await page.getByRole('button', { name: 'Use this hotkey' }).click()
    await expect.poll(() => services.settings.get().hotkey.accelerator).toBe('CommandOrControl+Alt+J')
    await expect.poll(() => page.getByTestId('hotkey-current').textContent()).toBe('Ctrl+Alt+J')

    // Launch at login follows what main says this system supports.
    await page.locator('nav [data-section="about"]').click()
    const login = page.getByLabel(/Launch Earshot when I log in/)
    expect(await login.isDisabled()).toBe(!services.desktop.status().launchAtLogin.supported)

    // Folder pickers live in main; where there is none, the user is told so.
    await page.locator('nav [data-section="tools"]').click()
    await page.getByRole('button', { name: 'Add a folder…' }).click()
    await expect.poll(() => page.getByText('Choosing a folder is not available here.').count()).toBe(1)
    await page.getByTestId('settings').screenshot({ path: join(SHOTS, 'voice-settings.png') })
  })

  it('talks on the hotkey (push-to-talk commands from main) and hands-free in always-listening mode', async () => {
    harness = await withSim({
      turns: [
        { user: 'Hello Earshot', reply: 'Hello from the hotkey turn.', replyMs: 800 },
        { user: 'What time is it', reply: 'This one needed no key press.', replyMs: 800 },
      ],
      fallback: { user: '', reply: 'Still listening.', replyMs: 400 },
    })
    const { page, services } = harness
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    // The global hotkey: main's push-to-talk machine sends capture edges only (start, stop).
    services.desktop.ptt.keyDown()
    await sleep(1400)
    services.desktop.ptt.keyUp()
    await expect.poll(() => finals(harness!), { timeout: 15_000 }).toBe(1)
    const ptt = harness.events.filter((e) => e.event === 'desktop:ptt').flatMap((e) => (e.payload as { commands: { type: string }[] }).commands.map((c) => c.type))
    expect(ptt).toEqual(['start-capture', 'stop-capture'])
    await expect.poll(() => page.getByTestId('user-entry').first().textContent()).toContain('Hello Earshot')

    // Always listening: no press at all, the provider's VAD takes the turns.
    const turnsBefore = sim!.records.turns.length
    await page.getByTestId('always-listening').click()
    // A hot microphone is main's to confirm, on its own window.
    const confirm = await harness.confirmPage()
    await confirm.getByRole('button', { name: 'Turn on' }).click()
    await expect.poll(() => page.getByTestId('always-listening').getAttribute('aria-checked')).toBe('true')
    expect(services.settings.get().alwaysListening).toBe(true)
    await expect.poll(() => sim!.records.turns.length, { timeout: 20_000 }).toBeGreaterThan(turnsBefore)
    await expect.poll(() => page.getByTestId('agent-entry').allTextContents().then((t) => t.join(' ')), { timeout: 15_000 }).toContain('needed no key press')
    await page.getByTestId('always-listening').click()
    await expect.poll(() => services.settings.get().alwaysListening).toBe(false)
    await expect.poll(() => page.getByTestId('talk').getAttribute('aria-pressed')).toBe('false')

    // Toggle mode: a click starts talking and keeps listening after release; the next click stops.
    const settingsPage = await harness.openSettings('ptt')
    await settingsPage.getByTestId('ptt-mode').selectOption('toggle')
    await expect.poll(() => services.settings.get().hotkey.mode).toBe('toggle')
    const talk = page.getByTestId('talk')
    await expect.poll(() => talk.textContent()).toContain('Press to talk')
    await talk.click()
    await sleep(400)
    expect(await talk.getAttribute('aria-pressed')).toBe('true')
    expect(await talk.textContent()).toContain('press to stop')
    await talk.click()
    await expect.poll(() => talk.getAttribute('aria-pressed')).toBe('false')
  })

  it('"Always allow" (main\'s window, write tools only) remembers a tool, shows it on the tool\'s row in settings, and the audit log lists the call', async () => {
    harness = await withSim(
      { turns: [{ user: 'Set a timer', toolCalls: [{ name: 'set_timer', arguments: { minutes: 2, label: 'tea' } }], reply: 'Timer set.', replyMs: 600 }] },
      { deps: { toolHost: { notify: () => {} } } },
    )
    const { page, services } = harness
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    await page.getByTestId('talk').hover()
    await page.mouse.down()
    await sleep(1300)
    await page.mouse.up()
    const card = page.getByTestId('tool-card').first()
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 15_000 }).toBe('waiting')
    expect(await card.getByRole('button', { name: 'Always allow' }).count()).toBe(0) // not on the voice window
    const confirm = await harness.confirmPage()
    await expect.poll(() => confirm.getByRole('alertdialog').getByRole('heading').textContent()).toBe('Earshot wants to set a 2 minutes timer for tea. Allow?')
    await confirm.getByRole('button', { name: 'Always allow this tool' }).click()
    await expect.poll(() => card.getAttribute('data-state')).toBe('done')
    expect(services.tools.kit.timers.list().map((t) => t.label)).toEqual(['tea'])
    expect(services.settings.get().tools.alwaysAllow).toEqual(['set_timer'])
    // The settings window shows the grant on the tool's row, and "Ask every time" withdraws it.
    const settings = await harness.openSettings('tools')
    const row = settings.locator('li[data-tool="set_timer"] select')
    await expect.poll(() => row.inputValue()).toBe('always')
    await settings.locator('nav [data-section="privacy"]').click()
    await expect.poll(() => settings.getByTestId('audit-log').textContent()).toContain('set_timer')
    await expect.poll(() => settings.getByTestId('audit-log').textContent()).toContain('allowed by user')
    await settings.locator('nav [data-section="tools"]').click()
    await settings.locator('li[data-tool="set_timer"] select').selectOption('ask')
    await expect.poll(() => services.settings.get().tools.alwaysAllow).toEqual([])
  })
})

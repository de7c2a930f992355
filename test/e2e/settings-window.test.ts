/// <reference lib="dom" />
// The settings window (route #settings/<section>, a second page of the same origin that main
// opens) and the hotkeys the way the OS writes them, in Chromium over the real main-process
// handlers: how it opens, each section in light and dark, the provider's voice and model lists,
// one always-listening control, per-tool permissions, nothing cut off at 1100 px or 200 % zoom,
// and no Electron accelerator words anywhere a user can see.
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { SETTINGS_SECTIONS } from '../../src/shared/ipc/channels/app'
import { closeAfterEach, SHOTS } from '../harness/after-each'
import { startHarness, type Harness, type HarnessOptions } from '../harness/harness'

let harness: Harness | null = null
closeAfterEach({
  name: 'settings-window',
  harness: () => harness,
  consoleLines: 30,
  screenshot: (h) => Promise.race([h.settingsPage(), new Promise<null>((r) => setTimeout(() => r(null), 100))]),
})

/** A harness past onboarding (an OpenAI key is set). */
function withKey(options: HarnessOptions = {}): Promise<Harness> {
  return startHarness({
    ...options,
    beforeLoad: async (services) => {
      services.secrets.set('openai', 'sk-test-settings-window-0123456789')
      await options.beforeLoad?.(services)
    },
  })
}

async function section(page: Page, name: string): Promise<void> {
  await page.locator(`nav [data-section="${name}"]`).click()
  await expect.poll(() => page.getByTestId('settings').getAttribute('data-section')).toBe(name)
}

/** Every text a user can see or hear in the page: text, labels, titles, values of options. */
function visibleWords(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts = [document.body.innerText, document.title]
    for (const el of document.querySelectorAll('[aria-label], [title], option, input[placeholder]')) {
      parts.push(el.getAttribute('aria-label') ?? '', el.getAttribute('title') ?? '', el.getAttribute('placeholder') ?? '', el.tagName === 'OPTION' ? (el.textContent ?? '') : '')
    }
    return parts.join('\n')
  })
}

/**
 * Controls whose text does not fit: the page scrolling sideways, a control outside the window, a
 * control whose content overflows it, or a select whose longest option is wider than the select.
 */
function cutOff(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = []
    const root = document.documentElement
    if (root.scrollWidth > root.clientWidth + 1) out.push(`the page scrolls sideways (${root.scrollWidth} > ${root.clientWidth})`)
    const ctx = document.createElement('canvas').getContext('2d')!
    for (const el of document.querySelectorAll<HTMLElement>('button, label, select, h1, h2, h3, kbd, .badge, input, textarea, nav li')) {
      const box = el.getBoundingClientRect()
      if (box.width === 0 && box.height === 0) continue
      const name = `${el.tagName.toLowerCase()} "${(el.textContent ?? '').trim().slice(0, 50)}"`
      if (box.right > root.clientWidth + 1 || box.left < -1) out.push(`${name} reaches outside the window`)
      const style = getComputedStyle(el)
      if (el.tagName !== 'SELECT' && el.tagName !== 'INPUT' && el.tagName !== 'TEXTAREA' && el.scrollWidth > el.clientWidth + 1 && style.overflowX === 'visible') out.push(`${name} overflows (${el.scrollWidth} > ${el.clientWidth})`)
      if (el instanceof HTMLSelectElement) {
        ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`
        const widest = Math.max(...[...el.options].map((o) => ctx.measureText(o.text).width))
        // Room for text: the select's inner width less its padding and the drop-down arrow.
        const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 18
        if (widest > room) out.push(`select "${el.selectedOptions[0]?.text}" cuts its options off (${Math.round(widest)} > ${Math.round(room)})`)
      }
    }
    return out
  })
}

describe('the settings window', () => {
  it('opens from the voice window, Ctrl+, and main (tray, app menu), one window at a section; every section in light and dark', async () => {
    harness = await withKey()
    const { page } = harness
    await page.getByTestId('open-settings').click()
    const settings = await harness.settingsPage()
    await expect.poll(() => settings.getByTestId('settings-window').count()).toBe(1)
    expect(new URL(settings.url()).origin).toBe(harness.origin)
    expect(await settings.title()).toBe('Earshot Settings')
    // The sidebar has the seven sections, in order; the current one is marked for assistive tech.
    expect(await settings.locator('nav button').allTextContents()).toEqual(['Provider', 'Voice', 'Audio', 'Push-to-talk', 'Tools', 'Privacy', 'About'])
    expect(await settings.locator('nav [aria-current="page"]').textContent()).toBe('Provider')

    // Ctrl+, in the voice window and main's own request (tray "Settings…", the app menu) reuse the window.
    await page.bringToFront()
    await page.keyboard.press('Control+Comma')
    await expect.poll(() => harness!.ipc.filter((r) => r.channel === 'app:openSettings').length).toBe(2)
    const again = await harness.openSettings('audio')
    expect(again).toBe(settings)
    await expect.poll(() => settings.getByTestId('settings').getAttribute('data-section')).toBe('audio')
    // Opened for a fix ("Pick another microphone"), focus lands on the control that fixes it.
    await expect.poll(() => settings.evaluate(() => document.activeElement?.id)).toBe('mic-select')

    for (const scheme of ['light', 'dark'] as const) {
      await settings.emulateMedia({ colorScheme: scheme })
      await settings.setViewportSize({ width: 1100, height: 760 })
      for (const name of SETTINGS_SECTIONS) {
        await section(settings, name)
        await expect.poll(() => settings.locator('.settings-main .card').count()).toBeGreaterThan(0)
        await settings.screenshot({ path: join(SHOTS, `settings-${name}-${scheme}.png`) })
      }
    }
    // Every IPC call the settings window made went through the guard as the app's own window.
    expect(harness.ipc.filter((r) => JSON.stringify(r.reply).includes('forbidden_sender'))).toEqual([])
  })

  it('is not offered during onboarding: no Settings button, and main shows the voice window instead', async () => {
    harness = await startHarness()
    const { page } = harness
    await expect.poll(() => page.getByRole('heading', { name: 'Welcome' }).count()).toBe(1)
    expect(await page.getByTestId('open-settings').count()).toBe(0)
    await page.keyboard.press('Control+Comma')
    expect(await harness.openSettings('provider')).toBe(page)
    expect(harness.context.pages()).toHaveLength(1)
  })

  it("lists the provider's real voices and current models, with free text behind Other…", async () => {
    harness = await withKey()
    const { services } = harness
    const settings = await harness.openSettings('voice')
    const voice = settings.getByRole('combobox', { name: 'Voice', exact: true })
    await expect.poll(() => voice.locator('option').allTextContents()).toEqual(expect.arrayContaining(['marin (recommended)', 'cedar (recommended)', 'alloy', 'shimmer', 'verse', 'Other…']))
    expect(await voice.inputValue()).toBe('marin')
    await voice.selectOption('cedar')
    await expect.poll(() => services.settings.get().providers.openai.voice).toBe('cedar')
    await expect.poll(() => settings.getByTestId('voice-preview-note').textContent()).toContain('No preview')

    await section(settings, 'provider')
    const model = settings.getByRole('combobox', { name: 'Model', exact: true })
    await expect.poll(() => model.locator('option').allTextContents()).toEqual(expect.arrayContaining(['gpt-realtime (the current default)', 'gpt-realtime-mini (lower cost)', 'Other…']))
    await model.selectOption('gpt-realtime-mini')
    await expect.poll(() => services.settings.get().providers.openai.model).toBe('gpt-realtime-mini')
    await model.selectOption({ label: 'Other…' })
    const name = settings.getByLabel('Model name')
    await name.fill('gpt-realtime-2030-01-01')
    await name.press('Enter')
    await expect.poll(() => services.settings.get().providers.openai.model).toBe('gpt-realtime-2030-01-01')
    await name.fill('')
    await name.blur()
    await expect.poll(() => settings.getByRole('alert').first().textContent()).toBe('Model name cannot be empty.')
    expect(services.settings.get().providers.openai.model).toBe('gpt-realtime-2030-01-01')

    // AssemblyAI: its own voices, no model.
    await settings.getByTestId('provider-select').selectOption('assemblyai')
    await expect.poll(() => settings.getByRole('combobox', { name: 'Model', exact: true }).count()).toBe(0)
    await section(settings, 'voice')
    await expect.poll(() => settings.getByRole('combobox', { name: 'Voice', exact: true }).locator('option').allTextContents()).toEqual(['ivy (American English)', 'anna', 'Other…'])
  })

  it('tunes OpenAI listening and thinking: noise reduction, end of turn, idle check-in, and reasoning effort only for gpt-realtime-2 models', async () => {
    harness = await withKey()
    const { services } = harness
    const settings = await harness.openSettings('provider')
    const noise = settings.getByTestId('openai-noise-reduction')
    expect(await noise.inputValue()).toBe('near_field')
    await noise.selectOption('far_field')
    await expect.poll(() => services.settings.get().providers.openai.noiseReduction).toBe('far_field')
    await settings.getByTestId('openai-idle').selectOption({ label: 'Check in after 20 s' })
    await expect.poll(() => services.settings.get().providers.openai.idleTimeoutMs).toBe(20_000)
    await settings.getByTestId('openai-idle').selectOption({ label: 'Wait' })
    await expect.poll(() => services.settings.get().providers.openai.idleTimeoutMs).toBeNull()
    // Semantic turn detection swaps the pause settings for eagerness.
    await settings.getByTestId('openai-turn-detection').selectOption('semantic_vad')
    await expect.poll(() => settings.getByTestId('openai-eagerness').count()).toBe(1)
    expect(await settings.getByTestId('openai-idle').count()).toBe(0)
    await settings.getByTestId('openai-eagerness').selectOption('high')
    await expect.poll(() => services.settings.get().providers.openai.eagerness).toBe('high')
    // Reasoning effort appears for a gpt-realtime-2 model only.
    expect(await settings.getByTestId('openai-reasoning').count()).toBe(0)
    await settings.getByRole('combobox', { name: 'Model', exact: true }).selectOption('gpt-realtime-2.1')
    await expect.poll(() => settings.getByTestId('openai-reasoning').count()).toBe(1)
    await settings.getByTestId('openai-reasoning').selectOption('high')
    await expect.poll(() => services.settings.get().providers.openai.reasoningEffort).toBe('high')
    await settings.getByTestId('openai-retention').selectOption({ label: 'Drop the oldest half' })
    await expect.poll(() => services.settings.get().providers.openai.retentionRatio).toBe(0.5)
  })

  it('has one always-listening control, in step with the voice window and the tray', async () => {
    harness = await withKey()
    const { page, services } = harness
    const settings = await harness.openSettings('ptt')
    const inSettings = settings.getByRole('switch', { name: 'Always listening' })
    await expect.poll(() => inSettings.count()).toBe(1)
    expect(await settings.getByText(/always listening/i).and(settings.locator('input[type=checkbox]')).count()).toBe(0)
    expect(await page.getByRole('switch', { name: 'Always listening' }).count()).toBe(1)
    await inSettings.click()
    // A hot microphone is main's to confirm, on its own window: nothing changes until it is answered.
    const confirm = await harness.confirmPage()
    await expect.poll(() => confirm.getByRole('alertdialog').getByRole('heading').textContent()).toContain('Turn on always-listening?')
    expect(services.desktop.status().alwaysListening.enabled).toBe(false)
    await confirm.getByRole('button', { name: 'Turn on' }).click()
    await expect.poll(() => services.desktop.status().alwaysListening.enabled).toBe(true)
    await expect.poll(() => inSettings.getAttribute('aria-checked')).toBe('true')
    await expect.poll(() => page.getByTestId('always-listening').getAttribute('aria-checked')).toBe('true')
    // The tray's menu item flips it back; both windows follow.
    services.desktop.menuAction('toggle-always-listening')
    await expect.poll(() => inSettings.getAttribute('aria-checked')).toBe('false')
    await expect.poll(() => page.getByTestId('always-listening').getAttribute('aria-checked')).toBe('false')
  })

  it('chooses the wake phrase where its model licence is shown (non-commercial), and the tray words standby by it', async () => {
    harness = await withKey()
    const { services } = harness
    const settings = await harness.openSettings('ptt')
    const select = settings.getByRole('combobox', { name: 'Wake phrase' })
    await expect.poll(() => select.locator('option').allTextContents()).toEqual(['None: any speech starts a turn', '\u201cHey Jarvis\u201d', '\u201cHey Mycroft\u201d'])
    expect(await settings.getByTestId('wake-licence').count()).toBe(0)
    await select.selectOption('hey_jarvis')
    await expect.poll(() => services.settings.get().wakePhrase).toBe('hey_jarvis')
    await expect.poll(() => settings.getByTestId('wake-licence').textContent()).toContain('CC BY-NC-SA 4.0: free for personal, non-commercial use only')
    await expect.poll(() => settings.getByTestId('wake-hint').textContent()).toContain('A turn starts only after \u201cHey Jarvis\u201d')
    await settings.getByText('Speech models and their licences').click()
    const licences = settings.getByTestId('model-licences')
    await expect.poll(() => licences.locator('li').allTextContents()).toEqual([expect.stringContaining('Silero VAD v5 (speech detector): MIT'), expect.stringContaining('openWakeWord "hey jarvis" v0.1: CC BY-NC-SA 4.0')])
    services.desktop.alwaysListening.setEnabled(true)
    await expect.poll(() => services.desktop.status().tray.tooltip).toMatch(/until you say the wake phrase/)
    await select.selectOption('')
    await expect.poll(() => services.settings.get().wakePhrase).toBeNull()
    await expect.poll(() => settings.getByTestId('wake-licence').count()).toBe(0)
  })

  it('lists every tool with its risk and a permission: Off hides it from the model and refuses its calls; always-allow is never granted here', async () => {
    harness = await withKey()
    const { services, router } = harness
    const settings = await harness.openSettings('tools')
    const rows = settings.getByTestId('tool-permissions').locator('li')
    const names = services.tools.kit.describeTools().map((t) => t.name)
    await expect.poll(() => rows.count()).toBe(names.length)
    for (const tool of services.tools.kit.describeTools()) {
      const row = settings.locator(`li[data-tool="${tool.name}"]`)
      const badge = (await row.locator('.badge').textContent()) ?? ''
      expect(badge, tool.name).toBe({ read: 'Reads only', write: 'Changes your computer', external: 'Reaches outside your computer' }[tool.risk])
      const options = await row.locator('option').evaluateAll((list) => list.map((o) => ({ value: (o as HTMLOptionElement).value, disabled: (o as HTMLOptionElement).disabled })))
      // External tools never offer always-allow; write tools show it only as granted on a request.
      if (tool.risk === 'external') expect(options.map((o) => o.value), tool.name).toEqual(['ask', 'off'])
      else if (tool.risk === 'write') expect(options, tool.name).toEqual([{ value: 'ask', disabled: false }, { value: 'always', disabled: true }, { value: 'off', disabled: false }])
      else expect(options.map((o) => o.value), tool.name).toEqual(['ask', 'off'])
    }

    await settings.locator('li[data-tool="take_note"] select').selectOption('off')
    await expect.poll(() => services.settings.get().tools.disabled).toEqual(['take_note'])
    const sender = { destroyed: false, frameUrl: `${harness.origin}/index.html`, isMainFrame: true, isOwnWindow: true }
    const declared = (await router.invoke('session:start', sender, { provider: 'demo' })) as { ok: boolean; value: { config: { tools: { name: string }[] } } }
    expect(declared.ok).toBe(true)
    expect(declared.value.config.tools.map((t) => t.name)).toEqual(names.filter((n) => n !== 'take_note'))
    const refused = await router.invoke('tools:execute', sender, { callId: 'off-1', name: 'take_note', arguments: { title: 'x', text: 'y' } })
    expect(refused).toMatchObject({ ok: true, value: { status: 'denied' } })
    expect(JSON.stringify(refused)).toContain('turned take_note off')

    // The renderer cannot reach always-allow through this channel.
    const sneaky = await router.invoke('tools:setPermission', sender, { name: 'open_url', permission: 'always_allow' })
    expect(sneaky).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    expect(services.settings.get().tools.alwaysAllow).toEqual([])

    // An always-allow granted on a request shows as such, and "Ask every time" withdraws it.
    services.settings.update({ tools: { alwaysAllow: ['set_timer'] } })
    const timer = settings.locator('li[data-tool="set_timer"] select')
    await expect.poll(() => timer.inputValue()).toBe('always')
    await timer.selectOption('ask')
    await expect.poll(() => services.settings.get().tools.alwaysAllow).toEqual([])
    await settings.locator('li[data-tool="take_note"] select').selectOption('ask')
    await expect.poll(() => services.settings.get().tools.disabled).toEqual([])
    // The slot the MCP servers' settings mount in.
    expect(await settings.locator('[data-slot="mcp-servers"]').count()).toBe(1)
  })

  it('cuts no control text off at 1100 px or at 200 % zoom (550 CSS px), in the settings window and the voice window', async () => {
    harness = await withKey()
    const { page } = harness
    const settings = await harness.openSettings('provider')
    // 200 % zoom of an 1100 px window lays out as 550 CSS px.
    for (const width of [1100, 550]) {
      for (const target of [settings, page]) await target.setViewportSize({ width, height: 800 })
      for (const name of SETTINGS_SECTIONS) {
        await section(settings, name)
        expect(await cutOff(settings), `${name} at ${width} px`).toEqual([])
      }
      expect(await cutOff(page), `voice window at ${width} px`).toEqual([])
    }
    await settings.screenshot({ path: join(SHOTS, 'settings-about-550px.png') })
  })
})

describe('hotkeys the way the OS writes them', () => {
  for (const [platform, shown, other] of [
    ['linux', 'Ctrl+Shift+Space', 'Ctrl+Alt+J'],
    ['darwin', '⌘⇧Space', '⌃⌥J'],
  ] as const) {
    it(`shows ${shown} on ${platform} in the header, settings, the capture preview and the saved message, and never "CommandOrControl"`, async () => {
      harness = await withKey({ deps: { appInfo: { name: 'Earshot', version: '0.0.0-test', platform } } })
      const { page, services } = harness
      await expect.poll(() => page.getByTestId('mode').textContent()).toContain(shown)
      const settings = await harness.openSettings('ptt')
      await expect.poll(() => settings.getByTestId('hotkey-current').textContent()).toBe(shown)
      const capture = settings.getByTestId('hotkey-capture')
      await capture.click()
      await settings.keyboard.press('Control+Alt+KeyJ')
      await expect.poll(() => settings.getByTestId('hotkey-check').textContent()).toContain(`${other} can be used`)
      await settings.getByRole('button', { name: 'Use this hotkey' }).click()
      await expect.poll(() => settings.getByTestId('hotkey-result').textContent()).toBe(`Saved: ${other}`)
      expect(services.settings.get().hotkey.accelerator).toMatch(/^(CommandOrControl|Control)\+Alt\+J$/)
      await expect.poll(() => page.getByTestId('mode').textContent()).toContain(other)
      // Main's own sentences about the hotkey are rewritten too.
      const status = services.desktop.status()
      const saved = services.settings.get().hotkey.accelerator
      harness.emit('desktop:status', { ...status, hotkey: { ...status.hotkey, problems: [{ code: 'conflict', message: `${saved} is already taken by another app or by the system.` }] } })
      await expect.poll(() => settings.getByText('is already taken').textContent()).toBe(`${other} is already taken by another app or by the system.`)
      for (const target of [page, settings]) {
        for (const name of target === settings ? SETTINGS_SECTIONS : ['voice window']) {
          if (target === settings) await section(settings, name)
          expect(await visibleWords(target), `${platform}: ${name}`).not.toMatch(/CommandOrControl|CmdOrCtrl/)
        }
      }
    })
  }

  it('keeps "earshot --toggle" on one line in help text, even in a narrow window', async () => {
    harness = await withKey()
    const { services } = harness
    const settings = await harness.openSettings('ptt')
    await settings.setViewportSize({ width: 360, height: 800 })
    await settings.getByTestId('hotkey-current').waitFor()
    const status = services.desktop.status()
    const wayland = 'This is a Wayland session, where apps cannot watch global keys. Bind "earshot --toggle" (or --ptt-down / --ptt-up) to a shortcut in your desktop\'s keyboard settings.'
    harness.emit('desktop:status', { ...status, hotkey: { ...status.hotkey, holdAvailable: false, commands: { toggle: 'earshot --toggle', down: 'earshot --ptt-down', up: 'earshot --ptt-up' }, problems: [{ code: 'wayland', message: wayland }] } })
    const commands = settings.locator('code.command')
    await expect.poll(() => commands.allTextContents()).toEqual(expect.arrayContaining(['earshot --toggle', '--ptt-down', '--ptt-up']))
    const lines = await commands.evaluateAll((list) => list.map((el) => ({ text: el.textContent, lines: new Set([...el.getClientRects()].map((r) => Math.round(r.top))).size, height: el.getBoundingClientRect().height, lineHeight: parseFloat(getComputedStyle(el).lineHeight) || 20 })))
    for (const line of lines) {
      expect(line.lines, line.text ?? '').toBe(1)
      expect(line.height, line.text ?? '').toBeLessThan(line.lineHeight * 1.6)
    }
  })
})

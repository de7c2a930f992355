/// <reference lib="dom" />
// An accessibility pass with axe-core (@axe-core/playwright) over the windows a user meets: the
// voice window during onboarding and in a conversation (a tool request waiting),
// and every section of the settings window, in the light and the dark theme. No serious or
// critical violation may remain.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AxeBuilder } from '@axe-core/playwright'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SETTINGS_SECTIONS } from '../../src/shared/ipc/channels/app'
import { startOpenAISim, type SimHandle } from '../../src/main/sim'
import { closeAfterEach } from '../harness/after-each'
import { ROOT, startHarness, type Harness } from '../harness/harness'

let tmp = ''
let speech = ''
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'earshot-axe-'))
  const raw = join(tmp, 'raw.wav')
  speech = join(tmp, 'speech.wav')
  execFileSync('espeak-ng', ['-w', raw, 'Hello Earshot, open the example page.'])
  execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', speech, 'norm', '-3', 'pad', '0', '2'])
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

let harness: Harness | null = null
let sim: SimHandle | null = null
closeAfterEach({ name: 'accessibility', harness: () => harness, also: () => [sim] })

/** Serious and critical violations, one line each (rule, impact, the first offending elements). */
async function serious(page: Page, where: string): Promise<string[]> {
  const results = await new AxeBuilder({ page: page as never }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze()
  // axe really ran over the page (its CSP does not stop the injected script): many rules passed.
  expect(results.passes.length, where).toBeGreaterThan(15)
  if (process.env.EARSHOT_DEBUG) for (const v of results.violations) console.log(`${where}: ${v.id} (${v.impact}) ${v.nodes.length}`)
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: ${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('axe-core: no serious or critical violations', () => {
  it('in onboarding, light and dark', async () => {
    harness = await startHarness()
    const { page } = harness
    await page.getByTestId('try-demo').waitFor()
    const found: string[] = []
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      found.push(...(await serious(page, `onboarding (${scheme})`)))
    }
    expect(found).toEqual([])
  })

  it('in the voice window with a conversation and a waiting tool request, and in every settings section, light and dark', async () => {
    sim = await startOpenAISim({ turns: [{ user: 'Hello Earshot', toolCalls: [{ name: 'open_url', arguments: { url: 'https://example.com/axe' } }], reply: 'Opened it.', replyMs: 500 }] })
    const s = sim
    harness = await startHarness({
      fakeMicrophone: speech,
      beforeLoad: (services) => {
        services.settings.update({ providers: { openai: { baseUrl: s.baseUrl } } })
        services.secrets.set('openai', s.apiKey)
      },
    })
    const { page } = harness
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    await page.getByTestId('talk').hover()
    await page.mouse.down()
    await sleep(1300)
    await page.mouse.up()
    await expect.poll(() => page.getByTestId('tool-card').first().getAttribute('data-state'), { timeout: 15_000 }).toBe('waiting')
    const found: string[] = []
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      found.push(...(await serious(page, `voice window (${scheme})`)))
      await page.setViewportSize({ width: 1100, height: 720 })
      await page.screenshot({ path: join(ROOT, 'out/test/screenshots', `voice-window-tool-waiting-${scheme}.png`) })
    }
    const settings = await harness.openSettings('provider')
    await settings.getByTestId('settings-window').waitFor()
    for (const scheme of ['light', 'dark'] as const) {
      await settings.emulateMedia({ colorScheme: scheme })
      for (const name of SETTINGS_SECTIONS) {
        await settings.locator(`nav [data-section="${name}"]`).click()
        await expect.poll(() => settings.getByTestId('settings').getAttribute('data-section')).toBe(name)
        await expect.poll(() => settings.locator('.settings-main .card').count()).toBeGreaterThan(0)
        found.push(...(await serious(settings, `settings ${name} (${scheme})`)))
      }
    }
    expect(found).toEqual([])
  })
})

/// <reference lib="dom" />
// The history view in Chromium over the real main-process handlers: conversations written through
// the history IPC channels (as the renderer's sink writes them) are listed with date, title,
// provider, duration and cost; search as you type highlights the matched words; a conversation
// opens read-only; delete and delete all remove them from the database.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, startHarness, type Harness } from '../harness/harness'

const SHOTS = join(ROOT, 'out/test/screenshots')
mkdirSync(SHOTS, { recursive: true })

type Api = Record<string, Record<string, (x?: unknown) => Promise<unknown>>>

/** Writes a conversation from the page through the history channels, as the sink does. */
async function writeConversation(
  page: Page,
  c: { provider: string; model: string; turns: [string, string, boolean?][]; tool?: { name: string; arguments: unknown; result: string }; usage?: Record<string, number>; minutes: number },
): Promise<string> {
  return page.evaluate(async (conv) => {
    const api = (globalThis as unknown as { earshot: Api }).earshot
    const { id } = (await api.history!.begin!({ provider: conv.provider, model: conv.model })) as { id: string }
    const t0 = Date.now()
    let n = 0
    for (const [role, text, interrupted] of conv.turns) {
      await api.history!.turn!({ id, role, text, interrupted: interrupted === true, at: t0 + n++ * 1000 })
      if (n === 1 && conv.tool) await api.history!.tool!({ id, callId: `call-${id}`, ...conv.tool, status: 'ok', decision: null, at: t0 + 500 })
    }
    if (conv.usage) await api.history!.usage!({ id, ...conv.usage })
    await api.history!.end!({ id, at: t0 + conv.minutes * 60_000 })
    return id
  }, c)
}

describe('history view', () => {
  let harness: Harness
  let page: Page
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    harness = await startHarness({ beforeLoad: (services) => void services.settings.update({ provider: 'demo' }) })
    page = harness.page
    await page.getByTestId('history-toggle').waitFor()
    ids.tomatoes = await writeConversation(page, {
      provider: 'openai',
      model: 'gpt-realtime',
      minutes: 3,
      turns: [
        ['user', 'Remind me to water the tomatoes tomorrow morning'],
        ['assistant', 'Done: a reminder for the tomatoes at eight, and I noted the garden hose is in the shed.'],
      ],
      tool: { name: 'set_timer', arguments: { minutes: 600, label: 'Water the tomatoes' }, result: '{"ok":true}' },
      usage: { inputTokens: 2400, inputAudioTokens: 2000, outputTokens: 900, outputAudioTokens: 800 },
    })
    ids.penguins = await writeConversation(page, {
      provider: 'assemblyai',
      model: '',
      minutes: 1,
      turns: [
        ['user', 'Tell me something about emperor penguins'],
        ['assistant', 'They huddle together through the Antarctic winter, taking turns at the', true],
      ],
    })
    ids.time = await writeConversation(page, {
      provider: 'demo',
      model: '',
      minutes: 0.5,
      turns: [
        ['user', 'What time is it?'],
        ['assistant', 'It is a quarter past ten.'],
      ],
      usage: { inputTokens: 100, outputTokens: 50 },
    })
  })
  afterAll(async () => {
    await harness?.close()
  })

  it('lists every conversation with date, title, provider, duration and cost', async () => {
    await page.getByTestId('history-toggle').click()
    const items = page.getByTestId('history-item')
    await expect.poll(() => items.count()).toBe(3)
    // Newest first.
    expect(await items.nth(0).getAttribute('data-id')).toBe(ids.time)
    const tomatoes = page.locator(`[data-testid="history-item"][data-id="${ids.tomatoes}"]`)
    const text = (await tomatoes.innerText()).replace(/\s+/g, ' ')
    expect(text).toContain('Remind me to water the tomatoes tomorrow morning')
    expect(text).toContain('OpenAI Realtime')
    expect(text).toContain('3 min')
    expect(text).toMatch(/about \$0\.\d\d/)
    expect(await page.locator(`[data-testid="history-item"][data-id="${ids.penguins}"]`).innerText()).toContain('cost not reported')
    expect(await page.locator(`[data-testid="history-item"][data-id="${ids.time}"]`).innerText()).toContain('$0.00')
    expect(await page.locator('.history-settings').innerText()).toContain(join(harness.userDataDir, 'history.db'))
    await page.emulateMedia({ colorScheme: 'light' })
    await page.screenshot({ path: join(SHOTS, 'history-list-light.png') })
  })

  it('searches as you type, on both sides, with the matches highlighted', async () => {
    const search = page.getByTestId('history-search')
    await search.fill('')
    await search.pressSequentially('tomat', { delay: 20 })
    await expect.poll(() => page.getByTestId('history-item').count()).toBe(1)
    await expect.poll(() => page.locator('[data-testid="history-snippets"] mark').first().innerText()).toMatch(/^tomatoes$/i)
    expect(await page.getByTestId('history-item').getAttribute('data-id')).toBe(ids.tomatoes)
    await page.screenshot({ path: join(SHOTS, 'history-search-light.png') })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.screenshot({ path: join(SHOTS, 'history-search-dark.png') })
    await page.emulateMedia({ colorScheme: 'light' })

    // The agent's side only ("Antarctic" is never said by the user).
    await search.fill('antarctic')
    await expect.poll(async () => (await page.getByTestId('history-item').count()) === 1 && (await page.getByTestId('history-item').getAttribute('data-id'))).toBe(ids.penguins)
    expect(await page.locator('[data-testid="history-snippets"] mark').first().innerText()).toBe('Antarctic')

    // User text is never query syntax.
    await search.fill('"NEAR( tomatoes')
    await expect.poll(() => page.getByTestId('history-empty').isVisible()).toBe(true)
    expect(harness.console.join('\n')).not.toMatch(/fts5|syntax error/i)
    await search.fill('')
    await expect.poll(() => page.getByTestId('history-item').count()).toBe(3)
  })

  it('opens a conversation read-only, with both sides and its tool call', async () => {
    await page.locator(`[data-testid="history-item"][data-id="${ids.tomatoes}"] button`).click()
    const detail = page.getByTestId('history-detail')
    await detail.waitFor()
    const text = await detail.innerText()
    expect(text).toContain('Remind me to water the tomatoes tomorrow morning')
    expect(text).toContain('the garden hose is in the shed')
    expect(text).toContain('set_timer')
    expect(await detail.locator('input, textarea, [contenteditable="true"]').count()).toBe(0)
    await page.emulateMedia({ colorScheme: 'light' })
    await page.screenshot({ path: join(SHOTS, 'history-open-light.png') })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.screenshot({ path: join(SHOTS, 'history-open-dark.png') })
    await page.emulateMedia({ colorScheme: 'light' })

    const download = page.waitForEvent('download')
    await page.getByTestId('history-export-md').click()
    const file = await download
    expect(file.suggestedFilename()).toMatch(/^earshot-conversation-.*\.md$/)
    const md = await page.evaluate(async (id) => ((await (globalThis as unknown as { earshot: Api }).earshot.history!.export!({ id, format: 'md' })) as { text: string }).text, ids.tomatoes)
    expect(md).toContain('**You:** Remind me to water the tomatoes tomorrow morning')
    await page.getByTestId('history-back').click()
    await page.getByTestId('history-list').waitFor()
  })

  it('deletes one conversation, then all of them, from the database', async () => {
    await page.locator(`[data-testid="history-item"][data-id="${ids.penguins}"] button`).click()
    await page.getByTestId('history-delete').click()
    await page.getByTestId('history-delete-confirm').click()
    await expect.poll(() => page.getByTestId('history-item').count()).toBe(2)
    expect(harness.services.history.list().map((c) => c.id)).not.toContain(ids.penguins)
    expect(harness.services.history.search('penguins')).toEqual([])

    await page.getByTestId('history-delete-all').click()
    await page.getByTestId('history-delete-all-confirm').click()
    await expect.poll(() => page.getByTestId('history-empty').isVisible()).toBe(true)
    expect(harness.services.history.list()).toEqual([])
  })

  it('keeps nothing while "Keep conversation history" is off', async () => {
    await page.getByTestId('history-keep').uncheck()
    await expect.poll(() => harness.services.settings.get().history.keep).toBe(false)
    const id = await page.evaluate(async () => ((await (globalThis as unknown as { earshot: Api }).earshot.history!.begin!({ provider: 'demo', model: '' })) as { id: string | null }).id)
    expect(id).toBeNull()
    await page.getByTestId('history-keep').check()
    await expect.poll(() => harness.services.settings.get().history.keep).toBe(true)
  })
})

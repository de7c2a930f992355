/// <reference lib="dom" />
// History from a live conversation in the real voice window (Chromium, the real main-process
// handlers, the OpenAI simulator, a fake microphone speaking an espeak-ng WAV): press, speak,
// release, reply, and the voice window's Conversation writes both turns to the history database as
// they happen; after a page reload the conversation is in the history view and search highlights
// words of either side; "Continue" starts a new session whose opening frames carry its turns (the
// OpenAI adapter's text replay: conversation.item.create after session.update); delete removes it.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAISim, type SimHandle } from '../../src/main/sim'
import type { TextFrameEntry, WireEntry } from '../../src/main/sim'
import { closeAfterEach, SHOTS } from '../harness/after-each'
import { startHarness, type Harness } from '../harness/harness'

const USER = 'Please remind me to water the tomatoes tomorrow.'
const REPLY = 'Sure, I will remind you about the tomatoes by the greenhouse.'

let tmp = ''
let speech = ''
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'earshot-histlive-'))
  const raw = join(tmp, 'raw.wav')
  execFileSync('espeak-ng', ['-w', raw, USER])
  speech = join(tmp, 'speech.wav')
  execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', speech, 'norm', '-3', 'pad', '0', '1'])
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

let harness: Harness | null = null
let sim: SimHandle | null = null
closeAfterEach({ name: 'history-live', harness: () => harness, also: () => [sim], consoleLines: 30 })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const inbound = (entries: readonly WireEntry[]): TextFrameEntry[] => entries.filter((e): e is TextFrameEntry => e.kind === 'text' && e.dir === 'in')

describe('history from a live conversation in the voice window', () => {
  it('records it as it happens, lists and searches it after a reload, continues it into a new session, and deletes it', async () => {
    sim = await startOpenAISim({ turns: [{ user: USER, reply: REPLY, replyMs: 600 }] })
    const s = sim
    harness = await startHarness({
      fakeMicrophone: speech,
      beforeLoad: (services) => {
        services.settings.update({ providers: { openai: { baseUrl: s.baseUrl } }, hotkey: { mode: 'hold' } })
        services.secrets.set('openai', s.apiKey)
      },
    })
    const { page, services } = harness
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    expect(services.history.list()).toEqual([])

    // 1. Press, speak, release, reply: both turns reach the database while the session is still open.
    services.desktop.ptt.keyDown()
    await sleep(4000) // holding the key while the microphone speaks (not a wait for a state)
    services.desktop.ptt.keyUp()
    await expect.poll(() => page.locator('[data-testid="agent-entry"][data-final="true"]').count(), { timeout: 20_000 }).toBe(1)
    const stored = () => services.history.list().filter((c) => c.turns > 0)
    await expect.poll(() => stored().length, { timeout: 10_000 }).toBe(1)
    const id = stored()[0]!.id
    await expect
      .poll(() =>
        services.history
          .get(id)
          ?.entries.filter((e) => e.kind === 'turn')
          .map((e) => (e.kind === 'turn' ? [e.role, e.text] : null)),
      )
      .toEqual([
        ['user', USER],
        ['assistant', REPLY],
      ])
    const summary = services.history.get(id)!
    expect(summary.provider).toBe('openai')
    expect(summary.title).toBe(USER)
    expect(summary.endedAt).toBeNull() // written as it happens, not when the conversation ends
    const connsBefore = new Set(inbound(s.wire.entries).map((e) => e.conn)).size
    expect(connsBefore).toBe(1)

    // 2. A reload (the main services and their user-data folder stay): the history view lists it.
    await page.reload()
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    await page.getByTestId('history-toggle').click()
    const item = page.locator(`[data-testid="history-item"][data-id="${id}"]`)
    await expect.poll(() => item.count()).toBe(1)
    expect((await item.innerText()).replace(/\s+/g, ' ')).toContain(USER)
    expect(await item.innerText()).toContain('OpenAI Realtime')

    // Search highlights words of either side: "water" only the user said, "greenhouse" only the agent.
    const search = page.getByTestId('history-search')
    const marks = page.locator(`[data-testid="history-item"][data-id="${id}"] [data-testid="history-snippets"] mark`)
    await search.pressSequentially('water', { delay: 20 })
    await expect.poll(() => marks.allInnerTexts()).toEqual(['water'])
    await page.screenshot({ path: join(SHOTS, 'history-live-search-user.png') })
    await search.fill('greenhouse')
    await expect.poll(() => marks.allInnerTexts()).toEqual(['greenhouse'])
    await page.screenshot({ path: join(SHOTS, 'history-live-search-agent.png') })
    await search.fill('')

    // 3. Continue: a new session whose opening frames carry this conversation's turns.
    await item.locator('button').first().click()
    await page.getByTestId('history-detail').waitFor()
    expect(await page.getByTestId('history-detail').innerText()).toContain(REPLY)
    await page.getByTestId('history-continue').click()
    const newConn = () => {
      const frames = inbound(s.wire.entries)
      const first = frames[0]!.conn
      return frames.filter((e) => e.conn !== first)
    }
    await expect.poll(() => newConn().some((e) => e.type === 'session.update'), { timeout: 15_000 }).toBe(true)
    const carried = () =>
      newConn()
        .filter((e) => e.type === 'conversation.item.create')
        .map((e) => (e.json as { item: { role: string; content: { text: string }[] } }).item)
        .map((i) => [i.role, i.content.map((c) => c.text).join('')])
    await expect.poll(carried).toEqual([
      ['user', USER],
      ['assistant', REPLY],
    ])
    // The session.update comes first, and the replay follows it before anything else is sent.
    const types = newConn().map((e) => e.type)
    expect(types[0]).toBe('session.update')
    expect(types.slice(1, 3)).toEqual(['conversation.item.create', 'conversation.item.create'])
    // Back in the voice window after Continue.
    await expect.poll(() => page.getByTestId('history-detail').count()).toBe(0)

    // 4. Delete removes it, from the view and from the database.
    await page.getByTestId('history-toggle').click()
    await expect.poll(() => item.count()).toBe(1)
    await item.locator('button').first().click()
    await page.getByTestId('history-delete').click()
    await page.getByTestId('history-delete-confirm').click()
    await expect.poll(() => item.count()).toBe(0)
    expect(services.history.get(id)).toBeNull()
    expect(services.history.search('greenhouse')).toEqual([])
    expect(harness.console.join('\n')).not.toMatch(/pageerror/)
  })
})

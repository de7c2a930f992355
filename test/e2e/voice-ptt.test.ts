/// <reference lib="dom" />
// Push-to-talk in the real voice window (Chromium, the real main-process handlers, the OpenAI
// simulator): hold the hotkey through a pause, release, and the transcript shows one user turn and
// one reply per press. The session has turn detection off; each release sends one commit.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAISim, type SimHandle } from '../../src/main/sim'
import { closeAfterEach, SHOTS } from '../harness/after-each'
import { startHarness, type Harness } from '../harness/harness'

let tmp = ''
let speech = ''
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'earshot-ptt-'))
  // The fake microphone loops this: speech, 1.6 s of silence, speech, 1.6 s of silence (5-6 s a
  // loop). Any hold of 6 s or more contains a whole 1.6 s pause, which server VAD (500 ms) would
  // have taken as the end of the turn.
  const a = join(tmp, 'a.wav')
  const b = join(tmp, 'b.wav')
  execFileSync('espeak-ng', ['-w', a, 'Hello Earshot, please tell me'])
  execFileSync('espeak-ng', ['-w', b, 'what time it is.'])
  const a48 = join(tmp, 'a48.wav')
  const b48 = join(tmp, 'b48.wav')
  execFileSync('sox', [a, '-r', '48000', '-c', '1', '-b', '16', a48, 'norm', '-3', 'pad', '0', '1.6'])
  execFileSync('sox', [b, '-r', '48000', '-c', '1', '-b', '16', b48, 'norm', '-3', 'pad', '0', '1.6'])
  speech = join(tmp, 'speech.wav')
  execFileSync('sox', [a48, b48, speech])
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

let harness: Harness | null = null
let sim: SimHandle | null = null
closeAfterEach({ name: 'voice-ptt', harness: () => harness, also: () => [sim], consoleLines: 30 })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('push-to-talk in the voice window', () => {
  it('hold through a pause, release: one user turn and one reply per press, one commit each, nothing sent between presses', async () => {
    sim = await startOpenAISim({
      turns: [
        { user: 'Hello Earshot, please tell me what time it is.', reply: 'It is noon.', replyMs: 700 },
        { user: 'Thanks.', reply: 'You are welcome.', replyMs: 500 },
      ],
    })
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
    const users = page.locator('[data-testid="user-entry"]')
    const agents = page.locator('[data-testid="agent-entry"][data-final="true"]')

    // Press 1: 6.5 s, so a whole 1.6 s pause is inside it.
    services.desktop.ptt.keyDown()
    await sleep(6500)
    services.desktop.ptt.keyUp()
    await expect.poll(() => agents.count(), { timeout: 20_000 }).toBe(1)
    expect(await users.count()).toBe(1)
    expect(s.records.turns).toHaveLength(1)
    const appends = () => s.wire.entries.filter((e) => e.kind === 'text' && e.dir === 'in' && e.type === 'input_audio_buffer.append').length
    const commits = () => s.wire.entries.filter((e) => e.kind === 'text' && e.dir === 'in' && e.type === 'input_audio_buffer.commit').length
    expect(commits()).toBe(1)
    const update = s.wire.entries.find((e) => e.kind === 'text' && e.dir === 'in' && e.type === 'session.update')
    expect((update as { json: { session: { audio: { input: { turn_detection: unknown } } } } }).json.session.audio.input.turn_detection).toBeNull()
    await page.screenshot({ path: join(SHOTS, 'voice-ptt-first-turn.png') })

    // Between presses: nothing at all goes to the provider.
    const sentBefore = appends()
    await sleep(1500)
    expect(appends()).toBe(sentBefore)

    // Press 2.
    services.desktop.ptt.keyDown()
    await sleep(2500)
    services.desktop.ptt.keyUp()
    await expect.poll(() => agents.count(), { timeout: 20_000 }).toBe(2)
    expect(await users.count()).toBe(2)
    expect(s.records.turns).toHaveLength(2)
    expect(commits()).toBe(2)
    expect(await page.getByTestId('agent-entry').allTextContents()).toEqual([expect.stringContaining('It is noon.'), expect.stringContaining('You are welcome.')])
  })
})

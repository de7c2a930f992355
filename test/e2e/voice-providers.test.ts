// The voice window end to end: the built renderer in Chromium with a fake microphone (an espeak-ng
// WAV), window.earshot over the real main-process handlers, and each provider's simulator. Speech
// goes in as 20 ms PCM16 frames, replies are played (tapped at the audio graph's output), barge-in
// flushes playback and truncates at what was really heard, tool calls wait for the user's click,
// and a dropped connection reconnects without losing the transcript.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSessionDomain, DEMO_SOCKET_ORIGIN, lazyDemoLauncher } from '../../src/main/s2s'
import { startAssemblyAISim, startDemoServer, startOpenAISim, startSpekoSim, type SimHandle, type SimScript } from '../../src/main/sim'
import type { KeyedProvider } from '../../src/shared/settings/schema'
import { closeAfterEach, SHOTS } from '../harness/after-each'
import { startHarness, type Harness } from '../harness/harness'
import { hold, REPLY_TAP, replyHeard, sleep } from '../harness/talk'

let tmp = ''
let speech = ''
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'earshot-voice-'))
  const raw = join(tmp, 'raw.wav')
  speech = join(tmp, 'speech.wav')
  execFileSync('espeak-ng', ['-w', raw, 'Hello Earshot, please open the example website for me right now.'])
  execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', speech, 'norm', '-3'])
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function b64Bytes(b64: string): number {
  return Buffer.from(b64, 'base64').length
}

/** Audio the app sent: bytes per frame, from the wire log, per protocol. */
function uplinkFrames(sim: SimHandle, protocol: 'openai' | 'assemblyai' | 'speko'): number[] {
  if (protocol === 'speko') return sim.wire.frames({ dir: 'in' }).filter((f) => f.kind === 'binary').map((f) => (f as { bytes: number }).bytes)
  const type = protocol === 'openai' ? 'input_audio_buffer.append' : 'input.audio'
  return sim.wire
    .messages({ dir: 'in' })
    .filter((m) => m.type === type)
    .map((m) => b64Bytes(String((m.json as { audio: string }).audio)))
}

const LONG_REPLY = 'Hello! I am the simulated assistant, and I will keep on talking for quite a while, so that you have plenty of time to interrupt me in the middle of this sentence.'

function script(): SimScript {
  return {
    turns: [
      { user: 'Hello Earshot', reply: LONG_REPLY, replyMs: 6000 },
      { user: 'Open the example website', toolCalls: [{ name: 'open_url', arguments: { url: 'https://example.com/allowed' } }], reply: 'Done, it is open.', replyMs: 900 },
      { user: 'Open another one', toolCalls: [{ name: 'open_url', arguments: { url: 'https://example.com/denied' } }], reply: 'Okay, I left it closed.', replyMs: 900 },
    ],
    // After a drop, a simulator may start counting turns again: any turn past the list answers this.
    fallback: { user: 'Are you still there', reply: 'Yes, I am back after the drop.', replyMs: 900 },
  }
}

async function startSim(protocol: KeyedProvider, s: SimScript): Promise<SimHandle> {
  if (protocol === 'openai') return startOpenAISim(s)
  if (protocol === 'assemblyai') return startAssemblyAISim(s)
  return startSpekoSim(s, { readyRates: { input: 16000, output: 16000 } })
}

function wsOrigin(sim: SimHandle): string {
  return new URL(sim.wsUrl).origin.replace(/^http/, 'ws')
}

let harness: Harness | null = null
let sim: SimHandle | null = null
closeAfterEach({
  name: 'voice',
  harness: () => harness,
  also: () => [sim],
  reset: () => {
    harness = null
    sim = null
  },
  perTestShot: true,
  onFail: () => {
    if (sim && process.env.EARSHOT_DEBUG) console.log(JSON.stringify(sim.wire.frames().filter((f) => f.kind === 'text' && f.type !== 'input_audio_buffer.append' && f.type !== 'input.audio' && f.type !== 'response.output_audio.delta' && f.type !== 'reply.audio').filter((f) => !(f.kind === 'text' && f.text.includes('"final":false'))).slice(-60).map((f) => `${f.dir} ${f.kind === 'text' ? f.text.slice(0, 160) : ''}`), null, 1))
  },
})

async function transcriptTexts(page: Page, kind: 'user' | 'agent'): Promise<string[]> {
  return page.getByTestId(`${kind}-entry`).locator('.entry-text').allTextContents()
}

async function waitAgentFinals(page: Page, n: number): Promise<void> {
  await expect.poll(() => page.locator('[data-testid="agent-entry"][data-final="true"]').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(n)
}

describe.each(['openai', 'assemblyai', 'speko'] as const)('%s through the voice window', (provider) => {
  it('talks, plays, barges in, asks before tools, and survives a dropped connection', async () => {
    sim = await startSim(provider, script())
    const opened: string[] = []
    const s = sim
    harness = await startHarness({
      fakeMicrophone: speech,
      connectOrigins: [wsOrigin(s)],
      initScripts: [REPLY_TAP],
      deps: { openExternal: async (url) => void opened.push(url) },
      beforeLoad: (services) => {
        // Earcons off: the output tap measures the reply's audio, and the sounds would lengthen it.
        services.settings.update({ provider, providers: { [provider]: { baseUrl: s.baseUrl } }, audio: { earcons: { enabled: false } } })
        services.secrets.set(provider, s.apiKey)
      },
    })
    const { page } = harness
    const rate = provider === 'speko' ? 16000 : 24000

    // --- 1. Speech in, reply out. Keyboard hold on the focused button for one provider.
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    const t0 = Date.now()
    await hold(page, 1500, provider === 'assemblyai' ? 'keyboard' : 'pointer')
    // The reply is heard (AssemblyAI sends the agent's text only at the end of the reply).
    await expect.poll(() => replyHeard(page, t0).then((t) => t.audible), { timeout: 15_000 }).toBeGreaterThan(24000 * 0.5)
    const frames = uplinkFrames(s, provider)
    expect(frames.length).toBeGreaterThan(50)
    expect(frames.every((b) => b === (rate / 50) * 2)).toBe(true)
    // More speech than the 1.5 s press reached the provider (its VAD measured it): the pre-roll
    // from before the press and the tail after it were sent too.
    expect(s.records.turns[0]?.userSpeechMs ?? 0).toBeGreaterThan(1500)
    await expect.poll(() => transcriptTexts(page, 'user')).toContain('Hello Earshot')
    await page.screenshot({ path: join(SHOTS, `voice-${provider}-speaking.png`) })

    // --- 2. Barge-in while the long reply plays: playback goes silent at once.
    await sleep(1000)
    const before = await replyHeard(page, t0)
    expect(before.audible).toBeGreaterThan(0)
    const pressAt = Date.now()
    await hold(page, 1300)
    const agent0 = page.getByTestId('agent-entry').first()
    await expect.poll(() => agent0.getAttribute('data-interrupted')).toBe('true')
    const heard = await replyHeard(page, t0)
    // Nothing more of the first reply was heard after the press: it went silent at once, not at
    // the end of the reply (the bound leaves room for a loaded CI machine; the bench measures it).
    expect(heard.lastSoundAt - pressAt).toBeLessThan(1000)
    const replyMs = (heard.span / heard.rate) * 1000
    expect(replyMs).toBeLessThan(5000)
    if (provider === 'openai') {
      await expect.poll(() => s.records.truncations.length).toBeGreaterThanOrEqual(1)
      const truncation = s.records.truncations[0]!
      if (process.env.EARSHOT_DEBUG) console.log(`truncation ${truncation.audioEndMs} ms; tap ${replyMs.toFixed(1)} ms; latency ${heard.latencyMs.toFixed(1)} ms; speech ${s.records.turns[0]?.userSpeechMs} ms`)
      // What truncation reported matches what was really played: between what the tap heard minus
      // the output latency still on its way to the speaker (which the engine subtracts) and what
      // the tap heard. The tap is coarse: a 1024-sample ScriptProcessor, measuring from the first
      // to the last non-silent sample, so a quiet gap in the voice at the cut shortens it; allow
      // 60 ms for that. Sample-exact truncation is proven in audio-playback.test.ts.
      expect(truncation.audioEndMs).toBeLessThanOrEqual(replyMs + 60)
      expect(truncation.audioEndMs).toBeGreaterThanOrEqual(replyMs - heard.latencyMs - 60)
    }

    // --- 3. The barge-in speech was turn 1: a tool call that waits for the user's Allow.
    const card1 = page.locator('[data-testid="tool-card"]').first()
    await expect.poll(() => card1.getAttribute('data-state'), { timeout: 15_000 }).toBe('waiting')
    await page.screenshot({ path: join(SHOTS, `voice-${provider}-confirm.png`) })
    await sleep(300)
    expect(opened).toEqual([]) // nothing happens before the user answers
    // The card cannot allow: it asks main to show its confirmation window, which decides (Enter).
    await card1.getByRole('button', { name: /Review and allow/ }).click()
    const confirm = await harness.confirmPage()
    await expect.poll(() => confirm.getByRole('alertdialog').getByRole('heading').textContent()).toBe('Earshot wants to open https://example.com/allowed in your browser. Allow?')
    await expect.poll(() => confirm.evaluate(() => document.activeElement?.id)).toBe('confirm-allow')
    expect(await confirm.getByRole('button', { name: 'Always allow this tool' }).isVisible()).toBe(false) // external: asks every time
    expect(opened).toEqual([])
    await confirm.keyboard.press('Enter')
    await expect.poll(() => card1.getAttribute('data-state')).toBe('done')
    expect(opened).toEqual(['https://example.com/allowed'])
    await waitAgentFinals(page, 2)
    // One entry per reply: text of the cut-off reply that crossed the barge-in opened none.
    expect(await transcriptTexts(page, 'agent')).toHaveLength(2)
    await expect.poll(() => s.records.toolResults.length).toBe(1)

    // --- 4. Another tool call, denied.
    await sleep(800)
    await hold(page, 1200)
    const card2 = page.locator('[data-testid="tool-card"]').nth(1)
    await expect.poll(() => card2.getAttribute('data-state'), { timeout: 15_000 }).toBe('waiting')
    await card2.getByRole('button', { name: 'Deny' }).click()
    await expect.poll(() => card2.getAttribute('data-state')).toBe('denied')
    expect(opened).toEqual(['https://example.com/allowed'])
    await expect.poll(() => s.records.toolResults.length).toBe(2)
    expect(s.records.toolResults[1]!.output).toMatch(/denied/i)
    await waitAgentFinals(page, 3)
    expect(await transcriptTexts(page, 'agent')).toHaveLength(3)

    // --- 5. The connection drops (no close frame): reconnecting is shown, then the session is back.
    const userBefore = await transcriptTexts(page, 'user')
    const agentsBefore = await transcriptTexts(page, 'agent')
    s.dropConnections()
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status'), { timeout: 5_000, interval: 20 }).toBe('reconnecting')
    await page.screenshot({ path: join(SHOTS, `voice-${provider}-reconnecting.png`) })
    await expect.poll(() => s.connections, { timeout: 15_000 }).toBeGreaterThanOrEqual(2)
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status'), { timeout: 15_000 }).toMatch(/^(ready|listening)$/)
    await hold(page, 1200)
    await waitAgentFinals(page, agentsBefore.length + 1)
    // Nothing was lost across the drop, and the new connection answered.
    const userAfter = await transcriptTexts(page, 'user')
    expect(userAfter.slice(0, userBefore.length)).toEqual(userBefore)
    const agentsAfter = await transcriptTexts(page, 'agent')
    expect(agentsAfter.slice(0, agentsBefore.length)).toEqual(agentsBefore)
    expect(agentsAfter.at(-1)?.length ?? 0).toBeGreaterThan(0)
    await expect.poll(() => page.getByTestId('tool-card').count()).toBe(2)
    expect(harness.events.some((e) => e.event === 'desktop:ptt')).toBe(true)
    await page.screenshot({ path: join(SHOTS, `voice-${provider}-after-drop.png`) })
  })
})

describe('Demo mode through the voice window', () => {
  it('needs no key: speech in, the demo reads the clock through a tool and answers aloud', async () => {
    let demo: SimHandle | null = null
    // The Demo server is the file's `sim`, so a failure prints its wire log and it is closed after the test.
    const launcher = lazyDemoLauncher(async () => (sim = demo = await startDemoServer()))
    harness = await startHarness({
      fakeMicrophone: speech,
      connectOrigins: [DEMO_SOCKET_ORIGIN],
      initScripts: [REPLY_TAP],
      beforeLoad: (services) => {
        services.settings.update({ provider: 'demo' })
        // The app's own session domain, with a Demo launcher whose server this test can inspect.
        const domain = createSessionDomain({ settings: services.settings, secrets: services.secrets, logger: services.logger, demo: launcher })
        services.handlers['session:start'] = domain.handlers['session:start']
      },
    })
    const { page } = harness
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    const t0 = Date.now()
    await hold(page, 1500)
    const card = page.getByTestId('tool-card').first()
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 15_000 }).toBe('done')
    await waitAgentFinals(page, 1)
    await expect.poll(() => transcriptTexts(page, 'agent').then((t) => t.join(' ')), { timeout: 15_000 }).toMatch(/Your clock says it is \d\d:\d\d/)
    await expect.poll(() => replyHeard(page, t0).then((t) => t.audible), { timeout: 10_000 }).toBeGreaterThan(24000 * 0.5)
    const d = demo as SimHandle | null
    expect(d).not.toBeNull()
    const frames = uplinkFrames(d!, 'openai')
    expect(frames.length).toBeGreaterThan(50)
    expect(frames.every((b) => b === 960)).toBe(true)
    expect((await transcriptTexts(page, 'user'))[0]).toMatch(/Earshot demo/)
    await page.screenshot({ path: join(SHOTS, 'voice-demo.png') })
  })
})

// The voice window with a Speko provider_direct session on the OpenAI upstream: POST /v1/sessions
// answers with openai.realtime.v1 over WebRTC, and the built renderer in Chromium posts its SDP
// offer to the calls endpoint with the client secret Speko gave, binds the call id to Speko's
// sideband with the telemetry token before it applies the answer, and then talks to the
// simulator's real WebRTC peer. WebRTC is in the page because the Speko upstream is "openai"
// (the default); the reply is heard on the remote track and a tool call is answered.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSpekoSim, type SimHandle, type SimScript } from '../../src/main/sim'
import { simWebRtc } from '../../src/main/sim/webrtc'
import { speechWav } from '../fixtures/audio/page'
import { closeAfterEach } from '../harness/after-each'
import { startHarness, type Harness } from '../harness/harness'
import { heard, hold, RTC_TAP } from '../harness/talk'

let tmp = ''
let speech = ''
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'earshot-speko-webrtc-'))
  speech = speechWav(tmp, 'speech', 'Hello Earshot, please open the example website for me right now.')
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const SCRIPT: SimScript = {
  turns: [
    { user: 'Hello Earshot', reply: 'Hello! What can I do for you?', replyMs: 1500 },
    { user: 'Open the example website', toolCalls: [{ name: 'open_url', arguments: { url: 'https://example.com/allowed' } }], reply: 'Done, it is open.', replyMs: 900 },
  ],
}

let harness: Harness | null = null
let sim: SimHandle | null = null
closeAfterEach({ name: 'voice-speko-webrtc', harness: () => harness, also: () => [sim] })

describe('Speko provider_direct (OpenAI over WebRTC) through the voice window', () => {
  it('binds the call before media, hears the reply, and answers a tool call', async () => {
    sim = await startSpekoSim(SCRIPT, { transport: 'provider_direct', directAdapter: 'openai.realtime.v1', webrtc: simWebRtc, flushIntervalMs: 2000 })
    const s = sim
    const opened: string[] = []
    harness = await startHarness({
      webrtc: true,
      fakeMicrophone: speech,
      initScripts: [RTC_TAP],
      deps: { openExternal: async (url) => void opened.push(url) },
      beforeLoad: (services) => {
        services.settings.update({ provider: 'speko', providers: { speko: { baseUrl: s.baseUrl, upstream: 'openai' } } })
        services.secrets.set('speko', s.apiKey)
      },
    })
    const { page } = harness

    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    const t0 = Date.now()
    await hold(page, 1500)
    await expect.poll(() => heard(page, t0).then((h) => h.energy), { timeout: 15_000 }).toBeGreaterThan(0.001)
    const mint = s.wire.entries.find((e) => e.kind === 'http' && e.path === '/v1/sessions')
    const minted = JSON.parse((mint as { response: string }).response) as { sessionId: string; attemptId: string; credential: { value: string } }
    expect(minted).toMatchObject({ adapter: 'openai.realtime.v1', providerTransport: 'webrtc' })
    const call = s.wire.entries.find((e) => e.kind === 'http' && e.path === '/v1/realtime/calls' && e.method === 'POST')
    if (call?.kind !== 'http') throw new Error('no call')
    expect(call.status).toBe(201)
    expect(call.headers.authorization).toBe(`Bearer ${minted.credential.value}`)
    // The call id went to Speko's sideband, with the attempt id, before the call had a session.
    expect(s.records.sidebands).toHaveLength(1)
    expect(s.records.sidebands[0]).toMatchObject({ sessionId: minted.sessionId, attemptId: minted.attemptId })
    expect(s.records.errors.filter((e) => e.code === 'call_not_bound')).toEqual([])
    expect(s.wire.messages({ dir: 'in' }).filter((m) => m.type === 'input_audio_buffer.append')).toEqual([])
    await expect.poll(() => page.getByTestId('user-entry').locator('.entry-text').allTextContents()).toContain('Hello Earshot')
    await expect.poll(() => page.locator('[data-testid="agent-entry"][data-final="true"]').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(1)
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status'), { timeout: 10_000 }).toBe('listening')

    // A tool call over the same call, answered after the user's Allow.
    await hold(page, 1500)
    const card = page.getByTestId('tool-card').first()
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 15_000 }).toBe('waiting')
    await card.getByRole('button', { name: /Review and allow/ }).click()
    const confirm = await harness.confirmPage()
    await confirm.getByRole('alertdialog').getByRole('button', { name: 'Allow once' }).click()
    await expect.poll(() => card.getAttribute('data-state')).toBe('done')
    expect(opened).toEqual(['https://example.com/allowed'])
    await expect.poll(() => page.getByTestId('agent-entry').last().locator('.entry-text').textContent(), { timeout: 15_000 }).toBe('Done, it is open.')
    // Usage reports go to Speko as for every provider_direct session (every 2 s here).
    await expect.poll(() => s.records.telemetry.filter((r) => r.sessionId === minted.sessionId && r.events.some((e) => e.type === 'usage.reported')).length, { timeout: 10_000 }).toBeGreaterThan(0)
  }, 90_000)
})

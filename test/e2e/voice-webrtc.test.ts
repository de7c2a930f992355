// The voice window with OpenAI over WebRTC: main mints the ephemeral key, the built renderer in
// Chromium posts its SDP offer to the simulator's /v1/realtime/calls (a real werift peer), speaks
// on the microphone track and hears the reply on the remote track, with the events on the
// `oai-events` channel, under the CSP main computes from the settings alone. Reply heard, barge-in
// by the WebRTC rules (response.cancel + output_audio_buffer.clear, never conversation.item.truncate),
// and a tool call answered after the user's Allow.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAISim, type SimHandle, type SimScript } from '../../src/main/sim'
import { simWebRtc } from '../../src/main/sim/webrtc'
import { closeAfterEach, SHOTS } from '../harness/after-each'
import { startHarness, type Harness } from '../harness/harness'
import { speechWav } from '../fixtures/audio/page'
import { heard, hold, RTC_TAP } from '../harness/talk'

let tmp = ''
let speech = ''
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'earshot-webrtc-'))
  speech = speechWav(tmp, 'speech', 'Hello Earshot, please open the example website for me right now.')
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const LONG_REPLY = 'Hello! I am the simulated assistant, and I will keep on talking for quite a while, so that you have plenty of time to interrupt me in the middle of this sentence.'
const SCRIPT: SimScript = {
  turns: [
    { user: 'Hello Earshot', reply: LONG_REPLY, replyMs: 6000 },
    { user: 'Open the example website', toolCalls: [{ name: 'open_url', arguments: { url: 'https://example.com/allowed' } }], reply: 'Done, it is open.', replyMs: 900 },
  ],
}

let harness: Harness | null = null
let sim: SimHandle | null = null
closeAfterEach({ name: 'voice-webrtc', harness: () => harness, also: () => [sim] })

const texts = (s: SimHandle, dir: 'in' | 'out', type: string) => s.wire.messages({ dir }).filter((m) => m.type === type)

describe('OpenAI over WebRTC through the voice window', () => {
  it('hears the reply on the remote track, barges in by the WebRTC rules, and answers a tool call', async () => {
    sim = await startOpenAISim(SCRIPT, { webrtc: simWebRtc })
    const s = sim
    const opened: string[] = []
    harness = await startHarness({
      webrtc: true,
      fakeMicrophone: speech,
      initScripts: [RTC_TAP],
      deps: { openExternal: async (url) => void opened.push(url) },
      beforeLoad: (services) => {
        services.settings.update({ provider: 'openai', providers: { openai: { baseUrl: s.baseUrl, transport: 'webrtc' } } })
        services.secrets.set('openai', s.apiKey)
      },
    })
    const { page } = harness

    // --- 1. Speech in on the microphone track, the reply heard on the remote track through the
    // page's <audio> element (playing, not muted, volume up: the tap counts nothing else).
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    const t0 = Date.now()
    await hold(page, 1500)
    await expect.poll(() => heard(page, t0).then((h) => h.energy), { timeout: 15_000 }).toBeGreaterThan(0.002)
    const call = s.wire.entries.find((e) => e.kind === 'http' && e.path === '/v1/realtime/calls' && e.method === 'POST')
    expect(call).toMatchObject({ method: 'POST', status: 201 })
    if (call?.kind !== 'http') throw new Error('no call')
    // The page holds only the ephemeral key main minted, sent as a Bearer with the offer.
    expect(call.headers.authorization).toMatch(/^Bearer ek_/)
    expect(call.headers['content-type']).toBe('application/sdp')
    expect(call.body).toMatch(/^v=0/)
    expect(s.wire.handshakes()).toEqual([])
    // No audio in events: it rides the track. The turn ends with a commit once the uplink has played out.
    expect(texts(s, 'in', 'input_audio_buffer.append')).toEqual([])
    expect(texts(s, 'in', 'input_audio_buffer.commit').length).toBeGreaterThanOrEqual(1)
    expect(s.records.turns[0]!.userSpeechMs).toBeGreaterThan(1000)
    expect(texts(s, 'out', 'output_audio_buffer.started').length).toBe(1)
    await expect.poll(() => page.getByTestId('user-entry').locator('.entry-text').allTextContents()).toContain('Hello Earshot')
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('speaking')
    await page.screenshot({ path: join(SHOTS, 'voice-webrtc-speaking.png') })

    // --- 2. Barge-in while the long reply plays: the client cuts the audio with
    // output_audio_buffer.clear (after response.cancel if it is still generating), the server
    // truncates the item itself, and the page goes quiet at once.
    // The long reply is being heard right now (sound in the last 300 ms), then the user cuts in.
    await expect.poll(() => heard(page, Date.now() - 300).then((h) => h.energy), { timeout: 5_000 }).toBeGreaterThan(0)
    const pressAt = Date.now()
    await hold(page, 1300)
    await expect.poll(() => page.getByTestId('agent-entry').first().getAttribute('data-interrupted')).toBe('true')
    await expect.poll(() => texts(s, 'in', 'output_audio_buffer.clear').length).toBeGreaterThanOrEqual(1)
    expect(texts(s, 'in', 'output_audio_buffer.clear')[0]!.at).toBeGreaterThanOrEqual(pressAt - 50)
    await expect.poll(() => texts(s, 'out', 'output_audio_buffer.cleared').length).toBeGreaterThanOrEqual(1)
    expect(texts(s, 'in', 'conversation.item.truncate')).toEqual([])
    expect(s.records.truncations.map((t) => t.by)).toEqual(['server'])
    const after = await heard(page, t0)
    expect(after.lastSoundAt - pressAt).toBeLessThan(1000)

    // --- 3. The barge-in speech asked for a tool: it waits for Allow, then the answer is heard.
    const card = page.getByTestId('tool-card').first()
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 15_000 }).toBe('waiting')
    expect(opened).toEqual([])
    await card.getByRole('button', { name: /Review and allow/ }).click()
    const confirm = await harness.confirmPage()
    const dialog = confirm.getByRole('alertdialog')
    await expect.poll(() => dialog.getByRole('heading').textContent()).toBe('Earshot wants to open https://example.com/allowed in your browser. Allow?')
    await dialog.getByRole('button', { name: 'Allow once' }).click()
    await expect.poll(() => card.getAttribute('data-state')).toBe('done')
    expect(opened).toEqual(['https://example.com/allowed'])
    await expect.poll(() => s.records.toolResults.length).toBe(1)
    const toolAt = Date.now()
    await expect.poll(() => page.locator('[data-testid="agent-entry"][data-final="true"]').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(2)
    await expect.poll(() => page.getByTestId('agent-entry').last().locator('.entry-text').textContent()).toBe('Done, it is open.')
    await expect.poll(() => heard(page, toolAt).then((h) => h.energy), { timeout: 10_000 }).toBeGreaterThan(0.0005)
    await expect.poll(() => texts(s, 'out', 'output_audio_buffer.stopped').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1)
    // The reply has played out (output_audio_buffer.stopped): no longer speaking.
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('listening')
    await page.screenshot({ path: join(SHOTS, 'voice-webrtc-tool.png') })
    // One peer connection the whole time: nothing reconnected.
    expect(await page.evaluate(() => (globalThis as unknown as { __rtc: { pcs: unknown[] } }).__rtc.pcs.length)).toBe(1)
  }, 90_000)
})

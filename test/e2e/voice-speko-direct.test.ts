// The voice window with a Speko provider_direct session: POST /v1/sessions answers with an
// xai.realtime.v1 session over websocket, and the built renderer in Chromium talks to the
// simulator's xAI-compatible socket directly (`xai-client-secret.<credential>` as the only
// subprotocol), under the CSP that main computes from the settings alone (no extra test origins).
// Reply heard, barge-in (the client cancels: xAI does not cancel on speech itself), a tool call
// answered after the user's Allow, and the page may post usage reports to Speko's telemetry
// endpoint but nowhere else.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSpekoSim, type SimHandle, type SimScript } from '../../src/main/sim'
import { closeAfterEach, SHOTS } from '../harness/after-each'
import { startHarness, type Harness } from '../harness/harness'
import { hold, REPLY_TAP, replyHeard, sleep } from '../harness/talk'

let tmp = ''
let speech = ''
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'earshot-speko-direct-'))
  const raw = join(tmp, 'raw.wav')
  speech = join(tmp, 'speech.wav')
  execFileSync('espeak-ng', ['-w', raw, 'Hello Earshot, please open the example website for me right now.'])
  execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', speech, 'norm', '-3'])
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
closeAfterEach({ name: 'voice-speko-direct', harness: () => harness, also: () => [sim] })

const texts = (s: SimHandle, dir: 'in' | 'out', type: string) => s.wire.messages({ dir }).filter((m) => m.type === type)

describe('Speko provider_direct (xAI over WebSocket) through the voice window', () => {
  it('hears the reply, barges in, answers a tool call, and may report usage only to Speko', async () => {
    sim = await startSpekoSim(SCRIPT, { transport: 'provider_direct' })
    const s = sim
    const opened: string[] = []
    harness = await startHarness({
      fakeMicrophone: speech,
      initScripts: [REPLY_TAP],
      deps: { openExternal: async (url) => void opened.push(url) },
      beforeLoad: (services) => {
        services.settings.update({ provider: 'speko', providers: { speko: { baseUrl: s.baseUrl } } })
        services.secrets.set('speko', s.apiKey)
      },
    })
    const { page } = harness

    // --- 1. Speech in over the xAI socket, the reply heard.
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    const t0 = Date.now()
    await hold(page, 1500)
    await expect.poll(() => replyHeard(page, t0).then((h) => h.audible), { timeout: 15_000 }).toBeGreaterThan(24000 * 0.5)
    const mint = s.wire.entries.find((e) => e.kind === 'http' && e.path === '/v1/sessions')
    expect(mint && mint.kind === 'http' ? JSON.parse(mint.response) : null).toMatchObject({ transport: 'provider_direct', adapter: 'xai.realtime.v1', providerTransport: 'websocket' })
    const minted = JSON.parse((mint as { response: string }).response)
    expect(s.wire.entries.find((e) => e.kind === 'handshake')).toMatchObject({ path: '/v1/realtime', protocols: [`xai-client-secret.${minted.credential.value}`], accepted: true })
    const appends = texts(s, 'in', 'input_audio_buffer.append')
    expect(appends.length).toBeGreaterThan(50)
    expect(appends.every((m) => Buffer.from(String((m.json as { audio: string }).audio), 'base64').length === 960)).toBe(true)
    await expect.poll(() => page.getByTestId('user-entry').locator('.entry-text').allTextContents()).toContain('Hello Earshot')
    await page.screenshot({ path: join(SHOTS, 'voice-speko-direct-speaking.png') })

    // --- 2. Barge-in while the long reply plays: silent at once, and the client cancelled it.
    await sleep(1000)
    const pressAt = Date.now()
    await hold(page, 1300)
    await expect.poll(() => page.getByTestId('agent-entry').first().getAttribute('data-interrupted')).toBe('true')
    // Pressing talk over the reply interrupts locally: the client cancels the xAI response.
    await expect.poll(() => texts(s, 'in', 'response.cancel').length).toBeGreaterThanOrEqual(1)
    expect(texts(s, 'in', 'response.cancel')[0]!.at).toBeGreaterThanOrEqual(pressAt - 50)
    const after = await replyHeard(page, t0)
    expect(after.lastSoundAt - pressAt).toBeLessThan(1000)

    // --- 3. The barge-in speech asked for a tool: it waits for Allow, then the answer is spoken.
    const card = page.getByTestId('tool-card').first()
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 15_000 }).toBe('waiting')
    expect(opened).toEqual([])
    // The card cannot allow: it asks main to show its confirmation window, which decides.
    await card.getByRole('button', { name: /Review and allow/ }).click()
    const confirm = await harness.confirmPage()
    const dialog = confirm.getByRole('alertdialog')
    await expect.poll(() => dialog.getByRole('heading').textContent()).toBe('Earshot wants to open https://example.com/allowed in your browser. Allow?')
    expect(opened).toEqual([])
    await dialog.getByRole('button', { name: 'Allow once' }).click()
    await expect.poll(() => card.getAttribute('data-state')).toBe('done')
    expect(opened).toEqual(['https://example.com/allowed'])
    await expect.poll(() => s.records.toolResults.length).toBe(1)
    const outputs = texts(s, 'in', 'conversation.item.create').filter((m) => (m.json as { item?: { type?: string } }).item?.type === 'function_call_output')
    expect(outputs).toHaveLength(1)
    await expect.poll(() => page.locator('[data-testid="agent-entry"][data-final="true"]').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(2)
    await expect.poll(() => page.getByTestId('agent-entry').last().locator('.entry-text').textContent()).toBe('Done, it is open.')
    await page.screenshot({ path: join(SHOTS, 'voice-speko-direct-tool.png') })

    // --- 4. The page's CSP lets a usage report reach Speko's telemetry endpoint (CORS included),
    // as SpekoTelemetry sends it, and nothing else on this computer over http.
    const report = await page.evaluate(
      async ({ url, token }) => {
        const body = JSON.stringify({ events: [{ type: 'usage.reported', event_id: 'probe:1', session_id: 's', attempt_id: 'a', created_at_ms: 1, data: { unit: 'duration_seconds', quantity_millis: 1 } }] })
        const ok = await fetch(url, { method: 'POST', keepalive: true, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body }).then((r) => r.status)
        const elsewhere = await fetch('http://127.0.0.1:9/telemetry', { method: 'POST', body }).then(
          () => 'sent',
          () => 'blocked',
        )
        return { ok, elsewhere }
      },
      { url: minted.telemetry.endpoint as string, token: minted.telemetry.token as string },
    )
    expect(report).toEqual({ ok: 202, elsewhere: 'blocked' })
    expect(s.records.telemetry.some((r) => r.events.some((e) => e.event_id === 'probe:1'))).toBe(true)
    expect(harness.console.some((l) => /Content Security Policy/.test(l) && /127\.0\.0\.1:9/.test(l))).toBe(true)
  })
})

import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { closeAfterEach, SHOTS } from '../harness/after-each'
import { startHarness, type Harness } from '../harness/harness'

/**
 * Main's confirmation surface in Chromium: the voice page (the renderer, treated as untrusted)
 * cannot answer a tool call; main's own confirmation page (its own bridge, a sender the router
 * tells apart) shows main's summary, takes the focus, allows with Enter, denies with Escape, and
 * is an alertdialog whose label screen readers announce. WebRTC is gone from both pages.
 */
let harness: Harness | null = null
closeAfterEach({ name: 'confirm-surface', harness: () => harness })

type Api = Record<string, Record<string, (x?: unknown) => Promise<unknown>>>
const execute = (h: Harness, callId: string, url: string) =>
  h.page.evaluate(
    ([id, u]) => (globalThis as unknown as { earshot: Api }).earshot.tools!.execute!({ callId: id, name: 'open_url', arguments: { url: u } }),
    [callId, url] as [string, string],
  ) as Promise<{ status: string }>

describe('main\'s confirmation window in the browser', () => {
  it('decides tool calls from the keyboard, announced as a dialog, while the voice page cannot', async () => {
    const opened: string[] = []
    harness = await startHarness({ deps: { openExternal: async (url) => void opened.push(url) } })
    const h = harness
    await h.page.getByTestId('key-status').waitFor()

    // A compromised voice page: execute, then try to answer for the user.
    const first = execute(h, 'c1', 'https://example.com/one')
    const confirm = await h.confirmPage()
    const dialog = confirm.getByRole('alertdialog', { name: 'Earshot wants to open https://example.com/one in your browser. Allow?' })
    await expect.poll(() => dialog.count()).toBe(1)
    const tries = await h.page.evaluate(async () => {
      const api = (globalThis as unknown as { earshot: Api }).earshot
      const out: string[] = []
      for (const attempt of [
        () => api.tools!.decide!({ callId: 'c1', choice: 'always_allow' }),
        () => api.confirm!.answer!({ id: 'c1', choice: 'allow_once' }),
        () => api.confirm!.prompts!(),
      ]) {
        try {
          await attempt()
          out.push('ok')
        } catch (error) {
          out.push((error as { code?: string }).code ?? String(error))
        }
      }
      return out
    })
    expect(tries).toEqual(['forbidden', 'forbidden_sender', 'forbidden_sender'])
    expect(opened).toEqual([])
    expect(h.services.settings.get().tools.alwaysAllow).toEqual([])
    // The confirmation page has only its own bridge.
    expect(await confirm.evaluate(() => typeof (globalThis as { earshot?: unknown }).earshot)).toBe('undefined')

    // Focus is on Allow once; the address is shown as a field; no always-allow for external tools.
    await expect.poll(() => confirm.evaluate(() => document.activeElement?.id)).toBe('confirm-allow')
    expect(await confirm.getByRole('definition').allTextContents()).toContain('open_url')
    expect(await confirm.getByRole('button', { name: 'Always allow this tool' }).isVisible()).toBe(false)
    await confirm.screenshot({ path: join(SHOTS, 'confirm-window-light.png') })
    await confirm.emulateMedia({ colorScheme: 'dark' })
    await confirm.screenshot({ path: join(SHOTS, 'confirm-window-dark.png') })
    await confirm.keyboard.press('Enter')
    expect(await first).toMatchObject({ status: 'ok' })
    expect(opened).toEqual(['https://example.com/one'])

    // Escape denies.
    const second = execute(h, 'c2', 'https://example.com/two')
    await expect.poll(() => confirm.getByRole('alertdialog', { name: /example\.com\/two/ }).count()).toBe(1)
    await expect.poll(() => confirm.evaluate(() => document.activeElement?.id)).toBe('confirm-allow')
    await confirm.keyboard.press('Escape')
    expect(await second).toMatchObject({ status: 'denied' })
    expect(opened).toEqual(['https://example.com/one'])
    await expect.poll(() => confirm.getByTestId('confirm').isHidden()).toBe(true)
  })

  it('the voice card asks main to show the window and can deny; nothing else', async () => {
    harness = await startHarness()
    const h = harness
    await h.page.getByTestId('key-status').waitFor()
    const call = execute(h, 'd1', 'https://example.com/deny')
    const confirm = await h.confirmPage()
    await expect.poll(() => confirm.getByRole('alertdialog').count()).toBe(1)
    expect(await h.page.evaluate(() => (globalThis as unknown as { earshot: Api }).earshot.tools!.review!({ callId: 'd1' }).then(() => 'ok'))).toBe('ok')
    expect(await h.page.evaluate(() => (globalThis as unknown as { earshot: Api }).earshot.tools!.deny!({ callId: 'd1' }).then(() => 'ok'))).toBe('ok')
    expect(await call).toMatchObject({ status: 'denied' })
    await expect.poll(() => confirm.getByTestId('confirm').isHidden()).toBe(true)
  })

  it('removes WebRTC from the voice page and the confirmation page unless main\'s flag allows it', async () => {
    harness = await startHarness()
    const h = harness
    await h.page.getByTestId('key-status').waitFor()
    const names = ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel', 'RTCSessionDescription', 'RTCIceCandidate']
    const present = (page: typeof h.page) => page.evaluate((list) => list.filter((n) => typeof (globalThis as Record<string, unknown>)[n] !== 'undefined'), names)
    expect(await present(h.page)).toEqual([])
    expect(await h.page.evaluate(() => { try { return typeof new (globalThis as unknown as { RTCPeerConnection: new () => unknown }).RTCPeerConnection() } catch (error) { return (error as Error).name } })).toBe('TypeError')
    void execute(h, 'w1', 'https://example.com/').catch(() => {})
    expect(await present(await h.confirmPage())).toEqual([])
    await h.close()
    harness = await startHarness({ webrtc: true })
    await harness.page.getByTestId('key-status').waitFor()
    expect(await present(harness.page)).toContain('RTCPeerConnection')
  })
})

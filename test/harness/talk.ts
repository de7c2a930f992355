import type { Page } from 'playwright-core'

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Holds the talk button for `ms` (push-to-talk with the mouse). */
export async function hold(page: Page, ms: number): Promise<void> {
  await page.getByTestId('talk').hover()
  await page.mouse.down()
  await sleep(ms)
  await page.mouse.up()
}

/**
 * What the page hears: every RTCPeerConnection the app makes is kept, and the audio energy its
 * inbound track has played out is sampled every 100 ms (inbound-rtp totalAudioEnergy).
 */
export const RTC_TAP = `(() => {
  const Peer = globalThis.RTCPeerConnection
  if (!Peer) return
  const rtc = { pcs: [], samples: [] }
  window.__rtc = rtc
  globalThis.RTCPeerConnection = new Proxy(Peer, {
    construct(target, args, newTarget) {
      const pc = Reflect.construct(target, args, newTarget)
      rtc.pcs.push(pc)
      return pc
    },
  })
  setInterval(() => {
    rtc.pcs.forEach((pc, index) => {
      if (pc.connectionState === 'closed') return
      pc.getStats().then((stats) => stats.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') rtc.samples.push({ at: Date.now(), pc: index, energy: r.totalAudioEnergy || 0 })
      }))
    })
  }, 100)
})()`

export async function heard(page: Page, from: number): Promise<{ energy: number; lastSoundAt: number }> {
  return page.evaluate((from) => {
    const rtc = (globalThis as unknown as { __rtc: { samples: { at: number; pc: number; energy: number }[] } }).__rtc
    const last = new Map<number, number>()
    let energy = 0
    let lastSoundAt = 0
    for (const s of rtc.samples) {
      const before = last.get(s.pc)
      last.set(s.pc, s.energy)
      if (before === undefined || s.at < from) continue
      const gained = s.energy - before
      if (gained > 1e-5) {
        energy += gained
        lastSoundAt = s.at
      }
    }
    return { energy, lastSoundAt }
  }, from)
}

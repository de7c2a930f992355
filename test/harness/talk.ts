import type { Page } from 'playwright-core'

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Holds the on-screen talk button for `ms`: with the pointer, or Space on the focused button. */
export async function hold(page: Page, ms: number, via: 'pointer' | 'keyboard' = 'pointer'): Promise<void> {
  const button = page.getByTestId('talk')
  if (via === 'pointer') {
    await button.hover()
    await page.mouse.down()
    await sleep(ms)
    await page.mouse.up()
  } else {
    await button.focus()
    await page.keyboard.down('Space')
    await sleep(ms)
    await page.keyboard.up('Space')
  }
}

/**
 * A tap on the reply the app plays: the output of the playback worklet (the one AudioWorkletNode
 * connected to a GainNode, the engine's volume node) also feeds a recorder, sample-accurate in
 * the audio graph. Earcons join the graph after that point, so a capture-end sound at release is
 * never taken for the reply still playing. Run before the app loads (an init script).
 */
export const REPLY_TAP = `(() => {
  const tap = { chunks: [], latencyMs: 0 }
  window.__tap = tap
  const connect = AudioNode.prototype.connect
  AudioNode.prototype.connect = function (dest, ...rest) {
    const result = connect.call(this, dest, ...rest)
    if (this instanceof AudioWorkletNode && dest instanceof GainNode && !this.__tapped) {
      this.__tapped = true
      const ctx = this.context
      const node = ctx.createScriptProcessor(1024, 1, 1)
      node.onaudioprocess = (e) => {
        tap.latencyMs = ((ctx.baseLatency || 0) + (ctx.outputLatency || 0)) * 1000
        tap.rate = ctx.sampleRate
        const d = e.inputBuffer.getChannelData(0)
        let peak = 0
        for (let i = 0; i < d.length; i++) { const v = Math.abs(d[i]); if (v > peak) peak = v }
        tap.chunks.push({ at: Date.now(), peak, samples: peak > 0 ? new Float32Array(d) : null, n: d.length })
        if (tap.chunks.length > 20000) tap.chunks.splice(0, 5000)
      }
      connect.call(this, node)
      connect.call(node, ctx.destination)
    }
    return result
  }
})()`

export interface ReplyHeard {
  rate: number
  /** The context's base plus output latency, in ms. */
  latencyMs: number
  /** Non-silent samples since `from`. */
  audible: number
  /** From the first to the last non-silent sample since `from`, in samples. */
  span: number
  /** Date.now() of the last chunk with sound. */
  lastSoundAt: number
  rms: number
}

/** What REPLY_TAP heard since `from` (Date.now()). */
export async function replyHeard(page: Page, from = 0): Promise<ReplyHeard> {
  return page.evaluate((from) => {
    const tap = (globalThis as unknown as { __tap: { chunks: { at: number; peak: number; samples: Float32Array | null; n: number }[]; latencyMs: number; rate?: number } }).__tap
    let k = 0
    let first = -1
    let last = -1
    let audible = 0
    let lastSoundAt = 0
    let sum = 0
    for (const c of tap.chunks) {
      if (c.at < from) continue
      if (c.samples) {
        for (let i = 0; i < c.n; i++) {
          const v = c.samples[i] as number
          if (Math.abs(v) > 1e-4) {
            if (first < 0) first = k + i
            last = k + i
            audible++
            sum += v * v
          }
        }
        lastSoundAt = c.at
      }
      k += c.n
    }
    return { rate: tap.rate ?? 24000, latencyMs: tap.latencyMs, audible, span: first < 0 ? 0 : last - first + 1, lastSoundAt, rms: audible ? Math.sqrt(sum / audible) : 0 }
  }, from)
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

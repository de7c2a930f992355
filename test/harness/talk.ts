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
 * never taken for the reply still playing. A chunk counts as heard only while that volume node is
 * connected to the speaker and turned up: a reply played into a muted or unplugged volume node is
 * not heard. Run before the app loads (an init script).
 */
export const REPLY_TAP = `(() => {
  const tap = { chunks: [], latencyMs: 0, volume: null, toSpeaker: false }
  window.__tap = tap
  const connect = AudioNode.prototype.connect
  const disconnect = AudioNode.prototype.disconnect
  AudioNode.prototype.disconnect = function (...args) {
    if (this === tap.volume && (args.length === 0 || args[0] === this.context.destination)) tap.toSpeaker = false
    return disconnect.apply(this, args)
  }
  AudioNode.prototype.connect = function (dest, ...rest) {
    const result = connect.call(this, dest, ...rest)
    if (this === tap.volume && dest === this.context.destination) tap.toSpeaker = true
    if (this instanceof AudioWorkletNode && dest instanceof GainNode && !this.__tapped) {
      this.__tapped = true
      tap.volume = dest
      tap.toSpeaker = false
      const ctx = this.context
      const node = ctx.createScriptProcessor(1024, 1, 1)
      node.onaudioprocess = (e) => {
        tap.latencyMs = ((ctx.baseLatency || 0) + (ctx.outputLatency || 0)) * 1000
        tap.rate = ctx.sampleRate
        const d = e.inputBuffer.getChannelData(0)
        const heard = tap.toSpeaker && dest.gain.value > 0
        let peak = 0
        for (let i = 0; heard && i < d.length; i++) { const v = Math.abs(d[i]); if (v > peak) peak = v }
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
  /** Date.now() of the last chunk with a non-silent sample. */
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
            lastSoundAt = c.at
          }
        }
      }
      k += c.n
    }
    return { rate: tap.rate ?? 24000, latencyMs: tap.latencyMs, audible, span: first < 0 ? 0 : last - first + 1, lastSoundAt, rms: audible ? Math.sqrt(sum / audible) : 0 }
  }, from)
}

/**
 * What the page hears over WebRTC: every RTCPeerConnection and every <audio> element the app makes
 * are kept, and every 100 ms the audio energy each connection's inbound track has played out is
 * sampled (inbound-rtp totalAudioEnergy), with whether an element was letting that track be heard
 * at that moment (the track in its srcObject, playing, not muted, volume above 0). A reply that
 * arrives but is not played, or plays into a muted element, is not heard.
 */
export const RTC_TAP = `(() => {
  const Peer = globalThis.RTCPeerConnection
  if (!Peer) return
  const rtc = { pcs: [], elements: [], samples: [] }
  window.__rtc = rtc
  globalThis.RTCPeerConnection = new Proxy(Peer, {
    construct(target, args, newTarget) {
      const pc = Reflect.construct(target, args, newTarget)
      rtc.pcs.push(pc)
      return pc
    },
  })
  const create = Document.prototype.createElement
  Document.prototype.createElement = function (name, ...rest) {
    const element = create.call(this, name, ...rest)
    if (element instanceof HTMLAudioElement) rtc.elements.push(element)
    return element
  }
  const audibleThrough = (pc) => {
    const ids = pc.getReceivers().map((r) => r.track && r.track.id).filter(Boolean)
    return rtc.elements.some((e) => {
      const stream = e.srcObject
      if (!stream || typeof stream.getAudioTracks !== 'function') return false
      if (e.paused || e.muted || !(e.volume > 0)) return false
      return stream.getAudioTracks().some((t) => ids.includes(t.id) && t.enabled && t.readyState === 'live')
    })
  }
  setInterval(() => {
    rtc.pcs.forEach((pc, index) => {
      if (pc.connectionState === 'closed') return
      pc.getStats().then((stats) => stats.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') rtc.samples.push({ at: Date.now(), pc: index, energy: r.totalAudioEnergy || 0, audible: audibleThrough(pc) })
      }))
    })
  }, 100)
})()`

/**
 * What RTC_TAP heard since `from` (Date.now()): the energy played out while an element let it be
 * heard, and when that last happened; `unheard` is the energy played out while no element did.
 */
export async function heard(page: Page, from: number): Promise<{ energy: number; lastSoundAt: number; unheard: number }> {
  return page.evaluate((from) => {
    const rtc = (globalThis as unknown as { __rtc: { samples: { at: number; pc: number; energy: number; audible: boolean }[] } }).__rtc
    const last = new Map<number, number>()
    let energy = 0
    let unheard = 0
    let lastSoundAt = 0
    for (const s of rtc.samples) {
      const before = last.get(s.pc)
      last.set(s.pc, s.energy)
      if (before === undefined || s.at < from) continue
      const gained = s.energy - before
      if (gained <= 1e-5) continue
      if (s.audible) {
        energy += gained
        lastSoundAt = s.at
      } else {
        unheard += gained
      }
    }
    return { energy, lastSoundAt, unheard }
  }, from)
}

// The speech gate (src/renderer/audio/vad) in real Chromium: Silero VAD and openWakeWord on
// onnxruntime-web in the gate's worker, built by Vite and served under the app's CSP with the
// app's MIME types. Audio comes from WAVs (sox, espeak-ng, made here) pushed through the gate
// faster than real time (the gate is a pure frame consumer), or from the real capture engine on
// Chromium's fake microphone where the engine is part of what is checked (echo).
import { basename } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCsp } from '../../src/shared/security/csp'
import { tempDir } from '../fixtures/audio/page'
import { openVadProbe, type VadPage, type VadProbeWindow } from '../fixtures/vad/page'
import { clicksWav, espeakWav, musicWav, silenceWav, speechWithoutPhraseWav } from '../fixtures/vad/sounds'

const tmp = tempDir('earshot-vad-')
const wav: Record<string, string> = {}
const JARVIS = [
  ['en', 175],
  ['en-us', 175],
  ['en-gb-x-rp', 175],
  ['en+f3', 175],
  ['en-us+m3', 175],
  ['en', 150],
  ['en-us', 150],
  ['en-gb-x-rp', 150],
  ['en+f3', 150],
  ['en-us+m3', 150],
] as const
let probe: VadPage

beforeAll(async () => {
  wav.silence = silenceWav(tmp.dir, 60)
  wav.clicks = clicksWav(tmp.dir, 60)
  wav.music = musicWav(tmp.dir, 60)
  wav.noPhrase = speechWithoutPhraseWav(tmp.dir, 60)
  wav.speech = espeakWav(tmp.dir, 'speech', 'Seven silver swans swam south.', { leadSeconds: 1.5, tailSeconds: 1.5 })
  wav.two = espeakWav(tmp.dir, 'two', 'First question. [[_:_:_:_:_:_:_:_:_:_:_:_:]] Second question.', { leadSeconds: 1, tailSeconds: 1.5 })
  wav.question = espeakWav(tmp.dir, 'question', 'What time is it in Tokyo?', { leadSeconds: 1, tailSeconds: 1.5 })
  JARVIS.forEach(([voice, speed], i) => {
    wav[`jarvis${i}`] = espeakWav(tmp.dir, `jarvis-${i}`, 'hey jarvis, what time is it', { voice, speed, leadSeconds: 1, tailSeconds: 2 })
  })
  probe = await openVadProbe({ fixtures: Object.values(wav) })
}, 120_000)

afterAll(async () => {
  if (probe?.consoleLines.some((l) => l.startsWith('pageerror') || l.startsWith('foreign'))) console.log(probe.consoleLines)
  await probe?.close()
  tmp.cleanup()
})

const url = (key: string) => `/fixtures/${basename(wav[key]!)}`

async function fresh(options: Record<string, unknown> = {}) {
  return probe.page.evaluate(async (o) => {
    const v = (globalThis as unknown as VadProbeWindow).vadProbe
    await v.reset()
    return v.create(o)
  }, options)
}

describe('loading', () => {
  it('runs from bundled files on our own origin, with the app MIME types and only wasm-unsafe-eval added to the CSP', async () => {
    const created = await fresh()
    expect(created).toMatchObject({ ok: true })
    const assets = probe.served.filter((u) => /\.(wasm|onnx)$/.test(u))
    expect(assets.some((u) => /ort-wasm-simd-threaded.*\.wasm$/.test(u))).toBe(true)
    expect(assets.some((u) => /silero_vad_v5.*\.onnx$/.test(u))).toBe(true)
    expect(probe.consoleLines.filter((l) => l.startsWith('foreign'))).toEqual([])
    const wasm = await fetch(`${probe.origin}${assets.find((u) => u.endsWith('.wasm'))}`)
    expect(wasm.headers.get('content-type')).toBe('application/wasm')
    const csp = wasm.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'")
    expect(csp).not.toMatch(/'unsafe-eval'|'unsafe-inline'/)
  })
})

describe('what does not open the gate', () => {
  it.each(['silence', 'clicks', 'music'])('60 s of %s: 0 frames out', async (key) => {
    expect(await fresh()).toMatchObject({ ok: true })
    const r = await probe.page.evaluate(async (u) => {
      const v = (globalThis as unknown as VadProbeWindow).vadProbe
      const fed = await v.feedWav(u)
      return { fed, out: v.out.length, opens: v.opens.length }
    }, url(key))
    expect(r.fed.audioMs).toBeGreaterThanOrEqual(59_900)
    expect(r.opens).toBe(0)
    expect(r.out).toBe(0)
  })

  it('speech the echo gate marked as the agent\u2019s own voice: 0 frames out', async () => {
    expect(await fresh()).toMatchObject({ ok: true })
    const r = await probe.page.evaluate(async (u) => {
      const v = (globalThis as unknown as VadProbeWindow).vadProbe
      const fed = await v.feedWav(u, { gated: [[0, 100_000]] })
      return { fed, out: v.out.length }
    }, url('speech'))
    expect(r.fed.frames).toBeGreaterThan(150)
    expect(r.out).toBe(0)
  })
})

describe('speech', () => {
  it.each([24000, 16000])('opens at the onset and releases the pre-roll first, so the first syllable is kept (%i Hz)', async (rate) => {
    expect(await fresh()).toMatchObject({ ok: true })
    const r = await probe.page.evaluate(
      async ({ u, rate }) => {
        const v = (globalThis as unknown as VadProbeWindow).vadProbe
        const rms = await v.wavFrames(u, rate)
        const fed = await v.feedWav(u, { rate })
        return { rms, fed, out: v.out, opens: v.opens, closes: v.closes }
      },
      { u: url('speech'), rate },
    )
    // The first frame of the WAV with speech in it (espeak-ng's "S" starts quietly).
    const onset = r.rms.findIndex((x) => x > 0.003)
    expect(onset).toBeGreaterThan(60)
    expect(r.opens).toHaveLength(1)
    expect(r.opens[0]!.reason).toBe('speech')
    const out = r.out.map((f) => f.seq - r.fed.firstSeq)
    // Pre-roll: at least 500 ms before the onset went out, first, marked, in order, no gaps.
    expect(out[0]).toBeLessThanOrEqual(onset - 25)
    expect(r.out[0]!.preroll).toBe(true)
    expect(out).toEqual(out.map((_, i) => out[0]! + i))
    // Every frame of the utterance went out, then the gate closed after the hangover.
    const last = r.rms.length - 1 - [...r.rms].reverse().findIndex((x) => x > 0.003)
    expect(out).toContain(last)
    expect(r.closes).toHaveLength(1)
    expect(r.closes[0]!.reason).toBe('hangover')
    expect(out[out.length - 1]!).toBeLessThan(r.rms.length - 5)
  })

  it('closes between two utterances and opens again for the second', async () => {
    expect(await fresh({ hangoverMs: 600 })).toMatchObject({ ok: true })
    const r = await probe.page.evaluate(async (u) => {
      const v = (globalThis as unknown as VadProbeWindow).vadProbe
      await v.feedWav(u)
      return { opens: v.opens, closes: v.closes }
    }, url('two'))
    expect(r.opens.map((o) => o.reason)).toEqual(['speech', 'speech'])
    expect(r.closes.map((c) => c.reason)).toEqual(['hangover', 'hangover'])
  })
})

describe('wake phrase', () => {
  it('60 s of speech without the phrase: 0 frames out', async () => {
    expect(await fresh({ wakePhrase: 'hey_jarvis' })).toMatchObject({ ok: true })
    const r = await probe.page.evaluate(async (u) => {
      const v = (globalThis as unknown as VadProbeWindow).vadProbe
      const fed = await v.feedWav(u)
      return { fed, out: v.out.length, wakes: v.wakes }
    }, url('noPhrase'))
    expect(r.fed.audioMs).toBeGreaterThanOrEqual(59_900)
    expect(r.wakes).toEqual([])
    expect(r.out).toBe(0)
  })

  it('"hey jarvis, what time is it" in 5 espeak-ng voices at 2 speeds opens the gate in at least 9 of 10 tries, the phrase and the question with it', async () => {
    expect(await fresh({ wakePhrase: 'hey_jarvis' })).toMatchObject({ ok: true })
    const tries = await probe.page.evaluate(async (urls) => {
      const v = (globalThis as unknown as VadProbeWindow).vadProbe
      const results = []
      for (const u of urls) {
        const rms = await v.wavFrames(u)
        const opens = v.opens.length
        const fed = await v.feedWav(u)
        const open = v.opens[opens]
        const onset = fed.firstSeq + rms.findIndex((x) => x > 0.003)
        const end = fed.firstSeq + rms.length - 1 - [...rms].reverse().findIndex((x) => x > 0.003)
        const seqs = new Set(v.out.map((f) => f.seq))
        results.push({ opened: open?.reason === 'wake', fromOnset: open ? onset - open.fromSeq : null, hasEnd: seqs.has(end), closed: !v.gate!.isOpen, score: open?.score ?? null })
      }
      return results
    }, JARVIS.map((_, i) => url(`jarvis${i}`)))
    const opened = tries.filter((t) => t.opened)
    expect(opened.length, JSON.stringify(tries)).toBeGreaterThanOrEqual(9)
    for (const t of opened) {
      // From before the phrase's first sound to the question's last one.
      expect(t.fromOnset).toBeGreaterThanOrEqual(0)
      expect(t.hasEnd).toBe(true)
      expect(t.closed).toBe(true)
    }
  })

  it('a follow-up window after a reply accepts speech without the phrase; after it, speech does not open the gate', async () => {
    expect(await fresh({ wakePhrase: 'hey_jarvis', followUpMs: 4000 })).toMatchObject({ ok: true })
    const r = await probe.page.evaluate(async (u) => {
      const v = (globalThis as unknown as VadProbeWindow).vadProbe
      await v.feedWav(u)
      const without = v.opens.length
      v.gate!.armFollowUp()
      await v.feedWav(u)
      const within = v.opens.map((o) => o.reason)
      const left = v.gate!.followUpLeftMs
      v.gate!.armFollowUp(1000)
      await v.feedWav(u)
      return { without, within, left, after: v.opens.length }
    }, url('question'))
    expect(r.without).toBe(0)
    expect(r.within).toEqual(['follow-up'])
    expect(r.left).toBe(0)
    // The 1 s window ran out during the lead silence before the question.
    expect(r.after).toBe(1)
  })
})

describe('faults: a typed error, never a fallback to streaming', () => {
  it('a missing VAD model', async () => {
    const r = await fresh({ assets: { vad: `${probe.origin}/assets/no-such-model.onnx` } })
    expect(r).toMatchObject({ ok: false, error: { name: 'SpeechGateError', code: 'model-missing', fallback: 'push-to-talk' } })
    if (!r.ok) {
      expect(r.error.message).toMatch(/push-to-talk/)
      expect(r.error.detail).toMatch(/404/)
    }
  })

  it('a missing runtime', async () => {
    const r = await fresh({ assets: { wasm: `${probe.origin}/assets/no-such-runtime.wasm` } })
    expect(r).toMatchObject({ ok: false, error: { code: 'model-missing' } })
  })

  it('a file that is not the model', async () => {
    const r = await fresh({ assets: { vad: `${probe.origin}/index.html` } })
    expect(r).toMatchObject({ ok: false, error: { code: 'model-invalid' } })
  })

  it('a wake-phrase model that fails to load: setWakePhrase rejects, and plain speech still does not open the gate', async () => {
    const missing = `${probe.origin}/assets/no-such-phrase.onnx`
    expect(await fresh({ assets: { wake: { mel: missing, embedding: missing, phrase: missing } } })).toMatchObject({ ok: true })
    const r = await probe.page.evaluate(async (u) => {
      const v = (globalThis as unknown as VadProbeWindow).vadProbe
      const result = await v.setWakePhrase('hey_jarvis')
      const fed = await v.feedWav(u)
      return { result, fed, out: v.out.length }
    }, url('speech'))
    expect(r.result).toMatchObject({ ok: false, error: { code: 'model-missing' } })
    expect(r.fed.frames).toBeGreaterThan(150)
    expect(r.out).toBe(0)
  })
})

describe('CSP without wasm-unsafe-eval', () => {
  it('refuses the WebAssembly runtime: a typed error', async () => {
    const strict = buildCsp({ connectOrigins: [] }).replace(" 'wasm-unsafe-eval'", '')
    const page = await openVadProbe({ csp: strict })
    try {
      const r = await page.page.evaluate(() => (globalThis as unknown as VadProbeWindow).vadProbe.create())
      expect(r).toMatchObject({ ok: false, error: { name: 'SpeechGateError', code: 'wasm-blocked', fallback: 'push-to-talk' } })
    } finally {
      await page.close()
    }
  })
})

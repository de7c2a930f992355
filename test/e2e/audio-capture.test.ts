// The capture side of the audio engine in real Chromium, fake microphone from espeak-ng / sox WAVs.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { activeRms, buildProbe, openProbe, readWav, speechWav, tempDir, toneWav, workletFiles, type DeviceData, type ProbePage, type ProbeWindow } from '../fixtures/audio/page'

const RAW = { processing: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } }
const tmp = tempDir()
let speech = ''
let tone = ''
let mix = ''
// One browser per fake-microphone file; tests on the same file share its page (reset between).
const pages = new Map<string, ProbePage>()
async function page(wav: string): Promise<ProbePage> {
  let p = pages.get(wav)
  if (!p) {
    p = await openProbe({ fakeMicrophone: wav })
    pages.set(wav, p)
  }
  await p.page.evaluate(() => (globalThis as unknown as ProbeWindow).audioProbe.reset())
  return p
}
beforeAll(() => {
  speech = speechWav(tmp.dir, 'speech', 'Hello Earshot. What is the weather like in Lisbon tomorrow morning?')
  tone = toneWav(tmp.dir, 'tone', 440, 4)
  // 2 kHz + 10 kHz + 15 kHz, 0.25 each.
  mix = join(tmp.dir, 'mix.wav')
  execFileSync('sox', ['-n', '-r', '48000', '-c', '3', '-b', '16', join(tmp.dir, 'mix3.wav'), 'synth', '4', 'sine', '2000', 'sine', '10000', 'sine', '15000', 'vol', '0.9'])
  execFileSync('sox', [join(tmp.dir, 'mix3.wav'), mix, 'remix', '1v0.28,2v0.28,3v0.28'])
})
afterAll(async () => {
  for (const p of pages.values()) {
    if (p.consoleLines.some((l) => l.startsWith('pageerror'))) console.log(p.consoleLines)
    await p.close()
  }
  tmp.cleanup()
})

let probe: ProbePage | null = null
afterEach(async () => {
  // Single-use browsers (denied / missing microphone).
  await probe?.close()
  probe = null
})

/** Amplitude of `freq` in `samples` (Goertzel), full scale = 1. */
function amplitude(samples: number[], rate: number, freq: number, scale = 32768): number {
  const w = (2 * Math.PI * freq) / rate
  const c = 2 * Math.cos(w)
  let s1 = 0
  let s2 = 0
  for (const x of samples) {
    const s0 = x / scale + c * s1 - s2
    s2 = s1
    s1 = s0
  }
  const power = s1 * s1 + s2 * s2 - c * s1 * s2
  return (2 * Math.sqrt(Math.max(0, power))) / samples.length
}

type Sent = { seq: number; rate: number; preroll: boolean; gated: boolean; rms: number; firstAt: number; sentAt: number; length: number; samples: number[] }

/**
 * Breaks in a captured 440 Hz, 0.5 amplitude sine at 24 kHz. A clean sine never steps more than
 * 2*pi*f/rate*amp between samples; a lost or repeated frame makes a phase jump. On a starved
 * machine Chromium's fake capture device sometimes drops ~10 ms of input and fills it with zeros:
 * such jumps sit next to a run of near-zero samples (a sine is near zero for one or two samples
 * only) and are counted apart as input dropouts, not engine breaks.
 */
function continuity(samples: number[]): { breaks: number; dropouts: number } {
  const limit = 0.5 * 32768 * ((2 * Math.PI * 440) / 24000) * 1.1
  const quiet = (i: number) => {
    let run = 0
    for (let j = Math.max(0, i - 24); j < Math.min(samples.length, i + 24); j++) {
      run = Math.abs(samples[j]!) < 1500 ? run + 1 : 0
      if (run >= 8) return true
    }
    return false
  }
  let breaks = 0
  let dropouts = 0
  for (let i = 1; i < samples.length; i++) {
    if (Math.abs(samples[i]! - samples[i - 1]!) <= limit) continue
    if (quiet(i)) dropouts++
    else breaks++
  }
  return { breaks, dropouts }
}

it('Vite emits the worklets as files of their own (they load under script-src/worker-src self)', async () => {
  const files = workletFiles(await buildProbe())
  expect(files.some((f) => f.startsWith('capture-worklet'))).toBe(true)
  expect(files.some((f) => f.startsWith('playback-worklet'))).toBe(true)
})

describe.each([24000, 16000])('capture at %i Hz', (rate) => {
  it('sends exact 20 ms PCM16 frames, ~50 per second, with the speech energy of the WAV', async () => {
    const probe = await page(speech)
    const r = (await probe.page.evaluate(
      async ([rate, mic]) => {
        const p = (globalThis as unknown as ProbeWindow).audioProbe
        const setup = await p.setup({ inputRate: rate }, mic)
        p.engine.startCapture()
        const t0 = Date.now()
        await p.sleep(2500)
        const frames = p.sent(0)
        return { setup, frames, elapsed: Date.now() - t0, levels: p.levels.length }
      },
      [rate, RAW] as const,
    )) as { setup: { rate: number; state: string }; frames: Sent[]; elapsed: number; levels: number }
    expect(r.setup.state).toBe('running')
    const live = r.frames.filter((f) => !f.preroll)
    expect(r.frames.every((f) => f.length === rate / 50 && f.rate === rate && f.samples.length === rate / 50)).toBe(true)
    const perSecond = live.length / (r.elapsed / 1000)
    expect(perSecond).toBeGreaterThan(47)
    expect(perSecond).toBeLessThan(53)
    expect(r.frames.map((f) => f.seq)).toEqual(r.frames.map((_, i) => i))
    // The speech survives: RMS over the voiced windows matches the WAV within 15%.
    const wav = readWav(speech)
    const captured = live.flatMap((f) => f.samples)
    const expected = activeRms(wav.samples, wav.rate)
    const got = activeRms(captured, rate, 32768)
    expect(got).toBeGreaterThan(expected * 0.85)
    expect(got).toBeLessThan(expected * 1.15)
    expect(r.levels).toBeGreaterThan(30) // live input level, ~20 per second
  })
})

it('does not alias: tones above the uplink Nyquist are removed, tones below pass', async () => {
  const probe = await page(mix)
  const grab = (rate: number) =>
    probe.page.evaluate(
      async ([rate, mic]) => {
        const p = (globalThis as unknown as ProbeWindow).audioProbe
        await p.reset()
        await p.setup({ inputRate: rate }, mic)
        p.engine.startCapture()
        await p.sleep(700)
        return (p.sent(0) as { samples: number[] }[]).slice(-20).flatMap((f) => f.samples)
      },
      [rate, RAW] as const,
    )
  // 24 kHz uplink: Chromium resamples the microphone into the 24 kHz context.
  const at24 = await grab(24000)
  expect(amplitude(at24, 24000, 2000)).toBeGreaterThan(0.2)
  expect(amplitude(at24, 24000, 10000)).toBeGreaterThan(0.15)
  expect(amplitude(at24, 24000, 9000)).toBeLessThan(0.003) // where 15 kHz would alias
  // 16 kHz uplink: our windowed-sinc resampler in the worklet (24 kHz context -> 16 kHz).
  const at16 = await grab(16000)
  expect(amplitude(at16, 16000, 2000)).toBeGreaterThan(0.2)
  expect(amplitude(at16, 16000, 6000)).toBeLessThan(0.003) // where 10 kHz would alias
  expect(amplitude(at16, 16000, 1000)).toBeLessThan(0.003) // where 15 kHz would alias
})

it('delivers >= 500 ms of pre-roll from before the press, continuous with the live audio, and a ~300 ms tail', async () => {
  const probe = await page(tone)
  const r = (await probe.page.evaluate(async (mic) => {
    const p = (globalThis as unknown as ProbeWindow).audioProbe
    await p.setup({}, mic)
    await p.sleep(1200)
    const pressAt = Date.now()
    p.engine.startCapture()
    await p.sleep(500)
    const beforeStop = p.frames.length
    let stoppedAt = 0
    p.engine.on('stopped', () => (stoppedAt = Date.now()))
    p.engine.stopCapture()
    await p.sleep(700)
    return { pressAt, frames: p.sent(0), beforeStop, stopped: stoppedAt > 0 }
  }, RAW)) as { pressAt: number; frames: Sent[]; beforeStop: number; stopped: boolean }
  const pre = r.frames.filter((f) => f.preroll)
  expect(pre.length * 20).toBeGreaterThanOrEqual(500)
  // Captured before the press, and they carry the tone (not silence).
  expect(pre.every((f) => f.firstAt <= r.pressAt)).toBe(true)
  expect(pre.every((f) => f.rms > 0.3)).toBe(true)
  // Pre-roll then live: one unbroken sine across the boundary.
  const all = r.frames.flatMap((f) => f.samples)
  const c = continuity(all)
  expect(c.breaks).toBe(0)
  expect(c.dropouts).toBeLessThan(10)
  // The tail: ~300 ms (15 frames) after the release, then nothing.
  const tail = r.frames.length - r.beforeStop
  expect(tail).toBeGreaterThanOrEqual(14)
  expect(tail).toBeLessThanOrEqual(17)
  expect(r.stopped).toBe(true)
})

it('buffers while the sink is not ready, then flushes everything in order (a press while the session connects)', async () => {
  const probe = await page(tone)
  const r = await probe.page.evaluate(async (mic) => {
    const p = (globalThis as unknown as ProbeWindow).audioProbe
    await p.setup({}, mic)
    p.ready = false
    await p.sleep(700)
    p.engine.startCapture()
    await p.sleep(600)
    const whileConnecting = p.frames.length
    const buffered = p.engine.bufferedMs
    p.ready = true
    p.engine.flushBuffered()
    const flushed = p.frames.length
    await p.sleep(300)
    // A second press whose session never comes: its buffer is dropped.
    p.engine.stopCapture()
    await p.sleep(400)
    p.ready = false
    p.engine.startCapture()
    await p.sleep(200)
    const secondBuffered = p.engine.bufferedMs
    p.engine.discardBuffered()
    return { whileConnecting, buffered, flushed, frames: p.sent(0), secondBuffered, afterDiscard: p.engine.bufferedMs }
  }, RAW)
  expect(r.whileConnecting).toBe(0)
  expect(r.buffered).toBeGreaterThanOrEqual(1000) // 600 ms pre-roll + ~600 ms live
  expect(r.flushed * 20).toBe(r.buffered)
  expect(r.frames.map((f) => f.seq)).toEqual(r.frames.map((_, i) => r.frames[0]!.seq + i))
  const c = continuity(r.frames.flatMap((f) => f.samples))
  expect(c.breaks).toBe(0)
  expect(c.dropouts).toBeLessThan(10)
  expect(r.frames.length).toBeGreaterThan(r.flushed) // then live
  expect(r.secondBuffered).toBeGreaterThan(250) // ring since the tail ended + 200 ms live
  expect(r.afterDiscard).toBe(0)
})

it('mutes: silence leaves and the level drops to zero', async () => {
  const probe = await page(tone)
  const r = (await probe.page.evaluate(async (mic) => {
    const p = (globalThis as unknown as ProbeWindow).audioProbe
    await p.setup({}, mic)
    await p.sleep(300)
    p.engine.startCapture()
    await p.sleep(300)
    const mutedAt = p.frames.length
    p.engine.setMuted(true)
    await p.sleep(100)
    const from = p.frames.length
    const levelFrom = p.levels.length
    await p.sleep(400)
    return { before: p.sent(mutedAt - 8, false).slice(0, 5), muted: p.sent(from, false), levels: p.levels.slice(levelFrom) }
  }, RAW)) as { before: Sent[]; muted: Sent[]; levels: { rms: number }[] }
  expect(r.before.every((f) => f.rms > 0.3)).toBe(true)
  expect(r.muted.length).toBeGreaterThan(10)
  expect(r.muted.every((f) => f.rms === 0)).toBe(true)
  expect(r.levels.length).toBeGreaterThan(3)
  expect(r.levels.every((l) => l.rms === 0)).toBe(true)
})

it('opens the exact device, falls back to the default when it disappears, swapping only the source', async () => {
  const probe = await page(tone)
  const r = (await probe.page.evaluate(async (mic) => {
    const p = (globalThis as unknown as ProbeWindow).audioProbe
    const real = await p.realDevices()
    const chosen = real.find((d) => d.kind === 'audioinput' && d.deviceId !== 'default') as DeviceData
    p.deviceList = real
    await p.setup({ fakeDevices: true }, { ...mic, deviceId: chosen.deviceId })
    p.engine.startCapture()
    await p.sleep(400)
    p.deviceList = real.filter((d) => d.deviceId !== chosen.deviceId)
    p.fireDeviceChange()
    await p.sleep(500)
    const afterFallback = p.engine.microphone
    p.deviceList = real
    p.fireDeviceChange()
    await p.sleep(400)
    return { chosen: chosen.deviceId, constraints: p.constraints, devices: p.devices, afterFallback, restored: p.engine.microphone, frames: p.sent(0, false), errors: p.errors }
  }, RAW))
  expect(r.constraints[0]?.deviceId).toEqual({ exact: r.chosen })
  expect(r.constraints[1]?.deviceId).toBeUndefined()
  expect(r.afterFallback).toEqual({ deviceId: null, fallback: true })
  expect(r.devices[1]).toMatchObject({ deviceId: null, fallback: true, wanted: r.chosen })
  expect(r.constraints[2]?.deviceId).toEqual({ exact: r.chosen })
  expect(r.restored).toEqual({ deviceId: r.chosen, fallback: false })
  // The worklet kept running through both swaps: one unbroken sequence, no second pre-roll.
  const frames = r.frames
  expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i))
  expect(frames.filter((f) => f.preroll).every((f) => f.seq < 30)).toBe(true)
  expect(frames.length).toBeGreaterThan(55)
  expect(r.errors).toEqual([])
})

it('falls back to the default when the saved device id does not exist', async () => {
  const probe = await page(tone)
  const r = (await probe.page.evaluate(async (mic) => {
    const p = (globalThis as unknown as ProbeWindow).audioProbe
    await p.setup({}, { ...mic, deviceId: 'no-such-microphone' })
    return p.devices
  }, RAW))
  expect(r[0]).toMatchObject({ deviceId: null, fallback: true, wanted: 'no-such-microphone' })
})

it.each([
  ['denied', { denyMicrophone: true }, 'NotAllowedError'],
  ['not-found', { noMicrophone: true }, 'NotFoundError'],
] as const)('reports a %s microphone with a typed error', async (code, options, domName) => {
  probe = await openProbe(options)
  const r = await probe.page.evaluate(() => (globalThis as unknown as ProbeWindow).audioProbe.setup({}, {}))
  expect(r.error).toMatchObject({ name: 'MicrophoneError', code, domName })
  expect(r.error?.message.length).toBeGreaterThan(20)
})

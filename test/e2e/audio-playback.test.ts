// The playback side of the audio engine in real Chromium (output tapped with a ScriptProcessor on
// the engine's post-volume output), and the echo gate with agent audio playing.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openProbe, speechWav, tempDir, type ProbePage, type ProbeWindow } from '../fixtures/audio/page'

const tmp = tempDir()
let probe: ProbePage
beforeAll(async () => {
  probe = await openProbe()
})
afterAll(async () => {
  if (probe?.consoleLines.some((l) => l.startsWith('pageerror'))) console.log(probe.consoleLines)
  await probe?.close()
  tmp.cleanup()
})

async function fresh(options: Record<string, unknown> = {}): Promise<void> {
  await probe.page.evaluate(async (options) => {
    const p = (globalThis as unknown as ProbeWindow).audioProbe
    await p.reset()
    await p.setup(options, false)
    await p.startTap()
  }, options)
}

it('renders exactly what is fed, at the volume set, and playedMs matches the samples rendered', async () => {
  await fresh()
  const r = await probe.page.evaluate(async () => {
    const p = (globalThis as unknown as ProbeWindow).audioProbe
    p.playSine('item-1', 1000, { chunkMs: 40 })
    await p.sleep(1300)
    const full = p.tapStats()
    const counts = p.engine.counts('item-1')
    const played = p.engine.playedMs('item-1')
    p.clearTap()
    p.engine.setVolume(0.5)
    await p.sleep(100)
    p.playSine('item-2', 500)
    await p.sleep(800)
    return { full, counts, played, half: p.tapStats(), events: p.playback.map((e) => e.type), playing: p.engine.isPlaying, latency: p.engine.outputLatencyMs }
  })
  expect(r.counts).toEqual({ rendered: 24000, received: 24000 })
  // The tap saw the whole second of sine (zero crossings excepted), at 0.5 amplitude.
  expect(r.full.span).toBeGreaterThan(24000 - 5)
  expect(r.full.span).toBeLessThanOrEqual(24000)
  expect(r.full.rms).toBeCloseTo(0.5 / Math.SQRT2, 2)
  expect(r.played).toBeCloseTo(1000, 0)
  expect(r.half.rms).toBeCloseTo(0.25 / Math.SQRT2, 2)
  expect(r.events).toEqual(['started', 'idle', 'started', 'idle'])
  expect(r.playing).toBe(false)
  expect(r.latency).toBeGreaterThan(0)
})

it('flushes at once on barge-in; playedMs reports what was really rendered, never more', async () => {
  await fresh()
  const r = await probe.page.evaluate(async () => {
    const p = (globalThis as unknown as ProbeWindow).audioProbe
    p.playSine('item-1', 3000, { chunkMs: 100 })
    await p.sleep(600)
    const midPlayed = p.engine.playedMs('item-1')
    const reported = p.engine.playedMs('item-1')
    const flush = await p.engine.flushPlayback()
    const atFlush = p.tapStats()
    const counts = p.engine.counts('item-1')
    await p.sleep(400)
    return { midPlayed, reported, flush, atFlush, after: p.tapStats(), counts, playedLater: p.engine.playedMs('item-1'), latency: p.engine.outputLatencyMs }
  })
  const renderedMs = (r.counts!.rendered / 24000) * 1000
  expect(r.counts!.received).toBe(72000)
  expect(r.counts!.rendered).toBeGreaterThan(0.4 * 24000)
  expect(r.counts!.rendered).toBeLessThan(0.9 * 24000)
  expect(r.flush.droppedMs).toBeCloseTo(3000 - renderedMs, 0)
  // The flush took effect long before the reply would have ended (its speed is a bench figure,
  // bargein_flush_ms_p95; this bound only has to survive a loaded CI machine).
  expect(r.flush.silentAt - r.flush.sentAt).toBeLessThan(250)
  // The tap heard exactly the rendered samples: nothing after the flush.
  expect(r.after.span).toBeLessThanOrEqual(r.counts!.rendered)
  expect(r.after.span).toBeGreaterThan(r.counts!.rendered - 10)
  // Reported at the barge-in moment: what was rendered minus the output latency. Chromium renders
  // in ~10 ms bursts, so a value read between bursts may lag by one burst plus one quantum
  // (the bench's truncation_error_ms_max measures the figure itself).
  expect(Math.abs(r.reported - (renderedMs - r.latency))).toBeLessThanOrEqual(16)
  // Once the latency has passed, everything rendered was heard: exactly the rendered samples.
  expect(r.playedLater).toBeCloseTo(renderedMs, 3)
  expect(r.playedLater).toBeLessThanOrEqual(3000)
})

it('keeps a flushed reply silent: its late audio is dropped, the next reply plays', async () => {
  await fresh()
  const r = await probe.page.evaluate(async () => {
    const p = (globalThis as unknown as ProbeWindow).audioProbe
    p.engine.play('cut', p.sine(1000))
    await p.sleep(300)
    await p.engine.flushPlayback()
    const cut = p.engine.counts('cut')
    // More of the interrupted reply arrives after the flush (the provider has not heard yet).
    p.engine.play('cut', p.sine(500))
    await p.sleep(300)
    const afterLate = { counts: p.engine.counts('cut'), playing: p.engine.isPlaying }
    p.clearTap()
    p.engine.play('next', p.sine(200))
    await p.sleep(500)
    return { cut, afterLate, next: p.engine.counts('next'), tap: p.tapStats() }
  })
  expect(r.cut!.rendered).toBeGreaterThan(0)
  expect(r.afterLate.counts).toEqual(r.cut)
  expect(r.afterLate.playing).toBe(false)
  expect(r.next).toEqual({ rendered: 4800, received: 4800 })
  expect(r.tap.span).toBeGreaterThan(4800 - 5)
})

it('holds a small jitter buffer before starting, and starts a short reply anyway', async () => {
  await fresh({ playback: { startThresholdMs: 60, maxStartWaitMs: 40 } })
  const r = await probe.page.evaluate(async () => {
    const p = (globalThis as unknown as ProbeWindow).audioProbe
    p.engine.play('short', p.sine(20))
    await p.sleep(300)
    p.engine.play('long', p.sine(200))
    await p.sleep(400)
    return p.playback
  })
  const started = r.filter((e) => e.type === 'started') as { itemId: string; waitedMs: number }[]
  expect(started[0]).toMatchObject({ itemId: 'short' })
  expect(started[0]!.waitedMs).toBeGreaterThanOrEqual(40)
  // ...and started without waiting for more audio (the next chunk comes 300 ms later).
  expect(started[0]!.waitedMs).toBeLessThan(300)
  expect(started[1]).toMatchObject({ itemId: 'long', waitedMs: 0 })
})

it('resamples 16 kHz replies to the context rate and keeps the pitch', async () => {
  await fresh()
  const r = await probe.page.evaluate(async () => {
    const p = (globalThis as unknown as ProbeWindow).audioProbe
    p.playSine('item-16k', 1000, { rate: 16000, freq: 1000, chunkMs: 20 })
    p.engine.endItem('item-16k')
    await p.sleep(1300)
    return { counts: p.engine.counts('item-16k'), tap: p.tapStats() }
  })
  expect(r.counts!.received).toBeGreaterThan(24000 - 48)
  expect(r.counts!.received).toBeLessThanOrEqual(24000 + 48)
  expect(r.counts!.rendered).toBe(r.counts!.received)
  expect(r.tap.rms).toBeCloseTo(0.5 / Math.SQRT2, 2)
})

it('chooses the output device with setSinkId, and falls back with a message', async () => {
  await fresh()
  const r = await probe.page.evaluate(async () => {
    const p = (globalThis as unknown as ProbeWindow).audioProbe
    const outputs = (await p.realDevices()).filter((d) => d.kind === 'audiooutput' && d.deviceId !== 'default')
    const good = await p.engine.setOutputDevice(outputs[0]!.deviceId)
    const bad = await p.engine.setOutputDevice('no-such-speaker')
    const back = await p.engine.setOutputDevice(null)
    return { good, bad, back }
  })
  expect(r.good).toEqual({ ok: true })
  expect(r.bad.ok).toBe(false)
  expect(r.bad.message).toMatch(/system default output/)
  expect(r.back).toEqual({ ok: true })
})

it.each([
  ['quiet', 0.12, false],
  ['loud', 1, true],
] as const)('echo gate, %s microphone while the agent speaks', async (_name, gain, passes) => {
  const wav = speechWav(tmp.dir, `speech-${gain}`, 'Stop, stop. Wait a moment, I want to ask something else.', gain)
  const mic = await openProbe({ fakeMicrophone: wav })
  try {
    const r = await mic.page.evaluate(async () => {
      const p = (globalThis as unknown as ProbeWindow).audioProbe
      const raw = { echoCancellation: false, noiseSuppression: false, autoGainControl: false }
      await p.setup({}, { processing: raw })
      await p.engine.setAlwaysListening(true)
      p.engine.startCapture()
      await p.sleep(1500)
      const quietFrom = p.frames.length
      // The agent speaks (sine, RMS 0.35) for 2.5 s.
      p.playSine('agent', 2500, { amp: 0.5 })
      await p.sleep(300)
      const from = p.frames.length
      await p.sleep(2000)
      const during = p.sent(from, false)
      return { before: p.sent(0, false).slice(0, quietFrom), during }
    })
    // Without agent audio nothing is gated.
    expect(r.before.filter((f) => !f.preroll).every((f) => !f.gated)).toBe(true)
    const voiced = r.during.filter((f) => f.rms > 0.002)
    expect(voiced.length).toBeGreaterThan(20)
    const passed = r.during.filter((f) => !f.gated)
    if (passes) {
      // A real barge-in: the user's words go through (with the hang keeping them whole).
      expect(passed.length).toBeGreaterThan(voiced.length * 0.6)
    } else {
      // Echo-level audio: gated the whole time, sent as silence.
      expect(passed.length).toBe(0)
      expect(r.during.every((f) => f.gated)).toBe(true)
    }
  } finally {
    await mic.close()
  }
})

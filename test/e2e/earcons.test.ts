// Earcons in real Chromium: they play through the audio engine's output (the speaker path and the
// echo reference), never enter the microphone path, and the echo gate keeps their echo off the
// uplink in always-listening mode, as it does for the agent's voice.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openProbe, speechWav, tempDir, type ProbePage, type ProbeWindow } from '../fixtures/audio/page'

const tmp = tempDir('earshot-earcons-')
let silent = ''
beforeAll(() => {
  silent = join(tmp.dir, 'silent.wav')
  execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', silent, 'trim', '0', '8'])
})
afterAll(() => tmp.cleanup())

const NAMES = ['capture-start', 'capture-end', 'tool-request', 'error'] as const

it('plays each earcon through the engine output, short and audible, and none of it reaches the microphone frames', async () => {
  const probe: ProbePage = await openProbe({ fakeMicrophone: silent })
  try {
    const r = await probe.page.evaluate(async (names) => {
      const p = (globalThis as unknown as ProbeWindow).audioProbe
      await p.setup({}, { processing: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } })
      await p.startTap()
      p.engine.startCapture()
      await p.sleep(400)
      const from = p.frames.length
      const played: Record<string, { ms: number; rms: number; nonSilent: number }> = {}
      for (const name of names) {
        p.clearTap()
        const ms = await p.playEarcon(name, 0.6)
        await p.sleep(ms + 150)
        const stats = p.tapStats()
        played[name] = { ms, rms: stats.rms, nonSilent: stats.nonSilent }
      }
      p.engine.stopCapture()
      const frames = p.sent(from, true)
      let loudest = 0
      for (const f of frames) for (const s of f.samples) loudest = Math.max(loudest, Math.abs(s) / 32768)
      return { played, frames: frames.length, loudest }
    }, NAMES)
    for (const name of NAMES) {
      const e = r.played[name]!
      expect(e.ms, name).toBeGreaterThan(100)
      expect(e.ms, name).toBeLessThan(400)
      // Heard on the output: -12 dBFS peaks at 60 % volume give an RMS of a few hundredths.
      expect(e.rms, name).toBeGreaterThan(0.01)
      expect(e.nonSilent, name).toBeGreaterThan(e.ms * 10)
    }
    // The microphone (silence) was captured the whole time, and not one earcon sample is in it.
    expect(r.frames).toBeGreaterThan(40)
    expect(r.loudest).toBeLessThan(0.002)
  } finally {
    await probe.close()
  }
})

it('the echo gate does not open on earcons: echo-level audio is sent as silence while they play, and passes before', async () => {
  // What the microphone hears of an earcon after the platform's echo cancellation: a faint
  // residual (here quiet speech, RMS about 0.005, a tenth of the earcon's own level).
  const wav = speechWav(tmp.dir, 'echo-level', 'Stop, stop. Wait a moment, I want to ask something else. One more thing, please listen.', 0.03)
  const probe: ProbePage = await openProbe({ fakeMicrophone: wav })
  try {
    const r = await probe.page.evaluate(async () => {
      const p = (globalThis as unknown as ProbeWindow).audioProbe
      await p.setup({}, { processing: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } })
      await p.engine.setAlwaysListening(true)
      p.engine.startCapture()
      await p.sleep(1500)
      const quietFrom = 0
      const quietTo = p.frames.length
      // Earcons back to back for about 1.6 s (tool request and error are the longest).
      const start = p.frames.length
      let total = 0
      for (const name of ['tool-request', 'error', 'tool-request', 'error', 'tool-request'] as const) {
        const ms = await p.playEarcon(name, 0.6)
        total += ms
        await p.sleep(ms)
      }
      const end = p.frames.length
      await p.sleep(200)
      const all = p.sent(0, false)
      return { before: all.slice(quietFrom, quietTo), during: all.slice(start + 10, end), total }
    })
    const voicedBefore = r.before.filter((f) => !f.preroll && f.rms > 0.001)
    expect(voicedBefore.length).toBeGreaterThan(10)
    // Without earcons the gate is open: the same audio goes out as it is.
    expect(voicedBefore.every((f) => !f.gated)).toBe(true)
    expect(r.total).toBeGreaterThan(1400)
    expect(r.during.length).toBeGreaterThan(40)
    // While earcons play, the gate holds: every frame goes out as silence.
    expect(r.during.filter((f) => !f.gated)).toEqual([])
  } finally {
    await probe.close()
  }
})

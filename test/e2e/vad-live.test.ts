// The speech gate on the real capture path: Chromium's fake microphone -> the AudioEngine's
// capture worklet (always-listening: echo gate armed, capture running) -> gate.sink -> the VAD
// worker, in real time. Checks the echo gate and the speech gate together: the agent's voice
// coming back quietly keeps the gate shut, the user talking over it opens it.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { tempDir } from '../fixtures/audio/page'
import { openVadProbe, type VadProbeWindow } from '../fixtures/vad/page'
import { espeakWav } from '../fixtures/vad/sounds'

const tmp = tempDir('earshot-vad-live-')
let speech = ''
beforeAll(() => {
  speech = espeakWav(tmp.dir, 'speech', 'Stop, stop. Wait a moment, I want to ask something else.', { leadSeconds: 1.2, tailSeconds: 3 })
})
afterAll(() => tmp.cleanup())

function scaled(gain: number): string {
  const out = join(tmp.dir, `speech-${gain}.wav`)
  execFileSync('sox', [speech, out, 'vol', String(gain)])
  return out
}

it('speech on the microphone opens the gate through the real engine, pre-roll first', async () => {
  const probe = await openVadProbe({ fakeMicrophone: `${scaled(1)}%noloop` })
  try {
    const r = await probe.page.evaluate(async () => {
      const v = (globalThis as unknown as VadProbeWindow).vadProbe
      const created = await v.create()
      if (!created.ok) return { created }
      await v.live()
      // Wait for the state checked: the gate opened and closed again (or 20 s passed).
      for (let i = 0; i < 200 && v.closes.length === 0; i++) await v.sleep(100)
      return { created, opens: v.opens, closes: v.closes, out: v.out, captured: v.captured }
    })
    expect(r.created).toMatchObject({ ok: true })
    expect(r.opens).toHaveLength(1)
    const onset = r.captured!.find((f) => f.rms > 0.003)!.seq
    expect(r.out![0]!.seq).toBeLessThanOrEqual(onset - 25)
    expect(r.out![0]!.preroll).toBe(true)
    expect(r.closes![0]!.reason).toBe('hangover')
  } finally {
    if (probe.consoleLines.some((l) => l.startsWith('pageerror'))) console.log(probe.consoleLines)
    await probe.close()
  }
})

it.each([
  ['echo-level (the agent heard back through the speakers)', 0.12, false],
  ['loud (the user talks over the agent)', 1, true],
] as const)('while the agent speaks, %s speech on the microphone', async (_name, gain, opens) => {
  const probe = await openVadProbe({ fakeMicrophone: `${scaled(gain)}%noloop` })
  try {
    const r = await probe.page.evaluate(async () => {
      const v = (globalThis as unknown as VadProbeWindow).vadProbe
      const created = await v.create()
      if (!created.ok) return { created }
      await v.live()
      // The agent speaks from before the user's words until after them.
      v.playSine(7000, 0.5)
      // Wait for the state checked: the gate opened, or the words are over (1 s quiet after them).
      const wordsOver = () => {
        const voiced = v.captured.filter((f) => f.rms > 0.005)
        const last = voiced[voiced.length - 1]
        return voiced.length > 40 && last !== undefined && v.captured[v.captured.length - 1]!.seq - last.seq > 50
      }
      for (let i = 0; i < 150 && v.opens.length === 0 && !wordsOver(); i++) await v.sleep(100)
      return { created, opens: v.opens.length, out: v.out.length, captured: v.captured }
    })
    expect(r.created).toMatchObject({ ok: true })
    if (opens) expect(r.opens).toBe(1)
    else {
      // The words were on the microphone during the agent's reply, and none went out.
      expect(r.captured!.filter((f) => f.rms > 0.005).length).toBeGreaterThan(40)
      expect(r.opens).toBe(0)
      expect(r.out).toBe(0)
    }
  } finally {
    if (probe.consoleLines.some((l) => l.startsWith('pageerror'))) console.log(probe.consoleLines)
    await probe.close()
  }
})

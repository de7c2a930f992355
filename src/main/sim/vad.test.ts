import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EnergyVad, bytesToPcm16, pcm16ToBytes } from './vad'
import { rms, silence, synthesizeVoice } from './voice'

function hasTools(): boolean {
  return ['/usr/bin/espeak-ng', '/usr/bin/sox'].every((p) => existsSync(p))
}

function feed(vad: EnergyVad, pcm: Int16Array): ReturnType<EnergyVad['push']> {
  const out = []
  for (let i = 0; i < pcm.length; i += 480) out.push(...vad.push(pcm.subarray(i, i + 480)))
  return out
}

describe('EnergyVad', () => {
  it('ignores silence and low noise', () => {
    const vad = new EnergyVad({ sampleRate: 24000 })
    const noise = new Int16Array(24000 * 2).map((_, i) => ((i * 7919) % 61) - 30)
    expect(feed(vad, silence(24000, 2000))).toEqual([])
    expect(feed(vad, noise)).toEqual([])
  })

  it('finds one turn in synthetic speech with start, stop and the speech length', () => {
    const vad = new EnergyVad({ sampleRate: 24000, silenceMs: 500, prefixPaddingMs: 300 })
    const pcm = new Int16Array(24000 * 3)
    pcm.set(synthesizeVoice('hello there, how are you', 24000, { durationMs: 1200 }), 24000 / 2)
    const events = feed(vad, pcm)
    expect(events.map((e) => e.type)).toEqual(['start', 'stop'])
    expect(events[0]!.atMs).toBe(200) // speech at 500 ms minus 300 ms padding
    const stop = events[1] as { atMs: number; speechMs: number }
    expect(stop.speechMs).toBeGreaterThan(1000)
    expect(stop.speechMs).toBeLessThanOrEqual(1200)
  })

  it.skipIf(!hasTools())('detects the turns in real espeak-ng speech', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vad-'))
    execFileSync('espeak-ng', ['-w', join(dir, 'a.wav'), 'Hello Earshot, what time is it?'])
    execFileSync('sox', [join(dir, 'a.wav'), '-r', '24000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', join(dir, 'a.raw'), 'norm', '-3'])
    const speech = bytesToPcm16(new Uint8Array(readFileSync(join(dir, 'a.raw'))))
    const pcm = new Int16Array(speech.length * 2 + 24000 * 4)
    pcm.set(speech, 24000)
    pcm.set(speech, 24000 * 3 + speech.length)
    const vad = new EnergyVad({ sampleRate: 24000, silenceMs: 600 })
    expect(feed(vad, pcm).map((e) => e.type)).toEqual(['start', 'stop', 'start', 'stop'])
  })
})

describe('synthesizeVoice', () => {
  it('is deterministic, voice-loud and the requested length', () => {
    const a = synthesizeVoice('The same words.', 16000, { durationMs: 700 })
    const b = synthesizeVoice('The same words.', 16000, { durationMs: 700 })
    expect(a.length).toBe(11200)
    expect(Buffer.from(pcm16ToBytes(a)).equals(Buffer.from(pcm16ToBytes(b)))).toBe(true)
    expect(rms(a)).toBeGreaterThan(0.03)
    expect(Buffer.from(pcm16ToBytes(synthesizeVoice('Other words.', 16000, { durationMs: 700 }))).equals(Buffer.from(pcm16ToBytes(a)))).toBe(false)
  })
})

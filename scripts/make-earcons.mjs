// Generates Earshot's earcons (short interface sounds) as 16-bit mono WAV files at 24 kHz, the
// audio engine's context rate: capture start (a rising pair of notes), capture end (falling),
// tool request (a two-note chime that asks for attention), and error (a low falling pair). Sine
// partials with raised-cosine attack and exponential decay, peaks at -12 dBFS: gentle next to
// speech. Deterministic, so the committed files can be checked against this script.
//
//   node scripts/make-earcons.mjs        (writes resources/earcons/*.wav; commit the result)
import { Buffer } from 'node:buffer'
import { mkdirSync, writeFileSync } from 'node:fs'
import process from 'node:process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const RATE = 24000
export const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'earcons')
const PEAK = 0.25 // -12 dBFS

/** note: { at (s), freq (Hz), dur (s), decay (s, time constant), harmonics: [[multiple, gain]] } */
const EARCONS = {
  'capture-start': [
    { at: 0, freq: 660, dur: 0.07, decay: 0.05, harmonics: [[2, 0.15]] },
    { at: 0.065, freq: 880, dur: 0.09, decay: 0.06, harmonics: [[2, 0.15]] },
  ],
  'capture-end': [
    { at: 0, freq: 880, dur: 0.07, decay: 0.05, harmonics: [[2, 0.15]] },
    { at: 0.065, freq: 587, dur: 0.1, decay: 0.06, harmonics: [[2, 0.15]] },
  ],
  'tool-request': [
    { at: 0, freq: 784, dur: 0.16, decay: 0.09, harmonics: [[2, 0.25], [3, 0.08]] },
    { at: 0.11, freq: 1047, dur: 0.22, decay: 0.12, harmonics: [[2, 0.25], [3, 0.08]] },
  ],
  error: [
    { at: 0, freq: 392, dur: 0.12, decay: 0.08, harmonics: [[3, 0.3], [5, 0.1]] },
    { at: 0.11, freq: 311, dur: 0.18, decay: 0.1, harmonics: [[3, 0.3], [5, 0.1]] },
  ],
}
export const NAMES = Object.keys(EARCONS)

/** The samples of one earcon, as floats in [-1, 1]. */
export function renderEarcon(name) {
  const notes = EARCONS[name]
  if (!notes) throw new Error(`no earcon called ${name}`)
  const length = Math.ceil(Math.max(...notes.map((n) => n.at + n.dur)) * RATE) + Math.round(0.01 * RATE)
  const out = new Float64Array(length)
  const attack = 0.004
  for (const note of notes) {
    const start = Math.round(note.at * RATE)
    const count = Math.round(note.dur * RATE)
    const norm = 1 + note.harmonics.reduce((sum, [, g]) => sum + g, 0)
    for (let i = 0; i < count; i += 1) {
      const t = i / RATE
      const rise = t < attack ? 0.5 - 0.5 * Math.cos((Math.PI * t) / attack) : 1
      // Decay, and a short raised-cosine fade at the end so nothing clicks.
      const left = (count - i) / RATE
      const fall = left < 0.01 ? 0.5 - 0.5 * Math.cos((Math.PI * left) / 0.01) : 1
      const env = rise * fall * Math.exp(-t / note.decay)
      let v = Math.sin(2 * Math.PI * note.freq * t)
      for (const [k, g] of note.harmonics) v += g * Math.sin(2 * Math.PI * note.freq * k * t)
      out[start + i] += (env * v) / norm
    }
  }
  let max = 0
  for (const v of out) max = Math.max(max, Math.abs(v))
  return Array.from(out, (v) => (v / max) * PEAK)
}

/** A PCM16 mono WAV file. */
export function wav(samples) {
  const data = Buffer.alloc(samples.length * 2)
  samples.forEach((v, i) => data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32767))), i * 2))
  const head = Buffer.alloc(44)
  head.write('RIFF', 0, 'latin1')
  head.writeUInt32LE(36 + data.length, 4)
  head.write('WAVEfmt ', 8, 'latin1')
  head.writeUInt32LE(16, 16)
  head.writeUInt16LE(1, 20) // PCM
  head.writeUInt16LE(1, 22) // mono
  head.writeUInt32LE(RATE, 24)
  head.writeUInt32LE(RATE * 2, 28)
  head.writeUInt16LE(2, 32)
  head.writeUInt16LE(16, 34)
  head.write('data', 36, 'latin1')
  head.writeUInt32LE(data.length, 40)
  return Buffer.concat([head, data])
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(OUT, { recursive: true })
  for (const name of NAMES) {
    const file = join(OUT, `${name}.wav`)
    const bytes = wav(renderEarcon(name))
    writeFileSync(file, bytes)
    console.log(`${file}: ${bytes.length} bytes`)
  }
}

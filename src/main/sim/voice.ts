/**
 * Deterministic voice-like audio for simulated replies (and for tests that need "user speech"):
 * a glottal pulse train with a falling-rising pitch contour, filtered through three formant
 * resonators per vowel, shaped into syllables with short gaps between them and longer gaps
 * between words. The same text, rate and duration always give the same samples, so a test can
 * regenerate what a simulator sent and compare it with what a client played.
 */

/** Formant frequencies (Hz) of a few vowels. */
const VOWELS: ReadonlyArray<readonly [number, number, number]> = [
  [730, 1090, 2440], // a
  [530, 1840, 2480], // e
  [270, 2290, 3010], // i
  [570, 840, 2410], // o
  [300, 870, 2240], // u
  [660, 1720, 2410], // ae
]

export interface VoiceOptions {
  /** Total length; default about 190 ms per syllable of the text (at least 300 ms). */
  durationMs?: number
  /** Peak amplitude on the -1..1 scale (default 0.35). */
  amplitude?: number
  /** Base pitch in Hz (default 130). */
  pitchHz?: number
}

/** A rough syllable count (vowel groups), at least 1. */
export function countSyllables(text: string): number {
  const groups = text.toLowerCase().match(/[aeiouy]+/g)
  return Math.max(1, groups ? groups.length : Math.ceil(text.length / 3))
}

/** The default duration synthesizeVoice uses for a text. */
export function defaultVoiceMs(text: string): number {
  return Math.max(300, countSyllables(text) * 190)
}

function hash32(text: string): number {
  let h = 2166136261
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 16777619) >>> 0
  }
  return h
}

/** Synthesizes PCM16 mono voice-like audio for `text` at `sampleRate`. Deterministic. */
export function synthesizeVoice(text: string, sampleRate: number, options: VoiceOptions = {}): Int16Array {
  const durationMs = Math.max(20, Math.round(options.durationMs ?? defaultVoiceMs(text)))
  const total = Math.round((sampleRate * durationMs) / 1000)
  const out = new Int16Array(total)
  const amplitude = options.amplitude ?? 0.35
  const basePitch = options.pitchHz ?? 130
  const syllables = Math.max(1, Math.min(countSyllables(text), Math.floor(durationMs / 120)))
  const words = text.split(/\s+/).filter(Boolean)
  const seed = hash32(text)
  const sylLen = total / syllables
  // Resonator state per formant.
  const y1 = [0, 0, 0]
  const y2 = [0, 0, 0]
  let phase = 0
  let rng = seed || 1
  const wordBreakEvery = Math.max(1, Math.round(syllables / Math.max(1, words.length)))
  for (let s = 0; s < syllables; s++) {
    const vowel = VOWELS[(seed >>> (s % 24)) % VOWELS.length] ?? VOWELS[0]!
    const start = Math.round(s * sylLen)
    const end = Math.min(total, Math.round((s + 1) * sylLen))
    const gap = Math.round(sampleRate * ((s + 1) % wordBreakEvery === 0 ? 0.06 : 0.025))
    const voicedEnd = Math.max(start + 1, end - gap)
    const coeffs = vowel.map((f, k) => {
      const bw = 60 + k * 40
      const r = Math.exp((-Math.PI * bw) / sampleRate)
      const theta = (2 * Math.PI * Math.min(f, sampleRate * 0.45)) / sampleRate
      return { a1: 2 * r * Math.cos(theta), a2: -r * r, g: (1 - r) * 2 }
    })
    for (let i = start; i < end; i++) {
      const pos = (i - start) / Math.max(1, voicedEnd - start)
      let env = 0
      if (i < voicedEnd) {
        env = Math.min(1, pos / 0.15) * Math.min(1, (1 - pos) / 0.25)
      }
      const globalPos = i / total
      const pitch = basePitch * (1 + 0.12 * Math.sin(2 * Math.PI * (globalPos * 1.3 + s * 0.17)) - 0.08 * globalPos)
      phase += pitch / sampleRate
      let excitation = 0
      if (phase >= 1) {
        phase -= 1
        excitation = 1
      }
      // A little deterministic breath noise at syllable onsets (consonant-like).
      rng = (Math.imul(rng, 1103515245) + 12345) >>> 0
      const noise = pos < 0.12 && i < voicedEnd ? ((rng >>> 16) / 32768 - 1) * 0.3 : 0
      let sample = 0
      for (let k = 0; k < 3; k++) {
        const c = coeffs[k]!
        const y = c.g * (excitation + noise) + c.a1 * y1[k]! + c.a2 * y2[k]!
        y2[k] = y1[k]!
        y1[k] = y
        sample += y / (k + 1)
      }
      const v = Math.max(-1, Math.min(1, sample * env * amplitude * 2.2))
      out[i] = Math.round(v * 32767)
    }
  }
  return out
}

/** RMS on the -1..1 scale. */
export function rms(pcm: Int16Array): number {
  if (pcm.length === 0) return 0
  let sum = 0
  for (const s of pcm) sum += (s / 32768) * (s / 32768)
  return Math.sqrt(sum / pcm.length)
}

/** Silence of the given length. */
export function silence(sampleRate: number, ms: number): Int16Array {
  return new Int16Array(Math.round((sampleRate * ms) / 1000))
}

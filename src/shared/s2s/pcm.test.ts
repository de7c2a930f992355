import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  Base64Error,
  PcmFramer,
  Resampler,
  base64ToBytes,
  base64ToInt16,
  bytesToBase64,
  bytesToInt16,
  floatToInt16,
  int16ToBase64,
  int16ToBytes,
  int16ToFloat,
} from './pcm'

function sine(rate: number, freq: number, seconds: number, amp = 0.5): Float32Array {
  const n = Math.round(rate * seconds)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate)
  return out
}

/** Amplitude of the component at `freq` (single-bin DFT over a whole number of periods-ish). */
function toneAmplitude(x: Float32Array, rate: number, freq: number): number {
  let re = 0
  let im = 0
  // Hann window to limit leakage; amplitude corrected for the window's mean (0.5).
  const n = x.length
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1))
    const ph = (2 * Math.PI * freq * i) / rate
    re += (x[i] as number) * w * Math.cos(ph)
    im += (x[i] as number) * w * Math.sin(ph)
  }
  return (2 * Math.hypot(re, im)) / (n * 0.5)
}

function rms(x: Float32Array): number {
  let s = 0
  for (const v of x) s += v * v
  return Math.sqrt(s / Math.max(1, x.length))
}

/** Estimates frequency from zero crossings. */
function zeroCrossingFreq(x: Float32Array, rate: number): number {
  let crossings = 0
  let first = -1
  let last = -1
  for (let i = 1; i < x.length; i++) {
    if ((x[i - 1] as number) < 0 && (x[i] as number) >= 0) {
      if (first < 0) first = i
      last = i
      crossings++
    }
  }
  return ((crossings - 1) * rate) / (last - first)
}

function concat(parts: Float32Array[]): Float32Array {
  const total = parts.reduce((a, p) => a + p.length, 0)
  const out = new Float32Array(total)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

describe('sample format conversion', () => {
  it('maps the float range onto PCM16 with clamping and NaN as silence', () => {
    const pcm = floatToInt16(new Float32Array([0, 1, -1, 2, -2, 0.5, Number.NaN]))
    expect(Array.from(pcm)).toEqual([0, 32767, -32768, 32767, -32768, 16384, 0])
    const back = int16ToFloat(new Int16Array([0, -32768, 16384]))
    expect(Array.from(back)).toEqual([0, -1, 0.5])
  })

  it('round-trips PCM16 through little-endian bytes', () => {
    const pcm = new Int16Array([0, 1, -1, 32767, -32768, 258])
    const bytes = int16ToBytes(pcm)
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 1, 0])
    expect(Array.from(bytes.subarray(10, 12))).toEqual([2, 1])
    expect(Array.from(bytesToInt16(bytes))).toEqual(Array.from(pcm))
    // A trailing odd byte is ignored rather than throwing.
    expect(Array.from(bytesToInt16(new Uint8Array([1, 0, 7])))).toEqual([1])
  })

  it('rounds exactly as Math.round of the scaled sample, for any float', () => {
    const ref = (s: number) => (s !== s ? 0 : s <= -1 ? -32768 : s >= 1 ? 32767 : s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff))
    const edges = [0, -0, 0.5 / 32767, -0.5 / 32768, 1.5 / 32767, -1.5 / 32768, 1 - 2 ** -24, -1 + 2 ** -24, Infinity, -Infinity, 1e-45, -1e-45]
    const input = new Float32Array(edges.length + 20000)
    input.set(edges)
    for (let i = edges.length; i < input.length; i++) input[i] = (Math.random() * 2.2 - 1.1) * (i % 3 === 0 ? 1e-3 : 1)
    const expected = Int16Array.from(input, ref)
    expect(Array.from(floatToInt16(input))).toEqual(Array.from(expected))
  })

  it('works on subarray views (byteOffset != 0)', () => {
    const backing = new Int16Array([9, 9, 5, -5, 9])
    const view = backing.subarray(2, 4)
    expect(Array.from(base64ToInt16(int16ToBase64(view)))).toEqual([5, -5])
  })
})

describe('base64', () => {
  it('matches known vectors (RFC 4648)', () => {
    const enc = (s: string) => bytesToBase64(new TextEncoder().encode(s))
    expect(enc('')).toBe('')
    expect(enc('f')).toBe('Zg==')
    expect(enc('fo')).toBe('Zm8=')
    expect(enc('foo')).toBe('Zm9v')
    expect(enc('foob')).toBe('Zm9vYg==')
    expect(enc('fooba')).toBe('Zm9vYmE=')
    expect(enc('foobar')).toBe('Zm9vYmFy')
    expect(new TextDecoder().decode(base64ToBytes('Zm9vYmE='))).toBe('fooba')
    expect(new TextDecoder().decode(base64ToBytes('Zm9vYmE'))).toBe('fooba')
  })

  it('round-trips arbitrary bytes and agrees with btoa', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        const b64 = bytesToBase64(bytes)
        expect(b64).toBe(btoa(String.fromCharCode(...bytes)))
        expect(Array.from(base64ToBytes(b64))).toEqual(Array.from(bytes))
      }),
      { numRuns: 300 },
    )
  })

  it('round-trips PCM16 frames', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 2000 }), (samples) => {
        const pcm = new Int16Array(samples)
        expect(Array.from(base64ToInt16(int16ToBase64(pcm)))).toEqual(samples)
      }),
      { numRuns: 200 },
    )
  })

  it('rejects garbage with a Base64Error and never anything else', () => {
    expect(() => base64ToBytes('ab$d')).toThrow(Base64Error)
    expect(() => base64ToBytes('abcde')).toThrow(Base64Error)
    expect(() => base64ToBytes('ab=c')).toThrow(Base64Error)
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        try {
          base64ToBytes(s)
        } catch (e) {
          expect(e).toBeInstanceOf(Base64Error)
        }
      }),
      { numRuns: 1000 },
    )
  })
})

describe('Resampler', () => {
  const pairs: [number, number][] = [
    [48000, 24000],
    [44100, 24000],
    [22050, 24000],
    [16000, 24000],
    [8000, 24000],
    [48000, 16000],
    [44100, 16000],
    [24000, 16000],
    [24000, 48000],
    [16000, 44100],
  ]

  for (const [from, to] of pairs) {
    it(`keeps a 440 Hz tone's frequency and amplitude (${from} -> ${to})`, () => {
      const r = new Resampler(from, to)
      const out = concat([r.process(sine(from, 440, 1)), r.flush()])
      // Length: one second in -> one second out (within a sample).
      expect(Math.abs(out.length - to)).toBeLessThanOrEqual(1)
      const steady = out.subarray(Math.round(to * 0.1), Math.round(to * 0.9))
      expect(toneAmplitude(steady, to, 440)).toBeCloseTo(0.5, 2)
      expect(zeroCrossingFreq(steady, to)).toBeCloseTo(440, 0)
      // Aligned in time: the output equals the ideal sine at the output rate.
      const ideal = sine(to, 440, 1).subarray(Math.round(to * 0.1), Math.round(to * 0.9))
      let err = 0
      for (let i = 0; i < steady.length; i++) err = Math.max(err, Math.abs((steady[i] as number) - (ideal[i] as number)))
      expect(err).toBeLessThan(0.005)
    })
  }

  it('does not alias a tone above the new Nyquist (48k -> 24k, 15 kHz)', () => {
    const r = new Resampler(48000, 24000)
    const out = r.process(sine(48000, 15000, 1))
    const steady = out.subarray(2000, 22000)
    // 15 kHz would fold to 9 kHz; it must be at least 60 dB down.
    expect(rms(steady)).toBeLessThan(0.5 * 1e-3)
    expect(toneAmplitude(steady, 24000, 9000)).toBeLessThan(0.5 * 1e-3)
  })

  it('does not alias a tone above the new Nyquist (44.1k -> 16k, 9 kHz)', () => {
    const r = new Resampler(44100, 16000)
    const out = r.process(sine(44100, 9000, 1))
    const steady = out.subarray(2000, 14000)
    expect(rms(steady)).toBeLessThan(0.5 * 1e-3)
  })

  it('does not image when upsampling (8k -> 24k, 3 kHz tone: nothing at 5 kHz)', () => {
    const r = new Resampler(8000, 24000)
    const out = r.process(sine(8000, 3000, 1))
    const steady = out.subarray(2000, 22000)
    expect(toneAmplitude(steady, 24000, 3000)).toBeCloseTo(0.5, 2)
    expect(toneAmplitude(steady, 24000, 5000)).toBeLessThan(1e-3)
  })

  it('2:1 keeps the band up to 10 kHz flat (48k -> 24k, 9.5 kHz)', () => {
    const r = new Resampler(48000, 24000)
    const out = r.process(sine(48000, 9500, 1))
    expect(toneAmplitude(out.subarray(2000, 22000), 24000, 9500)).toBeCloseTo(0.5, 3)
  })

  it('writes into a caller buffer when given one, with the same output', () => {
    for (const [from, to] of [
      [48000, 24000],
      [44100, 16000],
      [16000, 24000],
      [24000, 24000],
    ] as [number, number][]) {
      const input = sine(from, 523, 0.1, 0.8)
      const a = new Resampler(from, to)
      const b = new Resampler(from, to)
      const scratch = new Float32Array(b.maxOutput(128))
      for (let o = 0; o < input.length; o += 128) {
        const chunk = input.subarray(o, o + 128)
        const expected = a.process(chunk)
        const got = b.process(chunk, scratch)
        expect(got.buffer).toBe(scratch.buffer)
        expect(Array.from(got)).toEqual(Array.from(expected))
      }
    }
  })

  it('gives the same output whatever the chunking (state kept across chunks)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<[number, number]>([48000, 24000], [44100, 24000], [16000, 24000], [22050, 16000]),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 30 }),
        ([from, to], sizes) => {
          const input = sine(from, 523, 0.25, 0.8)
          const whole = new Resampler(from, to)
          const expected = concat([whole.process(input), whole.flush()])
          const chunked = new Resampler(from, to)
          const parts: Float32Array[] = []
          let offset = 0
          let s = 0
          while (offset < input.length) {
            const size = sizes[s++ % sizes.length] as number
            parts.push(chunked.process(input.subarray(offset, offset + size)))
            offset += size
          }
          parts.push(chunked.flush())
          const got = concat(parts)
          expect(got.length).toBe(expected.length)
          let worst = 0
          for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs((got[i] as number) - (expected[i] as number)))
          expect(worst).toBeLessThan(1e-6)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('is continuous across chunk boundaries (no clicks)', () => {
    const r = new Resampler(44100, 24000)
    const input = sine(44100, 200, 0.5)
    const parts: Float32Array[] = []
    for (let o = 0; o < input.length; o += 441) parts.push(r.process(input.subarray(o, o + 441)))
    const out = concat(parts)
    // Max sample-to-sample step of a 0.5-amplitude 200 Hz sine at 24 kHz is 2*pi*200/24000*0.5 = 0.026.
    let maxStep = 0
    for (let i = 1; i < out.length; i++) maxStep = Math.max(maxStep, Math.abs((out[i] as number) - (out[i - 1] as number)))
    expect(maxStep).toBeLessThan(0.03)
  })

  it('passes through when rates are equal and converts PCM16 directly', () => {
    const r = new Resampler(24000, 24000)
    expect(Array.from(r.process(new Float32Array([0.25, -0.5])))).toEqual([0.25, -0.5])
    const d = new Resampler(48000, 24000)
    const pcm = floatToInt16(sine(48000, 1000, 0.5))
    const out = d.processInt16(pcm)
    expect(out).toBeInstanceOf(Int16Array)
    expect(Math.abs(out.length - 12000)).toBeLessThan(d.latencySamples)
  })

  it('rejects impossible rates with a clear error', () => {
    expect(() => new Resampler(0, 24000)).toThrow(/positive integers/)
    expect(() => new Resampler(44100.5, 24000)).toThrow(/positive integers/)
  })
})

describe('PcmFramer', () => {
  it('yields exact 20 ms frames and keeps the remainder', () => {
    const framer = new PcmFramer(24000)
    expect(framer.frameSize).toBe(480)
    const input = new Int16Array(1000).map((_, i) => i)
    const frames = framer.push(input)
    expect(frames.map((f) => f.length)).toEqual([480, 480])
    expect(framer.buffered).toBe(40)
    const more = framer.push(new Int16Array(440).map((_, i) => 1000 + i))
    expect(more).toHaveLength(1)
    // Continuity: the third frame is samples 960..1439.
    expect(more[0]?.[0]).toBe(960)
    expect(more[0]?.[479]).toBe(1439)
    expect(framer.flush()).toBeNull()
  })

  it('never loses or reorders samples for any chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 900 }), { maxLength: 40 }), (sizes) => {
        const framer = new PcmFramer(16000) // 320 samples
        const out: number[] = []
        let next = 0
        for (const size of sizes) {
          const chunk = new Int16Array(size).map(() => next++ % 30000)
          for (const f of framer.push(chunk)) {
            expect(f.length).toBe(320)
            out.push(...f)
          }
        }
        const tail = framer.flush()
        if (tail) out.push(...tail.subarray(0, next - out.length))
        expect(out.length).toBe(next)
        expect(out.every((v, i) => v === i % 30000)).toBe(true)
      }),
      { numRuns: 100 },
    )
  })
})

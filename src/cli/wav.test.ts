import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { encodeWav, parseWav, WavError } from './wav'

/** Builds a WAV with arbitrary header fields and extra chunks. */
function buildWav(opts: { format?: number; channels?: number; rate?: number; bits?: number; data: Uint8Array; extraBefore?: { id: string; body: Uint8Array }[]; dataSize?: number; extensible?: number }): Uint8Array {
  const chunks: Uint8Array[] = []
  const chunk = (id: string, body: Uint8Array, declared = body.length) => {
    const head = new Uint8Array(8)
    for (let i = 0; i < 4; i++) head[i] = id.charCodeAt(i)
    new DataView(head.buffer).setUint32(4, declared, true)
    chunks.push(head, body)
    if (body.length % 2) chunks.push(new Uint8Array(1))
  }
  const channels = opts.channels ?? 1
  const bits = opts.bits ?? 16
  const rate = opts.rate ?? 16000
  const fmt = new Uint8Array(opts.extensible !== undefined ? 40 : 16)
  const v = new DataView(fmt.buffer)
  v.setUint16(0, opts.extensible !== undefined ? 0xfffe : (opts.format ?? 1), true)
  v.setUint16(2, channels, true)
  v.setUint32(4, rate, true)
  v.setUint32(8, (rate * channels * bits) / 8, true)
  v.setUint16(12, (channels * bits) / 8, true)
  v.setUint16(14, bits, true)
  if (opts.extensible !== undefined) v.setUint16(24, opts.extensible, true)
  for (const extra of opts.extraBefore ?? []) chunk(extra.id, extra.body)
  chunk('fmt ', fmt)
  chunk('data', opts.data, opts.dataSize)
  const total = chunks.reduce((n, c) => n + c.length, 0)
  const out = new Uint8Array(12 + total)
  out.set([82, 73, 70, 70], 0)
  new DataView(out.buffer).setUint32(4, 4 + total, true)
  out.set([87, 65, 86, 69], 8)
  let at = 12
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

const le16 = (values: number[]) => {
  const out = new Uint8Array(values.length * 2)
  values.forEach((value, i) => new DataView(out.buffer).setInt16(2 * i, value, true))
  return out
}

describe('WAV', () => {
  it('round-trips PCM16 mono exactly', () => {
    const samples = Int16Array.from([0, 1, -1, 32767, -32768, 1234])
    const file = encodeWav(samples, 24000)
    expect(file.length).toBe(44 + 12)
    const back = parseWav(file)
    expect(back.sampleRate).toBe(24000)
    expect(back.channels).toBe(1)
    expect([...back.samples]).toEqual([...samples])
  })

  it('averages stereo to mono and skips unknown chunks (odd sizes padded)', () => {
    const file = buildWav({ channels: 2, rate: 44100, data: le16([100, 300, -100, -300, 32767, 32767]), extraBefore: [{ id: 'LIST', body: new Uint8Array(3) }] })
    const audio = parseWav(file)
    expect(audio.sampleRate).toBe(44100)
    expect(audio.channels).toBe(2)
    expect([...audio.samples]).toEqual([200, -200, 32767])
  })

  it('reads WAVE_FORMAT_EXTENSIBLE PCM and streamed files with an unknown data size', () => {
    expect([...parseWav(buildWav({ extensible: 1, data: le16([5, 6]) })).samples]).toEqual([5, 6])
    expect([...parseWav(buildWav({ data: le16([7, 8, 9]), dataSize: 0xffffffff })).samples]).toEqual([7, 8, 9])
  })

  it('refuses other formats with a clear message', () => {
    const cases: [Uint8Array, RegExp][] = [
      [new TextEncoder().encode('ID3 this is an mp3 file'), /not a WAV file/],
      [new Uint8Array(4), /too short/],
      [buildWav({ bits: 8, data: new Uint8Array(4) }), /8-bit PCM.*16-bit PCM/],
      [buildWav({ format: 3, bits: 32, data: new Uint8Array(8) }), /32-bit float/],
      [buildWav({ extensible: 3, bits: 32, data: new Uint8Array(8) }), /32-bit float/],
      [buildWav({ format: 7, bits: 8, data: new Uint8Array(8) }), /µ-law/],
      [buildWav({ channels: 6, data: new Uint8Array(24) }), /6 channels/],
      [buildWav({ rate: 0, data: new Uint8Array(4) }), /sample rate/],
    ]
    for (const [bytes, message] of cases) {
      expect(() => parseWav(bytes, 'IN.wav')).toThrow(WavError)
      expect(() => parseWav(bytes, 'IN.wav')).toThrow(message)
      expect(() => parseWav(bytes, 'IN.wav')).toThrow(/^IN\.wav /)
    }
  })

  it('reads what espeak-ng + sox produce', () => {
    const dir = mkdtempSync(join(tmpdir(), 'earshot-wav-'))
    try {
      execFileSync('espeak-ng', ['-w', join(dir, 'raw.wav'), 'hello'])
      execFileSync('sox', [join(dir, 'raw.wav'), '-r', '48000', '-c', '2', '-b', '16', join(dir, 'speech.wav'), 'norm', '-3'])
      const audio = parseWav(readFileSync(join(dir, 'speech.wav')))
      expect(audio.sampleRate).toBe(48000)
      expect(audio.channels).toBe(2)
      expect(audio.samples.length).toBeGreaterThan(48000 * 0.2)
      const peak = audio.samples.reduce((m, s) => Math.max(m, Math.abs(s)), 0)
      expect(peak).toBeGreaterThan(10000) // normalised to -3 dBFS
      expect(peak).toBeLessThan(32767)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs script without types (it writes the files; this checks them)
import { NAMES, OUT, RATE, renderEarcon, wav } from '../../../scripts/make-earcons.mjs'

describe('earcon assets (resources/earcons, made by scripts/make-earcons.mjs)', () => {
  it('are exactly what the script makes: short PCM16 mono WAVs at 24 kHz, gentle and not empty', () => {
    expect(NAMES).toEqual(['capture-start', 'capture-end', 'tool-request', 'error'])
    for (const name of NAMES as string[]) {
      const file = readFileSync(join(OUT as string, `${name}.wav`))
      expect(file.equals((wav as (s: number[]) => Buffer)((renderEarcon as (n: string) => number[])(name))), `${name}.wav is stale: run node scripts/make-earcons.mjs`).toBe(true)
      expect(file.toString('latin1', 0, 4)).toBe('RIFF')
      expect(file.readUInt16LE(22)).toBe(1)
      expect(file.readUInt32LE(24)).toBe(RATE)
      const samples = (file.length - 44) / 2
      const ms = (samples / (RATE as number)) * 1000
      expect(ms, name).toBeGreaterThan(100)
      expect(ms, name).toBeLessThan(400)
      let peak = 0
      for (let i = 44; i < file.length; i += 2) peak = Math.max(peak, Math.abs(file.readInt16LE(i)))
      expect(peak / 32767).toBeCloseTo(0.25, 2)
      // Starts and ends in silence (no click).
      expect(Math.abs(file.readInt16LE(44))).toBeLessThan(50)
      expect(Math.abs(file.readInt16LE(file.length - 2))).toBeLessThan(50)
    }
  })
})

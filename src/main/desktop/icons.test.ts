import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'

const RESOURCES = join(import.meta.dirname, '../../../resources')
const ICONS = join(RESOURCES, 'icons')
const STATES = ['idle', 'standby', 'listening', 'speaking', 'muted', 'error']

function decode(file: Buffer): { width: number; height: number; pixels: Buffer } {
  expect(file.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
  const width = file.readUInt32BE(16)
  const height = file.readUInt32BE(20)
  expect(file.toString('latin1', 12, 16)).toBe('IHDR')
  expect([file[24], file[25]]).toEqual([8, 6]) // 8-bit RGBA
  const idat: Buffer[] = []
  for (let offset = 8; offset < file.length; ) {
    const length = file.readUInt32BE(offset)
    if (file.toString('latin1', offset + 4, offset + 8) === 'IDAT') idat.push(file.subarray(offset + 8, offset + 8 + length))
    offset += 12 + length
  }
  const raw = inflateSync(Buffer.concat(idat))
  expect(raw.length).toBe((width * 4 + 1) * height)
  const pixels = Buffer.alloc(width * height * 4)
  for (let y = 0; y < height; y += 1) {
    expect(raw[y * (width * 4 + 1)]).toBe(0)
    raw.copy(pixels, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1))
  }
  return { width, height, pixels }
}

const load = (name: string) => decode(readFileSync(join(ICONS, name)))

describe('icon assets', () => {
  it('has every tray state at 16 and 32 px with @2x variants, of the right size and not empty', () => {
    for (const state of STATES) {
      for (const [name, size] of [[`tray-${state}-16.png`, 16], [`tray-${state}-16@2x.png`, 32], [`tray-${state}-32.png`, 32], [`tray-${state}-32@2x.png`, 64]] as const) {
        const { width, height, pixels } = load(name)
        expect([width, height], name).toEqual([size, size])
        let opaque = 0
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 128) opaque += 1
        expect(opaque / (size * size), name).toBeGreaterThan(0.3)
      }
    }
  })

  it('macOS template images are black with alpha only, and the states look different', () => {
    const seen = new Set<string>()
    for (const state of STATES) {
      for (const [name, size] of [[`tray-${state}Template.png`, 16], [`tray-${state}Template@2x.png`, 32]] as const) {
        const { width, pixels } = load(name)
        expect(width).toBe(size)
        for (let i = 0; i < pixels.length; i += 4) expect(pixels[i]! + pixels[i + 1]! + pixels[i + 2]!, name).toBe(0)
        if (size === 32) seen.add(pixels.toString('base64'))
      }
    }
    expect(seen.size).toBe(STATES.length)
  })

  it('colour tray icons differ per state', () => {
    expect(new Set(STATES.map((s) => load(`tray-${s}-32.png`).pixels.toString('base64'))).size).toBe(STATES.length)
  })

  it('has the app icon at 512 and 1024 px (icon.png is the 1024 one electron-builder converts)', () => {
    expect(load('icon-512.png').width).toBe(512)
    expect(load('icon.png').width).toBe(1024)
    expect(readFileSync(join(ICONS, 'icon.png')).equals(readFileSync(join(ICONS, 'icon-1024.png')))).toBe(true)
  })

  it('the committed PNGs are exactly what resources/make-icons.mjs generates', async () => {
    type Build = (only?: (name: string) => boolean) => Record<string, Buffer | null>
    const script = (await import(pathToFileURL(join(RESOURCES, 'make-icons.mjs')).href)) as { buildIcons: Build }
    // the tray icons are compared byte for byte; the app icons (seconds to render) only by name
    const files = script.buildIcons((name) => name.startsWith('tray-'))
    const committed = readdirSync(ICONS).filter((name) => name.endsWith('.png')).sort()
    expect(committed).toEqual(Object.keys(files).sort())
    for (const [name, data] of Object.entries(files)) if (data) expect(readFileSync(join(ICONS, name)).equals(data), name).toBe(true)
  })
})

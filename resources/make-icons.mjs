// Generates Earshot's icons as real PNG files: tray icons for each state (idle, standby,
// listening, speaking, muted, error) at 16 and 32 px with @2x variants, macOS template variants (black +
// alpha; the menu bar tints them), and the app icon at 512 and 1024 px. No dependencies: shapes
// are rasterised with supersampling and written with node:zlib.
//
//   node resources/make-icons.mjs        (writes resources/icons/*.png; commit the result)
/* global console */
import { Buffer } from 'node:buffer'
import { mkdirSync, writeFileSync } from 'node:fs'
import process from 'node:process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'icons')
export const STATES = ['idle', 'standby', 'listening', 'speaking', 'muted', 'error']

// ---- PNG ------------------------------------------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(bytes) {
  let c = 0xffffffff
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}
export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height)
  for (let y = 0; y < height; y += 1) {
    raw[y * (width * 4 + 1)] = 0 // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

// ---- shapes (unit square, y down) ---------------------------------------------------------------
const segDist = (px, py, ax, ay, bx, by) => {
  const dx = bx - ax
  const dy = by - ay
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)))
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy))
}
const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) <= r
const line = (ax, ay, bx, by, w) => (x, y) => segDist(x, y, ax, ay, bx, by) <= w / 2
const ring = (cx, cy, r0, r1, keep) => (x, y) => {
  const d = Math.hypot(x - cx, y - cy)
  return d >= r0 && d <= r1 && keep(x, y)
}
const union = (...shapes) => (x, y) => shapes.some((s) => s(x, y))
const roundedSquare = (inset, radius) => (x, y) => {
  const qx = Math.max(Math.abs(x - 0.5) - (0.5 - inset - radius), 0)
  const qy = Math.max(Math.abs(y - 0.5) - (0.5 - inset - radius), 0)
  return Math.hypot(qx, qy) <= radius
}

/** A microphone glyph centred at (cx, cy) with scale s (1 = fills the square). */
function mic(cx, cy, s, stroke = 0.085) {
  const at = (u, v) => [cx + (u - 0.5) * s, cy + (v - 0.5) * s]
  const [hx, hy0] = at(0.5, 0.2)
  const [, hy1] = at(0.5, 0.47)
  const [ux, uy] = at(0.5, 0.45)
  const [, sy0] = at(0.5, 0.76)
  const [, sy1] = at(0.5, 0.88)
  const [bx0, by] = at(0.33, 0.88)
  const [bx1] = at(0.67, 0.88)
  return union(
    line(hx, hy0, hx, hy1, 0.3 * s), // capsule
    ring(ux, uy, 0.26 * s - (stroke * s) / 2, 0.26 * s + (stroke * s) / 2, (_x, y) => y >= uy), // holder
    line(hx, sy0, hx, sy1, stroke * s), // stem
    line(bx0, by, bx1, by, stroke * s), // base
  )
}
const waves = (cx, cy, s) =>
  union(
    ring(cx, cy, 0.36 * s, 0.36 * s + 0.07 * s, (x, y) => Math.abs(y - cy) < 0.2 * s && Math.abs(x - cx) > 0.25 * s),
  )
const slash = (w) => line(0.18, 0.14, 0.82, 0.86, w)
const bang = union(line(0.5, 0.24, 0.5, 0.58, 0.16), circle(0.5, 0.76, 0.085))

// ---- rasteriser ---------------------------------------------------------------------------------
/** layers: [{ shape, rgb: [r,g,b] } | { shape, erase: true }], painted in order. */
function render(size, layers, samples = size >= 256 ? 2 : 4) {
  const out = Buffer.alloc(size * size * 4)
  for (let py = 0; py < size; py += 1) {
    for (let px = 0; px < size; px += 1) {
      let r = 0
      let g = 0
      let b = 0
      let a = 0
      for (const layer of layers) {
        let hits = 0
        for (let sy = 0; sy < samples; sy += 1) {
          for (let sx = 0; sx < samples; sx += 1) {
            if (layer.shape((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size)) hits += 1
          }
        }
        const cov = hits / (samples * samples)
        if (cov === 0) continue
        if (layer.erase) {
          a *= 1 - cov
          continue
        }
        // premultiplied "over"
        const [lr, lg, lb] = layer.rgb
        r = lr * cov + r * (1 - cov)
        g = lg * cov + g * (1 - cov)
        b = lb * cov + b * (1 - cov)
        a = cov + a * (1 - cov)
      }
      const i = (py * size + px) * 4
      out[i] = a > 0 ? Math.round(Math.min(255, r / a)) : 0
      out[i + 1] = a > 0 ? Math.round(Math.min(255, g / a)) : 0
      out[i + 2] = a > 0 ? Math.round(Math.min(255, b / a)) : 0
      out[i + 3] = Math.round(a * 255)
      if (out[i + 3] === 0) out[i] = out[i + 1] = out[i + 2] = 0
    }
  }
  return out
}

const COLORS = {
  idle: [75, 85, 99],
  standby: [13, 148, 136],
  listening: [22, 163, 74],
  speaking: [37, 99, 235],
  muted: [217, 119, 6],
  error: [220, 38, 38],
}
const WHITE = [255, 255, 255]
const BLACK = [0, 0, 0]

/** Colour tray icon: a state-coloured disc with a white glyph (Windows, Linux; error on macOS). */
function colourLayers(state) {
  const disc = { shape: circle(0.5, 0.5, 0.48), rgb: COLORS[state] }
  if (state === 'error') return [disc, { shape: bang, rgb: WHITE }]
  const inDisc = (shape) => (x, y) => shape(x, y) && disc.shape(x, y)
  if (state === 'muted') return [disc, { shape: mic(0.5, 0.5, 0.78), rgb: WHITE }, { shape: inDisc(slash(0.17)), rgb: COLORS.muted }, { shape: inDisc(slash(0.085)), rgb: WHITE }]
  if (state === 'speaking') return [disc, { shape: mic(0.5, 0.52, 0.62), rgb: WHITE }, { shape: waves(0.5, 0.4, 0.95), rgb: WHITE }]
  // Standby (always-listening, nothing leaves): a ring, not a filled disc, around the microphone.
  if (state === 'standby') return [{ shape: ring(0.5, 0.5, 0.38, 0.48, () => true), rgb: COLORS.standby }, { shape: mic(0.5, 0.5, 0.62), rgb: COLORS.standby }]
  return [disc, { shape: mic(0.5, 0.5, 0.78), rgb: WHITE }]
}

/** macOS template image: black + alpha only; shape tells the states apart. */
function templateLayers(state) {
  if (state === 'listening') return [{ shape: circle(0.5, 0.5, 0.49), rgb: BLACK }, { shape: mic(0.5, 0.5, 0.74), erase: true }]
  if (state === 'standby') return [{ shape: ring(0.5, 0.5, 0.39, 0.49, () => true), rgb: BLACK }, { shape: mic(0.5, 0.5, 0.62), rgb: BLACK }]
  if (state === 'speaking') return [{ shape: mic(0.5, 0.52, 0.7), rgb: BLACK }, { shape: waves(0.5, 0.42, 1.05), rgb: BLACK }]
  if (state === 'muted') return [{ shape: mic(0.5, 0.5, 0.92), rgb: BLACK }, { shape: slash(0.2), erase: true }, { shape: slash(0.09), rgb: BLACK }]
  if (state === 'error') return [{ shape: circle(0.5, 0.5, 0.49), rgb: BLACK }, { shape: bang, erase: true }]
  return [{ shape: mic(0.5, 0.5, 0.92), rgb: BLACK }]
}

function appIconLayers() {
  const bg = roundedSquare(0.06, 0.2)
  return [
    { shape: bg, rgb: [67, 56, 202] },
    { shape: mic(0.5, 0.52, 0.62, 0.07), rgb: WHITE },
    { shape: waves(0.5, 0.42, 0.95), rgb: [199, 210, 254] },
  ]
}

/** Every icon as name -> render function; `only` picks a subset (tests skip the slow big ones). */
export function buildIcons(only = () => true) {
  const makers = {}
  for (const state of STATES) {
    for (const base of [16, 32]) {
      makers[`tray-${state}-${base}.png`] = () => encodePng(base, base, render(base, colourLayers(state)))
      makers[`tray-${state}-${base}@2x.png`] = () => encodePng(base * 2, base * 2, render(base * 2, colourLayers(state)))
    }
    // macOS menu bar: 16 pt, with the @2x for Retina. The name must end in "Template".
    makers[`tray-${state}Template.png`] = () => encodePng(16, 16, render(16, templateLayers(state)))
    makers[`tray-${state}Template@2x.png`] = () => encodePng(32, 32, render(32, templateLayers(state)))
  }
  for (const size of [512, 1024]) makers[`icon-${size}.png`] = () => encodePng(size, size, render(size, appIconLayers()))
  makers['icon.png'] = makers['icon-1024.png']
  const files = {}
  for (const [name, make] of Object.entries(makers)) files[name] = only(name) ? make() : null
  return files
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(OUT, { recursive: true })
  const files = buildIcons()
  for (const [name, data] of Object.entries(files)) if (data) writeFileSync(join(OUT, name), data)
  console.log(`wrote ${Object.keys(files).length} icons to ${OUT}`)
}

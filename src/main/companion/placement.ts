/**
 * Where the companion pill goes: pure geometry over the displays main's screen port reports.
 * Electron's screen module gives each display a workArea (the part not covered by the menu bar,
 * taskbar or dock); the pill always lies inside one.
 */

export interface Point {
  x: number
  y: number
}

export interface Rect extends Point {
  width: number
  height: number
}

export interface DisplayArea {
  id: number
  /** The usable part of the display, in screen coordinates (Electron's Display.workArea). */
  workArea: Rect
}

export interface PillSize {
  width: number
  height: number
}

/** The compact pill (state, level, last line) and the pill grown for a tool request. */
export const PILL_SIZES = {
  compact: { width: 400, height: 76 },
  tool: { width: 400, height: 176 },
} as const satisfies Record<string, PillSize>

/** Gap between the top of the work area and the pill. */
export const TOP_MARGIN = 14

function contains(area: Rect, p: Point): boolean {
  return p.x >= area.x && p.x < area.x + area.width && p.y >= area.y && p.y < area.y + area.height
}

function distanceSq(area: Rect, p: Point): number {
  const dx = p.x < area.x ? area.x - p.x : p.x >= area.x + area.width ? p.x - (area.x + area.width - 1) : 0
  const dy = p.y < area.y ? area.y - p.y : p.y >= area.y + area.height ? p.y - (area.y + area.height - 1) : 0
  return dx * dx + dy * dy
}

/** The display whose work area contains the point, else the nearest one; null without displays. */
export function displayAt(displays: readonly DisplayArea[], p: Point): DisplayArea | null {
  let best: DisplayArea | null = null
  let bestDistance = Infinity
  for (const d of displays) {
    if (contains(d.workArea, p)) return d
    const distance = distanceSq(d.workArea, p)
    if (distance < bestDistance) {
      best = d
      bestDistance = distance
    }
  }
  return best
}

/** Moves (and if needed shrinks) a rectangle so it lies inside the area. Whole pixels. */
export function clampInto(rect: Rect, area: Rect): Rect {
  const width = Math.min(Math.round(rect.width), area.width)
  const height = Math.min(Math.round(rect.height), area.height)
  const x = Math.round(Math.min(Math.max(rect.x, area.x), area.x + area.width - width))
  const y = Math.round(Math.min(Math.max(rect.y, area.y), area.y + area.height - height))
  return { x, y, width, height }
}

/** Top centre of a work area. */
export function topCentre(area: Rect, size: PillSize): Rect {
  return clampInto({ x: area.x + (area.width - size.width) / 2, y: area.y + TOP_MARGIN, ...size }, area)
}

/**
 * Where the pill appears: at the remembered position (clamped into the display it is on, or the
 * nearest one when that display is gone), else at the top centre of the display with the cursor.
 */
export function placePill(options: { displays: readonly DisplayArea[]; cursor: Point; remembered: Point | null; size: PillSize }): Rect | null {
  const { displays, cursor, remembered, size } = options
  if (displays.length === 0) return null
  if (remembered) {
    const centre = { x: remembered.x + size.width / 2, y: remembered.y + size.height / 2 }
    const display = displayAt(displays, centre)
    if (display) return clampInto({ ...remembered, ...size }, display.workArea)
  }
  const display = displayAt(displays, cursor)
  return display ? topCentre(display.workArea, size) : null
}

/**
 * The pill at a new size: the top edge and the horizontal centre stay where they are, unless that
 * would leave the display (a pill near the bottom grows upwards instead).
 */
export function resizePill(current: Rect, size: PillSize, displays: readonly DisplayArea[]): Rect {
  const next = { x: current.x + (current.width - size.width) / 2, y: current.y, ...size }
  const display = displayAt(displays, { x: current.x + current.width / 2, y: current.y + current.height / 2 })
  return display ? clampInto(next, display.workArea) : { ...next, x: Math.round(next.x), y: Math.round(next.y) }
}

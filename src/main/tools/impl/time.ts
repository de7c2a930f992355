import { z } from 'zod'
import { defineTool, ToolError } from '../tool'

export interface TimeDeps {
  now: () => Date
  /** The system's IANA zone (Intl's resolved zone unless a test passes one). */
  defaultTimeZone?: () => string
}

const systemTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'

/** Wall-clock fields of `date` in `timeZone`, and that zone's UTC offset in minutes at that instant. */
export function zonedParts(date: Date, timeZone: string) {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    weekday: 'long',
  })
  const parts: Record<string, string> = {}
  for (const part of format.formatToParts(date)) parts[part.type] = part.value
  const num = (key: string) => Number(parts[key])
  const asUtc = Date.UTC(num('year'), num('month') - 1, num('day'), num('hour'), num('minute'), num('second'))
  const offsetMinutes = Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000)
  return { year: num('year'), month: num('month'), day: num('day'), hour: num('hour'), minute: num('minute'), second: num('second'), weekday: parts.weekday ?? '', offsetMinutes }
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0')

export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+'
  return `${sign}${pad(Math.trunc(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`
}

/** Returns the canonical zone name, or throws a ToolError for anything Intl does not know. */
export function checkTimeZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone
  } catch {
    throw new ToolError('invalid_arguments', `"${zone.slice(0, 64)}" is not a time zone I know. Use an IANA name such as "Europe/Paris", "America/New_York" or "UTC".`)
  }
}

export const currentTimeArgs = z.strictObject({
  timeZone: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .optional()
    .describe('IANA time zone name, for example "Europe/Paris" or "America/Los_Angeles". Omit it for the user\'s own time zone.'),
})

export function createTimeTool(deps: TimeDeps) {
  return defineTool({
    name: 'get_current_time',
    description:
      "Get the current date and time, in the user's own time zone or in a given IANA time zone. Use it whenever the user asks what time or day it is, here or elsewhere.",
    risk: 'read',
    timeoutMs: 2_000,
    schema: currentTimeArgs,
    run: ({ timeZone }) => {
      const zone = checkTimeZone(timeZone ?? (deps.defaultTimeZone ?? systemTimeZone)())
      const now = deps.now()
      const p = zonedParts(now, zone)
      const ms = pad(now.getUTCMilliseconds(), 3)
      const date = `${p.year}-${pad(p.month)}-${pad(p.day)}`
      const time = `${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`
      const offset = formatOffset(p.offsetMinutes)
      const spoken = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        weekday: 'long',
        month: 'long',
        day: 'numeric',
        year: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
      }).format(now)
      return {
        iso: `${date}T${time}.${ms}${offset}`,
        timeZone: zone,
        utcOffset: offset,
        date,
        time: time.slice(0, 5),
        weekday: p.weekday,
        spoken: `It is ${spoken.replace(/\u202f/g, ' ')} (${zone}).`,
        unixMs: now.getTime(),
      }
    },
  })
}

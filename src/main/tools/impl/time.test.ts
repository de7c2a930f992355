import { describe, expect, it } from 'vitest'
import { createToolExecutor } from '../executor'
import { createToolRegistry } from '../registry'
import { createTimeTool, formatOffset } from './time'

const fixed = new Date('2026-03-29T00:30:15.250Z') // the night Europe moves to summer time (01:00 UTC)

function setup(now = fixed, zone = 'Europe/Paris') {
  const registry = createToolRegistry([createTimeTool({ now: () => now, defaultTimeZone: () => zone })])
  return createToolExecutor({ registry })
}

async function call(args: unknown, now?: Date, zone?: string) {
  const result = await setup(now, zone).executeToolCall({ callId: `c${Math.random()}`, name: 'get_current_time', arguments: args })
  return { ...result, json: JSON.parse(result.output) as Record<string, unknown> }
}

describe('get_current_time', () => {
  it('answers in the system zone with an ISO time carrying the offset, and a spoken form', async () => {
    const r = await call({})
    expect(r.status).toBe('ok')
    expect(r.json.iso).toBe('2026-03-29T01:30:15.250+01:00')
    expect(r.json.timeZone).toBe('Europe/Paris')
    expect(r.json.utcOffset).toBe('+01:00')
    expect(r.json.spoken).toBe('It is Sunday, March 29, 2026 at 1:30 AM (Europe/Paris).')
    expect(new Date(r.json.iso as string).getTime()).toBe(fixed.getTime())
  })

  it('follows daylight saving time: one hour later the offset is +02:00', async () => {
    const r = await call({}, new Date('2026-03-29T01:30:00Z'))
    expect(r.json.iso).toBe('2026-03-29T03:30:00.000+02:00')
  })

  it('answers in a requested zone, including half-hour and negative offsets', async () => {
    const india = await call({ timeZone: 'Asia/Kolkata' })
    expect(india.json.iso).toBe('2026-03-29T06:00:15.250+05:30')
    const ny = await call('{"timeZone":"America/New_York"}')
    expect(ny.json.iso).toBe('2026-03-28T20:30:15.250-04:00')
    expect(ny.json.weekday).toBe('Saturday')
    expect(new Date(ny.json.iso as string).getTime()).toBe(fixed.getTime())
  })

  it('refuses an unknown zone with a message that names a valid one', async () => {
    const r = await call({ timeZone: 'Mars/Olympus' })
    expect(r.status).toBe('error')
    expect(r.json.code).toBe('invalid_arguments')
    expect(r.json.error).toMatch(/Mars\/Olympus.*IANA/)
  })

  it('refuses arguments of the wrong type or unknown keys', async () => {
    const wrongType = await call({ timeZone: 42 })
    expect(wrongType.json.code).toBe('invalid_arguments')
    expect(wrongType.json.error).toMatch(/timeZone/)
    const extra = await call({ zone: 'UTC' })
    expect(extra.json.error).toMatch(/zone/)
  })

  it('formats offsets', () => {
    expect(formatOffset(0)).toBe('+00:00')
    expect(formatOffset(-210)).toBe('-03:30')
    expect(formatOffset(345)).toBe('+05:45')
  })
})

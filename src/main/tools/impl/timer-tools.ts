import { z } from 'zod'
import { defineTool, ToolError } from '../tool'
import { spokenDuration, type Timer, type TimerService } from '../timers'

function describeTimer(timer: Timer, now: number) {
  return {
    id: timer.id,
    label: timer.label,
    dueAt: new Date(timer.dueAt).toISOString(),
    remaining: spokenDuration(timer.dueAt - now),
    remainingSeconds: Math.max(0, Math.round((timer.dueAt - now) / 1000)),
  }
}

const simplify = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim()

export function createTimerTools(deps: { timers: TimerService; now: () => number }) {
  const set = defineTool({
    name: 'set_timer',
    description:
      'Start a countdown timer. When it is done the user gets a desktop notification, even if the Earshot window is closed. Give the duration in hours, minutes and/or seconds, and a short label.',
    risk: 'write',
    timeoutMs: 5_000,
    schema: z
      .strictObject({
        hours: z.number().min(0).max(168).optional(),
        minutes: z.number().min(0).max(10_080).optional(),
        seconds: z.number().min(0).max(604_800).optional(),
        label: z.string().trim().max(80).optional().describe('What the timer is for, for example "pasta".'),
      })
      .refine((a) => (a.hours ?? 0) + (a.minutes ?? 0) + (a.seconds ?? 0) > 0, 'Give a duration: hours, minutes or seconds.'),
    summarize: (a) => `Set a ${spokenDuration(((a.hours ?? 0) * 3600 + (a.minutes ?? 0) * 60 + (a.seconds ?? 0)) * 1000)} timer${a.label ? ` for ${a.label}` : ''}.`,
    run: (a) => {
      if (!deps.timers.canNotify) throw new ToolError('not_available', 'Timers need desktop notifications, which are not available here.')
      const ms = ((a.hours ?? 0) * 3600 + (a.minutes ?? 0) * 60 + (a.seconds ?? 0)) * 1000
      try {
        const timer = deps.timers.add(a.label ?? '', ms)
        return { set: true, ...describeTimer(timer, deps.now()) }
      } catch (error) {
        if (error instanceof RangeError) throw new ToolError('invalid_arguments', error.message)
        throw error
      }
    },
  })

  const cancel = defineTool({
    name: 'cancel_timer',
    description: 'Cancel a running timer by its label or id (from list_timers), or all timers with all=true.',
    risk: 'write',
    timeoutMs: 5_000,
    schema: z
      .strictObject({
        id: z.string().trim().max(20).optional(),
        label: z.string().trim().max(80).optional(),
        all: z.boolean().optional(),
      })
      .refine((a) => a.all === true || a.id !== undefined || a.label !== undefined, 'Say which timer: an id, a label, or all=true.'),
    summarize: (a) => (a.all ? 'Cancel all timers.' : `Cancel the timer ${a.label ? `"${a.label}"` : a.id}.`),
    run: (a) => {
      const timers = deps.timers.list()
      let chosen: Timer[]
      if (a.all) chosen = timers
      else if (a.id !== undefined) chosen = timers.filter((t) => t.id === a.id)
      else {
        const wanted = simplify(a.label ?? '')
        chosen = timers.filter((t) => simplify(t.label) === wanted)
        if (chosen.length === 0) chosen = timers.filter((t) => simplify(t.label).includes(wanted))
      }
      if (chosen.length === 0) {
        throw new ToolError('not_found', timers.length ? `No timer matches. Running timers: ${timers.map((t) => `${t.label} (${t.id})`).join(', ')}.` : 'There are no timers running.')
      }
      if (!a.all && chosen.length > 1) {
        throw new ToolError('invalid_arguments', `Several timers match: ${chosen.map((t) => `${t.label} (${t.id})`).join(', ')}. Cancel one by its id.`)
      }
      for (const t of chosen) deps.timers.cancel(t.id)
      return { cancelled: chosen.map((t) => ({ id: t.id, label: t.label })) }
    },
  })

  const list = defineTool({
    name: 'list_timers',
    description: 'List the running timers with the time left on each.',
    risk: 'read',
    timeoutMs: 5_000,
    schema: z.strictObject({}),
    run: () => {
      const now = deps.now()
      return { timers: deps.timers.list().map((t) => describeTimer(t, now)) }
    },
  })
  return [set, cancel, list]
}

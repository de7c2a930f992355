import { z } from 'zod'
import { PendingConfirmationSchema } from '../../tools/types'
import { ReportedSessionSchema } from './desktop'

/**
 * The companion pill: a small always-on-top window that main shows on a hotkey press while the
 * main window is out of sight. It has no microphone and no socket: main sends it everything it
 * shows (the session status the main window reports, push-to-talk, the input level and last line
 * the main window reports, and the tool requests main already holds).
 */

export const CompanionLineSchema = z.object({
  speaker: z.enum(['user', 'agent']),
  text: z.string().max(400),
})
export type CompanionLine = z.infer<typeof CompanionLineSchema>

export const CompanionViewSchema = z.object({
  /** The pill window is on screen. */
  visible: z.boolean(),
  /** compact: state, level and last line; tool: grown to show a tool request. */
  size: z.enum(['compact', 'tool']),
  status: ReportedSessionSchema.shape.status,
  /** The error the session reported (status "error"), in words. */
  error: z.string().max(500).nullable(),
  /** The microphone is sending (push-to-talk held or latched, or always-listening open). */
  capturing: z.boolean(),
  /** Input level 0..1 (already shaped for a meter). */
  level: z.number().min(0).max(1),
  /** The newest transcript line, shortened. */
  line: CompanionLineSchema.nullable(),
  /** Tool calls waiting for the user, oldest first. */
  pending: z.array(PendingConfirmationSchema),
})
export type CompanionView = z.infer<typeof CompanionViewSchema>

export const companionChannels = {
  /** What the pill shows now (the pill asks once on load, then follows companion:view). */
  'companion:view': { input: z.undefined(), output: CompanionViewSchema },
  /** The main window's input level and newest transcript line (the session runs there). */
  'companion:report': {
    input: z.object({ level: z.number().min(0).max(1).optional(), line: CompanionLineSchema.nullable().optional() }),
    output: z.undefined(),
  },
  /** The pill's own buttons: hide it, or bring the main window forward (and hide the pill). */
  'companion:action': { input: z.object({ action: z.enum(['hide', 'open-main']) }), output: z.undefined() },
} as const

export const companionEvents = {
  'companion:view': CompanionViewSchema,
} as const

import { z } from 'zod'
import {
  AuditEntrySchema,
  ConfirmationChoiceSchema,
  PendingConfirmationSchema,
  ToolCallResultSchema,
  ToolCallSchema,
  ToolDescriptorSchema,
} from '../../tools/types'

/** The tool settings as the settings page shows them (with the notes folder actually in use). */
export const ToolSettingsViewSchema = z.object({
  alwaysAllow: z.array(z.string()),
  searchFolders: z.array(z.string()),
  /** null = the default folder. */
  notesFolder: z.string().nullable(),
  /** The folder notes go to right now (the default when notesFolder is null). */
  notesFolderInUse: z.string(),
  confirmTimeoutSeconds: z.number(),
  /** Tools turned off in Settings (the model is not told about them). */
  disabled: z.array(z.string()).default([]),
})
export type ToolSettingsView = z.infer<typeof ToolSettingsViewSchema>

export const TimerViewSchema = z.object({ id: z.string(), label: z.string(), dueAt: z.number(), createdAt: z.number() })
export type TimerView = z.infer<typeof TimerViewSchema>

const toolName = z.string().regex(/^[a-z][a-z0-9_]*$/).max(100)

export const toolsChannels = {
  /** Every tool's descriptor (name, description, risk, JSON Schema parameters). */
  'tools:list': { input: z.undefined(), output: z.array(ToolDescriptorSchema) },
  /**
   * Runs a call the model made. Main applies confirmation (write/external calls wait for
   * tools:decide) and never runs the same callId twice.
   */
  'tools:execute': { input: ToolCallSchema, output: ToolCallResultSchema },
  /** The user's answer on a transcript card. Returns the calls still waiting. */
  'tools:decide': { input: z.object({ callId: z.string().min(1).max(200), choice: ConfirmationChoiceSchema }), output: z.array(PendingConfirmationSchema) },
  'tools:pending': { input: z.undefined(), output: z.array(PendingConfirmationSchema) },
  /** The newest audit log entries, newest first. */
  'tools:audit': { input: z.object({ limit: z.number().int().min(1).max(1000) }), output: z.array(AuditEntrySchema) },
  'tools:settings': { input: z.undefined(), output: ToolSettingsViewSchema },
  'tools:revokeAlwaysAllow': { input: z.object({ name: toolName }), output: ToolSettingsViewSchema },
  /**
   * A tool's permission from the settings window: "ask" (the default; also withdraws an
   * always-allow) or "off". Both only ever lower trust. "Always allow" is not reachable here: it is
   * granted on a confirmation (main-owned), never for tools that reach outside the computer.
   */
  'tools:setPermission': { input: z.object({ name: toolName, permission: z.enum(['ask', 'off']) }), output: ToolSettingsViewSchema },
  /** Opens a native folder picker; the chosen folder becomes searchable. Unchanged if cancelled. */
  'tools:addSearchFolder': { input: z.undefined(), output: ToolSettingsViewSchema },
  'tools:removeSearchFolder': { input: z.object({ path: z.string().min(1).max(4096) }), output: ToolSettingsViewSchema },
  /** Opens a native folder picker for the notes folder. Unchanged if cancelled. */
  'tools:chooseNotesFolder': { input: z.undefined(), output: ToolSettingsViewSchema },
  /** Shows the notes folder in the system file manager (creating it if needed). */
  'tools:openNotesFolder': { input: z.undefined(), output: ToolSettingsViewSchema },
  /** Back to <Documents>/Earshot Notes. */
  'tools:resetNotesFolder': { input: z.undefined(), output: ToolSettingsViewSchema },
  'tools:timers': { input: z.undefined(), output: z.array(TimerViewSchema) },
  'tools:cancelTimer': { input: z.object({ id: z.string().min(1).max(20) }), output: z.array(TimerViewSchema) },
} as const

export const toolsEvents = {
  /** The calls waiting for the user's decision, sent whenever the list changes. */
  'tools:pending': z.array(PendingConfirmationSchema),
  /** A timer came due (late = it was due while Earshot was not running). */
  'tools:timerFired': z.object({ id: z.string(), label: z.string(), late: z.boolean() }),
} as const

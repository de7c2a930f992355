import { z } from 'zod'
import { ToolRiskSchema } from '../../tools/types'

/**
 * Main's own confirmation surface: a small window main creates with its own minimal preload
 * (src/preload/index.ts, told by main that it is the confirmation window) and page (src/renderer/confirm.html). The router accepts `confirm:*`
 * only from that window's webContents (registered at creation) and refuses every other channel
 * from it, so the voice window, which handles model output and is treated as untrusted, can never
 * answer a prompt itself. Every text shown here is main's, never the renderer's.
 */

/** One question main puts to the user: a tool call, or an intent such as opening a link. */
export const ConfirmPromptSchema = z.object({
  id: z.string(),
  kind: z.enum(['tool', 'intent']),
  /** The question as a sentence, announced to screen readers: "Earshot wants to open https://example.com/ in your browser. Allow?" */
  question: z.string(),
  /** Readable fields (the resolved application and its path, the link, the new instructions). */
  details: z.array(z.object({ label: z.string(), value: z.string() })),
  /** The tool's risk; null for intents. */
  risk: ToolRiskSchema.nullable(),
  allowLabel: z.string(),
  denyLabel: z.string(),
  /** Whether "Always allow this tool" is offered (write tools only). */
  alwaysAllowable: z.boolean(),
  /** One line under the question (why always-allow is missing, that a spoken yes works). */
  note: z.string().nullable(),
  /** Epoch ms after which the prompt counts as denied; null = no timeout. */
  expiresAt: z.number().nullable(),
})
export type ConfirmPrompt = z.infer<typeof ConfirmPromptSchema>

export const ConfirmChoiceSchema = z.enum(['allow_once', 'always_allow', 'deny'])
export type ConfirmChoice = z.infer<typeof ConfirmChoiceSchema>

export const confirmChannels = {
  /** The prompts waiting, oldest first (the confirmation window shows the first). */
  'confirm:prompts': { input: z.undefined(), output: z.array(ConfirmPromptSchema) },
  /** The user's answer in the confirmation window. Returns the prompts still waiting. */
  'confirm:answer': { input: z.object({ id: z.string().min(1).max(200), choice: ConfirmChoiceSchema }), output: z.array(ConfirmPromptSchema) },
} as const

export const confirmEvents = {
  'confirm:prompts': z.array(ConfirmPromptSchema),
} as const

/** The argument main gives its confirmation window (webPreferences.additionalArguments): the preload then exposes only window.earshotConfirm. */
export const CONFIRM_SURFACE_ARG = '--earshot-surface=confirm'

/** Channels only the confirmation surface may call (and the only ones it may call). */
export function isConfirmSurfaceChannel(name: string): boolean {
  return name.startsWith('confirm:')
}

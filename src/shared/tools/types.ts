import { z } from 'zod'
import type { ToolResultStatus } from '../s2s/types'

/**
 * Tool descriptors and the shapes that cross IPC. Pure: main builds the registry, the renderer
 * shows cards and settings from these, the CLI prints them.
 */

/** `read` runs at once; `write` (changes something on this machine) and `external` (leaves it) ask first. */
export const TOOL_RISKS = ['read', 'write', 'external'] as const
export const ToolRiskSchema = z.enum(TOOL_RISKS)
export type ToolRisk = z.infer<typeof ToolRiskSchema>

export const TOOL_NAME_PATTERN = /^[a-z][a-z0-9_]*$/

/**
 * Names any tool may have on the wire, built-in or MCP (`<server>__<tool>`): OpenAI's documented
 * function-name rule `^[a-zA-Z0-9_-]{1,64}$`, starting with a letter (AssemblyAI and Speko document none).
 */
export const PROVIDER_TOOL_NAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/

/** What `tools --json` prints and `tools:list` returns: the model-facing declaration plus its risk. */
export const ToolDescriptorSchema = z.object({
  name: z.string().regex(PROVIDER_TOOL_NAME_PATTERN),
  description: z.string(),
  risk: ToolRiskSchema,
  /** JSON Schema without `$schema`: generated from the tool's zod schema, or an MCP tool's inputSchema. */
  parameters: z.record(z.string(), z.unknown()),
  /** `builtin`, or `mcp:<server>` for a tool of MCP server <server>. */
  source: z.string().max(200),
})
export type ToolDescriptor = z.infer<typeof ToolDescriptorSchema>

/** A call the model made. `arguments` may be the parsed object or the raw JSON string. */
export const ToolCallSchema = z.object({
  callId: z.string().min(1).max(200),
  name: z.string().max(200),
  arguments: z.unknown(),
})
export type ToolCall = z.infer<typeof ToolCallSchema>

export const ToolResultStatusSchema = z.enum(['ok', 'error', 'denied'])

/** What goes back to the model: `output` is always a JSON string. */
export const ToolCallResultSchema = z.object({
  output: z.string(),
  status: ToolResultStatusSchema,
})
export interface ToolCallResult {
  output: string
  status: ToolResultStatus
}

/** Stable error codes inside an error result's JSON (`{"error": message, "code": code}`). */
export type ToolErrorCode =
  | 'unknown_tool'
  | 'invalid_arguments'
  | 'denied'
  | 'timeout'
  | 'failed'
  | 'not_available'
  | 'not_found'
  | 'outside_allowed_folders'
  | 'not_configured'

/** The decision an approver hands back. */
export type ApprovalDecision = 'allow' | 'deny'

/** How a decision was reached (kept in the audit log). */
/** `spoken`: a strict spoken "yes" the renderer relayed from the user transcript (write-risk calls only). */
export const DECISION_SOURCES = ['auto', 'always', 'user', 'spoken', 'policy', 'timeout', 'none'] as const
export type DecisionSource = (typeof DECISION_SOURCES)[number]

export interface ApprovalResult {
  decision: ApprovalDecision
  /** Who decided: the user, an always-allow entry, the CLI policy, or the confirmation timeout. */
  via: Exclude<DecisionSource, 'auto'>
}

/** What an approver is shown about a call (arguments already validated). */
export interface ApprovalRequest {
  callId: string
  name: string
  risk: ToolRisk
  description: string
  arguments: Record<string, unknown>
  /** `mcp:<server>` for an MCP tool (the card names the server); absent for built-in tools. */
  source?: string
  /** False: no "Always allow" for this tool (destructive MCP tools). */
  allowAlways?: boolean
  /**
   * Whether "Always allow" may be offered for this call: only `write` tools that do not ask every
   * time. Never for `external` tools (a remembered "yes" would let any later call leave the
   * machine unasked) nor for sensitive reads such as the clipboard.
   */
  alwaysAllowable?: boolean
  /** Lines main shows on its confirmation surface besides the summary (the resolved app and its path). */
  details?: Array<{ label: string; value: string }>
}

/** The user's answer on a transcript card. */
export const CONFIRMATION_CHOICES = ['allow_once', 'always_allow', 'deny'] as const
export const ConfirmationChoiceSchema = z.enum(CONFIRMATION_CHOICES)
export type ConfirmationChoice = z.infer<typeof ConfirmationChoiceSchema>

/** A write/external call waiting for the user. */
export const PendingConfirmationSchema = z.object({
  callId: z.string(),
  name: z.string(),
  risk: ToolRiskSchema,
  /** One human sentence: what will happen if the user allows it. */
  summary: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  /** Epoch ms. */
  requestedAt: z.number(),
  /** Epoch ms after which the call denies itself. */
  expiresAt: z.number(),
  /** `mcp:<server>` for an MCP tool: the card names the server. */
  source: z.string().optional(),
  /** False: the card offers no "Always allow" (a destructive MCP tool). */
  allowAlways: z.boolean().optional(),
  /** Whether main's confirmation surface offers "Always allow" for this call. */
  alwaysAllowable: z.boolean().optional(),
})
export type PendingConfirmation = z.infer<typeof PendingConfirmationSchema>

/** One line of the audit log. */
export const AuditEntrySchema = z.object({
  time: z.string(),
  callId: z.string(),
  tool: z.string(),
  risk: ToolRiskSchema.nullable(),
  /** Arguments with secrets redacted and long text shortened; null when they did not parse. */
  arguments: z.unknown(),
  decision: z.enum(['allowed', 'denied', 'not_asked']),
  decidedBy: z.enum(DECISION_SOURCES),
  outcome: ToolResultStatusSchema,
  /** The error message for error and denied outcomes. */
  error: z.string().optional(),
  durationMs: z.number(),
})
export type AuditEntry = z.infer<typeof AuditEntrySchema>

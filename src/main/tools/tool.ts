import { z } from 'zod'
import type { ToolDescriptor, ToolErrorCode, ToolRisk } from '../../shared/tools/types'

/** What a running tool gets besides its arguments. */
export interface ToolRunContext {
  /** Aborted when the tool's timeout passes; long-running tools stop early when they see it. */
  signal: AbortSignal
  /** The model's call id (MCP tools report progress under it). */
  callId?: string
  /** What `prepare` resolved before the user was asked (undefined for tools without one). */
  prepared?: unknown
}

/**
 * One native tool. `schema` is a zod object schema: it validates the model's arguments and is the
 * source of the JSON Schema every provider receives. `run` returns a JSON-able object (the result
 * the model reads) or throws a ToolError with a message the model can say out loud.
 */
export interface ToolDefinition<S extends z.ZodType = z.ZodType> {
  name: string
  description: string
  risk: ToolRisk
  timeoutMs: number
  schema: S
  /** Asks before every call even though it only reads (the clipboard); never always-allowed. */
  askEveryTime?: boolean
  /**
   * Resolves what the call will act on before the user is asked (the application to launch), so
   * the confirmation shows exactly that. Its result reaches summarize, details and run.
   */
  prepare?: (args: z.output<S>, context: { signal: AbortSignal }) => Promise<unknown>
  /** One sentence for the confirmation card: what happens if the user allows this call. */
  summarize?: (args: z.output<S>, prepared?: unknown) => string
  /** Readable fields for main's confirmation window (the resolved name and path). */
  details?: (args: z.output<S>, prepared?: unknown) => Array<{ label: string; value: string }>
  run: (args: z.output<S>, context: ToolRunContext) => Promise<Record<string, unknown>> | Record<string, unknown>
  /** Where the tool comes from: `builtin` (the default) or `mcp:<server>`. */
  source?: string
  /** The JSON Schema providers receive, when it is not generated from `schema` (MCP tools). */
  parameters?: Record<string, unknown>
  /** False: the confirmation card offers no "Always allow" (destructive MCP tools). Default true. */
  allowAlways?: boolean
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTool = ToolDefinition<z.ZodType<any, any>>

export function defineTool<S extends z.ZodType>(tool: ToolDefinition<S>): ToolDefinition<S> {
  return tool
}

/** An expected failure with a stable code and a sentence the agent can explain to the user. */
export class ToolError extends Error {
  constructor(
    readonly code: ToolErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'ToolError'
  }
}

/** The JSON Schema a provider receives: input-side (defaults are optional), without `$schema`. */
export function parametersOf(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  delete json.$schema
  return json
}

export function describeTool(tool: AnyTool): ToolDescriptor {
  return {
    name: tool.name,
    description: tool.description,
    risk: tool.risk,
    parameters: tool.parameters ? structuredClone(tool.parameters) : parametersOf(tool.schema),
    source: tool.source ?? 'builtin',
  }
}

/** One MCP tool as an Earshot tool: same executor, confirmation, audit log and timeout as the built-ins. */
import { z } from 'zod'
import type { AnyTool } from '../tools/tool'
import { ToolError } from '../tools/tool'
import type { McpRisk, ToolAnnotationsLike } from './risk'
import { renderCallResult, resultObject } from './results'
import { describeSchemaErrors, type SchemaCheck } from './schema'

/** A tool as its server listed it, with its schema checked and compiled. */
export interface ListedTool {
  tool: string
  title?: string
  description: string
  annotations: ToolAnnotationsLike | undefined
  schema: Extract<SchemaCheck, { ok: true }>
}

/** Longest description sent to the model for one tool. */
export const MAX_DESCRIPTION_CHARS = 1024

export interface BuildOptions {
  name: string
  server: string
  listed: ListedTool
  risk: McpRisk
  timeoutMs: number
  call: (args: Record<string, unknown>, context: { signal: AbortSignal; callId?: string }) => Promise<unknown>
}

export function buildMcpTool({ name, server, listed, risk, timeoutMs, call }: BuildOptions): AnyTool {
  const validate = listed.schema.validate
  // The executor validates with zod; this zod schema defers to Ajv on the tool's own JSON Schema.
  const schema = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    if (!validate(value)) ctx.addIssue({ code: 'custom', message: describeSchemaErrors(validate.errors) })
  })
  const description = (listed.description || listed.title || `${listed.tool} from the MCP server ${server}.`).slice(0, MAX_DESCRIPTION_CHARS)
  return {
    name,
    description,
    risk: risk.risk,
    timeoutMs,
    schema,
    source: `mcp:${server}`,
    parameters: listed.schema.parameters,
    allowAlways: risk.allowAlways,
    // The card shows the arguments next to this sentence; main's confirmation window asks
    // "Earshot wants to <this>. Allow?", so it is a phrase Earshot does, naming the server.
    summarize: () => `Run ${listed.title ?? listed.tool} from the MCP server ${server}${risk.destructive ? ' (it may change or delete things)' : ''}.`,
    run: async (args, context) => {
      const result = await call(args, { signal: context.signal, ...(context.callId ? { callId: context.callId } : {}) })
      const view = renderCallResult(result)
      if (view.isError) {
        const text = view.text.trim() || view.attachments.join(' ') || 'no details'
        throw new ToolError('failed', `${server} reported an error from ${listed.tool}: ${text.slice(0, 2000)}`)
      }
      return resultObject(view)
    },
  }
}

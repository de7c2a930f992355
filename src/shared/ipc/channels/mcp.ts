import { z } from 'zod'
import { McpHttpServerSchema, McpProgressSchema, McpServerNameSchema, McpServerStateSchema, McpStdioServerSchema } from '../../mcp/types'
import { PROVIDER_TOOL_NAME_PATTERN, ToolDescriptorSchema, ToolRiskSchema } from '../../tools/types'

/**
 * MCP servers. Adding, changing or importing a server (a command Earshot will run, or a URL it
 * will send a token to) and lowering a tool's risk are proposed by the renderer and decided by the
 * user in a main-process dialog; a declined proposal changes nothing and fails with 'cancelled'.
 * Bearer tokens go in, never out: states say only whether one is stored.
 */

/** A server as the settings form proposes it (no `enabled`: new servers start enabled). */
export const McpServerProposalSchema = z.discriminatedUnion('transport', [McpStdioServerSchema.omit({ enabled: true }), McpHttpServerSchema.omit({ enabled: true })])

const tokenSchema = z.string().trim().min(1).max(10_000)

export const McpImportResultSchema = z.object({
  servers: z.array(McpServerStateSchema),
  /** Names of the servers added (empty when cancelled). */
  added: z.array(z.string()),
  /** Entries that could not be imported, with the reason; servers whose name is already taken. */
  problems: z.array(z.string()),
})

export const mcpChannels = {
  /** Every configured server with its state, stderr tail and tools. */
  'mcp:servers': { input: z.undefined(), output: z.array(McpServerStateSchema) },
  /** Proposes a new server; main asks the user in a dialog. `token`: HTTP servers' bearer token. */
  'mcp:add': { input: z.object({ server: McpServerProposalSchema, token: tokenSchema.optional() }), output: z.array(McpServerStateSchema) },
  /** Proposes a change to server `name` (may rename it); main asks the user. token: undefined keeps, null clears. */
  'mcp:update': {
    input: z.object({ name: McpServerNameSchema, server: McpServerProposalSchema, token: tokenSchema.nullable().optional() }),
    output: z.array(McpServerStateSchema),
  },
  'mcp:setEnabled': { input: z.object({ name: McpServerNameSchema, enabled: z.boolean() }), output: z.array(McpServerStateSchema) },
  'mcp:remove': { input: z.object({ name: McpServerNameSchema }), output: z.array(McpServerStateSchema) },
  'mcp:restart': { input: z.object({ name: McpServerNameSchema }), output: z.array(McpServerStateSchema) },
  /** Opens a file picker for a Claude Desktop claude_desktop_config.json and asks before adding its servers. */
  'mcp:import': { input: z.undefined(), output: McpImportResultSchema },
  /** The user's risk for one MCP tool (null: back to its annotations). Lowering it asks first. */
  'mcp:setRisk': {
    input: z.object({ tool: z.string().regex(PROVIDER_TOOL_NAME_PATTERN), risk: ToolRiskSchema.nullable() }),
    output: z.array(McpServerStateSchema),
  },
} as const

export const mcpEvents = {
  /** Server states whenever one changes. */
  'mcp:servers': z.array(McpServerStateSchema),
  /** Progress of a running MCP call, for its tool card. */
  'mcp:progress': McpProgressSchema,
  /**
   * The tool list changed (an MCP server started, stopped or changed its tools): every tool's
   * descriptor. The renderer's conversation passes them to S2SSession.updateTools.
   */
  'mcp:toolsChanged': z.array(ToolDescriptorSchema),
} as const

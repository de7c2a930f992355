import { z } from 'zod'
import { ToolRiskSchema } from '../tools/types'

/**
 * MCP servers: their configuration (kept in settings, changed only through main's confirmed flows),
 * their state as the settings page shows it, and the Claude Desktop `claude_desktop_config.json`
 * format (`{"mcpServers": {NAME: {command, args, env, cwd} | {url}}}`) Earshot imports.
 */

/** Server names as the user sees them (the tool-name prefix is derived from it). */
export const McpServerNameSchema = z
  .string()
  .trim()
  .min(1, 'A server needs a name.')
  .max(64, 'A server name has at most 64 characters.')
  .refine((name) => ![...name].some((c) => c.charCodeAt(0) < 32), 'A server name cannot contain control characters.')

const EnvSchema = z.record(z.string().min(1).max(200), z.string().max(10_000))

export const McpStdioServerSchema = z.strictObject({
  name: McpServerNameSchema,
  enabled: z.boolean().default(true),
  transport: z.literal('stdio'),
  command: z.string().trim().min(1, 'A stdio server needs a command.').max(4096),
  args: z.array(z.string().max(10_000)).max(200).default([]),
  env: EnvSchema.default({}),
  /** Working directory; null = Earshot's own. */
  cwd: z.string().min(1).max(4096).nullable().default(null),
})

export const McpHttpServerSchema = z.strictObject({
  name: McpServerNameSchema,
  enabled: z.boolean().default(true),
  transport: z.literal('http'),
  /** Streamable HTTP endpoint. The bearer token (if any) is kept with the keys, never here. */
  url: z
    .string()
    .max(4096)
    .refine((u) => {
      try {
        const p = new URL(u).protocol
        return p === 'http:' || p === 'https:'
      } catch {
        return false
      }
    }, 'The URL must be an http:// or https:// address.'),
})

export const McpServerConfigSchema = z.discriminatedUnion('transport', [McpStdioServerSchema, McpHttpServerSchema])
export type McpServerConfig = z.infer<typeof McpServerConfigSchema>
export type McpServerConfigInput = z.input<typeof McpServerConfigSchema>

export const MCP_SERVER_STATUSES = ['disabled', 'starting', 'running', 'failed', 'restarting', 'stopped'] as const
export const McpServerStatusSchema = z.enum(MCP_SERVER_STATUSES)
export type McpServerStatus = z.infer<typeof McpServerStatusSchema>

export const McpToolViewSchema = z.object({
  /** Provider-facing name (`<server>__<tool>`). */
  name: z.string(),
  /** The tool's own name on its server. */
  tool: z.string(),
  title: z.string().optional(),
  description: z.string(),
  risk: ToolRiskSchema,
  /** The risk its annotations give (before the user's override). */
  annotatedRisk: ToolRiskSchema,
  overridden: z.boolean(),
  allowAlways: z.boolean(),
})
export type McpToolView = z.infer<typeof McpToolViewSchema>

export const McpServerStateSchema = z.object({
  name: z.string(),
  transport: z.enum(['stdio', 'http']),
  enabled: z.boolean(),
  status: McpServerStatusSchema,
  /** What went wrong, in one sentence (null when running). */
  error: z.string().nullable(),
  /** The last lines the server wrote to stderr (stdio servers). */
  stderrTail: z.string(),
  tools: z.array(McpToolViewSchema),
  /** Tools left out, with the reason (e.g. a schema a provider cannot take). */
  skipped: z.array(z.object({ tool: z.string(), reason: z.string() })),
  restarts: z.number(),
  /** Summary for the list: the command line or the URL (never a token). */
  target: z.string(),
  /** HTTP servers: a bearer token is stored. */
  hasToken: z.boolean(),
})
export type McpServerState = z.infer<typeof McpServerStateSchema>

/** Progress a running MCP call reported (`notifications/progress`), for the tool card. */
export const McpProgressSchema = z.object({
  callId: z.string(),
  name: z.string(),
  server: z.string(),
  progress: z.number(),
  total: z.number().optional(),
  message: z.string().optional(),
})
export type McpProgress = z.infer<typeof McpProgressSchema>

const ClaudeServerSchema = z.looseObject({
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
  url: z.string().optional(),
  type: z.string().optional(),
  disabled: z.boolean().optional(),
})

export interface ImportedServers {
  servers: McpServerConfig[]
  /** Entries that could not be imported, with the reason. */
  problems: string[]
}

/** Parses Claude Desktop's `claude_desktop_config.json` (text) into server configurations. */
export function parseClaudeDesktopConfig(text: string): ImportedServers {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new Error(`The file is not valid JSON (${(error as Error).message}).`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('The file is not a JSON object.')
  const map = (json as Record<string, unknown>).mcpServers
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new Error('The file has no "mcpServers" object.')
  const servers: McpServerConfig[] = []
  const problems: string[] = []
  for (const [name, raw] of Object.entries(map as Record<string, unknown>)) {
    const entry = ClaudeServerSchema.safeParse(raw)
    if (!entry.success) {
      problems.push(`${name}: not a server entry.`)
      continue
    }
    const e = entry.data
    const candidate =
      typeof e.url === 'string' && !e.command
        ? { name, enabled: e.disabled !== true, transport: 'http' as const, url: e.url }
        : { name, enabled: e.disabled !== true, transport: 'stdio' as const, command: e.command ?? '', args: e.args ?? [], env: e.env ?? {}, cwd: e.cwd ?? null }
    const parsed = McpServerConfigSchema.safeParse(candidate)
    if (!parsed.success) {
      problems.push(`${name}: ${parsed.error.issues.map((i) => i.message).join('; ')}`)
      continue
    }
    if (servers.some((s) => s.name === parsed.data.name)) {
      problems.push(`${name}: a second server with this name.`)
      continue
    }
    servers.push(parsed.data)
  }
  return { servers, problems }
}

/** One line for the settings list and confirmation dialogs: the command line or the URL. */
export function describeServerTarget(server: McpServerConfig): string {
  if (server.transport === 'http') return server.url
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))
  return [server.command, ...server.args].map(quote).join(' ')
}

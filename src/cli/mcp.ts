/**
 * `--mcp-config FILE` for the CLI: starts the file's MCP servers and puts their tools in the tool
 * registry. A server that fails is reported in one line each and left out; the others work.
 */
import { createMcpManager } from '../main/mcp/kit'
import type { McpManager } from '../main/mcp/manager'
import { loadMcpConfigFile } from '../main/mcp/config-file'
import type { ToolRegistry } from '../main/tools/registry'

export interface CliMcp {
  manager: McpManager
  /** One sentence per server that is not running and per entry that could not be read. */
  problems: string[]
  stop(): Promise<void>
}

export class McpConfigError extends Error {}

export async function startCliMcp(path: string, registry: ToolRegistry, log?: (line: string) => void): Promise<CliMcp> {
  let loaded
  try {
    loaded = await loadMcpConfigFile(path)
  } catch (error) {
    throw new McpConfigError(`--mcp-config: ${(error as Error).message}`)
  }
  const listTimeoutMs = Number(process.env.EARSHOT_MCP_LIST_TIMEOUT_MS) || undefined
  const manager = createMcpManager(registry, {
    ...(log ? { log } : {}),
    startTimeoutMs: Number(process.env.EARSHOT_MCP_START_TIMEOUT_MS) || 20_000,
    ...(listTimeoutMs ? { listTimeoutMs } : {}),
  })
  await manager.configure(loaded.servers)
  const problems = [...loaded.problems.map((p) => `MCP server ${p}`)]
  for (const state of manager.states()) {
    if (state.status !== 'running' && state.status !== 'disabled') {
      const tail = state.stderrTail.trim().split('\n').slice(-3).join(' | ')
      problems.push(`MCP server ${state.error ?? `${state.name} is ${state.status}`}${tail && !(state.error ?? '').includes(tail) ? ` [stderr: ${tail.slice(0, 300)}]` : ''}`)
    }
    for (const skipped of state.skipped) problems.push(`MCP tool ${state.name}/${skipped.tool} left out: ${skipped.reason}.`)
  }
  return { manager, problems, stop: () => manager.stopAll() }
}

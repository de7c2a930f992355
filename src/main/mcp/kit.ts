import type { ToolRegistry } from '../tools/registry'
import { McpManager, type McpManagerOptions, type ToolGroupSink } from './manager'

/** The registry's dynamic groups as the manager's sink (built-in names are never given away). */
export function registrySink(registry: ToolRegistry): ToolGroupSink {
  return {
    setGroup: (group, tools) => registry.setGroup(group, tools),
    fixedNames: () => registry.tools.filter((t) => (t.source ?? 'builtin') === 'builtin').map((t) => t.name),
  }
}

/** An MCP manager that puts its servers' tools into `registry`. */
export function createMcpManager(registry: ToolRegistry, options: Omit<McpManagerOptions, 'sink'> = {}): McpManager {
  return new McpManager({ ...options, sink: registrySink(registry) })
}

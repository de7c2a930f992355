/**
 * The tools' public surface for the CLI and main: build a registry and an executor on a host.
 *
 *   const tools = createNodeTools()
 *   tools.describeTools()                      // [{name, description, risk, parameters}]
 *   await tools.executeToolCall({callId, name, arguments}, approvalPolicy('read-only'))
 */
import type { ToolDescriptor } from '../../shared/tools/types'
import { createToolExecutor, type AuditSink, type ExecuteOptions, type ToolExecutor } from './executor'
import type { ToolHost } from './host'
import { createNodeToolHost, type NodeHostOptions } from './node-host'
import { createDefaultTools, createToolRegistry, type ToolRegistry } from './registry'

export { approvalPolicy, type ApprovalMode, isApprovalMode } from '../../shared/tools/policy'
export { toOpenAITools, toAssemblyAITools, toSpekoTools, toProviderTools } from '../../shared/tools/formats'
export type { ExecuteOptions, ToolExecutor, AuditSink } from './executor'
export type { ToolRegistry } from './registry'

export interface ToolKit extends ToolExecutor {
  registry: ToolRegistry
  host: ToolHost
  describeTools(): ToolDescriptor[]
  dispose(): void
}

export interface ToolKitOptions {
  host: ToolHost
  audit?: AuditSink
  log?: (line: string) => void
}

export function createToolKit(options: ToolKitOptions): ToolKit {
  const tools = createDefaultTools({ host: options.host })
  const registry = createToolRegistry(tools)
  const executor = createToolExecutor({ registry, audit: options.audit, log: options.log })
  return {
    registry,
    host: options.host,
    describeTools: () => registry.describe(),
    executeToolCall: (call, execOptions?: ExecuteOptions) => executor.executeToolCall(call, execOptions),
    dispose: () => {},
  }
}

/** The tool kit on plain Node (the CLI): no Electron anywhere. */
export function createNodeTools(options: NodeHostOptions & { audit?: AuditSink; log?: (line: string) => void } = {}): ToolKit {
  return createToolKit({ host: createNodeToolHost(options), audit: options.audit, log: options.log })
}

/** The descriptors of Earshot's tools as the CLI prints them (`tools --json`). */
export function describeTools(): ToolDescriptor[] {
  const kit = createNodeTools()
  const list = kit.describeTools()
  kit.dispose()
  return list
}

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
import { join } from 'node:path'
import type { SystemProbe } from './impl/system-info'
import { createDefaultTools, createToolRegistry, type ToolRegistry } from './registry'
import { TimerService, type Scheduler } from './timers'

export { approvalPolicy, type ApprovalMode, isApprovalMode } from '../../shared/tools/policy'
export { toOpenAITools, toAssemblyAITools, toSpekoTools, toProviderTools } from '../../shared/tools/formats'
export type { ExecuteOptions, ToolExecutor, AuditSink } from './executor'
export type { ToolRegistry } from './registry'

export interface ToolKit extends ToolExecutor {
  registry: ToolRegistry
  host: ToolHost
  timers: TimerService
  describeTools(): ToolDescriptor[]
  dispose(): void
}

export interface ToolKitOptions {
  host: ToolHost
  audit?: AuditSink
  log?: (line: string) => void
  scheduler?: Scheduler
  probe?: SystemProbe
}

export function createToolKit(options: ToolKitOptions): ToolKit {
  const { host } = options
  const timers = new TimerService({
    notify: host.notify,
    file: host.dataDir ? join(host.dataDir, 'timers.json') : null,
    scheduler: options.scheduler,
    log: options.log,
  })
  const registry = createToolRegistry(createDefaultTools({ host, timers, probe: options.probe }))
  const executor = createToolExecutor({ registry, audit: options.audit, log: options.log })
  return {
    registry,
    host,
    timers,
    describeTools: () => registry.describe(),
    executeToolCall: (call, execOptions?: ExecuteOptions) => executor.executeToolCall(call, execOptions),
    dispose: () => timers.dispose(),
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

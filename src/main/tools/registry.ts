import type { ToolDeclaration } from '../../shared/s2s/types'
import { toDeclaration } from '../../shared/tools/formats'
import { TOOL_NAME_PATTERN, type ToolDescriptor } from '../../shared/tools/types'
import type { ToolHost } from './host'
import { createTimeTool } from './impl/time'
import { describeTool, type AnyTool } from './tool'

export interface ToolRegistry {
  readonly tools: readonly AnyTool[]
  get(name: string): AnyTool | undefined
  /** `{name, description, risk, parameters}` for every tool (the CLI's `tools --json`, `tools:list`). */
  describe(): ToolDescriptor[]
  /** What the session sends the model (convert with src/shared/tools/formats for each provider). */
  declarations(): ToolDeclaration[]
}

export function createToolRegistry(tools: readonly AnyTool[]): ToolRegistry {
  const byName = new Map<string, AnyTool>()
  for (const tool of tools) {
    if (!TOOL_NAME_PATTERN.test(tool.name)) throw new Error(`Tool name ${tool.name} is not snake_case.`)
    if (byName.has(tool.name)) throw new Error(`Two tools are called ${tool.name}.`)
    if (!(tool.timeoutMs > 0)) throw new Error(`Tool ${tool.name} has no timeout.`)
    byName.set(tool.name, tool)
  }
  const descriptors = tools.map(describeTool)
  return {
    tools,
    get: (name) => byName.get(name),
    describe: () => structuredClone(descriptors),
    declarations: () => descriptors.map((d) => toDeclaration(structuredClone(d))),
  }
}

/** Extra services some tools share with the rest of main (the timer service lives longer than a call). */
export interface DefaultToolsOptions {
  host: ToolHost
}

/** Earshot's tool set, built on a host. */
export function createDefaultTools({ host }: DefaultToolsOptions): AnyTool[] {
  return [createTimeTool({ now: host.now })]
}

import type { ToolDeclaration } from '../../shared/s2s/types'
import { toDeclaration } from '../../shared/tools/formats'
import { TOOL_NAME_PATTERN, type ToolDescriptor } from '../../shared/tools/types'
import type { ToolHost } from './host'
import { createClipboardTools } from './impl/clipboard'
import { createLaunchAppTool } from './impl/launch-app'
import { createNotesTools } from './impl/notes'
import { createOpenUrlTool } from './impl/open-url'
import { createSearchFilesTool } from './impl/search-files'
import { createSystemInfoTool, nodeSystemProbe, type SystemProbe } from './impl/system-info'
import { createTimeTool } from './impl/time'
import { createTimerTools } from './impl/timer-tools'
import type { TimerService } from './timers'
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
  timers: TimerService
  /** What system_info reads (Node's os module and the platform's battery reader unless given). */
  probe?: SystemProbe
}

/** Earshot's tool set, built on a host. */
export function createDefaultTools({ host, timers, probe }: DefaultToolsOptions): AnyTool[] {
  return [
    createTimeTool({ now: host.now }),
    createOpenUrlTool({ openExternal: host.openExternal }),
    createLaunchAppTool({ platform: host.platform, env: host.env, homeDir: host.homeDir, runCommand: host.runCommand, launchDetached: host.launchDetached }),
    ...createClipboardTools({ clipboard: host.clipboard }),
    ...createNotesTools({ settings: host.settings, documentsDir: host.documentsDir, now: host.now }),
    ...createTimerTools({ timers, now: () => host.now().getTime() }),
    createSystemInfoTool(probe ?? nodeSystemProbe(host.platform, host.runCommand)),
    createSearchFilesTool({ settings: host.settings, now: () => host.now().getTime() }),
  ]
}

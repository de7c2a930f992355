import type { ToolDeclaration } from '../../shared/s2s/types'
import { toDeclaration } from '../../shared/tools/formats'
import { PROVIDER_TOOL_NAME_PATTERN, TOOL_NAME_PATTERN, type ToolDescriptor } from '../../shared/tools/types'
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
  /** Every tool now: the fixed ones first, then each dynamic group's (MCP servers'). */
  readonly tools: readonly AnyTool[]
  get(name: string): AnyTool | undefined
  /** `{name, description, risk, parameters, source}` for every tool (the CLI's `tools --json`, `tools:list`). */
  describe(): ToolDescriptor[]
  /** What the session sends the model (convert with src/shared/tools/formats for each provider). */
  declarations(): ToolDeclaration[]
  /**
   * Replaces the tools of one dynamic group (an MCP server's). Tools whose name is not provider-legal,
   * taken by another tool, or without a timeout are left out and returned with the reason; the rest
   * are in at once (the executor looks tools up per call). Listeners hear about every change.
   */
  setGroup(group: string, tools: readonly AnyTool[]): { rejected: { name: string; reason: string }[] }
  /** Called after the tool list changed (a group was set or removed). */
  onChange(listener: () => void): () => void
}

function checkFixed(tool: AnyTool, byName: Map<string, AnyTool>): void {
  if (!TOOL_NAME_PATTERN.test(tool.name)) throw new Error(`Tool name ${tool.name} is not snake_case.`)
  if (byName.has(tool.name)) throw new Error(`Two tools are called ${tool.name}.`)
  if (!(tool.timeoutMs > 0)) throw new Error(`Tool ${tool.name} has no timeout.`)
}

export function createToolRegistry(fixed: readonly AnyTool[]): ToolRegistry {
  const fixedByName = new Map<string, AnyTool>()
  for (const tool of fixed) {
    checkFixed(tool, fixedByName)
    fixedByName.set(tool.name, tool)
  }
  const fixedDescriptors = fixed.map(describeTool)
  const groups = new Map<string, { tools: AnyTool[]; descriptors: ToolDescriptor[] }>()
  const listeners = new Set<() => void>()
  let all: AnyTool[] = [...fixed]
  let byName = new Map(fixedByName)

  const rebuild = () => {
    all = [...fixed]
    byName = new Map(fixedByName)
    for (const group of groups.values()) {
      for (const tool of group.tools) {
        all.push(tool)
        byName.set(tool.name, tool)
      }
    }
  }
  const descriptors = () => [...fixedDescriptors, ...[...groups.values()].flatMap((g) => g.descriptors)]

  return {
    get tools() {
      return all
    },
    get: (name) => byName.get(name),
    describe: () => structuredClone(descriptors()),
    declarations: () => descriptors().map((d) => toDeclaration(structuredClone(d))),
    setGroup(group, tools) {
      const rejected: { name: string; reason: string }[] = []
      const taken = new Set<string>(fixedByName.keys())
      for (const [name, other] of groups) if (name !== group) for (const t of other.tools) taken.add(t.name)
      const accepted: AnyTool[] = []
      for (const tool of tools) {
        if (!PROVIDER_TOOL_NAME_PATTERN.test(tool.name)) rejected.push({ name: tool.name, reason: 'its name is not one every provider accepts' })
        else if (taken.has(tool.name)) rejected.push({ name: tool.name, reason: 'another tool already has this name' })
        else if (!(tool.timeoutMs > 0)) rejected.push({ name: tool.name, reason: 'it has no timeout' })
        else {
          taken.add(tool.name)
          accepted.push(tool)
        }
      }
      if (accepted.length === 0) groups.delete(group)
      else groups.set(group, { tools: accepted, descriptors: accepted.map(describeTool) })
      rebuild()
      for (const listener of [...listeners]) {
        try {
          listener()
        } catch {
          /* a listener must not break the registry */
        }
      }
      return { rejected }
    },
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
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

/**
 * MCP in the app: the manager on the app's tool registry, the servers from settings (started on
 * launch, restarted when settings change), tokens in the key store, and the IPC handlers. Every
 * change that makes Earshot run a command, talk to a new URL, or ask less before a tool runs is
 * put to the user in a main-process dialog (the ConfirmPort) first.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { EventName, EventPayload } from '../../shared/ipc/contract'
import { IpcFailure } from '../../shared/ipc/envelope'
import { describeServerTarget, type McpServerConfig, type McpServerState } from '../../shared/mcp/types'
import type { Settings } from '../../shared/settings/schema'
import type { ToolRisk } from '../../shared/tools/types'
import type { PartialHandlers } from '../ipc/router'
import type { ToolRegistry } from '../tools/registry'
import { loadMcpConfigFile } from './config-file'
import { createMcpManager } from './kit'
import type { McpManager, McpManagerOptions } from './manager'
import type { McpTokenStore } from './tokens'

export type McpChannel = 'mcp:servers' | 'mcp:add' | 'mcp:update' | 'mcp:setEnabled' | 'mcp:remove' | 'mcp:restart' | 'mcp:import' | 'mcp:setRisk'

export interface ConfirmRequest {
  title: string
  message: string
  /** The exact command line or URL, env names, ... */
  detail: string
  confirmLabel: string
}

/** A main-process yes/no dialog (Electron's dialog.showMessageBox in the app). */
export type ConfirmPort = (request: ConfirmRequest) => Promise<boolean>

/** A native open-file dialog; resolves null when cancelled. */
export type PickFile = (options: { title: string; defaultPath?: string; filters: { name: string; extensions: string[] }[] }) => Promise<string | null>

export interface McpSettingsPort {
  get(): Settings
  update(patch: Record<string, unknown>): Settings
  onChange(listener: (settings: Settings) => void): () => void
}

export interface McpDomainDeps {
  registry: ToolRegistry
  settings: McpSettingsPort
  tokens: McpTokenStore
  confirm?: ConfirmPort
  pickFile?: PickFile
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void
  log?: (line: string) => void
  platform?: NodeJS.Platform
  env?: Readonly<Record<string, string | undefined>>
  /** Manager overrides (tests: transports, timers, timeouts). */
  manager?: Partial<Omit<McpManagerOptions, 'sink'>>
}

export interface McpService {
  manager: McpManager
  /** Starts the configured servers (on launch); resolves when every start settled. */
  start(): Promise<void>
  states(): McpServerState[]
  dispose(): Promise<void>
}

/** Where Claude Desktop keeps its config on each platform (the import dialog opens there). */
export function claudeDesktopConfigPath(platform: NodeJS.Platform, env: Readonly<Record<string, string | undefined>>, home = homedir()): string {
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json')
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Claude', 'claude_desktop_config.json')
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Claude', 'claude_desktop_config.json')
}

function describeForDialog(server: McpServerConfig): string {
  if (server.transport === 'http') return `URL: ${server.url}`
  const lines = [`Command: ${describeServerTarget(server)}`]
  if (server.cwd) lines.push(`Working folder: ${server.cwd}`)
  const env = Object.keys(server.env)
  if (env.length) lines.push(`Environment: ${env.join(', ')}`)
  return lines.join('\n')
}

export function createMcpDomain(deps: McpDomainDeps): { service: McpService; handlers: PartialHandlers<McpChannel> } {
  const log = deps.log ?? (() => {})
  const mcpSettings = () => deps.settings.get().mcp
  const overrides = (): Record<string, ToolRisk> => Object.fromEntries(mcpSettings().riskOverrides.map((o) => [o.tool, o.risk]))
  const manager = createMcpManager(deps.registry, {
    log,
    token: (name) => deps.tokens.get(name),
    riskOverrides: overrides,
    onStates: (states) => deps.emit('mcp:servers', states),
    onProgress: (progress) => deps.emit('mcp:progress', progress),
    ...deps.manager,
  })
  const unsubscribeRegistry = deps.registry.onChange(() => deps.emit('mcp:toolsChanged', deps.registry.describe()))

  let applied = JSON.stringify(mcpSettings().servers)
  let appliedRisks = JSON.stringify(mcpSettings().riskOverrides)
  let started = false
  const unsubscribeSettings = deps.settings.onChange((settings) => {
    if (!started) return
    const servers = JSON.stringify(settings.mcp.servers)
    const risks = JSON.stringify(settings.mcp.riskOverrides)
    if (servers !== applied) {
      applied = servers
      void manager.configure(settings.mcp.servers)
    }
    if (risks !== appliedRisks) {
      appliedRisks = risks
      manager.refreshRisks()
    }
  })

  const confirm = async (request: ConfirmRequest): Promise<void> => {
    if (!deps.confirm) throw new IpcFailure('unavailable', 'Confirming a change to MCP servers is not available here.')
    let yes = false
    try {
      yes = await deps.confirm(request)
    } catch (error) {
      log(`mcp: confirmation failed: ${(error as Error).message}`)
    }
    if (!yes) throw new IpcFailure('cancelled', 'Nothing was changed.')
  }

  const servers = () => mcpSettings().servers
  const find = (name: string) => {
    const server = servers().find((s) => s.name === name)
    if (!server) throw new IpcFailure('not_found', `There is no MCP server called ${name}.`)
    return server
  }
  const save = (next: McpServerConfig[]) => {
    deps.settings.update({ mcp: { servers: next } })
  }
  const states = () => manager.states()
  /** The states once the manager applied the settings (configure is idempotent). */
  const settled = async () => {
    await manager.configure(servers())
    applied = JSON.stringify(servers())
    return states()
  }

  const service: McpService = {
    manager,
    start: async () => {
      started = true
      applied = JSON.stringify(servers())
      await manager.configure(servers())
    },
    states,
    dispose: async () => {
      unsubscribeSettings()
      unsubscribeRegistry()
      await manager.stopAll()
    },
  }

  const handlers: PartialHandlers<McpChannel> = {
    'mcp:servers': () => states(),
    'mcp:add': async ({ server, token }) => {
      if (servers().some((s) => s.name === server.name)) throw new IpcFailure('invalid_input', `There is already an MCP server called ${server.name}.`)
      if (servers().length >= 50) throw new IpcFailure('invalid_input', 'Earshot can keep at most 50 MCP servers. Remove one first.')
      const config = { ...server, enabled: true } as McpServerConfig
      await confirm({
        title: 'Add an MCP server?',
        message: config.transport === 'stdio' ? `Earshot will run this program as "${config.name}" and let the voice agent use its tools.` : `Earshot will connect to this server as "${config.name}" and let the voice agent use its tools.`,
        detail: `${describeForDialog(config)}${token ? '\nA bearer token will be sent with every request.' : ''}\n\nOnly add servers you trust.`,
        confirmLabel: 'Add server',
      })
      if (token && config.transport === 'http') deps.tokens.set(config.name, token)
      save([...servers(), config])
      log(`mcp: server added: ${config.name}`)
      return settled()
    },
    'mcp:update': async ({ name, server, token }) => {
      const current = find(name)
      if (server.name !== name && servers().some((s) => s.name === server.name)) throw new IpcFailure('invalid_input', `There is already an MCP server called ${server.name}.`)
      const next = { ...server, enabled: current.enabled } as McpServerConfig
      await confirm({
        title: 'Change this MCP server?',
        message: `Earshot will ${next.transport === 'stdio' ? 'run' : 'connect to'} "${next.name}" like this from now on.`,
        detail: `Before:\n${describeForDialog(current)}\n\nAfter:\n${describeForDialog(next)}`,
        confirmLabel: 'Change server',
      })
      if (server.name !== name) deps.tokens.rename(name, server.name)
      if (token === null || next.transport !== 'http') deps.tokens.delete(next.name)
      else if (token) deps.tokens.set(next.name, token)
      save(servers().map((s) => (s.name === name ? next : s)))
      return settled()
    },
    'mcp:setEnabled': async ({ name, enabled }) => {
      find(name)
      save(servers().map((s) => (s.name === name ? { ...s, enabled } : s)))
      return settled()
    },
    'mcp:remove': async ({ name }) => {
      find(name)
      deps.tokens.delete(name)
      save(servers().filter((s) => s.name !== name))
      deps.settings.update({ mcp: { riskOverrides: mcpSettings().riskOverrides.filter((o) => !o.tool.startsWith(`${name}__`)) } })
      return settled()
    },
    'mcp:restart': async ({ name }) => {
      find(name)
      await manager.restart(name)
      return states()
    },
    'mcp:import': async () => {
      if (!deps.pickFile) throw new IpcFailure('unavailable', 'Choosing a file is not available here.')
      const path = await deps.pickFile({
        title: 'Choose a Claude Desktop configuration (claude_desktop_config.json)',
        defaultPath: claudeDesktopConfigPath(deps.platform ?? process.platform, deps.env ?? process.env),
        filters: [{ name: 'JSON', extensions: ['json'] }],
      })
      if (path === null) return { servers: states(), added: [], problems: [] }
      let loaded
      try {
        loaded = await loadMcpConfigFile(path)
      } catch (error) {
        throw new IpcFailure('invalid_input', (error as Error).message)
      }
      const taken = new Set(servers().map((s) => s.name))
      const fresh = loaded.servers.filter((s) => !taken.has(s.name))
      const problems = [...loaded.problems, ...loaded.servers.filter((s) => taken.has(s.name)).map((s) => `${s.name}: a server with this name is already set up.`)]
      if (fresh.length === 0) return { servers: states(), added: [], problems: problems.length ? problems : ['The file lists no MCP servers.'] }
      if (servers().length + fresh.length > 50) throw new IpcFailure('invalid_input', 'Earshot can keep at most 50 MCP servers.')
      await confirm({
        title: `Add ${fresh.length} MCP server${fresh.length === 1 ? '' : 's'}?`,
        message: 'Earshot will run these programs and let the voice agent use their tools.',
        detail: `${fresh.map((s) => `${s.name}\n${describeForDialog(s)}`).join('\n\n')}\n\nOnly add servers you trust.`,
        confirmLabel: 'Add servers',
      })
      save([...servers(), ...fresh])
      return { servers: await settled(), added: fresh.map((s) => s.name), problems }
    },
    'mcp:setRisk': async ({ tool, risk }) => {
      const view = states()
        .flatMap((s) => s.tools.map((t) => ({ server: s.name, ...t })))
        .find((t) => t.name === tool)
      if (!view) throw new IpcFailure('not_found', `There is no MCP tool called ${tool} right now.`)
      const order: Record<ToolRisk, number> = { read: 0, write: 1, external: 2 }
      const target = risk ?? view.annotatedRisk
      if (order[target] < order[view.risk] && target === 'read') {
        await confirm({
          title: 'Let this tool run without asking?',
          message: `${view.server}'s tool "${view.tool}" will run as soon as the agent calls it, without a confirmation card.`,
          detail: `${view.description.slice(0, 500)}\n\nIts server says: ${view.annotatedRisk === 'read' ? 'read-only' : 'it may change things'}.`,
          confirmLabel: 'Run without asking',
        })
      }
      const rest = mcpSettings().riskOverrides.filter((o) => o.tool !== tool)
      deps.settings.update({ mcp: { riskOverrides: risk === null ? rest : [...rest, { tool, risk }] } })
      appliedRisks = JSON.stringify(mcpSettings().riskOverrides)
      manager.refreshRisks()
      return states()
    },
  }
  return { service, handlers }
}

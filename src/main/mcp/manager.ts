/**
 * The MCP client manager: one SDK `Client` per configured server (stdio or Streamable HTTP), each
 * started on its own so a server that fails, hangs or crashes never holds up the others or the
 * session. It lists tools (paginated, tool by tool so one bad tool leaves only itself out), follows
 * `notifications/tools/list_changed`, restarts a crashed server with backoff, keeps the stderr tail
 * for display, and turns each tool into an Earshot tool (./tools.ts) put in the registry's group
 * `mcp:<server>`. Everything runs under plain Node; transports and timers are injectable.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import { CallToolResultSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import type { Readable } from 'node:stream'
import { z } from 'zod'
import { describeServerTarget, type McpProgress, type McpServerConfig, type McpServerState, type McpServerStatus, type McpToolView } from '../../shared/mcp/types'
import type { ToolRisk } from '../../shared/tools/types'
import type { AnyTool } from '../tools/tool'
import { assignToolNames } from './naming'
import { checkInputSchema } from './schema'
import { buildMcpTool, type ListedTool } from './tools'
import { riskFromAnnotations } from './risk'

export const EARSHOT_CLIENT_INFO = { name: 'earshot', version: '0.1.0' }

/** Keeps the last `max` characters a server wrote to stderr. */
export class StderrTail {
  private text = ''
  constructor(private readonly max = 4000) {}
  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.max)
  }
  value(): string {
    return this.text
  }
  clear(): void {
    this.text = ''
  }
}

export interface TransportHandle {
  transport: Transport
  /** stdio: the server's stderr. */
  stderr?: Readable | null
}

/** Makes the transport for one server (the default spawns stdio servers and opens HTTP ones). */
export type TransportFactory = (config: McpServerConfig, token: string | null) => TransportHandle

export const defaultTransportFactory: TransportFactory = (config, token) => {
  if (config.transport === 'stdio') {
    const transport = new StdioClientTransport({
      command: config.command,
      args: config.args,
      env: { ...getDefaultEnvironment(), ...config.env },
      ...(config.cwd ? { cwd: config.cwd } : {}),
      stderr: 'pipe',
    })
    return { transport, stderr: transport.stderr as Readable | null }
  }
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {}
  return { transport: new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers } }) }
}

export interface TimerPort {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const realTimers: TimerPort = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms)
    handle.unref?.()
    return handle
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** Where the manager puts tools (the tool registry's dynamic groups). */
export interface ToolGroupSink {
  setGroup(group: string, tools: readonly AnyTool[]): { rejected: { name: string; reason: string }[] }
  /** Names already taken (built-in tools). */
  fixedNames(): Iterable<string>
}

export interface McpManagerOptions {
  sink: ToolGroupSink
  /** Bearer token for an HTTP server (main reads it from the secret store), null = none. */
  token?: (server: string) => string | null
  /** Per-tool risk overrides from settings, keyed by provider-facing name. */
  riskOverrides?: () => Readonly<Record<string, ToolRisk>>
  transportFactory?: TransportFactory
  timers?: TimerPort
  now?: () => number
  /** initialize (spawning included), default 20 s. */
  startTimeoutMs?: number
  /** tools/list on a started server (default: startTimeoutMs). */
  listTimeoutMs?: number
  /** A tools/call (default 60 s); the executor's timeout for the tool. */
  callTimeoutMs?: number
  /** Delay before restart attempt n (default 1 s doubling, at most 30 s). */
  restartDelayMs?: (attempt: number) => number
  /** Restarts after a crash before giving up (default 5). */
  maxRestarts?: number
  onStates?: (states: McpServerState[]) => void
  onProgress?: (progress: McpProgress) => void
  log?: (line: string) => void
}

interface ServerEntry {
  config: McpServerConfig
  status: McpServerStatus
  error: string | null
  stderr: StderrTail
  client: Client | null
  handle: TransportHandle | null
  listed: ListedTool[]
  skipped: { tool: string; reason: string }[]
  tools: AnyTool[]
  views: McpToolView[]
  restarts: number
  restartTimer: unknown
  /** Bumped on every start/stop: late callbacks of an older connection are ignored. */
  generation: number
  starting: Promise<void> | null
  /** A stop-then-start after a config change, while it runs. */
  changing: Promise<void> | null
}

const ListToolsLooseSchema = z.looseObject({ tools: z.array(z.unknown()), nextCursor: z.string().optional() })
const ListedToolSchema = z.looseObject({
  name: z.string().min(1).max(500),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.unknown(),
  annotations: z.looseObject({}).optional(),
})

function errorText(error: unknown): string {
  const status = (error as { code?: unknown } | null)?.code
  if (status === 401 || status === 403) return `the server refused the ${status === 401 ? 'missing or wrong' : 'insufficient'} bearer token (HTTP ${status})`
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/^MCP error -?\d+: /, '').slice(0, 400)
}

export class McpManager {
  private readonly servers = new Map<string, ServerEntry>()
  private readonly timers: TimerPort
  private readonly log: (line: string) => void
  private readonly startTimeoutMs: number
  private readonly listTimeoutMs: number
  private readonly callTimeoutMs: number
  private stopped = false

  constructor(private readonly options: McpManagerOptions) {
    this.timers = options.timers ?? realTimers
    this.log = options.log ?? (() => {})
    this.startTimeoutMs = options.startTimeoutMs ?? 20_000
    this.listTimeoutMs = options.listTimeoutMs ?? this.startTimeoutMs
    this.callTimeoutMs = options.callTimeoutMs ?? 60_000
  }

  /**
   * Makes the running set match `configs`: new or changed servers (re)start, removed ones stop,
   * disabled ones stop and show as disabled. Resolves when every start has settled (never rejects).
   */
  async configure(configs: readonly McpServerConfig[]): Promise<void> {
    this.stopped = false
    const wanted = new Map(configs.map((c) => [c.name, c]))
    const work: Promise<void>[] = []
    for (const [name, entry] of [...this.servers]) {
      const next = wanted.get(name)
      if (!next) {
        work.push(this.stopServer(entry, 'stopped'))
        this.servers.delete(name)
        this.publish(entry, [])
      } else if (JSON.stringify(next) !== JSON.stringify(entry.config)) {
        entry.config = next
        entry.restarts = 0
        const chain: Promise<void> = this.stopServer(entry, next.enabled ? 'starting' : 'disabled')
          .then(() => (next.enabled ? this.start(entry) : undefined))
          .finally(() => {
            if (entry.changing === chain) entry.changing = null
          })
        entry.changing = chain
        work.push(chain)
      } else if (entry.changing) {
        work.push(entry.changing)
      } else if (entry.starting) {
        // Unchanged and starting already (an earlier configure): wait for that start too.
        work.push(entry.starting)
      }
    }
    for (const config of configs) {
      if (this.servers.has(config.name)) continue
      const entry: ServerEntry = {
        config,
        status: config.enabled ? 'starting' : 'disabled',
        error: null,
        stderr: new StderrTail(),
        client: null,
        handle: null,
        listed: [],
        skipped: [],
        tools: [],
        views: [],
        restarts: 0,
        restartTimer: null,
        generation: 0,
        starting: null,
        changing: null,
      }
      this.servers.set(config.name, entry)
      if (config.enabled) work.push(this.start(entry))
    }
    this.emitStates()
    await Promise.allSettled(work)
  }

  /** Restarts one server now (the settings page's "Restart"). */
  async restart(name: string): Promise<void> {
    const entry = this.servers.get(name)
    if (!entry || !entry.config.enabled) return
    entry.restarts = 0
    await this.stopServer(entry, 'starting')
    await this.start(entry)
  }

  states(): McpServerState[] {
    return [...this.servers.values()].map((e) => this.stateOf(e))
  }

  /** Re-applies the risk overrides (after the user changed one). */
  refreshRisks(): void {
    for (const entry of this.servers.values()) if (entry.status === 'running') this.rebuildAll()
    this.emitStates()
  }

  /** Stops every server (app quit, CLI end). */
  async stopAll(): Promise<void> {
    this.stopped = true
    await Promise.allSettled([...this.servers.values()].map((e) => this.stopServer(e, 'stopped')))
    for (const entry of this.servers.values()) this.publish(entry, [])
    this.emitStates()
  }

  /** Calls one tool (the MCP tool's run). Throws with a sentence the model can say. */
  async callTool(server: string, tool: string, args: Record<string, unknown>, context: { signal: AbortSignal; callId?: string; name: string }): Promise<unknown> {
    const entry = this.servers.get(server)
    if (!entry || entry.status !== 'running' || !entry.client) {
      throw new Error(`the MCP server "${server}" is not running${entry?.error ? ` (${entry.error})` : ''}`)
    }
    const client = entry.client
    const started = Date.now()
    try {
      return await client.request({ method: 'tools/call', params: { name: tool, arguments: args } }, CallToolResultSchema, {
        signal: context.signal,
        timeout: this.callTimeoutMs + 1000,
        resetTimeoutOnProgress: true,
        onprogress: (p) => {
          if (!context.callId) return
          this.options.onProgress?.({
            callId: context.callId,
            name: context.name,
            server,
            progress: p.progress,
            ...(typeof p.total === 'number' ? { total: p.total } : {}),
            ...(typeof p.message === 'string' ? { message: p.message.slice(0, 300) } : {}),
          })
        },
      })
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason instanceof Error ? context.signal.reason : new Error('the call was stopped')
      const closed = entry.client !== client || entry.status !== 'running'
      this.log(`mcp: ${server}/${tool} failed after ${Date.now() - started} ms: ${errorText(error)}`)
      if (closed) throw new Error(`the MCP server "${server}" stopped during the call${entry.stderr.value() ? ` (its last output: ${entry.stderr.value().trim().split('\n').slice(-2).join(' / ').slice(0, 200)})` : ''}`)
      throw new Error(`the MCP server "${server}" answered with an error: ${errorText(error)}`)
    }
  }

  // -------------------------------------------------------------------------------------------

  private start(entry: ServerEntry): Promise<void> {
    if (entry.starting) return entry.starting
    const run = this.connect(entry).finally(() => {
      if (entry.starting === run) entry.starting = null
    })
    entry.starting = run
    return run
  }

  private async connect(entry: ServerEntry): Promise<void> {
    const gen = ++entry.generation
    const config = entry.config
    entry.status = entry.restarts > 0 ? 'restarting' : 'starting'
    entry.error = null
    entry.stderr.clear()
    this.emitStates()
    let handle: TransportHandle
    try {
      handle = (this.options.transportFactory ?? defaultTransportFactory)(config, config.transport === 'http' ? (this.options.token?.(config.name) ?? null) : null)
    } catch (error) {
      this.failed(entry, gen, `could not be started: ${errorText(error)}`, false)
      return
    }
    entry.handle = handle
    handle.stderr?.on('data', (chunk: Buffer | string) => entry.stderr.push(chunk.toString()))
    handle.stderr?.on('error', () => {})
    const client = new Client(EARSHOT_CLIENT_INFO, { capabilities: {} })
    entry.client = client
    client.onclose = () => {
      if (gen !== entry.generation || this.stopped) return
      if (entry.status === 'running') this.crashed(entry, gen)
    }
    client.onerror = (error) => this.log(`mcp: ${config.name}: ${errorText(error)}`)
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      if (gen !== entry.generation) return
      this.log(`mcp: ${config.name}: tools/list_changed`)
      try {
        await this.listTools(entry, client, gen)
      } catch (error) {
        this.log(`mcp: ${config.name}: refreshing tools failed: ${errorText(error)}`)
      }
    })
    const what = config.transport === 'stdio' ? 'start' : 'connect'
    try {
      await this.withTimeout(client.connect(handle.transport, { timeout: this.startTimeoutMs }), this.startTimeoutMs, `no answer within ${this.startTimeoutMs / 1000} s`)
    } catch (error) {
      this.failed(entry, gen, `did not ${what}: ${errorText(error)}`, false)
      return
    }
    if (gen !== entry.generation) return
    try {
      await this.withTimeout(this.listTools(entry, client, gen), this.listTimeoutMs, `no answer within ${this.listTimeoutMs / 1000} s`)
    } catch (error) {
      this.failed(entry, gen, `did not list its tools: ${errorText(error)}`, false)
      return
    }
    if (gen !== entry.generation) return
    entry.status = 'running'
    entry.error = null
    this.log(`mcp: ${config.name} running with ${entry.tools.length} tools`)
    this.emitStates()
  }

  private async listTools(entry: ServerEntry, client: Client, gen: number): Promise<void> {
    const listed: ListedTool[] = []
    const skipped: { tool: string; reason: string }[] = []
    let cursor: string | undefined
    for (let page = 0; page < 50; page++) {
      const result = await client.request({ method: 'tools/list', params: cursor ? { cursor } : {} }, ListToolsLooseSchema, { timeout: this.listTimeoutMs })
      for (const raw of result.tools) {
        const parsed = ListedToolSchema.safeParse(raw)
        if (!parsed.success) {
          const name = typeof (raw as { name?: unknown })?.name === 'string' ? String((raw as { name: string }).name) : '(unnamed)'
          skipped.push({ tool: name, reason: 'the server described it in a form Earshot cannot read' })
          continue
        }
        const tool = parsed.data
        const schema = checkInputSchema(tool.inputSchema)
        if (!schema.ok) {
          skipped.push({ tool: tool.name, reason: schema.reason })
          continue
        }
        if (listed.some((t) => t.tool === tool.name)) {
          skipped.push({ tool: tool.name, reason: 'the server lists two tools with this name' })
          continue
        }
        listed.push({
          tool: tool.name,
          ...(tool.title ? { title: tool.title } : {}),
          description: tool.description ?? '',
          annotations: tool.annotations,
          schema,
        })
      }
      cursor = result.nextCursor
      if (!cursor) break
    }
    if (gen !== entry.generation) return
    for (const s of skipped) this.log(`mcp: ${entry.config.name}: tool ${s.tool} left out: ${s.reason}`)
    entry.listed = listed
    entry.skipped = skipped
    this.rebuildAll()
    this.emitStates()
  }

  /** Names depend on every server's tools (collisions), so all groups are rebuilt together. */
  private rebuildAll(): void {
    const running = [...this.servers.values()].filter((e) => e.listed.length > 0 && e.client)
    const names = assignToolNames(
      running.flatMap((e) => e.listed.map((t) => ({ server: e.config.name, tool: t.tool }))),
      this.options.sink.fixedNames(),
    )
    const overrides = this.options.riskOverrides?.() ?? {}
    for (const entry of this.servers.values()) {
      const server = entry.config.name
      const tools: AnyTool[] = []
      const views: McpToolView[] = []
      if (entry.client) {
        for (const listed of entry.listed) {
          const name = names.get(`${server}\u0000${listed.tool}`)
          if (!name) continue
          const annotated = riskFromAnnotations(listed.annotations)
          const override = overrides[name]
          const risk = riskFromAnnotations(listed.annotations, override)
          tools.push(buildMcpTool({ name, server, listed, risk, timeoutMs: this.callTimeoutMs, call: (args, ctx) => this.callTool(server, listed.tool, args, { ...ctx, name }) }))
          views.push({
            name,
            tool: listed.tool,
            ...(listed.title ? { title: listed.title } : {}),
            description: listed.description,
            risk: risk.risk,
            annotatedRisk: annotated.risk,
            overridden: override !== undefined && override !== annotated.risk,
            allowAlways: risk.allowAlways,
          })
        }
      }
      entry.tools = tools
      entry.views = views
      this.publish(entry, tools)
    }
  }

  private publish(entry: ServerEntry, tools: AnyTool[]): void {
    const { rejected } = this.options.sink.setGroup(`mcp:${entry.config.name}`, tools)
    for (const r of rejected) {
      this.log(`mcp: ${entry.config.name}: ${r.name} left out: ${r.reason}`)
      entry.skipped.push({ tool: r.name, reason: r.reason })
      entry.views = entry.views.filter((v) => v.name !== r.name)
    }
  }

  private crashed(entry: ServerEntry, gen: number): void {
    const tail = entry.stderr.value().trim().split('\n').slice(-1)[0] ?? ''
    this.failed(entry, gen, `stopped unexpectedly${tail ? ` (last output: ${tail.slice(0, 200)})` : ''}`, true)
  }

  private failed(entry: ServerEntry, gen: number, message: string, mayRestart: boolean): void {
    if (gen !== entry.generation) return
    const client = entry.client
    entry.generation++
    entry.client = null
    entry.handle = null
    entry.listed = []
    entry.error = `${entry.config.name} ${message}`.slice(0, 500)
    entry.status = 'failed'
    void client?.close().catch(() => {})
    this.log(`mcp: ${entry.error}`)
    this.rebuildAll()
    const max = this.options.maxRestarts ?? 5
    if (mayRestart && !this.stopped && entry.config.enabled && entry.restarts < max) {
      entry.restarts++
      const delay = (this.options.restartDelayMs ?? ((n) => Math.min(30_000, 1000 * 2 ** (n - 1))))(entry.restarts)
      entry.status = 'restarting'
      entry.restartTimer = this.timers.setTimeout(() => {
        entry.restartTimer = null
        if (this.stopped || !this.servers.has(entry.config.name) || entry.status !== 'restarting') return
        void this.start(entry)
      }, delay)
    }
    this.emitStates()
  }

  private async stopServer(entry: ServerEntry, status: McpServerStatus): Promise<void> {
    entry.generation++
    if (entry.restartTimer !== null) this.timers.clearTimeout(entry.restartTimer)
    entry.restartTimer = null
    const client = entry.client
    entry.client = null
    entry.handle = null
    entry.listed = []
    entry.status = status
    entry.error = null
    this.rebuildAll()
    if (client) await client.close().catch(() => {})
  }

  private withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => reject(new Error(message)), ms + 500)
      promise.then(
        (value) => {
          this.timers.clearTimeout(timer)
          resolve(value)
        },
        (error: unknown) => {
          this.timers.clearTimeout(timer)
          reject(error instanceof Error ? error : new Error(String(error)))
        },
      )
    })
  }

  private stateOf(entry: ServerEntry): McpServerState {
    return {
      name: entry.config.name,
      transport: entry.config.transport,
      enabled: entry.config.enabled,
      status: entry.status,
      error: entry.error,
      stderrTail: entry.stderr.value(),
      tools: entry.views.map((v) => ({ ...v })),
      skipped: entry.skipped.map((s) => ({ ...s })),
      restarts: entry.restarts,
      target: describeServerTarget(entry.config),
      hasToken: entry.config.transport === 'http' && (this.options.token?.(entry.config.name) ?? null) !== null,
    }
  }

  private emitStates(): void {
    try {
      this.options.onStates?.(this.states())
    } catch (error) {
      this.log(`mcp: state listener failed: ${errorText(error)}`)
    }
  }
}

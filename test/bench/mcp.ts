/**
 * MCP benchmark with server-everything (a real MCP server, over stdio).
 *
 * - mcp_call_overhead_ms_p50: Earshot's own time on a tools/call, the executor's whole call (lookup,
 *   argument validation with Ajv, approval, the manager, result rendering, audit) minus the time
 *   between the request leaving on the transport and its response arriving (the server's own time
 *   plus the pipe). Measured per call on `echo`, 200 calls after 20 warm-up calls.
 * - mcp_call_overhead_ms_p95: the same, 95th percentile.
 * - mcp_startup_ms: configure() to the server running with its tools in the registry (spawn,
 *   initialize, tools/list, schema checks), median of 5 starts.
 */
import { resolve } from 'node:path'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import { createMcpManager } from '../../src/main/mcp/kit'
import { defaultTransportFactory, type TransportFactory } from '../../src/main/mcp/manager'
import { approvalPolicy, createNodeTools } from '../../src/main/tools'
import type { McpServerConfig } from '../../src/shared/mcp/types'

export interface BenchResult {
  name: string
  value: number
  unit: string
}

const ROOT = resolve(import.meta.dirname, '../..')
const EVERYTHING = resolve(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js')
const server: McpServerConfig = { name: 'everything', enabled: true, transport: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'], env: {}, cwd: null }

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN
}

export async function run(): Promise<BenchResult[]> {
  // Startup.
  const startups: number[] = []
  for (let i = 0; i < 5; i++) {
    const kit = createNodeTools()
    const manager = createMcpManager(kit.registry)
    const t0 = performance.now()
    await manager.configure([server])
    const ms = performance.now() - t0
    if (manager.states()[0]?.status !== 'running') throw new Error(`server-everything did not start: ${manager.states()[0]?.error}`)
    startups.push(ms)
    await manager.stopAll()
    kit.dispose()
  }

  // Call overhead: the transport is wrapped to stamp each request's send and its response's arrival.
  const wire = new Map<string | number, { sent: number; received?: number }>()
  const timed: TransportFactory = (config, token) => {
    const handle = defaultTransportFactory(config, token)
    const transport = handle.transport
    const send = transport.send.bind(transport)
    transport.send = async (message: JSONRPCMessage, options) => {
      if ('method' in message && message.method === 'tools/call' && 'id' in message) wire.set(message.id, { sent: performance.now() })
      return send(message, options)
    }
    const hook = () => {
      const inner = transport.onmessage
      if (!inner || (inner as { timed?: boolean }).timed) return
      const wrapped = (message: JSONRPCMessage, extra?: unknown) => {
        if ('id' in message && message.id !== undefined && !('method' in message)) {
          const entry = wire.get(message.id)
          if (entry) entry.received = performance.now()
        }
        ;(inner as (m: JSONRPCMessage, e?: unknown) => void)(message, extra)
      }
      ;(wrapped as { timed?: boolean }).timed = true
      transport.onmessage = wrapped as typeof transport.onmessage
    }
    const start = transport.start.bind(transport)
    transport.start = async () => {
      hook()
      return start()
    }
    return handle
  }
  const kit = createNodeTools()
  const manager = createMcpManager(kit.registry, { transportFactory: timed })
  await manager.configure([server])
  const policy = approvalPolicy('read-only')
  const overheads: number[] = []
  try {
    for (let i = 0; i < 220; i++) {
      wire.clear()
      const t0 = performance.now()
      const result = await kit.executeToolCall({ callId: `bench-${i}`, name: 'everything__echo', arguments: { message: `hello ${i}` } }, policy)
      const total = performance.now() - t0
      if (result.status !== 'ok') throw new Error(`echo failed: ${result.output}`)
      const entry = [...wire.values()][0]
      if (!entry?.received) throw new Error('the response was not seen on the transport')
      if (i >= 20) overheads.push(total - (entry.received - entry.sent))
    }
  } finally {
    await manager.stopAll()
    kit.dispose()
  }
  return [
    { name: 'mcp_call_overhead_ms_p50', value: percentile(overheads, 50), unit: 'ms' },
    { name: 'mcp_call_overhead_ms_p95', value: percentile(overheads, 95), unit: 'ms' },
    { name: 'mcp_startup_ms', value: percentile(startups, 50), unit: 'ms' },
  ]
}

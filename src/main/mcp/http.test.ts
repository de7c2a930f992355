/**
 * A Streamable HTTP MCP server (the SDK's own server transport, on 127.0.0.1) that demands a bearer
 * token: the manager sends the stored token and never anything else; a wrong token is a clear
 * failure. Also the restart backoff after crashes, on an injected clock.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { approvalPolicy, createNodeTools, type ToolKit } from '../tools'
import { createMcpManager } from './kit'
import type { McpManager, TimerPort } from './manager'

const TOKEN = 'mcp-http-token-0123456789'
const FAULTS = join(resolve(import.meta.dirname, '../../..'), 'src/main/mcp/fixtures/fault-server.ts')

async function startHttpServer(): Promise<{ url: string; authorizations: string[]; close(): Promise<void> }> {
  const authorizations: string[] = []
  const http: Server = createServer((req: IncomingMessage, res) => {
    authorizations.push(String(req.headers.authorization ?? ''))
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized' }))
      return
    }
    // Stateless: a fresh server and transport per request, as the SDK documents for that mode.
    const mcp = new McpServer({ name: 'http-fixture', version: '1.0.0' })
    mcp.registerTool('shout', { description: 'Upper-cases text.', inputSchema: { text: z.string() }, annotations: { readOnlyHint: true } }, async ({ text }) => ({
      content: [{ type: 'text', text: text.toUpperCase() }],
    }))
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
    res.on('close', () => void transport.close())
    void mcp.connect(transport).then(() => transport.handleRequest(req, res))
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  const { port } = http.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/mcp`, authorizations, close: () => new Promise((r) => http.close(() => r())) }
}

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
function rig(options: Parameters<typeof createMcpManager>[1]): { kit: ToolKit; manager: McpManager } {
  const kit = createNodeTools()
  const manager = createMcpManager(kit.registry, options)
  cleanups.push(() => kit.dispose(), () => manager.stopAll())
  return { kit, manager }
}

describe('Streamable HTTP MCP servers', () => {
  it('get the stored bearer token and work like stdio ones', async () => {
    const server = await startHttpServer()
    cleanups.push(() => server.close())
    const { kit, manager } = rig({ token: (name) => (name === 'remote' ? TOKEN : null) })
    await manager.configure([{ name: 'remote', enabled: true, transport: 'http', url: server.url }])
    expect(manager.states()[0]).toMatchObject({ status: 'running', hasToken: true })
    const result = await kit.executeToolCall({ callId: 'h1', name: 'remote__shout', arguments: { text: 'hi' } }, approvalPolicy('read-only'))
    expect(JSON.parse(result.output)).toEqual({ text: 'HI' })
    expect(new Set(server.authorizations)).toEqual(new Set([`Bearer ${TOKEN}`]))
  }, 30_000)

  it('a wrong token is reported, and no tools appear', async () => {
    const server = await startHttpServer()
    cleanups.push(() => server.close())
    const { kit, manager } = rig({ token: () => 'wrong-token' })
    await manager.configure([{ name: 'remote', enabled: true, transport: 'http', url: server.url }])
    const state = manager.states()[0]!
    expect(state.status).toBe('failed')
    expect(state.error).toBe('remote did not connect: the server refused the missing or wrong bearer token (HTTP 401)')
    expect(kit.describeTools().some((t) => t.source === 'mcp:remote')).toBe(false)
  }, 30_000)
})

describe('restart backoff', () => {
  it('waits 1 s, 2 s, 4 s ... between restarts of a server that keeps crashing', async () => {
    const delays: number[] = []
    // The clock: restart delays are recorded and run at once; start/list timeouts stay real.
    const timers: TimerPort = {
      setTimeout: (callback, ms) => {
        if (ms < 20_000) {
          delays.push(ms)
          return setTimeout(callback, 0)
        }
        return setTimeout(callback, ms)
      },
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    }
    const { kit, manager } = rig({ timers })
    await manager.configure([{ name: 'flaky', enabled: true, transport: 'stdio', command: process.execPath, args: ['--import', 'tsx', FAULTS, 'faults'], env: {}, cwd: null }])
    for (let crash = 1; crash <= 3; crash++) {
      const result = await kit.executeToolCall({ callId: `crash-${crash}`, name: 'flaky__crash', arguments: {} }, approvalPolicy('read-only'))
      expect(result.status).toBe('error')
      const start = Date.now()
      while (manager.states()[0]?.status !== 'running') {
        if (Date.now() - start > 20_000) throw new Error(`no restart after crash ${crash}: ${JSON.stringify(manager.states()[0])}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    expect(delays).toEqual([1000, 2000, 4000])
    expect(manager.states()[0]!.restarts).toBe(3)
  }, 60_000)
})

/* eslint-disable @typescript-eslint/no-explicit-any -- wire frames are untyped JSON; the assertions check their shape */
/**
 * `--mcp-config` end to end: the CLI as a child process with real MCP servers nobody here wrote
 * (server-filesystem on a temp folder, server-everything) plus a fixture that misbehaves, against
 * the OpenAI Realtime simulator, whose script makes the "model" call the tools.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAISim } from '../main/sim/openai'
import type { SimHandle } from '../main/sim/common'
import type { SimScript } from '../main/sim/script'
import { frames, ROOT, runCli, speechWav, talkArgs, workdir, type Workdir } from './talk-harness'

const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js')
const FILESYSTEM = join(ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js')
const FAULTS = join(ROOT, 'src/main/mcp/fixtures/fault-server.ts')

let work: Workdir
let question: string
let folder: string
let config: string
/** The same servers without the one that hangs (the talk runs need not wait for it). */
let talkConfig: string
beforeAll(() => {
  work = workdir()
  question = speechWav(work, 'question', 'What is in my folder?')
  folder = work.path('files')
  mkdirSync(folder)
  writeFileSync(join(folder, 'shopping.txt'), 'milk\n')
  config = work.path('claude_desktop_config.json')
  writeFileSync(
    config,
    JSON.stringify({
      mcpServers: {
        fs: { command: process.execPath, args: [FILESYSTEM, folder] },
        everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] },
        faults: { command: process.execPath, args: ['--import', 'tsx', FAULTS, 'faults'] },
        // A second copy, so the 1 MB result does not race faults__crash taking its server down.
        big: { command: process.execPath, args: ['--import', 'tsx', FAULTS, 'faults'] },
        dies: { command: process.execPath, args: ['--import', 'tsx', FAULTS, 'exit-at-start'] },
        hangs: { command: process.execPath, args: ['--import', 'tsx', FAULTS, 'hang-list'] },
      },
    }),
  )
  const parsed = JSON.parse(readFileSync(config, 'utf8')) as { mcpServers: Record<string, unknown> }
  delete parsed.mcpServers.hangs
  talkConfig = work.path('talk_config.json')
  writeFileSync(talkConfig, JSON.stringify(parsed))
})
afterAll(() => work?.cleanup())

// The hanging server is given up on after the list timeout; starting (slow on a busy machine) keeps the default.
const env = { EARSHOT_MCP_LIST_TIMEOUT_MS: '3000' }

describe('earshot tools --json --mcp-config', () => {
  it('lists the MCP tools with their source next to the built-ins, and says which servers failed', async () => {
    const result = await runCli(['tools', '--json', '--mcp-config', config], env)
    expect(result.code).toBe(0)
    expect(result.stderr).not.toMatch(/MCP server (fs|everything|faults|big) /)
    const tools = JSON.parse(result.stdout) as Array<{ name: string; description: string; risk: string; parameters: Record<string, unknown>; source: string }>
    expect(tools.find((t) => t.name === 'get_current_time')).toMatchObject({ source: 'builtin', risk: 'read' })
    expect(tools.find((t) => t.name === 'fs__list_directory')).toMatchObject({ source: 'mcp:fs', risk: 'read', parameters: { type: 'object', required: ['path'] } })
    expect(tools.find((t) => t.name === 'fs__write_file')).toMatchObject({ source: 'mcp:fs', risk: 'write' })
    expect(tools.find((t) => t.name === 'everything__echo')).toMatchObject({ source: 'mcp:everything', risk: 'read' })
    for (const t of tools) expect(Object.keys(t).sort()).toEqual(['description', 'name', 'parameters', 'risk', 'source'])
    expect(tools.some((t) => t.name === 'faults__bad_schema')).toBe(false)
    expect(tools.some((t) => t.source === 'mcp:dies' || t.source === 'mcp:hangs')).toBe(false)
    const lines = result.stderr.trim().split('\n')
    expect(lines).toContain('earshot: MCP tool faults/bad_schema left out: its inputSchema has type "string"; providers take only "object".')
    expect(lines.find((l) => l.startsWith('earshot: MCP server dies did not start'))).toMatch(/cannot read its configuration/)
    expect(lines.find((l) => l.startsWith('earshot: MCP server hangs did not list its tools'))).toMatch(/timed out/i)
  }, 60_000)

  it('a config file that is missing or not Claude Desktop format is a usage error', async () => {
    const missing = await runCli(['tools', '--json', '--mcp-config', work.path('nope.json')], {})
    expect(missing.code).toBe(2)
    expect(missing.stderr.trim()).toBe(`earshot: --mcp-config: ${work.path('nope.json')} does not exist.`)
    const wrong = work.path('wrong.json')
    writeFileSync(wrong, '{"servers": []}')
    const bad = await runCli(['tools', '--json', '--mcp-config', wrong], {})
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim()).toBe(`earshot: --mcp-config: ${wrong}: The file has no "mcpServers" object.`)
  }, 30_000)
})

describe('earshot talk --mcp-config (OpenAI simulator)', () => {
  async function withSim<T>(script: SimScript, fn: (sim: SimHandle) => Promise<T>): Promise<T> {
    const sim = await startOpenAISim(script)
    try {
      return await fn(sim)
    } finally {
      await sim.close()
    }
  }

  const script = (target: string): SimScript => ({
    turns: [
      {
        user: 'What is in my folder?',
        toolCalls: [
          { name: 'fs__list_directory', arguments: { path: folder } },
          { name: 'fs__write_file', arguments: { path: target, content: 'eggs\n' } },
          { name: 'big__huge', arguments: {} },
          { name: 'faults__crash', arguments: {} },
          { name: 'everything__echo', arguments: { message: 'still working' } },
        ],
        reply: 'Done.',
        replyMs: 600,
      },
    ],
  })

  it('--approve read-only: the listing runs, the write is denied, faults come back as errors', async () => {
    const target = join(folder, 'denied.txt')
    await withSim(script(target), async (sim) => {
      const { args, files } = talkArgs('openai', question, work, ['--timeout', '40', '--mcp-config', talkConfig])
      const result = await runCli(args, sim.env, files)
      expect(result.code).toBe(0)
      // Failed servers are reported once each; the session goes on.
      expect(result.stderr).toMatch(/MCP server dies did not start/)
      expect(result.stderr).not.toMatch(/MCP server (fs|everything|faults|big) /)
      // The MCP tools reached the model's tool list (and the broken one did not).
      const update = frames(sim.wire.entries, 'in', 'session.update').find((f) => Array.isArray((f.json as any).session?.tools))!
      const declared = ((update.json as any).session.tools as Array<{ name: string; type: string }>).map((t) => t.name)
      expect(declared).toEqual(expect.arrayContaining(['get_current_time', 'fs__list_directory', 'fs__write_file', 'everything__echo', 'faults__ok']))
      expect(declared).not.toContain('faults__bad_schema')

      const tools = result.events.filter((l) => l.type === 'tool') as Array<{ name: string; status: string; result: any }>
      const byName = (name: string) => tools.find((t) => t.name === name)!
      expect(byName('fs__list_directory')).toMatchObject({ status: 'ok' })
      expect(byName('fs__list_directory').result.text).toMatch(/\[FILE\] shopping\.txt/)
      expect(byName('fs__write_file')).toMatchObject({ status: 'denied', result: { code: 'denied' } })
      expect(existsSync(target)).toBe(false)
      expect(byName('big__huge').status).toBe('ok')
      expect(byName('big__huge').result.note).toMatch(/^The result had 1048576 characters; only the first 16000 are shown\.$/)
      expect(byName('faults__crash')).toMatchObject({ status: 'error', result: { code: 'failed' } })
      expect(byName('faults__crash').result.error).toMatch(/the MCP server "faults" stopped during the call/)
      expect(byName('everything__echo')).toMatchObject({ status: 'ok' })
      expect(byName('everything__echo').result.text).toMatch(/still working/)
      // Every result went back to the model.
      const outputs = frames(sim.wire.entries, 'in', 'conversation.item.create').filter((f) => (f.json as any).item?.type === 'function_call_output')
      expect(outputs).toHaveLength(5)
      expect(result.events.at(-1)).toMatchObject({ type: 'done', ok: true })
    })
  }, 90_000)

  it('--approve all: the write is done', async () => {
    const target = join(folder, 'written.txt')
    await withSim({ turns: [{ user: 'Write it.', toolCalls: [{ name: 'fs__write_file', arguments: { path: target, content: 'eggs\n' } }], reply: 'Written.', replyMs: 600 }] }, async (sim) => {
      const { args, files } = talkArgs('openai', question, work, ['--timeout', '40', '--approve', 'all', '--mcp-config', talkConfig])
      const result = await runCli(args, sim.env, files)
      expect(result.code).toBe(0)
      const tool = result.events.find((l) => l.type === 'tool')
      expect(tool).toMatchObject({ name: 'fs__write_file', status: 'ok' })
      expect(readFileSync(target, 'utf8')).toBe('eggs\n')
    })
  }, 90_000)
})

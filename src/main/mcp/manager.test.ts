import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { McpProgress, McpServerConfig, McpServerState } from '../../shared/mcp/types'
import { approvalPolicy, createNodeTools, type ToolKit } from '../tools'
import { createMcpManager } from './kit'
import type { McpManager } from './manager'
import { MAX_RESULT_TEXT_CHARS } from './results'

const ROOT = resolve(import.meta.dirname, '../../..')
const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js')
const FILESYSTEM = join(ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js')
const FAULTS = join(ROOT, 'src/main/mcp/fixtures/fault-server.ts')

const stdio = (name: string, args: string[], command = process.execPath): McpServerConfig => ({ name, enabled: true, transport: 'stdio', command, args, env: {}, cwd: null })
const fault = (name: string, mode: string) => stdio(name, ['--import', 'tsx', FAULTS, mode])

interface Rig {
  kit: ToolKit
  manager: McpManager
  progress: McpProgress[]
  states: McpServerState[][]
  state(name: string): McpServerState
}

function rig(options: Parameters<typeof createMcpManager>[1] = {}): Rig {
  const kit = createNodeTools()
  const progress: McpProgress[] = []
  const states: McpServerState[][] = []
  const manager = createMcpManager(kit.registry, { onProgress: (p) => progress.push(p), onStates: (s) => states.push(s), ...options })
  return {
    kit,
    manager,
    progress,
    states,
    state: (name) => {
      const s = manager.states().find((x) => x.name === name)
      if (!s) throw new Error(`no server ${name}`)
      return s
    },
  }
}

/** Waits for a condition the manager reaches on its own (a restart, a list_changed refresh). */
async function until(check: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const rigs: Rig[] = []
const track = (r: Rig) => (rigs.push(r), r)
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.manager.stopAll()
    r.kit.dispose()
  }
})

let call = 0
const run = (r: Rig, name: string, args: unknown, mode: 'read-only' | 'all' | 'none' = 'read-only') =>
  r.kit.executeToolCall({ callId: `c${++call}`, name, arguments: args }, approvalPolicy(mode))

describe('MCP servers nobody here wrote', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'earshot-mcp-'))
    writeFileSync(join(dir, 'hello.txt'), 'hello from the temp folder\n')
    mkdirSync(join(dir, 'sub'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('server-everything: tools with provider-legal names, risks from annotations, and calls through the executor', async () => {
    const r = track(rig())
    await r.manager.configure([stdio('everything', [EVERYTHING, 'stdio'])])
    expect(r.state('everything')).toMatchObject({ status: 'running', error: null })
    const described = r.kit.describeTools().filter((t) => t.source === 'mcp:everything')
    expect(described.length).toBeGreaterThan(5)
    for (const t of described) {
      expect(t.name).toMatch(/^everything__[a-zA-Z0-9_-]+$/)
      expect(t.name.length).toBeLessThanOrEqual(64)
      expect(t.parameters.type).toBe('object')
      expect(t.parameters).not.toHaveProperty('$schema')
    }
    expect(described.find((t) => t.name === 'everything__echo')?.risk).toBe('read')
    // readOnlyHint false + openWorldHint true -> external; openWorldHint false -> write.
    expect(described.find((t) => t.name === 'everything__gzip-file-as-resource')?.risk).toBe('external')
    expect(described.find((t) => t.name === 'everything__toggle-simulated-logging')?.risk).toBe('write')
    // The built-in tools are still there, untouched.
    expect(r.kit.describeTools().find((t) => t.name === 'get_current_time')).toMatchObject({ source: 'builtin' })

    const echo = await run(r, 'everything__echo', { message: 'hi there' })
    expect(echo.status).toBe('ok')
    expect(JSON.parse(echo.output).text).toContain('hi there')

    // Arguments are validated against the tool's own schema before anything is sent.
    const bad = await run(r, 'everything__get-sum', { a: 'one', b: 2 })
    expect(bad.status).toBe('error')
    expect(JSON.parse(bad.output)).toMatchObject({ code: 'invalid_arguments' })
    expect(JSON.parse(bad.output).error).toMatch(/a must be number/)
    expect(JSON.parse((await run(r, 'everything__get-sum', { a: 1, b: 2 })).output).text).toMatch(/3/)

    // An image is described, not dropped.
    const image = JSON.parse((await run(r, 'everything__get-tiny-image', {})).output)
    expect(image.attachments.join(' ')).toMatch(/\[image image\/png, .*not shown/)

    // Progress notifications arrive under the model's call id. (The server sends its last one right
    // before the result, and the SDK drops progress that comes after a request settled, so the
    // last step may or may not be seen; the steps before it always are.)
    const long = await r.kit.executeToolCall({ callId: 'long-1', name: 'everything__trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, approvalPolicy('read-only'))
    expect(long.status).toBe('ok')
    const steps = r.progress.filter((p) => p.callId === 'long-1').map((p) => p.progress)
    expect(steps.slice(0, 2)).toEqual([1, 2])
    expect(steps).toEqual([1, 2, 3].slice(0, steps.length))
    expect(r.progress[0]).toMatchObject({ server: 'everything', name: 'everything__trigger-long-running-operation', total: 3 })

    // A write tool asks: denied without approval, runs with it.
    expect((await run(r, 'everything__toggle-simulated-logging', {})).status).toBe('denied')
    expect((await run(r, 'everything__toggle-simulated-logging', {}, 'all')).status).toBe('ok')
  }, 60_000)

  it('server-filesystem on a temp folder: lists it (read, at once), writes only when allowed', async () => {
    const r = track(rig())
    await r.manager.configure([stdio('files', [FILESYSTEM, dir])])
    expect(r.state('files').status).toBe('running')
    const list = await run(r, 'files__list_directory', { path: dir })
    expect(list.status).toBe('ok')
    expect(JSON.parse(list.output).text).toMatch(/\[FILE\] hello\.txt/)
    expect(JSON.parse(list.output).text).toMatch(/\[DIR\] sub/)

    const target = join(dir, 'note.txt')
    const denied = await run(r, 'files__write_file', { path: target, content: 'written by Earshot' })
    expect(denied.status).toBe('denied')
    expect(existsSync(target)).toBe(false)
    const done = await run(r, 'files__write_file', { path: target, content: 'written by Earshot' }, 'all')
    expect(done.status).toBe('ok')
    expect(readFileSync(target, 'utf8')).toBe('written by Earshot')
    // write_file is destructive: its confirmation offers no "Always allow".
    const requests: unknown[] = []
    await r.kit.executeToolCall({ callId: 'w-ask', name: 'files__write_file', arguments: { path: target, content: 'x' } }, { approve: (req) => (requests.push(req), 'deny') })
    expect(requests[0]).toMatchObject({ name: 'files__write_file', risk: 'write', source: 'mcp:files', allowAlways: false })
    expect(readFileSync(target, 'utf8')).toBe('written by Earshot')
  }, 60_000)
})

describe('MCP faults: each is reported, and the other servers and tools keep working', () => {
  it('a server that exits at start keeps its stderr tail; the others start', async () => {
    const r = track(rig())
    await r.manager.configure([fault('dies', 'exit-at-start'), fault('good', 'faults')])
    const dies = r.state('dies')
    expect(dies.status).toBe('failed')
    expect(dies.error).toMatch(/^dies did not start/)
    expect(dies.stderrTail).toMatch(/cannot read its configuration/)
    expect(dies.tools).toEqual([])
    expect(r.state('good').status).toBe('running')
    expect((await run(r, 'good__ok', { text: 'still here' })).output).toMatch(/ok: still here/)
  }, 30_000)

  it('a server that hangs on tools/list times out without holding up the others', async () => {
    // Starting may be slow on a busy machine; a started server answers tools/list at once.
    const r = track(rig({ startTimeoutMs: 30_000, listTimeoutMs: 1500 }))
    await r.manager.configure([fault('hangs', 'hang-list'), fault('good', 'faults')])
    expect(r.state('hangs')).toMatchObject({ status: 'failed' })
    expect(r.state('hangs').error).toMatch(/hangs did not list its tools: .*timed out/i)
    expect(r.state('good').status).toBe('running')
    expect((await run(r, 'good__ok', { text: 'x' })).status).toBe('ok')
  }, 30_000)

  it('a server that crashes mid-call: the call fails with a sentence, the server restarts with backoff', async () => {
    const r = track(rig({ restartDelayMs: () => 50 }))
    await r.manager.configure([fault('flaky', 'faults'), stdio('everything', [EVERYTHING, 'stdio'])])
    const crashed = await run(r, 'flaky__crash', {})
    expect(crashed.status).toBe('error')
    expect(JSON.parse(crashed.output).error).toMatch(/the MCP server "flaky" stopped during the call/)
    expect((await run(r, 'everything__echo', { message: 'unaffected' })).status).toBe('ok')
    await until(() => r.state('flaky').status === 'running', 'the restart')
    expect(r.state('flaky').restarts).toBe(1)
    expect((await run(r, 'flaky__ok', { text: 'back' })).output).toMatch(/ok: back/)
  }, 30_000)

  it('a tool with a schema no provider takes is left out with the reason; its siblings stay', async () => {
    const r = track(rig())
    await r.manager.configure([fault('odd', 'faults')])
    const state = r.state('odd')
    expect(state.status).toBe('running')
    expect(state.skipped).toEqual([{ tool: 'bad_schema', reason: 'its inputSchema has type "string"; providers take only "object"' }])
    expect(r.kit.registry.get('odd__bad_schema')).toBeUndefined()
    expect(r.kit.registry.get('odd__ok')).toBeDefined()
  }, 30_000)

  it('1 MB of text comes back cut to the documented size with a note', async () => {
    const r = track(rig())
    await r.manager.configure([fault('big', 'faults')])
    const result = await run(r, 'big__huge', {})
    expect(result.status).toBe('ok')
    const parsed = JSON.parse(result.output)
    expect(parsed.text).toHaveLength(MAX_RESULT_TEXT_CHARS)
    expect(parsed.note).toBe(`The result had ${1024 * 1024} characters; only the first ${MAX_RESULT_TEXT_CHARS} are shown.`)
    expect((await run(r, 'big__ok', { text: 'after' })).status).toBe('ok')
  }, 30_000)

  it('isError results go back as errors; tools/list_changed brings the new tool in', async () => {
    const r = track(rig())
    await r.manager.configure([fault('srv', 'faults')])
    const failed = await run(r, 'srv__fail', {})
    expect(failed.status).toBe('error')
    expect(JSON.parse(failed.output)).toMatchObject({ code: 'failed', error: 'srv reported an error from fail: the disk is on fire' })

    let changes = 0
    r.kit.registry.onChange(() => changes++)
    expect(r.kit.registry.get('srv__extra')).toBeUndefined()
    expect((await run(r, 'srv__grow', {}, 'all')).status).toBe('ok')
    await until(() => r.kit.registry.get('srv__extra') !== undefined, 'the refreshed list')
    expect(changes).toBeGreaterThan(0)
    expect(r.kit.registry.declarations().map((d) => d.name)).toContain('srv__extra')
    expect((await run(r, 'srv__extra', {})).output).toMatch(/extra here/)
  }, 30_000)

  it('stopAll takes every MCP tool out of the registry', async () => {
    const r = track(rig())
    await r.manager.configure([fault('srv', 'faults')])
    expect(r.kit.describeTools().some((t) => t.source === 'mcp:srv')).toBe(true)
    await r.manager.stopAll()
    expect(r.kit.describeTools().some((t) => t.source === 'mcp:srv')).toBe(false)
    expect(r.state('srv').status).toBe('stopped')
  }, 30_000)
})

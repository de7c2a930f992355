import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { testEncryptor } from '../../../test/harness/encryptor'
import { createMainServices, type MainServices } from '../app/services'
import { createLogger } from '../app/logger'
import type { ConfirmRequest } from './domain'

const ROOT = resolve(import.meta.dirname, '../../..')
const FAULTS = join(ROOT, 'src/main/mcp/fixtures/fault-server.ts')
const ctx = { sender: { frameUrl: 'app://earshot/index.html', isMainFrame: true, isOwnWindow: true, destroyed: false } }
const server = { name: 'faults', transport: 'stdio' as const, command: process.execPath, args: ['--import', 'tsx', FAULTS, 'faults'], env: { SECRET_NAME_ONLY: 'v' }, cwd: null }

let services: MainServices | null = null
let dir = ''
afterEach(async () => {
  await services?.dispose()
  services = null
  rmSync(dir, { recursive: true, force: true })
})

function make(answer: boolean, picked: string | null = null) {
  dir = mkdtempSync(join(tmpdir(), 'earshot-mcp-domain-'))
  const asked: ConfirmRequest[] = []
  const events: Array<{ event: string; payload: unknown }> = []
  services = createMainServices({
    userDataDir: dir,
    encryptor: testEncryptor(),
    appInfo: { name: 'Earshot', version: '0.0.0-test', platform: 'linux' },
    openExternal: async () => {},
    emit: (event, payload) => events.push({ event, payload }),
    logger: createLogger(),
    confirm: async (request) => (asked.push(request), answer),
    pickFile: async () => picked,
  })
  return { services, asked, events, h: services.handlers }
}

describe('MCP servers in the app', () => {
  it('the renderer cannot add a server through settings:update', async () => {
    const { h, services: s } = make(true)
    await expect(Promise.resolve().then(() => h['settings:update']({ patch: { mcp: { servers: [{ ...server, enabled: true }] } } }, ctx))).rejects.toThrow(/own flows|main-only|cannot/i)
    expect(s.settings.get().mcp.servers).toEqual([])
  })

  it('adding is confirmed in a main-process dialog; declined changes nothing', async () => {
    const { h, asked, services: s } = make(false)
    await expect(h['mcp:add']({ server }, ctx)).rejects.toMatchObject({ code: 'cancelled' })
    expect(asked[0]).toMatchObject({ title: 'Add an MCP server?', confirmLabel: 'Add server' })
    expect(asked[0]!.detail).toContain(`Command: ${process.execPath} --import tsx ${FAULTS} faults`)
    expect(asked[0]!.detail).toContain('Environment: SECRET_NAME_ONLY')
    expect(s.settings.get().mcp.servers).toEqual([])
    expect(s.mcp.states()).toEqual([])
  })

  it('accepted: the server starts, its tools join the registry, the renderer hears of the change', async () => {
    const { h, events, services: s } = make(true)
    const states = await h['mcp:add']({ server }, ctx)
    expect(states[0]).toMatchObject({ name: 'faults', status: 'running', enabled: true })
    expect(states[0]!.tools.find((t) => t.name === 'faults__ok')).toMatchObject({ risk: 'read', annotatedRisk: 'read', overridden: false })
    expect(s.tools.kit.registry.get('faults__ok')).toBeDefined()
    const changed = events.filter((e) => e.event === 'mcp:toolsChanged').at(-1)!.payload as Array<{ name: string; source: string }>
    expect(changed.find((t) => t.name === 'faults__ok')).toMatchObject({ source: 'mcp:faults' })
    expect(events.some((e) => e.event === 'mcp:servers')).toBe(true)

    // Disable / enable / remove need no dialog (they only ever reduce what runs, or restore an approved server).
    expect((await h['mcp:setEnabled']({ name: 'faults', enabled: false }, ctx))[0]).toMatchObject({ status: 'disabled', tools: [] })
    expect(s.tools.kit.registry.get('faults__ok')).toBeUndefined()
    expect((await h['mcp:setEnabled']({ name: 'faults', enabled: true }, ctx))[0]).toMatchObject({ status: 'running' })
    expect(await h['mcp:remove']({ name: 'faults' }, ctx)).toEqual([])
    expect(s.tools.kit.registry.get('faults__ok')).toBeUndefined()
  }, 30_000)

  it('lowering a tool to "read" asks first; the override lives in settings', async () => {
    const { h, asked, services: s } = make(true)
    await h['mcp:add']({ server }, ctx)
    const states = await h['mcp:setRisk']({ tool: 'faults__grow', risk: 'read' }, ctx)
    expect(asked.at(-1)).toMatchObject({ title: 'Let this tool run without asking?' })
    expect(states[0]!.tools.find((t) => t.name === 'faults__grow')).toMatchObject({ risk: 'read', annotatedRisk: 'write', overridden: true })
    expect(s.tools.kit.registry.get('faults__grow')?.risk).toBe('read')
    expect(s.settings.get().mcp.riskOverrides).toEqual([{ tool: 'faults__grow', risk: 'read' }])
    const back = await h['mcp:setRisk']({ tool: 'faults__grow', risk: null }, ctx)
    expect(back[0]!.tools.find((t) => t.name === 'faults__grow')).toMatchObject({ risk: 'write', overridden: false })
  }, 30_000)

  it('an HTTP server token is stored encrypted and never appears in a state', async () => {
    const { h, services: s } = make(true)
    const token = 'mcp-token-canary-0123456789'
    const states = await h['mcp:add']({ server: { name: 'remote', transport: 'http', url: 'http://127.0.0.1:9/mcp' }, token }, ctx)
    expect(states[0]).toMatchObject({ name: 'remote', hasToken: true, status: 'failed' })
    expect(JSON.stringify(states)).not.toContain(token)
    expect(JSON.stringify(s.settings.get())).not.toContain(token)
    expect(readFileSync(join(dir, 'mcp-tokens.json'), 'utf8')).not.toContain(token)
  }, 30_000)

  it('imports a claude_desktop_config.json the user picks, after one confirmation', async () => {
    const file = join(tmpdir(), `claude-${process.pid}.json`)
    writeFileSync(file, JSON.stringify({ mcpServers: { faults: { command: process.execPath, args: ['--import', 'tsx', FAULTS, 'faults'] }, bad: { args: [] } } }))
    try {
      const { h, asked } = make(true, file)
      const result = await h['mcp:import'](undefined, ctx)
      expect(asked).toHaveLength(1)
      expect(asked[0]!.title).toBe('Add 1 MCP server?')
      expect(result.added).toEqual(['faults'])
      expect(result.problems).toEqual(['bad: A stdio server needs a command.'])
      expect(result.servers[0]).toMatchObject({ name: 'faults', status: 'running' })
      const again = await h['mcp:import'](undefined, ctx)
      expect(again).toMatchObject({ added: [], problems: ['bad: A stdio server needs a command.', 'faults: a server with this name is already set up.'] })
    } finally {
      rmSync(file, { force: true })
    }
  }, 30_000)
})

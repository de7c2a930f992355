/// <reference lib="dom" />
// MCP servers in the window, in Chromium over the real main-process handlers: the settings list a
// server (server-filesystem on a temp folder) with its tools and a failed one with its stderr; a
// confirmation card for an MCP tool names its server; main's confirmation window offers no
// "Always allow" for a destructive tool, and allowing it there runs the tool.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAISim, type SimHandle } from '../../src/main/sim'
import { closeAfterEach } from '../harness/after-each'
import { ROOT, startHarness, type Harness } from '../harness/harness'

const FILESYSTEM = join(ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js')
const FAULTS = join(ROOT, 'src/main/mcp/fixtures/fault-server.ts')

let tmp = ''
let folder = ''
let speech = ''
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'earshot-mcp-e2e-'))
  folder = join(tmp, 'files')
  mkdirSync(folder)
  writeFileSync(join(folder, 'todo.txt'), 'call mum\n')
  const raw = join(tmp, 'raw.wav')
  speech = join(tmp, 'speech.wav')
  execFileSync('espeak-ng', ['-w', raw, 'Please write my note.'])
  execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', speech, 'norm', '-3'])
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

let harness: Harness | null = null
let sim: SimHandle | null = null
closeAfterEach({ name: 'mcp', harness: () => harness, also: () => [sim], consoleLines: 30 })

const servers = () => [
  { name: 'fs', enabled: true, transport: 'stdio' as const, command: process.execPath, args: [FILESYSTEM, folder], env: {}, cwd: null },
  { name: 'dies', enabled: true, transport: 'stdio' as const, command: process.execPath, args: ['--import', 'tsx', FAULTS, 'exit-at-start'], env: {}, cwd: null },
]

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('MCP servers in the window', () => {
  it('settings show each server with its state and tools, and a failed one with its stderr', async () => {
    harness = await startHarness({
      beforeLoad: (services) => {
        services.secrets.set('openai', 'sk-test-mcp-0123456789')
        services.settings.update({ mcp: { servers: servers() } })
      },
    })
    const { page } = harness
    // The servers live in the settings window's "tools" section.
    const settings = await harness.openSettings('tools')
    const fs = settings.locator('[data-testid="mcp-server"][data-name="fs"]')
    await expect.poll(() => fs.getAttribute('data-status'), { timeout: 30_000 }).toBe('running')
    await expect.poll(() => fs.getByTestId('mcp-tool').count()).toBeGreaterThan(5)
    expect(await fs.locator('[data-testid="mcp-tool"][data-name="fs__list_directory"]').count()).toBe(1)
    expect(await fs.locator('[data-testid="mcp-tool"][data-name="fs__write_file"]').textContent()).toContain('asked every time')
    const dies = settings.locator('[data-testid="mcp-server"][data-name="dies"]')
    await expect.poll(() => dies.getAttribute('data-status'), { timeout: 30_000 }).toBe('failed')
    expect(await dies.getByTestId('mcp-error').textContent()).toMatch(/dies did not start/)
    expect(await dies.getByTestId('mcp-stderr').textContent()).toContain('cannot read its configuration')

    // Switching a server off takes its tools away; the renderer cannot add one behind main's back.
    // The box shows the click at once, before main can answer (stopping the server takes a while),
    // and keeps showing it until main's answer settles it.
    const on = fs.getByLabel('On')
    const shown = await on.evaluate(async (box: HTMLInputElement) => {
      box.click()
      await Promise.resolve()
      return { checked: box.checked, busy: box.getAttribute('aria-busy') }
    })
    expect(shown).toEqual({ checked: false, busy: 'true' })
    await expect.poll(() => fs.getAttribute('data-status')).toBe('disabled')
    await expect.poll(() => on.getAttribute('aria-busy')).toBe('false')
    expect(await on.isChecked()).toBe(false)
    expect(harness.services.tools.kit.registry.get('fs__list_directory')).toBeUndefined()
    const sneaky = await page.evaluate(async (s) => {
      try {
        await (globalThis as unknown as { earshot: { settings: { update(x: unknown): Promise<unknown> } } }).earshot.settings.update({ patch: { mcp: { servers: s } } })
        return 'changed'
      } catch (error) {
        return String(error)
      }
    }, servers())
    expect(sneaky).toMatch(/own flows/)
  }, 90_000)

  it('a confirmation card for an MCP tool names the server; allowing it runs the tool', async () => {
    const target = join(folder, 'note.txt')
    sim = await startOpenAISim({ turns: [{ user: 'Please write my note.', toolCalls: [{ name: 'fs__write_file', arguments: { path: target, content: 'milk' } }], reply: 'Written.', replyMs: 600 }] })
    const s = sim
    harness = await startHarness({
      fakeMicrophone: speech,
      beforeLoad: (services) => {
        services.settings.update({ providers: { openai: { baseUrl: s.baseUrl } }, mcp: { servers: servers().slice(0, 1) } })
        services.secrets.set('openai', s.apiKey)
      },
    })
    const { page } = harness
    // The settings window shows the server running before the user talks.
    const settings = await harness.openSettings('tools')
    await expect.poll(() => settings.locator('[data-testid="mcp-server"][data-name="fs"]').getAttribute('data-status'), { timeout: 30_000 }).toBe('running')
    await page.bringToFront()
    await expect.poll(() => page.getByTestId('status').getAttribute('data-status')).toBe('idle')
    await page.getByTestId('talk').hover()
    await page.mouse.down()
    await sleep(1300)
    await page.mouse.up()
    const card = page.getByTestId('tool-card').first()
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 20_000 }).toBe('waiting')
    expect(await card.getByTestId('tool-server').textContent()).toBe('From the MCP server fs')
    expect(await card.textContent()).toContain('Run Write File from the MCP server fs (it may change or delete things).')
    // The voice card cannot allow; main's confirmation window decides. write_file is destructive:
    // no "Always allow" there either.
    expect(await card.getByRole('button', { name: /Always allow/ }).count()).toBe(0)
    expect(existsSync(target)).toBe(false)
    await card.getByRole('button', { name: /Review and allow/ }).click()
    const confirm = await harness.confirmPage()
    const dialog = confirm.getByRole('alertdialog')
    await expect.poll(() => dialog.getByRole('heading').textContent()).toBe('Earshot wants to run Write File from the MCP server fs (it may change or delete things). Allow?')
    expect(await dialog.getByRole('definition').allTextContents()).toContain('fs__write_file')
    expect(await dialog.getByRole('button', { name: 'Always allow this tool' }).isVisible()).toBe(false)
    expect(existsSync(target)).toBe(false)
    await dialog.getByRole('button', { name: 'Allow once' }).click()
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 15_000 }).toBe('done')
    expect(readFileSync(target, 'utf8')).toBe('milk')
    // The session declared the MCP tool to the provider.
    const update = s.wire.entries.find((e) => e.kind === 'text' && e.dir === 'in' && e.type === 'session.update')
    expect(JSON.stringify(update)).toContain('fs__write_file')
  }, 90_000)
})

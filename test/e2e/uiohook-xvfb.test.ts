import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * The uiohook backend with real synthetic key events: a private Xvfb, a child Node process with
 * DISPLAY set that loads the real backend (uiohook-napi + the X display probe) and the push-to-talk
 * machine, and xdotool pressing and releasing keys. A child process because uiohook aborts the
 * whole process when it cannot open a display; the guard tests prove it no longer does.
 */
const ROOT = join(import.meta.dirname, '../..')
const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0
const missing = ['Xvfb', 'xdotool'].filter((bin) => !has(bin))
const skipReason = missing.length ? `${missing.join(' and ')} not installed (apt-get install xvfb xdotool)` : ''
if (skipReason) console.warn(`uiohook-xvfb: skipped: ${skipReason}`)

function freeDisplay(from: number): number {
  for (let n = from; n < from + 400; n += 1) {
    if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) return n
  }
  throw new Error('no free X display number')
}

async function startXvfb(extra: string[] = []): Promise<{ display: string; process: ChildProcess }> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const n = freeDisplay(100 + Math.floor(Math.random() * 300))
    const xvfb = spawn('Xvfb', [`:${n}`, '-screen', '0', '640x480x24', '-nolisten', 'tcp', ...extra], { stdio: 'ignore' })
    for (let i = 0; i < 100; i += 1) {
      if (existsSync(`/tmp/.X11-unix/X${n}`)) return { display: `:${n}`, process: xvfb }
      if (xvfb.exitCode !== null) break
      await new Promise((r) => setTimeout(r, 50))
    }
    xvfb.kill()
  }
  throw new Error('Xvfb did not start')
}

const CHILD = `
import { UiohookSource, loadUiohook } from ${JSON.stringify(join(ROOT, 'src/main/desktop/uiohook-source.ts'))}
import { probeXDisplay } from ${JSON.stringify(join(ROOT, 'src/main/desktop/x-display.ts'))}
import { PushToTalk } from ${JSON.stringify(join(ROOT, 'src/shared/ptt/controller.ts'))}
import { parseAccelerator } from ${JSON.stringify(join(ROOT, 'src/shared/ptt/accelerator.ts'))}
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n')
const ptt = new PushToTalk(process.env.PTT_MODE)
ptt.onCommands((commands, state) => { if (commands.length) say({ type: 'ptt', commands, phase: state.phase }) })
const source = new UiohookSource({ platform: 'linux', load: loadUiohook, probeDisplay: () => probeXDisplay() })
const sink = {
  down: () => { say({ type: 'down' }); ptt.keyDown() },
  up: () => { say({ type: 'up' }); ptt.keyUp() },
  press: () => { say({ type: 'press' }); ptt.toggle() },
}
const result = await source.start(parseAccelerator(process.env.HOTKEY, 'linux'), sink)
say({ type: 'started', result })
if (!result.ok) process.exit(0)
process.stdin.on('data', () => { source.stop(); say({ type: 'stopped' }); process.exit(0) })
`

interface Child {
  lines: Record<string, unknown>[]
  waitFor(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>
  stop(): void
}

function runChild(env: Record<string, string | undefined>): Child {
  const clean = { ...process.env }
  for (const key of ['DISPLAY', 'WAYLAND_DISPLAY', 'XDG_SESSION_TYPE', 'XAUTHORITY']) delete clean[key]
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    cwd: ROOT,
    env: { ...clean, HOTKEY: 'Control+Shift+Space', PTT_MODE: 'hold', ...env } as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const lines: Record<string, unknown>[] = []
  const waiters = new Set<() => void>()
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += String(d)))
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>)
    } catch {
      return
    }
    for (const w of [...waiters]) w()
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => {
      for (const w of [...waiters]) w()
      resolve({ code, signal, stderr })
    }),
  )
  return {
    lines,
    exit,
    stop: () => child.stdin.end('stop\n'),
    waitFor: (predicate, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find(predicate)
          if (hit) {
            waiters.delete(check)
            clearTimeout(timer)
            resolve(hit)
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check)
            clearTimeout(timer)
            reject(new Error(`child exited (${child.exitCode ?? child.signalCode}) before the expected line; lines: ${JSON.stringify(lines)}; stderr: ${stderr}`))
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`timed out; lines so far: ${JSON.stringify(lines)}; stderr: ${stderr}`))
        }, timeoutMs)
        waiters.add(check)
        check()
      }),
  }
}

const xdotool = (display: string, ...args: string[]) => {
  const result = spawnSync('xdotool', args, { env: { ...process.env, DISPLAY: display } })
  if (result.status !== 0) throw new Error(`xdotool ${args.join(' ')}: ${String(result.stderr)}`)
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const count = (lines: Record<string, unknown>[], type: string) => lines.filter((l) => l.type === type).length

describe.skipIf(Boolean(skipReason))('uiohook backend under Xvfb', () => {
  let xvfb: { display: string; process: ChildProcess }

  beforeAll(async () => {
    xvfb = await startXvfb()
  })
  afterAll(() => {
    xvfb?.process.kill()
  })

  it('a held hotkey reaches the state machine as one down and one up, auto-repeat and all', async () => {
    const child = runChild({ DISPLAY: xvfb.display, PTT_MODE: 'hold' })
    expect(await child.waitFor((l) => l.type === 'started')).toEqual({ type: 'started', result: { ok: true } })
    xdotool(xvfb.display, 'keydown', 'ctrl+shift+space')
    await child.waitFor((l) => l.type === 'down')
    expect(child.lines.find((l) => l.type === 'ptt')).toEqual({ type: 'ptt', commands: [{ type: 'start-capture' }], phase: 'pressed' })
    await sleep(1500) // longer than X's auto-repeat delay (660 ms): repeats flow
    xdotool(xvfb.display, 'keyup', 'space')
    xdotool(xvfb.display, 'keyup', 'ctrl+shift')
    await child.waitFor((l) => l.type === 'up')
    await child.waitFor((l) => l.type === 'ptt' && l.phase === 'idle')
    child.stop()
    await child.exit
    expect(count(child.lines, 'down')).toBe(1)
    expect(count(child.lines, 'up')).toBe(1)
    expect(child.lines.filter((l) => l.type === 'ptt').map((l) => l.commands)).toEqual([
      [{ type: 'start-capture' }],
      [{ type: 'stop-capture', reason: 'key-up' }],
    ])
  })

  it('other keys, and the key without its modifiers, do nothing', async () => {
    const child = runChild({ DISPLAY: xvfb.display })
    await child.waitFor((l) => l.type === 'started')
    xdotool(xvfb.display, 'key', 'space')
    xdotool(xvfb.display, 'key', 'ctrl+space')
    xdotool(xvfb.display, 'key', 'ctrl+shift+a')
    // a marker press proves events were flowing while the others were ignored
    xdotool(xvfb.display, 'key', 'ctrl+shift+space')
    await child.waitFor((l) => l.type === 'up')
    child.stop()
    await child.exit
    expect(child.lines.filter((l) => l.type === 'down' || l.type === 'up').map((l) => l.type)).toEqual(['down', 'up'])
  })

  it('auto mode: a tap latches and the next press stops', async () => {
    const child = runChild({ DISPLAY: xvfb.display, PTT_MODE: 'auto' })
    await child.waitFor((l) => l.type === 'started')
    xdotool(xvfb.display, 'key', 'ctrl+shift+space') // a tap: well under 300 ms
    await child.waitFor((l) => l.type === 'up')
    await sleep(300)
    const phases = () => child.lines.filter((l) => l.type === 'ptt').map((l) => l.phase)
    expect(phases()).toEqual(['pressed'])
    xdotool(xvfb.display, 'key', 'ctrl+shift+space')
    await child.waitFor((l) => l.type === 'ptt' && l.phase === 'releasing')
    child.stop()
    await child.exit
    expect(child.lines.filter((l) => l.type === 'ptt').map((l) => l.commands)).toEqual([
      [{ type: 'start-capture' }],
      [{ type: 'stop-capture', reason: 'toggle' }],
    ])
  })

  it('with no usable display the backend refuses to start and the process survives (no SIGABRT)', async () => {
    const unused = `:${freeDisplay(700)}`
    for (const [env, code] of [
      [{}, 'no-display'],
      [{ DISPLAY: unused }, 'unreachable'],
      [{ DISPLAY: 'not a display' }, 'no-display'],
      [{ DISPLAY: xvfb.display, XDG_SESSION_TYPE: 'wayland', WAYLAND_DISPLAY: 'wayland-0' }, 'wayland'],
    ] as const) {
      const child = runChild(env)
      const started = await child.waitFor((l) => l.type === 'started')
      expect(started.result, JSON.stringify(env)).toMatchObject({ ok: false, code })
      const exit = await child.exit
      expect(exit, JSON.stringify(env)).toMatchObject({ code: 0, signal: null })
    }
  })
})

describe.skipIf(Boolean(skipReason) || !has('xauth'))('X display probe against a server that requires a cookie', () => {
  let xvfb: { display: string; process: ChildProcess }
  let dir: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'earshot-xauth-'))
    const authFile = join(dir, 'Xauthority')
    const n = freeDisplay(400 + Math.floor(Math.random() * 200))
    const cookie = Array.from({ length: 32 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('')
    spawnSync('xauth', ['-f', authFile, 'add', `:${n}`, 'MIT-MAGIC-COOKIE-1', cookie])
    const process = spawn('Xvfb', [`:${n}`, '-screen', '0', '320x240x24', '-nolisten', 'tcp', '-auth', authFile], { stdio: 'ignore' })
    for (let i = 0; i < 100 && !existsSync(`/tmp/.X11-unix/X${n}`); i += 1) await sleep(50)
    xvfb = { display: `:${n}`, process }
  })
  afterAll(() => {
    xvfb?.process.kill()
    rmSync(dir, { recursive: true, force: true })
  })

  it('is refused without the cookie and accepted with it', async () => {
    const { probeXDisplay } = await import('../../src/main/desktop/x-display')
    const without = await probeXDisplay({ env: { DISPLAY: xvfb.display, HOME: dir, XAUTHORITY: join(dir, 'none') } })
    expect(without).toMatchObject({ usable: false, problem: 'refused' })
    const withCookie = await probeXDisplay({ env: { DISPLAY: xvfb.display, HOME: dir, XAUTHORITY: join(dir, 'Xauthority') } })
    expect(withCookie).toEqual({ usable: true, display: xvfb.display })
  })
})

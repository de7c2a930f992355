import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RunCommand } from '../host'
import { runTool, tempDir } from '../test-helpers'
import { batteryReader, createSystemInfoTool, parsePmset, parseWindowsBattery, readLinuxBattery, WINDOWS_BATTERY_COMMAND, type SystemProbe } from './system-info'

let sys: ReturnType<typeof tempDir>
beforeEach(() => (sys = tempDir()))
afterEach(() => sys.cleanup())

function supply(name: string, files: Record<string, string>) {
  mkdirSync(join(sys.path, name))
  for (const [file, value] of Object.entries(files)) writeFileSync(join(sys.path, name, file), `${value}\n`)
}

function probe(overrides: Partial<SystemProbe> = {}): SystemProbe {
  let calls = 0
  return {
    platform: 'linux',
    arch: () => 'x64',
    release: () => '6.1.0',
    osName: async () => 'Debian GNU/Linux 12 (bookworm)',
    uptimeSeconds: () => 7200,
    totalMemory: () => 16 * 1024 ** 3,
    freeMemory: () => 4 * 1024 ** 3,
    cpuModel: () => 'Test CPU',
    cpuCount: () => 8,
    // 1000 ms of CPU time between samples, 250 of it idle: 75 % busy.
    cpuTimes: () => (calls++ === 0 ? { idle: 1000, total: 4000 } : { idle: 1250, total: 5000 }),
    loadAverage: () => [1.234, 0.5, 0.25],
    sleep: async () => {},
    battery: async () => null,
    ...overrides,
  }
}

describe('system_info', () => {
  it('reports OS, uptime, memory, CPU load and battery', async () => {
    const r = await runTool(createSystemInfoTool(probe({ battery: async () => ({ percent: 81, charging: false, state: 'discharging' }) })), 'system_info', {})
    expect(r.json).toEqual({
      os: { name: 'Debian GNU/Linux 12 (bookworm)', platform: 'linux', release: '6.1.0', arch: 'x64' },
      uptime: { seconds: 7200, hours: 2 },
      memory: { totalGB: 16, freeGB: 4, usedPercent: 75 },
      cpu: { model: 'Test CPU', cores: 8, busyPercent: 75, loadAverage: [1.23, 0.5, 0.25] },
      battery: { percent: 81, charging: false, state: 'discharging' },
    })
  })

  it('leaves out the load average on Windows and explains a missing or failing battery', async () => {
    const win = await runTool(createSystemInfoTool(probe({ platform: 'win32', battery: () => Promise.reject(new Error('WMI down')) })), 'system_info', {})
    expect(win.json.cpu).not.toHaveProperty('loadAverage')
    expect(win.json.battery).toMatch(/No battery found/)
  })

  it('refuses arguments', async () => {
    expect((await runTool(createSystemInfoTool(probe()), 'system_info', { verbose: true })).json.code).toBe('invalid_arguments')
  })

  it('times out when the battery reader hangs', async () => {
    vi.useFakeTimers()
    try {
      const pending = runTool(createSystemInfoTool(probe({ battery: () => new Promise(() => {}) })), 'system_info', {})
      await vi.advanceTimersByTimeAsync(10_001)
      expect((await pending).json.code).toBe('timeout')
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('battery readers', () => {
  it('reads a Linux battery from /sys/class/power_supply, ignoring mains and other supplies', async () => {
    supply('AC', { type: 'Mains', online: '1' })
    supply('BAT0', { type: 'Battery', capacity: '57', status: 'Charging' })
    expect(await readLinuxBattery(sys.path)).toEqual({ percent: 57, charging: true, state: 'charging' })
  })

  it('finds no Linux battery on a desktop or without sysfs', async () => {
    supply('AC', { type: 'Mains' })
    supply('hidpp_battery_0', { type: 'Battery', status: 'Discharging' }) // a mouse without capacity
    expect(await readLinuxBattery(sys.path)).toBeNull()
    expect(await readLinuxBattery(join(sys.path, 'missing'))).toBeNull()
  })

  it('parses pmset on macOS', () => {
    const out = "Now drawing from 'Battery Power'\n -InternalBattery-0 (id=1234567)\t87%; discharging; 4:12 remaining present: true\n"
    expect(parsePmset(out)).toEqual({ percent: 87, charging: false, state: 'discharging' })
    expect(parsePmset(" -InternalBattery-0 (id=1)\t100%; charged; 0:00 remaining present: true")).toEqual({ percent: 100, charging: false, state: 'full' })
    expect(parsePmset("Now drawing from 'AC Power'\n")).toBeNull()
  })

  it('parses Win32_Battery JSON on Windows', () => {
    expect(parseWindowsBattery('{"EstimatedChargeRemaining":42,"BatteryStatus":1}')).toEqual({ percent: 42, charging: false, state: 'discharging' })
    expect(parseWindowsBattery('[{"EstimatedChargeRemaining":90,"BatteryStatus":6}]')).toEqual({ percent: 90, charging: true, state: 'charging' })
    expect(parseWindowsBattery('')).toBeNull()
    expect(parseWindowsBattery('garbage')).toBeNull()
  })

  it('runs each platform\'s own command, without a shell', async () => {
    const run = vi.fn<RunCommand>().mockResolvedValue({ code: 0, stdout: '', stderr: '' })
    await batteryReader('darwin', run)()
    await batteryReader('win32', run, undefined, {})()
    expect(run.mock.calls.map((c) => [c[0], c[1]])).toEqual([
      ['pmset', ['-g', 'batt']],
      ['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', WINDOWS_BATTERY_COMMAND],
    ])
  })
})

import { readdir, readFile } from 'node:fs/promises'
import * as os from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import type { RunCommand, ToolPlatform } from '../host'
import { defineTool } from '../tool'
import { windowsPowerShell } from './windows-paths'

export interface Battery {
  percent: number
  charging: boolean | null
  /** 'charging' | 'discharging' | 'full' | 'not charging' | 'unknown' */
  state: string
}

export interface CpuTimes {
  idle: number
  total: number
}

/** Everything system_info reads, injectable per platform. */
export interface SystemProbe {
  platform: ToolPlatform
  arch: () => string
  release: () => string
  /** The human OS name and version ("macOS 14.5", "Debian GNU/Linux 12 (bookworm)", "Windows 11 Pro"). */
  osName: () => Promise<string>
  uptimeSeconds: () => number
  totalMemory: () => number
  freeMemory: () => number
  cpuModel: () => string
  cpuCount: () => number
  /** Summed CPU times across cores, for a busy percentage over a short interval. */
  cpuTimes: () => CpuTimes
  loadAverage: () => number[]
  sleep: (ms: number) => Promise<void>
  /** null when there is no battery (desktops) or it cannot be read. */
  battery: () => Promise<Battery | null>
}

/** Linux: /sys/class/power_supply/<name>/{type,capacity,status}. `root` is injectable for tests. */
export async function readLinuxBattery(root = '/sys/class/power_supply'): Promise<Battery | null> {
  let names: string[]
  try {
    names = await readdir(root)
  } catch {
    return null
  }
  for (const name of names.sort()) {
    const read = (file: string) => readFile(join(root, name, file), 'utf8').then((s) => s.trim(), () => '')
    if ((await read('type')) !== 'Battery') continue
    const capacity = Number(await read('capacity'))
    if (!Number.isFinite(capacity) || (await read('capacity')) === '') continue
    const status = (await read('status')).toLowerCase()
    return {
      percent: Math.max(0, Math.min(100, Math.round(capacity))),
      charging: status === 'charging' ? true : status === 'discharging' ? false : status === 'full' || status === 'not charging' ? false : null,
      state: status || 'unknown',
    }
  }
  return null
}

/** macOS: `pmset -g batt`, e.g. " -InternalBattery-0 (id=...)	87%; charging; 1:02 remaining present: true". */
export function parsePmset(output: string): Battery | null {
  const match = /(\d{1,3})%;\s*([^;]+);/.exec(output)
  if (!match || !/InternalBattery/i.test(output)) return null
  const state = (match[2] ?? '').trim().toLowerCase()
  const charging = state === 'charging' ? true : state === 'discharging' ? false : state === 'charged' || state === 'finishing charge' || state === 'ac attached' ? false : null
  return { percent: Math.min(100, Number(match[1])), charging, state: state === 'charged' ? 'full' : state }
}

/** Windows: Win32_Battery through PowerShell, as JSON. BatteryStatus 2 = on AC power. */
export function parseWindowsBattery(output: string): Battery | null {
  let value: unknown
  try {
    value = JSON.parse(output.trim() || 'null')
  } catch {
    return null
  }
  const first = Array.isArray(value) ? value[0] : value
  if (!first || typeof first !== 'object') return null
  const record = first as { EstimatedChargeRemaining?: unknown; BatteryStatus?: unknown }
  const percent = Number(record.EstimatedChargeRemaining)
  if (!Number.isFinite(percent)) return null
  const status = Number(record.BatteryStatus)
  const charging = status === 6 || status === 7 || status === 8 || status === 9 ? true : status === 1 ? false : status === 2 || status === 3 ? null : null
  const state = status === 1 ? 'discharging' : status === 3 ? 'full' : charging ? 'charging' : status === 2 ? 'on AC power' : 'unknown'
  return { percent: Math.min(100, Math.round(percent)), charging, state }
}

export const WINDOWS_BATTERY_COMMAND = [
  '-NoProfile',
  '-NonInteractive',
  '-Command',
  'Get-CimInstance -ClassName Win32_Battery | Select-Object EstimatedChargeRemaining,BatteryStatus | ConvertTo-Json -Compress',
] as const

export function batteryReader(
  platform: ToolPlatform,
  run: RunCommand,
  linuxRoot?: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): () => Promise<Battery | null> {
  switch (platform) {
    case 'linux':
      return () => readLinuxBattery(linuxRoot)
    case 'darwin':
      return async () => parsePmset((await run('pmset', ['-g', 'batt'], { timeoutMs: 3000 })).stdout)
    case 'win32':
      return async () => parseWindowsBattery((await run(windowsPowerShell(env), WINDOWS_BATTERY_COMMAND, { timeoutMs: 6000 })).stdout)
  }
}

async function osNameFor(platform: ToolPlatform, run: RunCommand, osRelease = '/etc/os-release'): Promise<string> {
  try {
    if (platform === 'darwin') {
      const version = (await run('sw_vers', ['-productVersion'], { timeoutMs: 3000 })).stdout.trim()
      return version ? `macOS ${version}` : 'macOS'
    }
    if (platform === 'win32') return os.version() || 'Windows'
    const text = await readFile(osRelease, 'utf8')
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1]
    return pretty || 'Linux'
  } catch {
    return platform === 'darwin' ? 'macOS' : platform === 'win32' ? 'Windows' : 'Linux'
  }
}

export function nodeSystemProbe(platform: ToolPlatform, run: RunCommand): SystemProbe {
  return {
    platform,
    arch: () => os.arch(),
    release: () => os.release(),
    osName: () => osNameFor(platform, run),
    uptimeSeconds: () => os.uptime(),
    totalMemory: () => os.totalmem(),
    freeMemory: () => os.freemem(),
    cpuModel: () => os.cpus()[0]?.model.trim() ?? 'unknown',
    cpuCount: () => os.availableParallelism?.() ?? os.cpus().length,
    cpuTimes: () =>
      os.cpus().reduce(
        (sum, cpu) => {
          const t = cpu.times
          return { idle: sum.idle + t.idle, total: sum.total + t.user + t.nice + t.sys + t.idle + t.irq }
        },
        { idle: 0, total: 0 },
      ),
    loadAverage: () => os.loadavg(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    battery: batteryReader(platform, run),
  }
}

const gb = (bytes: number) => Math.round((bytes / 1024 ** 3) * 10) / 10

export function createSystemInfoTool(probe: SystemProbe) {
  return defineTool({
    name: 'system_info',
    description: "Report on this computer: operating system, uptime, memory use, CPU load and, on laptops, the battery level.",
    risk: 'read',
    timeoutMs: 10_000,
    schema: z.strictObject({}),
    run: async () => {
      const before = probe.cpuTimes()
      await probe.sleep(250)
      const after = probe.cpuTimes()
      const total = after.total - before.total
      const busy = total > 0 ? Math.round((1 - (after.idle - before.idle) / total) * 100) : null
      const totalMem = probe.totalMemory()
      const freeMem = probe.freeMemory()
      const uptime = Math.round(probe.uptimeSeconds())
      const battery = await probe.battery().catch(() => null)
      const load = probe.platform === 'win32' ? null : probe.loadAverage().map((n) => Math.round(n * 100) / 100)
      return {
        os: { name: await probe.osName(), platform: probe.platform, release: probe.release(), arch: probe.arch() },
        uptime: { seconds: uptime, hours: Math.round((uptime / 3600) * 10) / 10 },
        memory: { totalGB: gb(totalMem), freeGB: gb(freeMem), usedPercent: totalMem > 0 ? Math.round(((totalMem - freeMem) / totalMem) * 100) : null },
        cpu: { model: probe.cpuModel(), cores: probe.cpuCount(), busyPercent: busy, ...(load ? { loadAverage: load } : {}) },
        battery: battery ?? 'No battery found (this looks like a desktop, or the battery cannot be read).',
      }
    },
  })
}

/**
 * `npm run bench`: runs every benchmark module in test/bench (each exports
 * `run(): Promise<{ name, value, unit }[]>`), writes out/bench/results.json and prints a table.
 * Figures only: benchmarks never pass or fail; targets are printed beside the results.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

interface Result {
  name: string
  value: number
  unit: string
}

const ROOT = resolve(import.meta.dirname, '..')
const TARGETS: Record<string, string> = {
  capture_to_send_ms_p95: '<= 25',
  playback_start_ms_p95: '<= 80',
  bargein_flush_ms_p95: '<= 10',
  truncation_error_ms_max: '<= 10',
  preroll_ms: '>= 500',
  transcript_update_ms_p95_5k: '<= 16',
  heap_growth_mb_60min: '<= 10',
  encode_realtime_factor: '>= 1000',
  vad_realtime_factor: '>= 50',
  vad_speech_onset_to_first_frame_ms_p95: '<= 150',
  history_append_ms_p95: '<= 2',
  history_search_ms_p95_10k: '<= 50',
  mcp_call_overhead_ms_p50: '<= 5',
  ptt_release_to_commit_ms_p95: '<= 330 (tail + 30)',
  ptt_latency_vs_server_vad: '< 1',
  always_listening_frames_sent_60s_silence: '0',
  always_listening_sessions_opened_60s_silence: '0',
  always_listening_frames_sent_speech: '> 0',
}

async function main() {
  process.env.ELECTRON_OVERRIDE_DIST_PATH ??= '/nonexistent-electron-dist'
  if (!existsSync(join(ROOT, 'out/renderer/index.html'))) {
    const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit', cwd: ROOT })
    if (build.status !== 0) throw new Error('build failed')
  }
  const only = process.argv.slice(2)
  const dir = join(ROOT, 'test/bench')
  const modules = readdirSync(dir)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .filter((name) => only.length === 0 || only.some((o) => name.includes(o)))
    .sort()
  const results: Result[] = []
  for (const name of modules) {
    const started = Date.now()
    process.stderr.write(`bench: ${name} ...`)
    const mod = (await import(pathToFileURL(join(dir, name)).href)) as { run?: () => Promise<Result[]> }
    if (typeof mod.run !== 'function') {
      process.stderr.write(' (no run() export, skipped)\n')
      continue
    }
    try {
      results.push(...(await mod.run()))
      process.stderr.write(` ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
    } catch (error) {
      process.stderr.write(` failed: ${(error as Error).message}\n`)
      process.exitCode = 1
    }
  }
  mkdirSync(join(ROOT, 'out/bench'), { recursive: true })
  writeFileSync(join(ROOT, 'out/bench/results.json'), `${JSON.stringify(results, null, 2)}\n`)
  const rows = results.map((r) => [r.name, formatValue(r.value), r.unit, TARGETS[r.name] ?? ''])
  const header = ['name', 'value', 'unit', 'target']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')
  console.log(line(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of rows) console.log(line(row))
  console.log(`\nwritten: out/bench/results.json (${results.length} figures)`)
}

function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  if (Math.abs(value) >= 100) return value.toFixed(0)
  if (Math.abs(value) >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

await main()

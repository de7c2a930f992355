/**
 * Test helpers for the CLI's end-to-end tests: speech WAVs from espeak-ng + sox, running
 * `node --import tsx src/cli/main.ts …` as a child process, and reading its outputs and the
 * simulators' wire logs. Test-only (imported by *.test.ts files).
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { base64ToInt16, bytesToInt16 } from '../shared/s2s/pcm'
import type { WireEntry } from '../main/sim/wire'
import { parseWav } from './wav'

export const ROOT = resolve(import.meta.dirname, '../..')

export interface Workdir {
  dir: string
  path(name: string): string
  cleanup(): void
}

export function workdir(): Workdir {
  const dir = mkdtempSync(join(tmpdir(), 'earshot-cli-'))
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** espeak-ng -> sox: PCM16 speech at `rate`/`channels`, normalised to -3 dBFS. */
export function speechWav(work: Workdir, name: string, text: string, rate = 48000, channels = 1): string {
  const raw = work.path(`${name}.raw.wav`)
  const out = work.path(`${name}.wav`)
  execFileSync('espeak-ng', ['-w', raw, text])
  execFileSync('sox', [raw, '-r', String(rate), '-c', String(channels), '-b', '16', out, 'norm', '-3'])
  return out
}

/** Joins WAVs with `gapMs` of silence between them (all at `rate`, mono). */
export function joinWavs(work: Workdir, name: string, parts: string[], gapMs: number, rate = 48000): string {
  const gap = work.path(`${name}.gap.wav`)
  execFileSync('sox', ['-n', '-r', String(rate), '-c', '1', '-b', '16', gap, 'trim', '0', (gapMs / 1000).toFixed(3)])
  const args: string[] = []
  parts.forEach((part, i) => {
    if (i > 0) args.push(gap)
    args.push(part)
  })
  const out = work.path(`${name}.wav`)
  execFileSync('sox', [...args, out])
  return out
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
  events: Array<Record<string, unknown>>
  out: { sampleRate: number; samples: Int16Array } | null
}

/** Runs the CLI as a child process, as `npm run cli` would. */
export async function runCli(args: string[], env: Record<string, string>, files?: { out: string; transcript: string }, timeoutMs = 60_000): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const code = await new Promise<number | null>((resolveExit) => child.on('exit', (c) => resolveExit(c)))
  clearTimeout(killer)
  let events: Array<Record<string, unknown>> = []
  let out: CliResult['out'] = null
  if (files) {
    try {
      events = readFileSync(files.transcript, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
    } catch {
      events = []
    }
    try {
      out = parseWav(readFileSync(files.out))
    } catch {
      out = null
    }
  }
  return { code, stdout, stderr, events, out }
}

export function talkArgs(provider: string, input: string, work: Workdir, extra: string[] = []): { args: string[]; files: { out: string; transcript: string } } {
  const files = { out: work.path('out.wav'), transcript: work.path('events.jsonl') }
  // --quiet: the tests read stderr for the one-line failure message, not the live transcript.
  return { args: ['talk', '--provider', provider, '--in', input, '--out', files.out, '--transcript', files.transcript, '--quiet', ...extra], files }
}

/** Text frames of one direction (optionally one type) from a wire log. */
export function frames(wire: readonly WireEntry[], dir: 'in' | 'out', type?: string): Array<Extract<WireEntry, { kind: 'text' }>> {
  return wire.filter((e): e is Extract<WireEntry, { kind: 'text' }> => e.kind === 'text' && e.dir === dir && (type === undefined || e.type === type))
}

export function indexOfFrame(wire: readonly WireEntry[], predicate: (e: Extract<WireEntry, { kind: 'text' }>) => boolean): number {
  return wire.findIndex((e) => e.kind === 'text' && predicate(e))
}

export function decodeB64Pcm(text: string): Int16Array {
  return base64ToInt16(text)
}

export function concatPcm(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

export { bytesToInt16 }

/** Sample-exact equality of two PCM16 arrays (views compared by their own bytes). */
export function samePcm(a: Int16Array, b: Int16Array): boolean {
  if (a.length !== b.length) return false
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

/**
 * Real-time pacing against the client's own stream clock: the CLI reports (EVENTS.jsonl
 * `input_start`) the epoch ms at which its audio clock started; frame k covers audio up to
 * (k+1) frame lengths after that, so it must not arrive before epochStart + (k+1) * frameMs.
 * `arrivals` are the simulator's receive times (epoch ms, integer, so up to 1 ms early). Returns
 * the indices of frames that arrived ahead of the wall clock. Delays never count.
 */
export function pacingViolations(arrivals: number[], epochStart: number, frameMs: number, toleranceMs = 3): number[] {
  const bad: number[] = []
  arrivals.forEach((at, k) => {
    if (at + 1 < epochStart + (k + 1) * frameMs - toleranceMs) bad.push(k)
  })
  return bad
}

/** The first `input_start` line of EVENTS.jsonl (epoch ms of the stream clock's start). */
export function streamStart(events: Array<Record<string, unknown>>): number {
  const line = events.find((l) => l.type === 'input_start')
  if (!line || typeof line.epochMs !== 'number') throw new Error('EVENTS.jsonl has no input_start line')
  return line.epochMs
}

export function everyEntryText(wire: readonly WireEntry[]): string {
  return wire.map((e) => JSON.stringify(e)).join('\n')
}

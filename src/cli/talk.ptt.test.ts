/* eslint-disable @typescript-eslint/no-explicit-any -- wire frames are untyped JSON; the assertions check their shape */
/**
 * `earshot talk --ptt` against each simulator: a two-turn push-to-talk conversation whose first
 * press holds a 1.5 s pause (it must not end the turn) and starts 200 ms after the user began
 * speaking (the pre-roll keeps that first syllable). Each press ends with the provider's explicit
 * end of turn (one commit per press on OpenAI and Speko; AssemblyAI's shortest pacing and its
 * trailing silence), and nothing at all is sent between presses.
 */
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAssemblyAISim, startOpenAISim, startSpekoSim } from '../main/sim'
import type { SimHandle } from '../main/sim/common'
import type { SimScript } from '../main/sim/script'
import type { WireEntry } from '../main/sim/wire'
import { ASSEMBLYAI_RELEASE_PACING } from '../shared/s2s/adapters/assemblyai'
import { parsePttRanges, type PttRange } from './args'
import { PTT_PREROLL_MS, PTT_TAIL_MS } from './talk'
import { decodeB64Pcm, frames, joinWavs, runCli, speechWav, talkArgs, workdir, type Workdir } from './talk-harness'

const FRAME_S = 0.02

let work: Workdir
let input = ''
let ranges: PttRange[] = []
let onset = 0

function seconds(path: string): number {
  return Number(execFileSync('sox', ['--i', '-D', path]).toString().trim())
}

beforeAll(() => {
  work = workdir()
  const lead = work.path('lead.wav')
  execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', lead, 'trim', '0', '0.5'])
  const a = speechWav(work, 'a', 'Hello Earshot, please tell me')
  const b = speechWav(work, 'b', 'what time it is.')
  const c = speechWav(work, 'c', 'Thank you very much.')
  const first = joinWavs(work, 'first', [a, b], 1500) // the 1.5 s pause inside the first press
  input = joinWavs(work, 'ptt-input', [lead, first, c, lead, lead, lead, lead, lead, lead], 3000)
  onset = 0.5 + 3.0 // lead, gap: the lead and the speech are joined with 3 s gaps
  const firstEnd = onset + seconds(first)
  const cStart = firstEnd + 3.0
  const cEnd = cStart + seconds(c)
  // The key goes down 200 ms after the user started speaking, and up 250 ms after each utterance.
  ranges = parsePttRanges(`${(onset + 0.2).toFixed(2)}-${(firstEnd + 0.25).toFixed(2)},${(cStart - 0.1).toFixed(2)}-${(cEnd + 0.25).toFixed(2)}`)
})
afterAll(() => work?.cleanup())

const USER = ['Hello Earshot, please tell me what time it is.', 'Thank you very much.']
const SCRIPT: SimScript = {
  turns: [
    { user: USER[0], reply: 'It is noon.', replyMs: 800 },
    { user: USER[1], reply: 'You are welcome.', replyMs: 600 },
  ],
}

/** Frames the CLI sends for one press: the pre-roll, the held frames, the tail (IN.wav-frame exact). */
function framesFor(range: PttRange): number {
  const down = Math.ceil(range.from / FRAME_S - 1e-9)
  const up = Math.ceil(range.to / FRAME_S - 1e-9)
  return Math.min(down, PTT_PREROLL_MS / 20) + (up - down) + PTT_TAIL_MS / 20
}

function uplinkAudio(wire: readonly WireEntry[], provider: 'openai' | 'assemblyai' | 'speko'): WireEntry[] {
  if (provider === 'speko') return wire.filter((e) => e.kind === 'binary' && e.dir === 'in')
  return frames(wire, 'in', provider === 'openai' ? 'input_audio_buffer.append' : 'input.audio')
}

function rms(pcm: Int16Array): number {
  let sum = 0
  for (const s of pcm) sum += (s / 32768) ** 2
  return Math.sqrt(sum / Math.max(1, pcm.length))
}

async function run(provider: 'openai' | 'assemblyai' | 'speko', sim: SimHandle) {
  const spec = ranges.map((r) => `${r.from}-${r.to}`).join(',')
  const { args, files } = talkArgs(provider, input, work, ['--ptt', spec, '--timeout', '45'])
  const result = await runCli(args, sim.env, files, 60_000)
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  const edges = result.events.filter((l) => l.type === 'ptt' || l.type === 'commit').map((l) => (l.type === 'ptt' ? l.action : 'commit'))
  expect(edges).toEqual(['down', 'up', 'commit', 'down', 'up', 'commit'])
  expect(result.events.filter((l) => l.type === 'user').map((l) => l.text)).toEqual(USER)
  expect(result.events.filter((l) => l.type === 'agent').map((l) => l.text)).toEqual(['It is noon.', 'You are welcome.'])
  expect(result.events.at(-1)).toMatchObject({ type: 'done', replies: 2, ok: true })
  // The provider heard exactly two turns: the pause inside the first press did not end it.
  expect(sim.records.turns).toHaveLength(2)
  return result
}

describe('earshot talk --ptt', () => {
  it('OpenAI: turn detection off, one commit and one response.create per press, the first syllable kept, nothing between presses', async () => {
    const sim = await startOpenAISim(SCRIPT)
    try {
      await run('openai', sim)
      const wire = sim.wire.entries
      const update = frames(wire, 'in', 'session.update')[0]!.json as any
      expect(update.session.audio.input.turn_detection).toBeNull()
      expect(frames(wire, 'in', 'input_audio_buffer.commit')).toHaveLength(2)
      expect(frames(wire, 'in', 'response.create')).toHaveLength(2)
      const audio = uplinkAudio(wire, 'openai')
      expect(audio).toHaveLength(framesFor(ranges[0]!) + framesFor(ranges[1]!))
      // Every frame of a press precedes its commit; nothing is sent between the first commit and the second press.
      const commits = frames(wire, 'in', 'input_audio_buffer.commit').map((c) => wire.indexOf(c))
      expect(audio.slice(0, framesFor(ranges[0]!)).every((f) => wire.indexOf(f) < commits[0]!)).toBe(true)
      expect(audio.slice(framesFor(ranges[0]!)).every((f) => wire.indexOf(f) > commits[0]! && wire.indexOf(f) < commits[1]!)).toBe(true)
      // The pre-roll: the first 600 ms sent start 400 ms before the speech, so the speech begins
      // 400 ms into the uplink, 200 ms before the key went down: that first syllable is there.
      const pcm = audio.slice(0, 30).map((f) => decodeB64Pcm((f as any).json.audio))
      expect(rms(pcm.slice(0, 15).reduce((all, p) => Int16Array.from([...all, ...p]), new Int16Array(0)))).toBeLessThan(0.005)
      expect(rms(pcm.slice(20, 30).reduce((all, p) => Int16Array.from([...all, ...p]), new Int16Array(0)))).toBeGreaterThan(0.02)
    } finally {
      await sim.close()
    }
  }, 70_000)

  it('Speko: one commit per press, a clear at each press, no silence padding, nothing between presses', async () => {
    const sim = await startSpekoSim(SCRIPT)
    try {
      await run('speko', sim)
      const wire = sim.wire.entries
      const controls = frames(wire, 'in', 'control').map((f) => (f.json as any).action)
      expect(controls).toEqual(['clear', 'commit', 'clear', 'commit'])
      const audio = uplinkAudio(wire, 'speko')
      expect(audio).toHaveLength(framesFor(ranges[0]!) + framesFor(ranges[1]!))
      const commits = frames(wire, 'in', 'control').filter((f) => (f.json as any).action === 'commit').map((c) => wire.indexOf(c))
      expect(audio.slice(framesFor(ranges[0]!)).every((f) => wire.indexOf(f) > commits[0]!)).toBe(true)
      // The simulator measured each turn from all the audio of its press: pre-roll included.
      expect(sim.records.turns[0]!.userSpeechMs).toBe(framesFor(ranges[0]!) * 20)
    } finally {
      await sim.close()
    }
  }, 70_000)

  it('AssemblyAI: the turn is held open while pressed, then the shortest pacing and exactly its max_silence of silence, nothing between presses', async () => {
    const sim = await startAssemblyAISim(SCRIPT)
    try {
      await run('assemblyai', sim)
      const wire = sim.wire.entries
      const updates = frames(wire, 'in', 'session.update').map((f) => (f.json as any).session.input?.turn_detection)
      expect(updates[0]).toEqual({ interrupt_response: true, min_silence: 3000, max_silence: 6000 })
      expect(updates.filter((td) => td?.min_silence === ASSEMBLYAI_RELEASE_PACING.min_silence)).toHaveLength(2)
      const audio = uplinkAudio(wire, 'assemblyai')
      const silence = ASSEMBLYAI_RELEASE_PACING.max_silence / 20
      expect(audio).toHaveLength(framesFor(ranges[0]!) + framesFor(ranges[1]!) + 2 * silence)
      const pcm = audio.slice(0, 30).map((f) => decodeB64Pcm((f as any).json.audio))
      expect(rms(pcm.slice(20, 30).reduce((all, p) => Int16Array.from([...all, ...p]), new Int16Array(0)))).toBeGreaterThan(0.02)
    } finally {
      await sim.close()
    }
  }, 70_000)
})

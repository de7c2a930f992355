/* eslint-disable @typescript-eslint/no-explicit-any -- wire frames are untyped JSON; the assertions check their shape */
/**
 * `earshot talk --provider speko` end to end against the Speko S2S simulator: the wsToken as the
 * only subprotocol, the ready frame's rates winning over the requested ones, binary PCM16 20 ms
 * frames both ways, JSON-string tool arguments -> tool_result, barge-in, provider errors.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSpekoSim, type SpekoSimOptions } from '../main/sim/speko'
import type { SimHandle } from '../main/sim/common'
import type { SimScript } from '../main/sim/script'
import type { WireEntry } from '../main/sim/wire'
import { everyEntryText, frames, joinWavs, pacingViolations, runCli, speechWav, streamStart, talkArgs, workdir, type Workdir } from './talk-harness'

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/

let work: Workdir
let question: string
let twoUtterances: string
beforeAll(() => {
  work = workdir()
  question = speechWav(work, 'question', 'What time is it?', 22050)
  const first = speechWav(work, 'first', 'Tell me a long story please.')
  const second = speechWav(work, 'second', 'Stop, thanks.')
  twoUtterances = joinWavs(work, 'two', [first, second], 1600)
})
afterAll(() => work?.cleanup())

async function withSim<T>(script: SimScript, options: SpekoSimOptions, fn: (sim: SimHandle) => Promise<T>): Promise<T> {
  const sim = await startSpekoSim(script, options)
  try {
    return await fn(sim)
  } finally {
    await sim.close()
  }
}

type Binary = Extract<WireEntry, { kind: 'binary' }>
const binaries = (wire: readonly WireEntry[], dir: 'in' | 'out') => wire.filter((e): e is Binary => e.kind === 'binary' && e.dir === dir)

const sha = (pcm: Int16Array) => createHash('sha256').update(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength)).digest('hex')

/** Splits OUT.wav into the simulator's reply frames and checks each one's hash: played unchanged. */
function matchFrames(out: Int16Array, sent: Binary[]): { fullFrames: number; rest: number } {
  let at = 0
  let full = 0
  for (const frame of sent) {
    const samples = frame.bytes / 2
    if (at + samples > out.length) break
    expect(sha(out.subarray(at, at + samples)), `reply frame ${full}`).toBe(frame.sha256)
    at += samples
    full++
  }
  return { fullFrames: full, rest: out.length - at }
}

function checkWire(sim: SimHandle, events: Array<Record<string, unknown>>, inputBytes: number) {
  const wire = sim.wire.entries
  const mint = wire[0]!
  expect(mint).toMatchObject({ kind: 'http', method: 'POST', path: '/v1/sessions' })
  if (mint.kind !== 'http') return
  expect(mint.headers.authorization).toBe(`Bearer ${sim.apiKey}`)
  const request = JSON.parse(mint.body)
  expect(request).toMatchObject({ mode: 's2s', s2s: { provider: 'openai', inputSampleRate: 24000, outputSampleRate: 24000 } })
  const time = request.s2s.tools.find((t: { name: string }) => t.name === 'get_current_time')
  expect(Object.keys(time).sort()).toEqual(['description', 'name', 'parameters']) // flat, no "type"
  const minted = JSON.parse(mint.response)
  expect(everyEntryText(wire.slice(1))).not.toContain(sim.apiKey)
  expect(wire.filter((e) => e.kind === 'binary' && e.leak)).toEqual([])
  const handshake = wire.find((e) => e.kind === 'handshake')!
  expect(handshake).toMatchObject({ path: new URL(minted.wsUrl).pathname, protocols: [minted.wsToken], protocol: minted.wsToken, accepted: true })
  // Binary PCM only after ready, as 20 ms frames at the ready frame's rate, in real time.
  const ready = wire.findIndex((e) => e.kind === 'text' && e.dir === 'out' && e.type === 'ready')
  const audioIn = binaries(wire, 'in')
  expect(wire.indexOf(audioIn[0]!)).toBeGreaterThan(ready)
  expect(new Set(audioIn.map((b) => b.bytes))).toEqual(new Set([inputBytes]))
  expect(frames(wire, 'in').filter((f) => f.type !== 'tool_result')).toEqual([]) // nothing but audio and tool results
  expect(pacingViolations(audioIn.map((b) => b.at), streamStart(events), 20)).toEqual([])
  // A normal close by the client at the end.
  expect(wire.filter((e) => e.kind === 'close')[0]).toMatchObject({ dir: 'in', code: 1000 })
}

describe('earshot talk --provider speko', () => {
  it('uses the ready frame rates (16 kHz), runs a tool with JSON-string arguments, plays the answer unchanged', async () => {
    const script: SimScript = { turns: [{ user: 'What time is it?', toolCalls: [{ name: 'get_current_time', arguments: {} }], reply: 'It is late.', replyMs: 800 }] }
    await withSim(script, { readyRates: { input: 16000, output: 16000 } }, async (sim) => {
      const { args, files } = talkArgs('speko', question, work, ['--timeout', '30'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      checkWire(sim, result.events, 640) // 320 samples at 16 kHz
      expect(result.events.find((l) => l.type === 'ready')).toMatchObject({ inputSampleRate: 16000, outputSampleRate: 16000 })
      const wire = sim.wire.entries
      const call = frames(wire, 'out', 'tool_call')[0]!
      expect(typeof (call.json as any).arguments).toBe('string')
      const tool = result.events.find((l) => l.type === 'tool')!
      expect(tool).toMatchObject({ name: 'get_current_time', arguments: {}, status: 'ok' })
      expect((tool.result as any).iso).toMatch(ISO)
      const results = frames(wire, 'in', 'tool_result')
      expect(results).toHaveLength(1)
      expect(results[0]!.json).toEqual({ t: 'tool_result', callId: (call.json as any).callId, output: JSON.stringify(tool.result) })
      expect(wire.indexOf(results[0]!)).toBeGreaterThan(wire.indexOf(call))
      expect(result.events.find((l) => l.type === 'agent')).toMatchObject({ text: 'It is late.', interrupted: false })
      expect(result.out?.sampleRate).toBe(16000)
      const sent = binaries(wire, 'out')
      expect(result.out!.samples.length).toBe(sent.reduce((n, b) => n + b.bytes / 2, 0))
      expect(matchFrames(result.out!.samples, sent)).toEqual({ fullFrames: sent.length, rest: 0 })
    })
  }, 40_000)

  it('barges in: playback stops at the interruption and the rest of the reply is dropped', async () => {
    const script: SimScript = {
      turns: [
        { user: 'Tell me a long story please.', reply: 'Once upon a time there was a long story that went on and on.', replyMs: 5000 },
        { user: 'Stop, thanks.', reply: 'Okay.', replyMs: 600 },
      ],
    }
    await withSim(script, {}, async (sim) => {
      const { args, files } = talkArgs('speko', twoUtterances, work, ['--turns', '2', '--timeout', '30'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      checkWire(sim, result.events, 960)
      const wire = sim.wire.entries
      const interruption = wire.findIndex((e) => e.kind === 'text' && e.type === 'interruption')
      expect(interruption).toBeGreaterThan(0)
      const agents = result.events.filter((l) => l.type === 'agent')
      expect(agents[0]).toMatchObject({ interrupted: true })
      expect(agents.at(-1)).toMatchObject({ text: 'Okay.', interrupted: false })
      const before = binaries(wire.slice(0, interruption), 'out')
      const after = binaries(wire.slice(interruption), 'out')
      const out = result.out!.samples
      const secondSamples = after.reduce((n, b) => n + b.bytes / 2, 0)
      const played = out.length - secondSamples
      const firstSent = before.reduce((n, b) => n + b.bytes / 2, 0)
      expect(played).toBeGreaterThan(24000 * 0.5)
      expect(played).toBeLessThanOrEqual(firstSent)
      expect(played).toBeLessThan(24000 * 5) // not the whole 5 s reply
      matchFrames(out.subarray(0, played), before)
      expect(matchFrames(out.subarray(played), after)).toEqual({ fullFrames: after.length, rest: 0 })
      expect(result.events.some((l) => l.type === 'bargein')).toBe(true)
    })
  }, 40_000)

  it('exits non-zero with one line when the provider fails to connect, or the key is wrong', async () => {
    await withSim({ turns: [] }, { providerConnectFails: true }, async (sim) => {
      const { args, files } = talkArgs('speko', question, work, ['--timeout', '20'])
      const result = await runCli(args, sim.env, files)
      expect(result.code).not.toBe(0)
      expect(result.code).not.toBe(4) // not a timeout: the provider said why
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).toMatch(/^earshot: .*S2S_PROVIDER_CONNECT_FAILED/)
      expect(binaries(sim.wire.entries, 'in')).toEqual([])
      expect(result.events.some((l) => l.type === 'error')).toBe(true)
    })
    await withSim({ turns: [] }, {}, async (sim) => {
      const { args, files } = talkArgs('speko', question, work)
      const result = await runCli(args, { ...sim.env, SPEKO_API_KEY: 'spk-wrong-000000' }, files)
      expect(result.code).toBe(3)
      expect(result.stderr).toMatch(/^earshot: Speko rejected the API key \(HTTP 401\).*SPEKO_API_KEY/)
    })
  }, 40_000)
})

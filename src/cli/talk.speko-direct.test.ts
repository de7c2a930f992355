/* eslint-disable @typescript-eslint/no-explicit-any -- wire frames are untyped JSON; the assertions check their shape */
/**
 * `earshot talk --provider speko` when POST /v1/sessions answers with a provider_direct
 * `xai.realtime.v1` session (the newer Speko API): same command line and environment as the proxy
 * answer, the conversation runs on the xAI-compatible socket with `xai-client-secret.<credential>`
 * as the only subprotocol, usage reports reach the telemetry endpoint, the mint's Idempotency-Key
 * survives a lost reply, and unsupported upstreams fail with one clear line.
 */
import { writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeWav } from './wav'
import type { SimHandle } from '../main/sim/common'
import type { SimScript } from '../main/sim/script'
import { startSpekoSim, type SpekoSimOptions } from '../main/sim/speko'
import type { WireEntry } from '../main/sim/wire'
import { everyEntryText, joinWavs, runCli, speechWav, talkArgs, workdir, type Workdir } from './talk-harness'

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

const DIRECT: SpekoSimOptions = { transport: 'provider_direct', flushIntervalMs: 1000 }

async function withSim<T>(script: SimScript, options: SpekoSimOptions, fn: (sim: SimHandle) => Promise<T>): Promise<T> {
  const sim = await startSpekoSim(script, options)
  try {
    return await fn(sim)
  } finally {
    await sim.close()
  }
}

type Text = Extract<WireEntry, { kind: 'text' }>
const texts = (wire: readonly WireEntry[], dir: 'in' | 'out', type?: string) =>
  wire.filter((e): e is Text => e.kind === 'text' && e.dir === dir && (type === undefined || e.type === type))
const json = (e: Text) => JSON.parse(e.text) as Record<string, any>

/** The mint, the xAI handshake and session.update, and the usage reports, as every direct run has them. */
function checkDirect(sim: SimHandle) {
  const wire = sim.wire.entries
  const mint = wire.find((e) => e.kind === 'http' && e.path === '/v1/sessions')!
  if (mint.kind !== 'http') throw new Error('no mint')
  expect(mint.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/)
  const minted = JSON.parse(mint.response)
  expect(minted).toMatchObject({ transport: 'provider_direct', adapter: 'xai.realtime.v1', providerTransport: 'websocket' })
  expect(everyEntryText(wire.filter((e) => e !== mint))).not.toContain(sim.apiKey)
  const handshake = wire.find((e) => e.kind === 'handshake')!
  expect(handshake).toMatchObject({ path: '/v1/realtime', query: { model: minted.model }, protocols: [`xai-client-secret.${minted.credential.value}`], accepted: true })
  // xAI's session shape: voice and turn_detection on the session itself, grok-transcribe.
  const update = json(texts(wire, 'in', 'session.update')[0]!).session
  expect(update).toMatchObject({ type: 'realtime', voice: minted.session.voice, turn_detection: { type: 'server_vad' }, audio: { input: { transcription: { model: 'grok-transcribe' } } } })
  expect(update.audio.output.voice).toBeUndefined()
  expect(texts(wire, 'out')[0]!.type).toBe('conversation.created')
  expect(texts(wire, 'in', 'input_audio_buffer.append').length).toBeGreaterThan(10)
  // Usage reports: periodic ones while the session ran, then usage.reported + session.closed.
  const reports = sim.records.telemetry
  expect(reports.length).toBeGreaterThanOrEqual(2)
  for (const r of reports) expect(r).toMatchObject({ sessionId: minted.sessionId, token: minted.telemetry.token })
  const events = reports.flatMap((r) => r.events)
  const usage = events.filter((e) => e.type === 'usage.reported') as Array<Record<string, any>>
  expect(usage.map((e) => e.event_id)).toEqual(usage.map((_, i) => `${minted.attemptId}:usage.reported:${i + 1}`))
  for (const e of usage) {
    expect(e).toMatchObject({ session_id: minted.sessionId, attempt_id: minted.attemptId, data: { unit: 'duration_seconds' } })
    expect(e.data.quantity_millis).toBeLessThanOrEqual(minted.reservation.authorizedDurationSeconds * 1000)
  }
  const quantities = usage.map((e) => e.data.quantity_millis as number)
  expect([...quantities].sort((a, b) => a - b)).toEqual(quantities) // never decreasing
  expect(quantities.at(-1)).toBeGreaterThan(1000)
  const last = reports.at(-1)!.events
  expect(last.map((e) => e.type)).toEqual(['usage.reported', 'session.closed'])
  expect(last[1]).toMatchObject({ event_id: `${minted.attemptId}:session.closed`, session_id: minted.sessionId })
  expect(events.filter((e) => e.type === 'session.closed')).toHaveLength(1)
}

describe('earshot talk --provider speko with a provider_direct (xAI) session', () => {
  it('holds a basic conversation and reports usage, closing with session.closed', async () => {
    const script: SimScript = { turns: [{ user: 'What time is it?', reply: 'It is almost midnight.', replyMs: 900 }] }
    await withSim(script, DIRECT, async (sim) => {
      const { args, files } = talkArgs('speko', question, work, ['--timeout', '30'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      checkDirect(sim)
      expect(result.events.find((l) => l.type === 'ready')).toMatchObject({ inputSampleRate: 24000, outputSampleRate: 24000 })
      expect(result.events.find((l) => l.type === 'user')).toMatchObject({ text: 'What time is it?' })
      expect(result.events.find((l) => l.type === 'agent')).toMatchObject({ text: 'It is almost midnight.', interrupted: false })
      expect(result.out!.samples.length).toBeGreaterThan(24000 * 0.5)
      expect(sim.records.mints).toEqual([{ sessionId: expect.any(String), idempotencyKey: expect.any(String), replayed: false }])
    })
  }, 40_000)

  it('runs a tool: function_call_output then the spoken answer', async () => {
    const script: SimScript = { turns: [{ user: 'What time is it?', toolCalls: [{ name: 'get_current_time', arguments: {} }], reply: 'It is late.', replyMs: 800 }] }
    await withSim(script, DIRECT, async (sim) => {
      const { args, files } = talkArgs('speko', question, work, ['--timeout', '30'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      checkDirect(sim)
      const wire = sim.wire.entries
      const call = json(texts(wire, 'out', 'response.function_call_arguments.done')[0]!)
      const tool = result.events.find((l) => l.type === 'tool')!
      expect(tool).toMatchObject({ name: 'get_current_time', arguments: {}, status: 'ok' })
      const outputs = texts(wire, 'in', 'conversation.item.create').map(json).filter((f) => f.item?.type === 'function_call_output')
      expect(outputs).toEqual([expect.objectContaining({ item: { type: 'function_call_output', call_id: call.call_id, output: JSON.stringify(tool.result) } })])
      expect(sim.records.toolResults).toHaveLength(1)
      expect(result.events.filter((l) => l.type === 'agent').at(-1)).toMatchObject({ text: 'It is late.', interrupted: false })
    })
  }, 40_000)

  it('barges in: the client cancels the reply (xAI does not cancel on speech by itself)', async () => {
    const script: SimScript = {
      turns: [
        { user: 'Tell me a long story please.', reply: 'Once upon a time there was a long story that went on and on.', replyMs: 5000 },
        { user: 'Stop, thanks.', reply: 'Okay.', replyMs: 600 },
      ],
    }
    await withSim(script, DIRECT, async (sim) => {
      const { args, files } = talkArgs('speko', twoUtterances, work, ['--turns', '2', '--timeout', '30'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      const wire = sim.wire.entries
      const started = wire.indexOf(texts(wire, 'out', 'input_audio_buffer.speech_started')[1]!)
      const cancel = wire.indexOf(texts(wire, 'in', 'response.cancel')[0]!)
      expect(started).toBeGreaterThan(0)
      expect(cancel).toBeGreaterThan(started)
      expect(sim.records.bargeIns).toHaveLength(1)
      const agents = result.events.filter((l) => l.type === 'agent')
      expect(agents[0]).toMatchObject({ interrupted: true })
      expect(agents.at(-1)).toMatchObject({ text: 'Okay.', interrupted: false })
      expect(result.events.some((l) => l.type === 'bargein')).toBe(true)
    })
  }, 40_000)

  it('retries a mint whose reply was lost with the same Idempotency-Key and gets the same session', async () => {
    const script: SimScript = { turns: [{ user: 'What time is it?', reply: 'Noon.', replyMs: 500 }] }
    await withSim(script, { ...DIRECT, dropFirstMint: true }, async (sim) => {
      const { args, files } = talkArgs('speko', question, work, ['--timeout', '30'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      const [first, second] = sim.records.mints
      expect(sim.records.mints).toHaveLength(2)
      expect(first).toMatchObject({ replayed: false })
      expect(second).toEqual({ ...first, replayed: true })
      expect(first!.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/)
      expect(sim.connections).toBe(1)
      expect(new Set(sim.records.telemetry.map((r) => r.sessionId))).toEqual(new Set([first!.sessionId]))
    })
  }, 40_000)

  it('--greeting makes the xAI agent speak first (response.create with the greeting as instructions)', async () => {
    const silent = work.path('quiet.wav')
    writeFileSync(silent, encodeWav(new Int16Array(48000 * 0.3), 48000))
    await withSim({ greeting: 'Hi there, I am listening.', replyMs: 900, turns: [] }, DIRECT, async (sim) => {
      const { args, files } = talkArgs('speko', silent, work, ['--timeout', '20', '--greeting', 'Hi there, I am listening.'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      const creates = texts(sim.wire.entries, 'in', 'response.create').map(json)
      expect(creates).toHaveLength(1)
      expect(creates[0]!.response.instructions).toContain('"Hi there, I am listening."')
      expect(result.events.filter((l) => l.type === 'user')).toEqual([])
      expect(result.events.find((l) => l.type === 'agent')).toMatchObject({ text: 'Hi there, I am listening.', interrupted: false })
    })
  }, 30_000)

  it('stops with one clear line naming what works when Speko picks an upstream the command line does not speak', async () => {
    for (const directAdapter of ['google.live.v1', 'openai.realtime.v1'] as const) {
      await withSim({ turns: [] }, { transport: 'provider_direct', directAdapter }, async (sim) => {
        const { args, files } = talkArgs('speko', question, work, ['--timeout', '20'])
        const result = await runCli(args, sim.env, files)
        expect(result.code).toBe(1)
        const lines = result.stderr.trim().split('\n')
        expect(lines).toHaveLength(1)
        // Gemini Live is not spoken at all; OpenAI needs WebRTC, which the command line has not.
        const name = directAdapter === 'google.live.v1' ? /Gemini Live \(google\.live\.v1\).*not support yet\./ : /OpenAI Realtime over WebRTC \(openai\.realtime\.v1\).*the command line has none/
        expect(lines[0]).toMatch(name)
        expect(lines[0]).toMatch(/What works today: Speko sessions on the xAI upstream .* or the OpenAI or AssemblyAI provider with your own key\.$/)
        expect(sim.connections).toBe(0)
      })
    }
  }, 40_000)
})

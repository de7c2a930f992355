/* eslint-disable @typescript-eslint/no-explicit-any -- wire frames are untyped JSON; the assertions check their shape */
/**
 * `earshot talk --provider openai` end to end: the CLI runs as a child process against the OpenAI
 * Realtime simulator; the tests check the output files and the simulator's wire log.
 */
import { writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAISim } from '../main/sim/openai'
import type { SimHandle } from '../main/sim/common'
import type { SimScript } from '../main/sim/script'
import type { WireEntry } from '../main/sim/wire'
import { encodeWav } from './wav'
import { concatPcm, decodeB64Pcm, everyEntryText, frames, indexOfFrame, joinWavs, pacingViolations, runCli, samePcm, streamStart, speechWav, talkArgs, workdir, type Workdir } from './talk-harness'

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/

let work: Workdir
let hello: string
let question: string
let twoUtterances: string
beforeAll(() => {
  work = workdir()
  hello = speechWav(work, 'hello', 'Hello there, how are you?')
  question = speechWav(work, 'question', 'What time is it?', 44100, 2) // stereo 44.1 kHz: mixed down and resampled
  const first = speechWav(work, 'first', 'Tell me a long story please.')
  const second = speechWav(work, 'second', 'Stop, thanks.')
  twoUtterances = joinWavs(work, 'barge', [first, second], 1600)
})
afterAll(() => work?.cleanup())

async function withSim<T>(script: SimScript, fn: (sim: SimHandle) => Promise<T>, options: Parameters<typeof startOpenAISim>[1] = {}): Promise<T> {
  const sim = await startOpenAISim(script, options)
  try {
    return await fn(sim)
  } finally {
    await sim.close()
  }
}

/** Every reply audio delta the simulator sent for a response (on one connection), decoded. */
function replyAudio(wire: readonly WireEntry[], responseId: string, conn = 0): Int16Array {
  return concatPcm(
    frames(wire, 'out', 'response.output_audio.delta')
      .filter((f) => f.conn === conn && (f.json as { response_id: string }).response_id === responseId)
      .map((f) => decodeB64Pcm((f.json as { delta: string }).delta)),
  )
}

/** Checks that hold for every run: key custody, handshake, first message, frames, pacing. */
function checkWire(sim: SimHandle, opts: { events: Array<Record<string, unknown>>; appendsExpected?: boolean }) {
  const wire = sim.wire.entries
  // The real key travels only on mint requests (one per connection), and nowhere else.
  expect(wire[0]).toMatchObject({ kind: 'http', method: 'POST', path: '/v1/realtime/client_secrets' })
  for (const mint of wire.filter((e) => e.kind === 'http')) {
    expect(mint).toMatchObject({ method: 'POST', path: '/v1/realtime/client_secrets' })
    expect((mint as { headers: Record<string, string> }).headers.authorization).toBe(`Bearer ${sim.apiKey}`)
  }
  expect(everyEntryText(wire.filter((e) => e.kind !== 'http'))).not.toContain(sim.apiKey)
  const handshakes = wire.filter((e) => e.kind === 'handshake')
  expect(handshakes.length).toBeGreaterThanOrEqual(1)
  for (const h of handshakes) {
    if (h.kind !== 'handshake') continue
    expect(h.path).toBe('/v1/realtime')
    expect(h.query).toEqual({ model: 'gpt-realtime' })
    expect(h.protocols).toHaveLength(2)
    expect(h.protocols[0]).toBe('realtime')
    expect(h.protocols[1]).toMatch(/^openai-insecure-api-key\.ek_[0-9a-f]+$/)
    expect(h.headers.authorization).toBeUndefined()
    expect(h.accepted).toBe(true)
  }
  // session.update is the client's first message; no audio before the session exists.
  const inbound = frames(wire, 'in')
  expect(inbound[0]?.type).toBe('session.update')
  const update = inbound[0]!.json as { session: Record<string, any> }
  expect(update.session.type).toBe('realtime')
  expect(update.session.audio.input.turn_detection.type).toBe('server_vad')
  expect(update.session.audio.input.transcription.model).toBe('gpt-4o-mini-transcribe')
  expect(update.session.audio.input.format).toEqual({ type: 'audio/pcm', rate: 24000 })
  expect(update.session.tools.map((t: { name: string }) => t.name)).toContain('get_current_time')
  const created = indexOfFrame(wire, (f) => f.dir === 'out' && f.type === 'session.created')
  const firstAppend = indexOfFrame(wire, (f) => f.dir === 'in' && f.type === 'input_audio_buffer.append')
  if (opts.appendsExpected !== false) {
    expect(firstAppend).toBeGreaterThan(created)
    expect(firstAppend).toBeGreaterThan(indexOfFrame(wire, (f) => f.dir === 'in' && f.type === 'session.update'))
    const appends = frames(wire, 'in', 'input_audio_buffer.append')
    // 20 ms frames: 480 samples = 960 bytes = 1280 base64 characters.
    for (const a of appends) expect((a.json as { audio: string }).audio.length).toBe(1280)
    // Never ahead of the wall clock, and keeping up with it (the last frame is not far behind).
    const start = streamStart(opts.events)
    expect(start).toBeGreaterThanOrEqual((wire[created] as { at: number }).at - 1)
    expect(pacingViolations(appends.map((a) => a.at), start, 20)).toEqual([])
    expect(start + appends.length * 20).toBeGreaterThan(appends.at(-1)!.at - 400)
  }
  // No greeting: the client never asks for a reply before the user spoke.
  const firstCreate = indexOfFrame(wire, (f) => f.dir === 'in' && f.type === 'response.create')
  if (firstCreate >= 0) expect(firstCreate).toBeGreaterThan(indexOfFrame(wire, (f) => f.dir === 'out' && f.type === 'input_audio_buffer.speech_started'))
}

describe('earshot talk --provider openai', () => {
  it('holds a basic conversation: user and agent transcripts, OUT.wav = the reply audio exactly', async () => {
    await withSim({ turns: [{ user: 'Hello there, how are you?', reply: 'I am well, thank you.', replyMs: 1200 }] }, async (sim) => {
      const { args, files } = talkArgs('openai', hello, work, ['--timeout', '30'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      checkWire(sim, { events: result.events })
      const lines = result.events
      const user = lines.findIndex((l) => l.type === 'user')
      const agent = lines.findIndex((l) => l.type === 'agent')
      expect(lines[user]).toMatchObject({ type: 'user', text: 'Hello there, how are you?' })
      expect(lines[agent]).toMatchObject({ type: 'agent', text: 'I am well, thank you.', interrupted: false })
      expect(user).toBeLessThan(agent)
      expect(lines.at(-1)).toMatchObject({ type: 'done', replies: 1, ok: true })
      const reply = replyAudio(sim.wire.entries, 'resp_1')
      expect(reply.length).toBe(24000 * 1.2)
      expect(result.out?.sampleRate).toBe(24000)
      expect(result.out?.samples.length).toBe(reply.length)
      expect(samePcm(result.out!.samples, reply)).toBe(true)
      // A normal close after the reply finished playing.
      const close = sim.wire.entries.filter((e) => e.kind === 'close')
      expect(close[0]).toMatchObject({ dir: 'in', code: 1000 })
      expect(sim.connections).toBe(1)
    })
  }, 40_000)

  it('runs get_current_time and an unknown tool; function_call_output before response.create, response.create after response.done', async () => {
    const script: SimScript = {
      turns: [
        {
          user: 'What time is it?',
          toolCalls: [
            { name: 'get_current_time', arguments: {} },
            { name: 'launch_rockets', arguments: { count: 3 } },
            { name: 'open_url', arguments: { url: 'https://example.com/' } },
          ],
          reply: 'Here you go.',
          replyMs: 800,
        },
      ],
    }
    await withSim(script, async (sim) => {
      const { args, files } = talkArgs('openai', question, work, ['--timeout', '30'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      checkWire(sim, { events: result.events })
      const tools = result.events.filter((l) => l.type === 'tool')
      expect(tools).toHaveLength(3)
      // --approve read-only (the default): a tool that leaves the machine is denied, not run.
      expect(tools.find((t) => t.name === 'open_url')).toMatchObject({ arguments: { url: 'https://example.com/' }, status: 'denied' })
      const time = tools.find((t) => t.name === 'get_current_time')!
      expect(time).toMatchObject({ arguments: {}, status: 'ok' })
      expect((time.result as { iso: string }).iso).toMatch(ISO)
      const rockets = tools.find((t) => t.name === 'launch_rockets')!
      expect(rockets).toMatchObject({ arguments: { count: 3 }, status: 'error' })
      expect(JSON.stringify(rockets.result)).toMatch(/no tool called/i)

      const wire = sim.wire.entries
      const done1 = indexOfFrame(wire, (f) => f.dir === 'out' && f.type === 'response.done' && (f.json as any).response.id === 'resp_1')
      const outputs = wire
        .map((e, i) => ({ e, i }))
        .filter(({ e }) => e.kind === 'text' && e.dir === 'in' && e.type === 'conversation.item.create' && (e.json as any).item.type === 'function_call_output')
      expect(outputs).toHaveLength(3) // every call gets an answer, denied and unknown ones included
      const create = indexOfFrame(wire, (f) => f.dir === 'in' && f.type === 'response.create')
      expect(create).toBeGreaterThan(done1) // never racing the active response
      for (const { e, i } of outputs) {
        // Each output follows its completed function_call item and precedes the reply request.
        const callId = (e as any).json.item.call_id as string
        const itemDone = indexOfFrame(wire, (f) => f.dir === 'out' && f.type === 'response.output_item.done' && (f.json as any).item.call_id === callId)
        expect(itemDone).toBeGreaterThanOrEqual(0)
        expect(i).toBeGreaterThan(itemDone)
        expect(i).toBeLessThan(create)
      }
      const sentTime = outputs.map(({ e }) => (e as any).json.item.output as string).find((o) => o.includes('"iso"'))!
      expect(JSON.parse(sentTime)).toEqual(time.result)
      expect(frames(wire, 'in', 'response.create')).toHaveLength(1)
      // The spoken answer came in the second response and is what was played.
      expect(result.events.find((l) => l.type === 'agent')).toMatchObject({ text: 'Here you go.', interrupted: false })
      expect(samePcm(result.out!.samples, replyAudio(wire, 'resp_2'))).toBe(true)
    })
  }, 40_000)

  it('--approve none denies even read-only tools, and the denial goes back to the model', async () => {
    const script: SimScript = { turns: [{ user: 'What time is it?', toolCalls: [{ name: 'get_current_time', arguments: {} }], reply: 'I may not look.', replyMs: 600 }] }
    await withSim(script, async (sim) => {
      const { args, files } = talkArgs('openai', question, work, ['--timeout', '30', '--approve', 'none'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      const tool = result.events.find((l) => l.type === 'tool')!
      expect(tool).toMatchObject({ name: 'get_current_time', status: 'denied' })
      expect(JSON.stringify(tool.result)).not.toMatch(/"iso"/)
      const output = frames(sim.wire.entries, 'in', 'conversation.item.create').map((f) => (f.json as any).item.output as string)
      expect(output).toHaveLength(1)
      expect(JSON.parse(output[0]!)).toEqual(tool.result)
    })
  }, 40_000)

  it('barges in: playback stops at once, the rest is dropped, truncate reports the played ms', async () => {
    const script: SimScript = {
      turns: [
        { user: 'Tell me a long story please.', reply: 'Once upon a time there was a very long story that went on and on and on.', replyMs: 6000 },
        { user: 'Stop, thanks.', reply: 'Sure.', replyMs: 600 },
      ],
    }
    await withSim(script, async (sim) => {
      const { args, files } = talkArgs('openai', twoUtterances, work, ['--turns', '2', '--timeout', '40'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      checkWire(sim, { events: result.events })
      const wire = sim.wire.entries
      const agents = result.events.filter((l) => l.type === 'agent')
      expect(agents[0]).toMatchObject({ interrupted: true })
      expect((agents[0]!.text as string).length).toBeLessThan('Once upon a time there was a very long story that went on and on and on.'.length)
      expect(agents[1]).toMatchObject({ text: 'Sure.', interrupted: false })
      expect(result.events.some((l) => l.type === 'bargein')).toBe(true)

      const first = replyAudio(wire, 'resp_1')
      const second = replyAudio(wire, 'resp_2')
      const out = result.out!.samples
      const played = out.length - second.length
      expect(played).toBeGreaterThan(0)
      expect(played).toBeLessThan(first.length) // the unplayed rest was dropped
      expect(samePcm(out.subarray(0, played), first.subarray(0, played))).toBe(true)
      expect(samePcm(out.subarray(played), second)).toBe(true)

      const truncates = frames(wire, 'in', 'conversation.item.truncate')
      expect(truncates).toHaveLength(1)
      const truncate = truncates[0]!.json as { item_id: string; content_index: number; audio_end_ms: number }
      const firstItem = (frames(wire, 'out', 'response.output_audio.delta')[0]!.json as { item_id: string }).item_id
      expect(truncate.item_id).toBe(firstItem)
      expect(truncate.content_index).toBe(0)
      expect(Number.isInteger(truncate.audio_end_ms)).toBe(true)
      expect(Math.abs(truncate.audio_end_ms - (played * 1000) / 24000)).toBeLessThanOrEqual(30)
      // The truncate follows the server's barge-in signal.
      expect(indexOfFrame(wire, (f) => f.dir === 'in' && f.type === 'conversation.item.truncate')).toBeGreaterThan(
        wire.findIndex((e, i) => e.kind === 'text' && e.dir === 'out' && e.type === 'input_audio_buffer.speech_started' && i > indexOfFrame(wire, (f) => f.type === 'response.output_audio.delta')),
      )
    })
  }, 50_000)

  it('--greeting makes the agent speak first, and that reply counts', async () => {
    const silent = work.path('quiet.wav')
    writeFileSync(silent, encodeWav(new Int16Array(48000 * 0.3), 48000))
    await withSim({ greeting: 'Hi there, I am listening.', replyMs: 900, turns: [] }, async (sim) => {
      const { args, files } = talkArgs('openai', silent, work, ['--timeout', '20', '--greeting', 'Hi there, I am listening.'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      const wire = sim.wire.entries
      const creates = frames(wire, 'in', 'response.create')
      expect(creates).toHaveLength(1)
      expect(JSON.stringify(creates[0]!.json)).toContain('Hi there, I am listening.')
      expect(frames(wire, 'out', 'input_audio_buffer.speech_started')).toEqual([])
      expect(result.events.filter((l) => l.type === 'user')).toEqual([])
      expect(result.events.find((l) => l.type === 'agent')).toMatchObject({ text: 'Hi there, I am listening.', interrupted: false })
      expect(samePcm(result.out!.samples, replyAudio(wire, 'resp_1'))).toBe(true)
    })
  }, 30_000)

  it('reconnects after a drop with a fresh ek_ key and carries the conversation over as text', async () => {
    const script: SimScript = {
      turns: [
        { user: 'Tell me a long story please.', reply: 'Here is a short one.', replyMs: 1000 },
        { user: 'Stop, thanks.', reply: 'Okay.', replyMs: 600 },
      ],
      faults: [{ kind: 'drop', at: 'after-reply' }],
    }
    await withSim(script, async (sim) => {
      const { args, files } = talkArgs('openai', twoUtterances, work, ['--turns', '2', '--timeout', '30'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      checkWire(sim, { events: result.events })
      const wire = sim.wire.entries
      expect(wire.filter((e) => e.kind === 'http')).toHaveLength(2) // a new credential per connection
      const keys = wire.flatMap((e) => (e.kind === 'handshake' ? [e.protocols[1]] : []))
      expect(keys).toHaveLength(2)
      expect(keys[0]).not.toBe(keys[1])
      // On the new connection: session.update, then the conversation so far as text, then audio.
      const conn1 = frames(wire, 'in').filter((f) => f.conn === 1)
      expect(conn1[0]!.type).toBe('session.update')
      const carried = conn1.filter((f) => f.type === 'conversation.item.create').map((f) => (f.json as any).item)
      expect(carried.map((item) => [item.role, item.content[0].text])).toEqual([
        ['user', 'Tell me a long story please.'],
        ['assistant', 'Here is a short one.'],
      ])
      const firstAudio = conn1.findIndex((f) => f.type === 'input_audio_buffer.append')
      expect(firstAudio).toBeGreaterThan(conn1.findIndex((f) => f.type === 'conversation.item.create'))
      expect(result.events.filter((l) => l.type === 'turn')).toHaveLength(2)
      expect(result.events.at(-1)).toMatchObject({ type: 'done', replies: 2, mints: 2, ok: true })
      expect(samePcm(result.out!.samples, concatPcm([replyAudio(wire, 'resp_1', 0), replyAudio(wire, 'resp_1', 1)]))).toBe(true)
    })
  }, 40_000)

  it('fails with exit 3 and one line when the key is rejected; nothing reaches the socket', async () => {
    await withSim({ turns: [] }, async (sim) => {
      const { args, files } = talkArgs('openai', hello, work)
      const result = await runCli(args, { ...sim.env, OPENAI_API_KEY: 'sk-wrong-key-000000' }, files)
      expect(result.code).toBe(3)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).toMatch(/^earshot: OpenAI rejected the API key \(HTTP 401\).*OPENAI_API_KEY/)
      expect(result.stderr).not.toContain('sk-wrong-key-000000')
      expect(sim.wire.entries.filter((e) => e.kind === 'handshake')).toHaveLength(0)
      expect(result.events.find((l) => l.type === 'error')).toMatchObject({ code: 'auth_failed' })
    })
  }, 30_000)

  it('fails with exit 4 on --timeout and closes the session normally', async () => {
    const silent = work.path('silence.wav')
    writeFileSync(silent, encodeWav(new Int16Array(48000 * 0.5), 48000))
    await withSim({ turns: [] }, async (sim) => {
      const { args, files } = talkArgs('openai', silent, work, ['--timeout', '2'])
      const result = await runCli(args, sim.env, files)
      expect(result.code).toBe(4)
      expect(result.stderr.trim()).toBe('earshot: Timed out after 2 s with 0 of 1 reply finished.')
      expect(result.events.some((l) => l.type === 'error' && l.code === 'timeout')).toBe(true)
      checkWire(sim, { events: result.events })
      const appends = frames(sim.wire.entries, 'in', 'input_audio_buffer.append')
      // Open-mic silence continues after the 0.5 s file, in real time, until the timeout.
      expect(appends.length).toBeGreaterThan(50)
      expect(appends.length).toBeLessThanOrEqual(100)
      expect(sim.wire.entries.filter((e) => e.kind === 'close')[0]).toMatchObject({ dir: 'in', code: 1000 })
      expect(result.out?.samples.length).toBe(0)
    })
  }, 30_000)

  it('reports a provider outage (exit 5) and bad input files (exit 2) clearly', async () => {
    await withSim({ turns: [] }, async (sim) => {
      const { args, files } = talkArgs('openai', hello, work)
      const result = await runCli(args, sim.env, files)
      expect(result.code).toBe(5)
      expect(result.stderr).toMatch(/^earshot: OpenAI is having trouble right now \(HTTP 503\)/)
    }, { mintFault: { status: 503 } })
    const notWav = work.path('notes.txt')
    writeFileSync(notWav, 'this is not audio')
    const { args, files } = talkArgs('openai', notWav, work)
    const bad = await runCli(args, { OPENAI_API_KEY: 'sk-unused-000000', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }, files)
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim()).toBe(`earshot: ${notWav} is not a WAV file (it does not start with a RIFF/WAVE header).`)
  }, 30_000)
})

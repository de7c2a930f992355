/* eslint-disable @typescript-eslint/no-explicit-any -- wire frames are untyped JSON; the assertions check their shape */
/**
 * `earshot talk --provider assemblyai` end to end against the AssemblyAI Voice Agent simulator:
 * tool results held until reply.done (and dropped for an interrupted reply), barge-in, session
 * resume with a fresh one-time token, the fallback to a fresh session, and auth failures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAssemblyAISim, type AssemblyAISimOptions } from '../main/sim/assemblyai'
import type { SimHandle } from '../main/sim/common'
import type { SimScript } from '../main/sim/script'
import type { WireEntry } from '../main/sim/wire'
import { concatPcm, decodeB64Pcm, everyEntryText, frames, joinWavs, pacingViolations, runCli, samePcm, speechWav, streamStart, talkArgs, workdir, type Workdir } from './talk-harness'

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/

let work: Workdir
let question: string
let twoUtterances: string
beforeAll(() => {
  work = workdir()
  question = speechWav(work, 'question', 'What time is it?', 16000) // 16 kHz: resampled up to 24 kHz
  const first = speechWav(work, 'first', 'Tell me a long story please.')
  const second = speechWav(work, 'second', 'Stop, thanks.')
  twoUtterances = joinWavs(work, 'two', [first, second], 1600)
})
afterAll(() => work?.cleanup())

async function withSim<T>(script: SimScript, options: AssemblyAISimOptions, fn: (sim: SimHandle) => Promise<T>): Promise<T> {
  const sim = await startAssemblyAISim(script, options)
  try {
    return await fn(sim)
  } finally {
    await sim.close()
  }
}

type Text = Extract<WireEntry, { kind: 'text' }>
const onConn = (wire: readonly WireEntry[], conn: number) => wire.filter((e): e is Text => e.kind === 'text' && e.conn === conn)

/** Reply audio per reply id, from the order of reply.started / reply.audio frames on the wire. */
function replyAudio(wire: readonly WireEntry[]): Map<string, Int16Array> {
  const parts = new Map<string, Int16Array[]>()
  const current = new Map<number, string>()
  for (const e of wire) {
    if (e.kind !== 'text' || e.dir !== 'out') continue
    if (e.type === 'reply.started') {
      const key = `${e.conn}:${(e.json as any).reply_id}`
      current.set(e.conn, key)
      parts.set(key, [])
    } else if (e.type === 'reply.audio') {
      parts.get(current.get(e.conn) ?? '')?.push(decodeB64Pcm((e.json as any).data))
    }
  }
  return new Map([...parts].map(([k, v]) => [k, concatPcm(v)]))
}

/** Every run: key custody, one-time tokens, first message, no audio before ready, 20 ms frames, pacing, clean end. */
function checkWire(sim: SimHandle, events: Array<Record<string, unknown>>, opts: { completed?: boolean } = {}) {
  const wire = sim.wire.entries
  const mints = wire.filter((e) => e.kind === 'http')
  const handshakes = wire.filter((e): e is Extract<WireEntry, { kind: 'handshake' }> => e.kind === 'handshake')
  expect(mints.length).toBe(handshakes.length) // a new token for every connection
  for (const m of mints) {
    if (m.kind !== 'http') continue
    expect(m).toMatchObject({ method: 'GET', path: '/v1/token', query: { expires_in_seconds: '60' } })
    expect(m.headers.authorization).toBe(`Bearer ${sim.apiKey}`)
  }
  expect(everyEntryText(wire.filter((e) => e.kind !== 'http'))).not.toContain(sim.apiKey)
  const tokens = handshakes.map((h) => h.query.token)
  expect(new Set(tokens).size).toBe(tokens.length)
  for (const h of handshakes) {
    expect(h.path).toBe('/v1/ws')
    expect(h.protocols).toEqual([])
    expect(h.headers.authorization).toBeUndefined()
    expect(h.query.token).toMatch(/^aai_tok_/)
  }
  for (const h of handshakes) {
    const conn = onConn(wire, h.conn)
    const inbound = conn.filter((f) => f.dir === 'in')
    if (inbound.length === 0) continue
    expect(['session.update', 'session.resume']).toContain(inbound[0]!.type)
    // No audio before this connection's session.ready.
    const ready = conn.findIndex((f) => f.dir === 'out' && f.type === 'session.ready')
    const firstAudio = conn.findIndex((f) => f.dir === 'in' && f.type === 'input.audio')
    if (firstAudio >= 0) expect(firstAudio).toBeGreaterThan(ready)
    expect(sim.records.errors.filter((e) => e.code === 'invalid_format')).toEqual([])
  }
  const audio = frames(wire, 'in', 'input.audio')
  expect(audio.length).toBeGreaterThan(50)
  for (const a of audio) expect((a.json as any).audio.length).toBe(1280) // 480 samples = 960 bytes
  const conn0 = audio.filter((a) => a.conn === 0)
  expect(pacingViolations(conn0.map((a) => a.at), streamStart(events), 20)).toEqual([])
  if (opts.completed !== false) {
    // A clean end: session.end is the client's last message, then session.ended and close 1000.
    const lastIn = frames(wire, 'in').at(-1)!
    expect(lastIn.type).toBe('session.end')
    expect(frames(wire, 'out').at(-1)!.type).toBe('session.ended')
    expect(wire.at(-1)).toMatchObject({ kind: 'close', code: 1000 })
  }
}

describe('earshot talk --provider assemblyai', () => {
  it('calls get_current_time and sends the result only after reply.done; the answer is played', async () => {
    const script: SimScript = {
      turns: [{ user: 'What time is it?', toolCalls: [{ name: 'get_current_time', arguments: {} }], transition: 'One moment.', reply: 'It is late.', replyMs: 800 }],
    }
    await withSim(script, {}, async (sim) => {
      // The transition phrase is a reply that spoke, so it counts (docs/cli.md); the answer is the second.
      const { args, files } = talkArgs('assemblyai', question, work, ['--timeout', '30', '--turns', '2'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      checkWire(sim, result.events)
      const wire = sim.wire.entries
      const update = frames(wire, 'in', 'session.update')[0]!.json as any
      expect(update.session.tools.map((t: { name: string }) => t.name)).toContain('get_current_time')
      expect(update.session.greeting ?? '').toBe('')
      const tool = result.events.find((l) => l.type === 'tool')!
      expect(tool).toMatchObject({ name: 'get_current_time', arguments: {}, status: 'ok' })
      expect((tool.result as any).iso).toMatch(ISO)
      const results = frames(wire, 'in', 'tool.result')
      expect(results).toHaveLength(1)
      expect(JSON.parse((results[0]!.json as any).result)).toEqual(tool.result)
      const done = wire.findIndex((e) => e.kind === 'text' && e.dir === 'out' && e.type === 'reply.done')
      expect(wire.indexOf(results[0]!)).toBeGreaterThan(done)
      expect(sim.records.toolResults).toEqual([expect.objectContaining({ afterDone: true, afterInterrupted: false })])
      // Both replies (transition phrase and answer) were played in full, in order.
      const audio = replyAudio(wire)
      expect(samePcm(result.out!.samples, concatPcm([audio.get('0:reply_1')!, audio.get('0:reply_2')!]))).toBe(true)
      const agents = result.events.filter((l) => l.type === 'agent').map((l) => l.text)
      expect(agents).toEqual(['One moment.', 'It is late.'])
      expect(result.events.find((l) => l.type === 'user')).toMatchObject({ text: 'What time is it?' })
    })
  }, 40_000)

  it('barges in during a tool reply: playback stops, the held tool result is never sent', async () => {
    const script: SimScript = {
      turns: [
        {
          user: 'Tell me a long story please.',
          toolCalls: [{ name: 'get_current_time', arguments: {} }],
          transition: 'Let me look that up for you, this could take a little while, please bear with me for a moment.',
          reply: 'It is late.',
        },
        { user: 'Stop, thanks.', reply: 'Okay.', replyMs: 600 },
      ],
    }
    await withSim(script, {}, async (sim) => {
      // The interrupted transition reply spoke, so it counts; "Okay." is the second.
      const { args, files } = talkArgs('assemblyai', twoUtterances, work, ['--timeout', '30', '--turns', '2'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      checkWire(sim, result.events)
      const wire = sim.wire.entries
      expect(frames(wire, 'out', 'reply.done').map((f) => (f.json as any).status)).toEqual(['interrupted', 'completed'])
      expect(frames(wire, 'in', 'tool.result')).toEqual([])
      expect(sim.records.toolResults).toEqual([])
      expect(result.events.find((l) => l.type === 'tool')).toMatchObject({ name: 'get_current_time', status: 'ok' })
      expect(result.events.find((l) => l.type === 'tool_result')).toMatchObject({ sent: false })
      const agents = result.events.filter((l) => l.type === 'agent')
      expect(agents[0]).toMatchObject({ interrupted: true })
      expect(agents.at(-1)).toMatchObject({ text: 'Okay.', interrupted: false })
      const audio = replyAudio(wire)
      const first = audio.get('0:reply_1')!
      const second = audio.get('0:reply_2')!
      const out = result.out!.samples
      const played = out.length - second.length
      expect(played).toBeGreaterThan(0)
      expect(played).toBeLessThanOrEqual(first.length)
      expect(samePcm(out.subarray(0, played), first.subarray(0, played))).toBe(true)
      expect(samePcm(out.subarray(played), second)).toBe(true)
    })
  }, 40_000)

  it('resumes a dropped session with a fresh token and session.resume', async () => {
    const script: SimScript = {
      turns: [
        { user: 'Tell me a long story please.', reply: 'Here is a short one.', replyMs: 1000 },
        { user: 'Stop, thanks.', reply: 'Okay.', replyMs: 600 },
      ],
      faults: [{ kind: 'drop', at: 'after-reply' }],
    }
    await withSim(script, {}, async (sim) => {
      const { args, files } = talkArgs('assemblyai', twoUtterances, work, ['--turns', '2', '--timeout', '30'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      checkWire(sim, result.events)
      const wire = sim.wire.entries
      expect(sim.connections).toBe(2)
      const firstReady = frames(wire, 'out', 'session.ready')[0]!.json as any
      const sessionId = firstReady.session_id
      const conn1 = onConn(wire, 1)
      // A9: the resume carries the resume_token that session.ready handed out.
      expect(typeof firstReady.resume_token).toBe('string')
      expect(conn1.find((f) => f.dir === 'in')!.json).toEqual({ type: 'session.resume', session_id: sessionId, resume_token: firstReady.resume_token })
      expect(conn1.filter((f) => f.dir === 'in' && f.type === 'session.update')).toEqual([])
      expect((conn1.find((f) => f.type === 'session.ready')!.json as any).session_id).toBe(sessionId)
      expect(result.events.filter((l) => l.type === 'user').map((l) => l.text)).toEqual(['Tell me a long story please.', 'Stop, thanks.'])
      expect(result.events.filter((l) => l.type === 'agent').map((l) => l.text)).toEqual(['Here is a short one.', 'Okay.'])
      expect(result.events.at(-1)).toMatchObject({ type: 'done', replies: 2, mints: 2, ok: true })
      const audio = replyAudio(wire)
      expect(samePcm(result.out!.samples, concatPcm([audio.get('0:reply_1')!, audio.get('1:reply_2')!]))).toBe(true)
    })
  }, 40_000)

  it('falls back to a fresh session when the resume is refused', async () => {
    const script: SimScript = {
      turns: [
        { user: 'Tell me a long story please.', reply: 'Here is a short one.', replyMs: 1000 },
        { user: 'Stop, thanks.', reply: 'Okay.', replyMs: 600 },
      ],
      faults: [{ kind: 'drop', at: 'after-reply' }],
    }
    await withSim(script, { refuseResume: 'session_not_found' }, async (sim) => {
      const { args, files } = talkArgs('assemblyai', twoUtterances, work, ['--turns', '2', '--timeout', '30'])
      const result = await runCli(args, sim.env, files)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      checkWire(sim, result.events)
      const wire = sim.wire.entries
      const conn1 = onConn(wire, 1)
      const types = conn1.slice(0, 4).map((f) => `${f.dir}:${f.type}`)
      expect(types).toEqual(['in:session.resume', 'out:session.error', 'in:session.update', 'out:session.ready'])
      expect((conn1[1]!.json as any).code).toBe('session_not_found')
      const [oldId, newId] = frames(wire, 'out', 'session.ready').map((f) => (f.json as any).session_id)
      expect(newId).not.toBe(oldId)
      expect(result.events.filter((l) => l.type === 'ready').map((l) => l.sessionId)).toEqual([oldId, newId])
      expect(result.events.filter((l) => l.type === 'turn')).toHaveLength(2)
      expect(result.events.at(-1)).toMatchObject({ type: 'done', replies: 2, ok: true })
    })
  }, 40_000)

  it('exits 3 when the key is rejected, and when the one-time token has expired at the socket', async () => {
    await withSim({ turns: [] }, { rejectKey: true }, async (sim) => {
      const { args, files } = talkArgs('assemblyai', question, work)
      const result = await runCli(args, sim.env, files)
      expect(result.code).toBe(3)
      expect(result.stderr).toMatch(/^earshot: AssemblyAI rejected the API key \(HTTP 401\).*ASSEMBLYAI_API_KEY/)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(sim.wire.entries.filter((e) => e.kind === 'handshake')).toEqual([])
    })
    await withSim({ turns: [] }, { tokenTtlMs: 0 }, async (sim) => {
      const { args, files } = talkArgs('assemblyai', question, work)
      const result = await runCli(args, sim.env, files)
      expect(result.code).toBe(3)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).toMatch(/^earshot: .*(unauthori|expired|rejected)/i)
      expect(frames(sim.wire.entries, 'in', 'input.audio')).toEqual([])
      expect(result.events.some((l) => l.type === 'error' && (l.code === 'auth_failed' || l.code === 'token_expired'))).toBe(true)
    })
  }, 40_000)
})

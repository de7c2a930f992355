/**
 * The S2S runtime + OpenAI adapter over a real `ws` socket against the OpenAI simulator: a drop
 * mid-session reconnects with a fresh credential and carries the conversation over as text, and
 * session_expired renews the session the same way. Checks the frames on the simulator's wire log.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startOpenAISim } from '../../src/main/sim/openai'
import type { SimHandle } from '../../src/main/sim/common'
import type { SimScript } from '../../src/main/sim/script'
import { silence, synthesizeVoice } from '../../src/main/sim/voice'
import { wsSocketFactory } from '../../src/cli/socket'
import { S2SSession, createAdapter } from '../../src/shared/s2s'
import type { S2SEvent } from '../../src/shared/s2s'
import { OPENAI_TEST_CONFIG as CONFIG } from '../../src/shared/s2s/testing'

let sim: SimHandle | null = null
let session: S2SSession | null = null
afterEach(async () => {
  await session?.close()
  await sim?.close()
  sim = null
  session = null
})

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 10))
  }
}

function utterance(): Int16Array {
  const voice = synthesizeVoice('testing one two three', 24000, { durationMs: 800 })
  const tail = silence(24000, 900)
  const out = new Int16Array(voice.length + tail.length)
  out.set(voice)
  out.set(tail, voice.length)
  return out
}

async function speak(s: S2SSession): Promise<void> {
  const audio = utterance()
  for (let i = 0; i < audio.length; i += 480) {
    s.sendAudio(audio.subarray(i, i + 480))
    if (i % 4800 === 0) await new Promise((r) => setTimeout(r, 1))
  }
}

async function run(script: SimScript, options: Parameters<typeof startOpenAISim>[1] = {}) {
  sim = await startOpenAISim(script, { audioPace: Infinity, ...options })
  const handle = sim
  const events: S2SEvent[] = []
  let mints = 0
  session = new S2SSession({
    mint: async () => {
      mints++
      return handle.credential()
    },
    socketFactory: wsSocketFactory,
    config: CONFIG,
    playback: { playedMs: () => 0 },
    createAdapter,
    reconnectDelayMs: () => 20,
  })
  session.on((e) => events.push(e))
  await session.connect()
  return { sim: handle, session, events, mints: () => mints }
}

function inbound(sim: SimHandle, conn: number): { type?: string; json: unknown }[] {
  return sim.wire.entries.flatMap((e) => (e.kind === 'text' && e.dir === 'in' && e.conn === conn ? [{ type: e.type, json: e.json }] : []))
}

describe('S2S runtime against the OpenAI simulator', () => {
  it('reconnects after a drop with a fresh credential and carries the conversation over', async () => {
    const t = await run({ turns: [{ user: 'What time is it?', reply: 'It is noon.' }, { user: 'Thanks.', reply: 'You are welcome.' }] })
    await speak(t.session)
    await waitFor(() => t.events.some((e) => e.type === 'reply.done'))
    await waitFor(() => t.events.some((e) => e.type === 'agent.final'))
    t.sim.dropConnections()
    await waitFor(() => t.sim.connections === 2 && t.session.status !== 'reconnecting')
    expect(t.mints()).toBe(2)
    expect(t.events.some((e) => e.type === 'status' && e.status === 'reconnecting')).toBe(true)
    const second = inbound(t.sim, 1)
    expect(second.slice(0, 3).map((f) => f.type)).toEqual(['session.update', 'conversation.item.create', 'conversation.item.create'])
    expect(second[1]?.json).toEqual({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What time is it?' }] } })
    expect(second[2]?.json).toEqual({ type: 'conversation.item.create', item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'It is noon.' }] } })
    // The conversation goes on over the new connection.
    await speak(t.session)
    await waitFor(() => t.events.filter((e) => e.type === 'agent.final').length === 2)
    // (The simulator starts every new session at its first scripted turn.)
    const finals = t.events.flatMap((e) => (e.type === 'agent.final' ? [e.text] : []))
    expect(finals).toEqual(['It is noon.', 'It is noon.'])
    expect(inbound(t.sim, 1).filter((f) => f.type === 'input_audio_buffer.append').length).toBeGreaterThan(50)
    // The two sockets used two different credentials.
    const handshakes = t.sim.wire.entries.filter((e) => e.kind === 'handshake')
    expect(handshakes).toHaveLength(2)
    const keys = handshakes.map((h) => (h.kind === 'handshake' ? h.protocols[1] : ''))
    expect(keys[0]).not.toBe(keys[1])
  })

  it('renews on session_expired and keeps going with the history', async () => {
    const t = await run({
      turns: [{ user: 'Hello.', reply: 'Hi there.' }, { user: 'Again.', reply: 'Still here.' }],
      faults: [{ kind: 'error', at: 'after-reply', code: 'session_expired', message: 'Your session hit the maximum duration of 60 minutes.', close: 1001 }],
    })
    await speak(t.session)
    await waitFor(() => t.sim.connections === 2 && t.session.status !== 'reconnecting')
    expect(t.mints()).toBe(2)
    const errors = t.events.flatMap((e) => (e.type === 'error' ? [e.error] : []))
    expect(errors.map((e) => [e.code, e.fatal])).toEqual([['session_expired', false]])
    const second = inbound(t.sim, 1)
    expect(second.slice(0, 3).map((f) => f.type)).toEqual(['session.update', 'conversation.item.create', 'conversation.item.create'])
    await speak(t.session)
    await waitFor(() => t.events.filter((e) => e.type === 'agent.final').length === 2)
    expect(t.events.some((e) => e.type === 'closed')).toBe(false)
  })
})

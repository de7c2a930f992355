/* eslint-disable @typescript-eslint/no-explicit-any -- wire frames are untyped JSON; the assertions check their shape */
/**
 * S2SSession.updateTools against the simulators: the new tool list reaches the wire mid-session
 * (OpenAI and AssemblyAI `session.update`), or applies from the next session (Speko).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createAdapter, S2SSession } from '../../shared/s2s'
import type { SessionConfig, ToolDeclaration } from '../../shared/s2s/types'
import { wsSocketFactory } from '../../cli/socket'
import type { SimHandle } from './common'
import { startAssemblyAISim } from './assemblyai'
import { startOpenAISim } from './openai'
import { startSpekoSim } from './speko'

const tool = (name: string): ToolDeclaration => ({ name, description: `${name} tool`, parameters: { type: 'object', properties: {} } })
const config = (tools: ToolDeclaration[]): SessionConfig => ({
  instructions: 'Be brief.',
  greeting: '',
  voice: '',
  model: '',
  tools,
  turnDetection: 'server_vad',
  transcriptionModel: '',
})

const open: Array<{ session: S2SSession; sim: SimHandle }> = []
afterEach(async () => {
  for (const { session, sim } of open.splice(0)) {
    await session.close()
    await sim.close()
  }
})

async function ready(sim: SimHandle, tools: ToolDeclaration[]): Promise<S2SSession> {
  const session = new S2SSession({ mint: async () => sim.credential(), socketFactory: wsSocketFactory, config: config(tools), playback: { playedMs: () => 0 }, createAdapter })
  open.push({ session, sim })
  await session.connect()
  return session
}

async function until<T>(fn: () => T | undefined, what: string): Promise<T> {
  const start = Date.now()
  for (;;) {
    const v = fn()
    if (v !== undefined) return v
    if (Date.now() - start > 10_000) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 15))
  }
}

const inbound = (sim: SimHandle, type: string) =>
  sim.wire.entries.filter((e): e is Extract<typeof e, { kind: 'text' }> => e.kind === 'text' && e.dir === 'in' && e.type === type).map((e) => e.json as any)

describe('S2SSession.updateTools', () => {
  it('OpenAI: a session.update with session.type and the new tools, acknowledged by session.updated', async () => {
    const sim = await startOpenAISim({ turns: [] })
    const session = await ready(sim, [tool('get_current_time')])
    expect(session.updateTools([tool('get_current_time'), tool('fs__list_directory')])).toBe('sent')
    const update = await until(() => inbound(sim, 'session.update')[1], 'the second session.update')
    expect(update.session).toEqual({
      type: 'realtime',
      tool_choice: 'auto',
      tools: [
        { type: 'function', name: 'get_current_time', description: 'get_current_time tool', parameters: { type: 'object', properties: {} } },
        { type: 'function', name: 'fs__list_directory', description: 'fs__list_directory tool', parameters: { type: 'object', properties: {} } },
      ],
    })
    const acked = await until(
      () => sim.wire.entries.filter((e) => e.kind === 'text' && e.dir === 'out' && e.type === 'session.updated').map((e) => (e as any).json.session.tools)[1],
      'session.updated',
    )
    expect(acked.map((t: { name: string }) => t.name)).toEqual(['get_current_time', 'fs__list_directory'])
    expect(sim.wire.entries.some((e) => e.kind === 'text' && e.dir === 'out' && e.type === 'error')).toBe(false)
  })

  it('AssemblyAI: a session.update whose tools array replaces the old one', async () => {
    const sim = await startAssemblyAISim({ turns: [] })
    const session = await ready(sim, [tool('get_current_time'), tool('old__gone')])
    expect(session.updateTools([tool('get_current_time')])).toBe('sent')
    const update = await until(() => inbound(sim, 'session.update')[1], 'the second session.update')
    expect(update.session).toEqual({ tools: [{ type: 'function', name: 'get_current_time', description: 'get_current_time tool', parameters: { type: 'object', properties: {} }, timeout_seconds: 630 }] })
    await until(() => sim.wire.entries.find((e) => e.kind === 'text' && e.dir === 'out' && e.type === 'session.updated'), 'session.updated')
    expect(sim.wire.entries.some((e) => e.kind === 'text' && e.dir === 'out' && e.type === 'session.error')).toBe(false)
  })

  it('Speko: nothing on the wire mid-session (its tools go in the mint); it reports next_session', async () => {
    const sim = await startSpekoSim({ turns: [] })
    const session = await ready(sim, [tool('get_current_time')])
    const before = sim.wire.entries.length
    expect(session.updateTools([tool('get_current_time'), tool('fs__list_directory')])).toBe('next_session')
    await new Promise((r) => setImmediate(r))
    expect(sim.wire.entries.slice(before).filter((e) => e.kind === 'text' && e.dir === 'in')).toEqual([])
  })

  it('before the first connection the list is kept for it', async () => {
    const sim = await startOpenAISim({ turns: [] })
    const session = new S2SSession({ mint: async () => sim.credential(), socketFactory: wsSocketFactory, config: config([tool('a')]), playback: { playedMs: () => 0 }, createAdapter })
    open.push({ session, sim })
    expect(session.updateTools([tool('b')])).toBe('stored')
    await session.connect()
    const first = await until(() => inbound(sim, 'session.update')[0], 'session.update')
    expect(first.session.tools.map((t: { name: string }) => t.name)).toEqual(['b'])
  })
})

// The renderer's history sink over the real bridge API and the real main-process handlers
// (createEarshotApi -> IPC router -> history service -> SQLite), as the conversation layer uses it.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createEarshotApi } from '../../src/shared/ipc/api'
import { createLogger } from '../../src/main/app/logger'
import { createMainServices, type MainServices } from '../../src/main/app/services'
import { createIpcRouter } from '../../src/main/ipc/router'
import { HistorySink } from '../../src/renderer/src/history-sink'
import { testEncryptor } from '../harness/encryptor'

const sender = { frameUrl: 'app://earshot/index.html', isMainFrame: true, isOwnWindow: true, destroyed: false }
let services: MainServices | null = null
afterEach(async () => {
  await services?.dispose()
  services = null
})

function setup(transportFails = false) {
  services = createMainServices({
    userDataDir: mkdtempSync(join(tmpdir(), 'earshot-sink-')),
    encryptor: testEncryptor(),
    appInfo: { name: 'Earshot', version: '0.0.0-test', platform: 'linux' },
    openExternal: async () => {},
    emit: () => {},
    logger: createLogger(),
  })
  const router = createIpcRouter({ handlers: services.handlers, trustedOrigins: () => ['app://earshot'] })
  const api = createEarshotApi({
    invoke: async (channel, input) => {
      if (transportFails) throw new Error('bridge down')
      return router.invoke(channel, sender, input)
    },
    subscribe: () => () => {},
  })
  return { api, services }
}

describe('history sink', () => {
  it('writes a conversation through the IPC channels, in order, with its cost', async () => {
    const { api, services } = setup()
    const sink = new HistorySink(api)
    const costs: (number | null)[] = []
    sink.subscribe(() => costs.push(sink.cost().usd))
    sink.begin({ provider: 'openai', model: 'gpt-realtime' })
    // Called before begin's reply arrives: still written, in order.
    sink.turn({ role: 'user', text: 'What is on my calendar today?' })
    sink.tool({ callId: 'c1', name: 'get_current_time', arguments: {}, result: '{"iso":"2026-12-02T09:00:00Z"}', status: 'ok', decision: null })
    sink.turn({ role: 'assistant', text: 'You have a dentist appointment at ten.', interrupted: true })
    sink.turn({ role: 'assistant', text: '   ' })
    sink.usage({ inputTokens: 1000, inputAudioTokens: 800, outputTokens: 400, outputAudioTokens: 300 })
    expect(sink.cost().usd).toBeGreaterThan(0)
    sink.end()
    await sink.flush()
    const [summary] = services.history.list()
    expect(summary).toMatchObject({ provider: 'openai', title: 'What is on my calendar today?', turns: 2 })
    expect(summary?.endedAt).not.toBeNull()
    expect(summary?.costUsd).toBeCloseTo(sink.cost().usd as number, 9)
    const full = services.history.get(summary?.id as string)
    expect(full?.entries.map((e) => (e.kind === 'turn' ? e.role : e.name))).toEqual(['user', 'get_current_time', 'assistant'])
    expect(costs.at(-1)).toBe(sink.cost().usd)
    expect(sink.cost().active).toBe(false)
  })

  it('a provider without usage says "not reported" (null)', async () => {
    const { api } = setup()
    const sink = new HistorySink(api)
    sink.begin({ provider: 'assemblyai', model: '' })
    sink.turn({ role: 'user', text: 'hello' })
    expect(sink.cost()).toEqual({ usd: null, active: true })
    sink.end()
    await sink.flush()
  })

  it('never throws or rejects: history off, or the bridge failing, has no effect', async () => {
    const off = setup()
    off.services.settings.update({ history: { keep: false } })
    const sink = new HistorySink(off.api)
    sink.begin({ provider: 'demo', model: '' })
    sink.turn({ role: 'user', text: 'not kept' })
    sink.end()
    await expect(sink.flush()).resolves.toBeUndefined()
    expect(off.services.history.list()).toEqual([])
    await off.services.dispose()

    const broken = setup(true)
    const sink2 = new HistorySink(broken.api)
    expect(() => {
      sink2.begin({ provider: 'demo', model: '' })
      sink2.turn({ role: 'user', text: 'x' })
      sink2.tool({ callId: 'c', name: 'n', arguments: {}, result: null, status: null })
      sink2.usage({ inputTokens: 1 })
      sink2.end()
    }).not.toThrow()
    await expect(sink2.flush()).resolves.toBeUndefined()
  })

  it('Continue hands the stored turns to the registered handler', async () => {
    const { api, services } = setup()
    const sink = new HistorySink(api)
    sink.begin({ provider: 'openai', model: 'gpt-realtime' })
    sink.turn({ role: 'user', text: 'Plan my trip to Porto' })
    sink.turn({ role: 'assistant', text: 'Take the train from Lisbon.' })
    sink.end()
    await sink.flush()
    const id = services.history.list()[0]?.id as string
    await expect(sink.continueConversation(id)).rejects.toThrow(/not available/)
    const seen: unknown[] = []
    const off = sink.onContinue((request) => void seen.push(request))
    expect(sink.canContinue()).toBe(true)
    await sink.continueConversation(id)
    expect(seen).toEqual([
      {
        conversationId: id,
        provider: 'openai',
        model: 'gpt-realtime',
        turns: [
          { role: 'user', text: 'Plan my trip to Porto' },
          { role: 'assistant', text: 'Take the train from Lisbon.' },
        ],
      },
    ])
    await expect(sink.continueConversation('gone-id')).rejects.toThrow(/not in the history/)
    off()
    expect(sink.canContinue()).toBe(false)
  })
})

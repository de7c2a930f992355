import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultSettings, mergeSettings, SettingsSchema } from '../../shared/settings/schema'
import { createIpcRouter, type Handlers, type SenderInfo } from '../ipc/router'
import { createSessionDomain } from '../s2s'
import { carriedInstructions } from '../s2s/service'

const sender: SenderInfo = { frameUrl: 'app://earshot/index.html', isMainFrame: true, isOwnWindow: true, destroyed: false }
const TURNS = [
  { role: 'user' as const, text: 'What did we decide about the tomatoes?' },
  { role: 'assistant' as const, text: 'Water them every morning.' },
]

let servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
  servers = []
})

async function fakeSpeko() {
  const bodies: Record<string, unknown>[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      bodies.push(JSON.parse(body) as Record<string, unknown>)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ wsUrl: 'ws://127.0.0.1:1/v1/ws', wsToken: 'tok123', inputSampleRate: 24000, outputSampleRate: 24000 }))
    })
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies }
}

function router(base: string, carried: (id: string) => typeof TURNS | null) {
  const settings = SettingsSchema.parse(mergeSettings(defaultSettings(), { providers: { speko: { baseUrl: base, instructions: 'Be terse.' } } }))
  const domain = createSessionDomain({
    settings: { get: () => settings },
    secrets: { getKey: () => 'sk-speko-test-key-000111' },
    logger: { info() {}, warn() {}, error() {}, addSecret() {} },
    carriedTurns: carried,
  })
  return createIpcRouter({ handlers: domain.handlers as unknown as Handlers, trustedOrigins: () => ['app://earshot'] })
}

describe('Continue with Speko: the carried conversation goes into the minted instructions', () => {
  it('puts the turns into the Speko session prompt, and only when asked', async () => {
    const speko = await fakeSpeko()
    const r = router(speko.base, (id) => (id === 'conv-1' ? TURNS : null))
    const plain = await r.invoke('session:start', sender, { provider: 'speko' })
    expect(plain, JSON.stringify(plain)).toMatchObject({ ok: true })
    const continued = await r.invoke('session:start', sender, { provider: 'speko', continueFrom: 'conv-1' })
    expect(continued).toMatchObject({ ok: true })
    const prompts = speko.bodies.map((b) => JSON.stringify(b))
    expect(prompts[0]).not.toContain('tomatoes')
    expect(prompts[1]).toContain('Be terse.')
    expect(prompts[1]).toContain('User: What did we decide about the tomatoes?')
    expect(prompts[1]).toContain('Assistant: Water them every morning.')
  })

  it('a conversation that is gone is a clear error, and nothing is minted', async () => {
    const speko = await fakeSpeko()
    const reply = await router(speko.base, () => null).invoke('session:start', sender, { provider: 'speko', continueFrom: 'gone' })
    expect(reply).toMatchObject({ ok: false, error: { code: 'not_found' } })
    expect(speko.bodies).toHaveLength(0)
  })

  it('keeps the newest turns within the budget', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ role: 'user' as const, text: `turn ${i} ${'w'.repeat(50)}` }))
    const text = carriedInstructions('Base.', many)
    expect(text.length).toBeLessThan(8200)
    expect(text).toContain('turn 499 ')
    expect(text).not.toContain('turn 0 ')
    expect(carriedInstructions('Base.', [])).toBe('Base.')
  })
})

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { channels } from '../../shared/ipc/contract'
import { defaultSettings, mergeSettings, SettingsSchema, type Settings } from '../../shared/settings/schema'
import type { Logger } from '../app/logger'
import { createIpcRouter, type Handlers, type SenderInfo } from '../ipc/router'
import { createSessionDomain, defaultToolDeclarations } from './index'
import { buildSessionConfig, DEFAULT_INSTRUCTIONS, lazyDemoLauncher } from './service'
import { sessionSocketOrigins, siteOf, socketUrlAllowed } from './origins'

const KEY = 'sk-service-test-KEY-0001'
const sender: SenderInfo = { frameUrl: 'app://earshot/index.html', isMainFrame: true, isOwnWindow: true, destroyed: false }

let servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
  servers = []
})

async function fakeProvider(handler: (method: string, url: string, auth: string | undefined, body: string) => { status: number; body: unknown; headers?: Record<string, string> }) {
  const seen: { url: string; auth: string | undefined }[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization })
      const reply = handler(req.method ?? '', req.url ?? '', req.headers.authorization, body)
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
      res.end(JSON.stringify(reply.body))
    })
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

function logger() {
  const lines: string[] = []
  const secrets: string[] = []
  const log: Logger = {
    info: (m) => lines.push(m),
    warn: (m) => lines.push(m),
    error: (m) => lines.push(m),
    addSecret: (v) => secrets.push(v),
  }
  return { log, lines, secrets }
}

function settingsWith(patch: unknown): Settings {
  return SettingsSchema.parse(mergeSettings(defaultSettings(), patch))
}

function routerFor(settings: Settings, keys: Partial<Record<'openai' | 'assemblyai' | 'speko', string>>, extra: Parameters<typeof createSessionDomain>[0]['demo'] = undefined) {
  const l = logger()
  const domain = createSessionDomain({ settings: { get: () => settings }, secrets: { getKey: (p) => keys[p] ?? null }, logger: l.log, demo: extra })
  const handlers = domain.handlers as unknown as Handlers
  const router = createIpcRouter({ handlers, trustedOrigins: () => ['app://earshot'] })
  return { router, ...l }
}

describe('session:start over the IPC router', () => {
  it('mints an OpenAI credential and returns it with the config; the key never leaves main', async () => {
    const provider = await fakeProvider((method, url, auth) => {
      if (method === 'POST' && url === '/v1/realtime/client_secrets' && auth === `Bearer ${KEY}`) return { status: 200, body: { value: 'ek_service_1', expires_at: 2_000_000_000 } }
      return { status: 401, body: { error: { message: 'bad' } } }
    })
    const settings = settingsWith({ provider: 'openai', providers: { openai: { baseUrl: `${provider.base}/v1`, voice: 'cedar', greeting: '' } } })
    const { router, secrets, lines } = routerFor(settings, { openai: KEY })
    const reply = await router.invoke('session:start', sender, undefined)
    expect(reply.ok).toBe(true)
    if (!reply.ok) return
    const value = reply.value as { provider: string; credential: { url: string; protocols: string[] }; config: { voice: string; tools: { name: string }[]; instructions: string } }
    expect(value.provider).toBe('openai')
    expect(value.credential.url).toBe(`${provider.base.replace('http', 'ws')}/v1/realtime?model=gpt-realtime`)
    expect(value.credential.protocols).toEqual(['realtime', 'openai-insecure-api-key.ek_service_1'])
    expect(value.config.voice).toBe('cedar')
    expect(value.config.instructions).toBe(DEFAULT_INSTRUCTIONS)
    expect(value.config.tools.map((t) => t.name)).toContain('get_current_time')
    expect(JSON.stringify(reply)).not.toContain(KEY)
    expect(secrets).toContain('ek_service_1') // minted secrets are scrubbed from logs
    expect(lines.join('\n')).not.toContain(KEY)
    expect(provider.seen).toHaveLength(1)
  })

  it('starts the requested provider, not the one in settings', async () => {
    const provider = await fakeProvider(() => ({ status: 200, body: { token: 'aai_tmp_1', expires_in_seconds: 60 } }))
    const settings = settingsWith({ provider: 'openai', providers: { assemblyai: { baseUrl: provider.base, greeting: 'Hi there' } } })
    const { router } = routerFor(settings, { assemblyai: KEY })
    const reply = await router.invoke('session:start', sender, { provider: 'assemblyai' })
    expect(reply).toMatchObject({ ok: true, value: { provider: 'assemblyai', credential: { protocol: 'assemblyai', protocols: [] }, config: { greeting: 'Hi there' } } })
    expect(provider.seen[0]!.url).toBe('/v1/token?expires_in_seconds=60')
  })

  it('reports a missing key, a rejected key and rate limits with stable codes and human messages', async () => {
    const settingsNoServer = settingsWith({ provider: 'speko' })
    const missing = await routerFor(settingsNoServer, {}).router.invoke('session:start', sender, undefined)
    expect(missing).toMatchObject({ ok: false, error: { code: 'auth_failed' } })
    if (!missing.ok) expect(missing.error.message).toMatch(/No Speko API key is set/)

    const rejecting = await fakeProvider(() => ({ status: 401, body: { error: { message: `bad key ${KEY}` } } }))
    const rejected = await routerFor(settingsWith({ providers: { openai: { baseUrl: rejecting.base } } }), { openai: KEY }).router.invoke('session:start', sender, {})
    expect(rejected).toMatchObject({ ok: false, error: { code: 'auth_failed' } })
    expect(JSON.stringify(rejected)).not.toContain(KEY)

    const limited = await fakeProvider(() => ({ status: 429, body: {}, headers: { 'retry-after': '9' } }))
    const reply = await routerFor(settingsWith({ providers: { openai: { baseUrl: limited.base } } }), { openai: KEY }).router.invoke('session:start', sender, {})
    expect(reply).toMatchObject({ ok: false, error: { code: 'rate_limited' } })
    if (!reply.ok) expect(reply.error.message).toMatch(/Try again in 9 s/)
  })

  it('rejects bad input before anything is minted', async () => {
    const provider = await fakeProvider(() => ({ status: 200, body: {} }))
    const { router } = routerFor(settingsWith({ providers: { openai: { baseUrl: provider.base } } }), { openai: KEY })
    expect(await router.invoke('session:start', sender, { provider: 'google' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    expect(await router.invoke('session:start', sender, { provider: 'openai', key: 'x' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    expect(provider.seen).toHaveLength(0)
  })

  it('refuses a Speko socket host outside the allowed origins', async () => {
    const provider = await fakeProvider(() => ({ status: 200, body: { wsUrl: 'wss://evil.example.net/ws', wsToken: 'tok', inputSampleRate: 24000, outputSampleRate: 24000 } }))
    const { router } = routerFor(settingsWith({ providers: { speko: { baseUrl: provider.base } } }), { speko: KEY })
    const reply = await router.invoke('session:start', sender, { provider: 'speko' })
    expect(reply).toMatchObject({ ok: false, error: { code: 'provider_error' } })
    if (!reply.ok) expect(reply.error.message).toMatch(/evil\.example\.net/)
  })

  it('starts Demo mode lazily, once, without a key', async () => {
    let starts = 0
    const demo = lazyDemoLauncher(async () => {
      starts++
      return { credential: () => ({ protocol: 'openai' as const, url: 'ws://127.0.0.1:45678/v1/realtime?model=demo', protocols: ['realtime', 'openai-insecure-api-key.ek_demo'], expiresAt: null, inputSampleRate: 24000, outputSampleRate: 24000 }) }
    })
    const { router } = routerFor(settingsWith({ provider: 'demo', providers: { demo: { greeting: 'Welcome to the demo' } } }), {}, demo)
    expect(demo.started()).toBe(false)
    const a = await router.invoke('session:start', sender, undefined)
    const b = await router.invoke('session:start', sender, { provider: 'demo' })
    expect(a).toMatchObject({ ok: true, value: { provider: 'demo', credential: { protocol: 'openai' }, config: { greeting: 'Welcome to the demo' } } })
    expect(b.ok).toBe(true)
    expect(starts).toBe(1)
  })
})

describe('Demo mode with the real local Demo server', () => {
  it('starts it on first use and returns a loopback credential the CSP allows; a session connects', async () => {
    const l = logger()
    const domain = createSessionDomain({ settings: { get: () => settingsWith({ provider: 'demo' }) }, secrets: { getKey: () => null }, logger: l.log })
    try {
      const router = createIpcRouter({ handlers: domain.handlers as unknown as Handlers, trustedOrigins: () => ['app://earshot'] })
      const reply = await router.invoke('session:start', sender, undefined)
      expect(reply.ok).toBe(true)
      if (!reply.ok) return
      const { credential, config } = reply.value as { credential: { url: string; protocol: string; protocols: string[] }; config: { tools: { name: string }[] } }
      expect(credential.protocol).toBe('openai')
      expect(credential.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime\?model=/)
      expect(socketUrlAllowed(credential.url, sessionSocketOrigins(settingsWith({ provider: 'demo' }), { demoOrigin: new URL(credential.url).origin }))).toBe(true)
      expect(socketUrlAllowed(credential.url, sessionSocketOrigins(defaultSettings()))).toBe(false)
      expect(config.tools.map((t) => t.name)).toContain('get_current_time')
      // The credential really opens the Demo server's socket.
      const { default: WebSocket } = await import('ws')
      const socket = new WebSocket(credential.url, credential.protocols)
      const first = await new Promise<string>((resolve, reject) => {
        socket.once('message', (data) => resolve(String(data)))
        socket.once('error', reject)
      })
      socket.close()
      expect(JSON.parse(first).type).toBe('session.created')
    } finally {
      await domain.dispose()
    }
  })
})

describe('session config and CSP origins', () => {
  it('builds the config per provider with overrides', () => {
    const settings = settingsWith({ providers: { speko: { voice: 'verse', model: 'gpt-realtime-mini', instructions: 'Be terse.' } } })
    const tools = defaultToolDeclarations()
    const config = buildSessionConfig(settings, 'speko', tools, { greeting: 'Hello' })
    expect(config).toMatchObject({ voice: 'verse', model: 'gpt-realtime-mini', instructions: 'Be terse.', greeting: 'Hello' })
    expect(config.tools.find((t) => t.name === 'get_current_time')?.parameters).toMatchObject({ type: 'object' })
    expect(channels['session:start'].output.shape.config.safeParse(config).success).toBe(true)
  })

  it('allows exactly the provider socket hosts', () => {
    const origins = sessionSocketOrigins(defaultSettings())
    expect(origins).toEqual(expect.arrayContaining(['wss://api.openai.com', 'wss://agents.assemblyai.com', 'wss://api.speko.dev', 'wss://*.speko.dev']))
    expect(origins.some((o) => o.includes('127.0.0.1'))).toBe(false)
    expect(socketUrlAllowed('wss://api.openai.com/v1/realtime?model=x', origins)).toBe(true)
    expect(socketUrlAllowed('wss://rt.eu.speko.dev/v1/realtime/s/ws', origins)).toBe(true)
    expect(socketUrlAllowed('ws://127.0.0.1:5555/v1/realtime', origins)).toBe(false)
    expect(socketUrlAllowed('ws://api.openai.com/v1/realtime', origins)).toBe(false)
    expect(socketUrlAllowed('wss://speko.dev.evil.com/ws', origins)).toBe(false)
    expect(socketUrlAllowed('wss://api.openai.com:8443/v1', origins)).toBe(false)
    expect(siteOf('api.speko.dev')).toBe('speko.dev')
    expect(siteOf('api.example.co.uk')).toBe('example.co.uk')
    expect(siteOf('127.0.0.1')).toBeNull()
  })
})

describe('buildSessionConfig: OpenAI session tuning', () => {
  it('carries the OpenAI tuning settings (defaults: near_field, 500 ms, no idle timeout, low effort, 0.8 retention) to OpenAI sessions only', () => {
    const settings = defaultSettings()
    expect(buildSessionConfig(settings, 'openai', []).openai).toEqual({ noiseReduction: 'near_field', silenceDurationMs: 500, idleTimeoutMs: null, eagerness: 'auto', reasoningEffort: 'low', retentionRatio: 0.8 })
    const tuned = SettingsSchema.parse(mergeSettings(settings, { providers: { openai: { noiseReduction: 'far_field', idleTimeoutMs: 20000, reasoningEffort: 'high' } } }))
    expect(buildSessionConfig(tuned, 'openai', []).openai).toMatchObject({ noiseReduction: 'far_field', idleTimeoutMs: 20000, reasoningEffort: 'high' })
    expect(buildSessionConfig(tuned, 'speko', []).openai).toBeUndefined()
    expect(() => SettingsSchema.parse(mergeSettings(settings, { providers: { openai: { noiseReduction: 'desk' } } }))).toThrow()
  })
})

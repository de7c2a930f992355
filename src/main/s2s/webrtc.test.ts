import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultSettings, SettingsSchema, type Settings } from '../../shared/settings/schema'
import { webrtcAllowed, webrtcIpPolicy } from '../security/webrtc'
import { credentialSecrets, mintOpenAI } from './mint'
import { openAIWebRtcOrigin, sessionSocketOrigins, socketUrlAllowed } from './origins'
import { createSessionService } from './service'
import { createSessionDomain } from './index'
import { createIpcRouter, type Handlers, type SenderInfo } from '../ipc/router'

/** OpenAI over WebRTC, main's side: the credential, the CSP origin, and the one switch for WebRTC. */

const KEY = 'sk-test-REAL-KEY-webrtc'
let servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
  servers = []
})

async function clientSecrets(): Promise<{ base: string; bodies: unknown[] }> {
  const bodies: unknown[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
    req.on('end', () => {
      bodies.push(JSON.parse(body))
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ value: 'ek_webrtc_secret', expires_at: Math.floor(Date.now() / 1000) + 600 }))
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, bodies }
}

function openai(transport: 'websocket' | 'webrtc', baseUrl = 'https://api.openai.com/v1'): Settings {
  return SettingsSchema.parse({ provider: 'openai', providers: { openai: { transport, baseUrl } } })
}

describe('OpenAI WebRTC: the credential main mints', () => {
  it('is the calls URL with the ek_ secret as its bearer, no subprotocols, and the secret is scrubbed from logs', async () => {
    const { base } = await clientSecrets()
    const credential = await mintOpenAI({ baseUrl: base, apiKey: KEY, model: 'gpt-realtime', transport: 'webrtc' })
    expect(credential).toMatchObject({ protocol: 'openai', transport: 'webrtc', url: `${base}/realtime/calls`, protocols: [], bearer: 'ek_webrtc_secret' })
    expect(JSON.stringify(credential)).not.toContain(KEY)
    expect(credentialSecrets(credential)).toContain('ek_webrtc_secret')
  })

  it('stays a WebSocket credential by default', async () => {
    const { base } = await clientSecrets()
    const credential = await mintOpenAI({ baseUrl: base, apiKey: KEY, model: 'gpt-realtime' })
    expect(credential.transport).toBeUndefined()
    expect(credential.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime\?model=gpt-realtime$/)
    expect(credential.bearer).toBeUndefined()
  })

  it('the session service mints for the transport in settings, and its URL passes the CSP check', async () => {
    const { base } = await clientSecrets()
    const settings = openai('webrtc', base)
    const service = createSessionService({ settings: () => settings, getKey: () => KEY, toolDeclarations: () => [] })
    const start = await service.start()
    expect(start.credential.transport).toBe('webrtc')
    expect(start.credential.url).toBe(`${base}/realtime/calls`)
    expect(socketUrlAllowed(start.credential.url, sessionSocketOrigins(settings))).toBe(true)
  })
})

describe('OpenAI WebRTC: the CSP and the WebRTC switch', () => {
  it('connect-src gains exactly the https origin of the OpenAI host, only with WebRTC chosen', () => {
    expect(openAIWebRtcOrigin(defaultSettings())).toBeNull()
    expect(sessionSocketOrigins(defaultSettings())).not.toContain('https://api.openai.com')
    expect(openAIWebRtcOrigin(openai('webrtc'))).toBe('https://api.openai.com')
    expect(sessionSocketOrigins(openai('webrtc'))).toContain('https://api.openai.com')
    // Plain http only to this computer (the simulator); never to another host.
    expect(openAIWebRtcOrigin(openai('webrtc', 'http://127.0.0.1:9999/v1'))).toBe('http://127.0.0.1:9999')
    expect(openAIWebRtcOrigin(openai('webrtc', 'http://api.example.com/v1'))).toBeNull()
  })

  it('connect-src gains OpenAI\'s calls origin for Speko only with Speko chosen on the OpenAI upstream', () => {
    const speko = (upstream: string, baseUrl = 'https://api.speko.dev') => SettingsSchema.parse({ provider: 'speko', providers: { speko: { upstream, baseUrl } } })
    expect(sessionSocketOrigins(speko('openai'))).toContain('https://api.openai.com')
    expect(sessionSocketOrigins(speko('xai'))).not.toContain('https://api.openai.com')
    // A local Speko (the simulator) answers calls on its own origin, which is listed anyway.
    const local = sessionSocketOrigins(speko('openai', 'http://127.0.0.1:7777'))
    expect(local).not.toContain('https://api.openai.com')
    expect(socketUrlAllowed('http://127.0.0.1:7777/v1/realtime/calls', local)).toBe(true)
    expect(socketUrlAllowed('http://127.0.0.1:7777/v1/sessions/s/sidebands/openai', local)).toBe(true)
  })

  it('WebRTC is allowed only for OpenAI with the WebRTC transport; the IP policy follows', () => {
    expect(webrtcAllowed(defaultSettings())).toBe(false)
    expect(webrtcAllowed(openai('websocket'))).toBe(false)
    expect(webrtcAllowed(openai('webrtc'))).toBe(true)
    expect(webrtcAllowed({ ...openai('webrtc'), provider: 'assemblyai' })).toBe(false)
    // Speko serves its OpenAI upstream over WebRTC only: allowed with that upstream chosen, not otherwise.
    const speko = (upstream: string) => SettingsSchema.parse({ provider: 'speko', providers: { speko: { upstream } } })
    expect(webrtcAllowed(speko('openai'))).toBe(true)
    expect(webrtcAllowed(speko('xai'))).toBe(false)
    expect(webrtcAllowed({ ...speko('openai'), provider: 'openai' })).toBe(false)
    expect(webrtcIpPolicy(false)).toBe('disable_non_proxied_udp')
    expect(webrtcIpPolicy(true)).toBe('default_public_interface_only')
  })
})

describe('session:start over the IPC router keeps what the voice window needs', () => {
  it('the WebRTC credential (transport, https URL, bearer) and the OpenAI session tuning pass the output schema', async () => {
    const { base } = await clientSecrets()
    const settings = SettingsSchema.parse({ provider: 'openai', providers: { openai: { transport: 'webrtc', baseUrl: base, noiseReduction: 'far_field', silenceDurationMs: 700, retentionRatio: 0.5 } } })
    const domain = createSessionDomain({ settings: { get: () => settings }, secrets: { getKey: () => KEY }, logger: { info() {}, warn() {}, error() {}, addSecret() {} } })
    const router = createIpcRouter({ handlers: domain.handlers as unknown as Handlers, trustedOrigins: () => ['app://earshot'] })
    const sender: SenderInfo = { frameUrl: 'app://earshot/index.html', isMainFrame: true, isOwnWindow: true, destroyed: false }
    const reply = await router.invoke('session:start', sender, undefined)
    await domain.dispose()
    expect(reply.ok).toBe(true)
    if (!reply.ok) return
    const value = reply.value as { credential: Record<string, unknown>; config: { openai?: Record<string, unknown> } }
    expect(value.credential).toMatchObject({ transport: 'webrtc', url: `${base}/realtime/calls`, bearer: 'ek_webrtc_secret' })
    // Before this schema carried it, the router's output parse dropped the tuning on its way to the window.
    expect(value.config.openai).toMatchObject({ noiseReduction: 'far_field', silenceDurationMs: 700, retentionRatio: 0.5 })
    expect(JSON.stringify(reply)).not.toContain(KEY)
  })
})

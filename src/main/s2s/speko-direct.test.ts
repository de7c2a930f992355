/**
 * Speko provider_direct sessions in main: session:start over the IPC router returns an xAI
 * credential (with telemetry) that the IPC contract accepts, the CSP allows exactly the direct
 * endpoint's origin and the telemetry origin, and every short-lived secret is registered for log
 * scrubbing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { buildCsp } from '../../shared/security/csp'
import { defaultSettings, mergeSettings, SettingsSchema, type Settings } from '../../shared/settings/schema'
import type { Logger } from '../app/logger'
import { createIpcRouter, type Handlers, type SenderInfo } from '../ipc/router'
import type { SimHandle } from '../sim/common'
import { startSpekoSim } from '../sim/speko'
import { createSessionDomain } from './index'
import { sessionSocketOrigins, socketUrlAllowed, spekoDirectOrigins } from './origins'

const sender: SenderInfo = { frameUrl: 'app://earshot/index.html', isMainFrame: true, isOwnWindow: true, destroyed: false }
let sims: SimHandle[] = []
afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()))
  sims = []
})

const settingsWith = (patch: unknown): Settings => SettingsSchema.parse(mergeSettings(defaultSettings(), patch))

describe('CSP origins for Speko provider_direct sessions', () => {
  it('allows exactly wss://api.x.ai and the Speko REST origin for telemetry, nothing wider', () => {
    const settings = defaultSettings()
    expect(spekoDirectOrigins(settings)).toEqual(['wss://api.x.ai', 'https://api.speko.dev'])
    const origins = sessionSocketOrigins(settings)
    expect(origins.filter((o) => o.startsWith('http'))).toEqual(['https://api.speko.dev'])
    expect(buildCsp({ connectOrigins: origins })).toMatch(/connect-src [^;]*wss:\/\/api\.x\.ai[^;]*https:\/\/api\.speko\.dev/)
    expect(socketUrlAllowed('wss://api.x.ai/v1/realtime?model=grok-voice-think-fast-1.0', origins)).toBe(true)
    expect(socketUrlAllowed('https://api.speko.dev/v1/sessions/s/telemetry', origins)).toBe(true)
    expect(socketUrlAllowed('wss://eu.api.x.ai/v1/realtime', origins)).toBe(false)
    expect(socketUrlAllowed('https://collector.speko.dev/t', origins)).toBe(false)
    expect(socketUrlAllowed('http://api.speko.dev/t', origins)).toBe(false)
    expect(socketUrlAllowed('https://api.speko.dev:8443/t', origins)).toBe(false)
  })

  it('for a Speko on this computer (the simulator): its own http origin and the local socket origin', () => {
    const settings = settingsWith({ providers: { speko: { baseUrl: 'http://127.0.0.1:4555' } } })
    expect(spekoDirectOrigins(settings)).toEqual(['ws://127.0.0.1:*', 'http://127.0.0.1:4555'])
    // A plain-http Speko elsewhere gets no telemetry origin (minting refuses it anyway).
    expect(spekoDirectOrigins(settingsWith({ providers: { speko: { baseUrl: 'http://speko.internal.example' } } }))).toEqual(['wss://api.x.ai'])
  })
})

describe('session:start with a provider_direct Speko answer', () => {
  function logger() {
    const secrets: string[] = []
    const lines: string[] = []
    const log: Logger = { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m), addSecret: (v) => secrets.push(v) }
    return { log, secrets, lines }
  }

  it('returns the xAI credential through the IPC contract, with telemetry the CSP allows', async () => {
    const sim = await startSpekoSim({ turns: [] }, { transport: 'provider_direct' })
    sims.push(sim)
    const settings = settingsWith({ provider: 'speko', providers: { speko: { baseUrl: sim.baseUrl } } })
    const l = logger()
    const domain = createSessionDomain({ settings: { get: () => settings }, secrets: { getKey: (p) => (p === 'speko' ? sim.apiKey : null) }, logger: l.log })
    const router = createIpcRouter({ handlers: domain.handlers as unknown as Handlers, trustedOrigins: () => ['app://earshot'] })
    const reply = await router.invoke('session:start', sender, undefined)
    expect(reply.ok).toBe(true)
    if (!reply.ok) return
    const { credential } = reply.value as { credential: Record<string, any> } // eslint-disable-line @typescript-eslint/no-explicit-any -- checked below
    const minted = JSON.parse((sim.wire.entries.find((e) => e.kind === 'http')! as { response: string }).response)
    expect(credential).toMatchObject({
      protocol: 'xai',
      url: `${minted.endpoint}?model=${minted.model}`,
      protocols: [`xai-client-secret.${minted.credential.value}`],
      sessionId: minted.sessionId,
      telemetry: { url: minted.telemetry.endpoint, token: minted.telemetry.token, attemptId: minted.attemptId },
      upstreamSession: { voice: minted.session.voice },
    })
    const origins = sessionSocketOrigins(settings)
    expect(socketUrlAllowed(credential.url, origins)).toBe(true)
    expect(socketUrlAllowed(credential.telemetry.url, origins)).toBe(true)
    expect(l.secrets).toEqual(expect.arrayContaining([minted.credential.value, minted.telemetry.token]))
    expect(JSON.stringify(reply.value)).not.toContain(sim.apiKey)
  })

  it('refuses a direct answer whose upstream Earshot does not speak, with the message that says what works', async () => {
    const sim = await startSpekoSim({ turns: [] }, { transport: 'provider_direct', directAdapter: 'google.live.v1' })
    sims.push(sim)
    const settings = settingsWith({ provider: 'speko', providers: { speko: { baseUrl: sim.baseUrl } } })
    const domain = createSessionDomain({ settings: { get: () => settings }, secrets: { getKey: () => sim.apiKey }, logger: logger().log })
    const router = createIpcRouter({ handlers: domain.handlers as unknown as Handlers, trustedOrigins: () => ['app://earshot'] })
    const reply = await router.invoke('session:start', sender, undefined)
    expect(reply.ok).toBe(false)
    if (reply.ok) return
    expect(reply.error).toMatchObject({ code: 'provider_error' })
    expect(reply.error.message).toMatch(/Gemini Live \(google\.live\.v1\).*not support yet\. What works today: Speko sessions on the xAI upstream/)
  })
})

import { describe, expect, it } from 'vitest'
import { defaultSettings, type Settings } from '../../shared/settings/schema'
import { startDemoServer } from '../sim'
import { sessionSocketOrigins, siteOf, socketUrlAllowed } from './origins'

const withProvider = (provider: Settings['provider']): Settings => ({ ...defaultSettings(), provider })

describe('socket origins: the Demo only, and only its port', () => {
  it('allows no loopback socket at all unless Demo is the provider, and then only its exact port', () => {
    const plain = sessionSocketOrigins(defaultSettings(), { demoOrigin: 'ws://127.0.0.1:5555' })
    expect(plain.filter((o) => o.includes('127.0.0.1'))).toEqual([])
    expect(socketUrlAllowed('ws://127.0.0.1:5555/v1/realtime', plain)).toBe(false)
    const demo = sessionSocketOrigins(withProvider('demo'), { demoOrigin: 'ws://127.0.0.1:5555' })
    expect(demo.filter((o) => o.includes('127.0.0.1'))).toEqual(['ws://127.0.0.1:5555'])
    expect(socketUrlAllowed('ws://127.0.0.1:5555/v1/realtime', demo)).toBe(true)
    expect(socketUrlAllowed('ws://127.0.0.1:5556/v1/realtime', demo)).toBe(false)
    expect(sessionSocketOrigins(withProvider('demo')).some((o) => o.includes('*') && o.startsWith('ws://'))).toBe(false)
  })

  it('finds the registrable domain with the Public Suffix List', () => {
    expect(siteOf('api.speko.dev')).toBe('speko.dev')
    expect(siteOf('api.example.co.uk')).toBe('example.co.uk')
    expect(siteOf('rt.example.ne.jp')).toBe('example.ne.jp')
    expect(siteOf('api.someone.github.io')).toBe('someone.github.io')
    expect(siteOf('eu.rt.example.com.au')).toBe('example.com.au')
    expect(siteOf('co.uk')).toBeNull()
    expect(siteOf('127.0.0.1')).toBeNull()
    expect(siteOf('localhost')).toBeNull()
  })
})

describe('the Demo server', () => {
  it('has a random key per run', async () => {
    const a = await startDemoServer()
    const b = await startDemoServer()
    try {
      expect(a.apiKey).not.toBe(b.apiKey)
      expect(a.apiKey).not.toBe('earshot-demo')
      expect(a.apiKey.length).toBeGreaterThanOrEqual(32)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it('refuses a web page of another origin and a foreign Host (DNS rebinding), accepts Earshot and the CLI', async () => {
    const demo = await startDemoServer()
    const { default: WebSocket } = await import('ws')
    const open = (headers: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const credential = demo.credential()
        const socket = new WebSocket(credential.url, credential.protocols, { headers })
        socket.once('open', () => {
          socket.close()
          resolve('open')
        })
        socket.once('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`))
        socket.once('error', () => resolve('error'))
      })
    try {
      expect(await open({ Origin: 'https://attacker.example' })).toBe('refused 403')
      expect(await open({ Host: `attacker.example:${new URL(demo.baseUrl).port}` })).toBe('refused 403')
      expect(await open({ Origin: 'app://earshot' })).toBe('open')
      expect(await open({})).toBe('open')
      const rest = await fetch(`${demo.baseUrl.replace(/\/$/, '')}/`, { headers: { Origin: 'https://attacker.example' } })
      expect(rest.status).toBe(403)
    } finally {
      await demo.close()
    }
  })
})

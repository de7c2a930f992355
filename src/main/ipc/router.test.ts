import { describe, expect, it, vi } from 'vitest'
import { IpcFailure } from '../../shared/ipc/envelope'
import { defaultSettings } from '../../shared/settings/schema'
import { createIpcRouter, senderProblem, type Handlers, type SenderInfo } from './router'

const ORIGIN = 'app://earshot'
const good: SenderInfo = { frameUrl: 'app://earshot/index.html', isMainFrame: true, isOwnWindow: true, destroyed: false }

function handlers(overrides: Partial<Handlers> = {}): Handlers {
  const fail = () => {
    throw new Error('not used in this test')
  }
  return new Proxy(overrides as Handlers, { get: (target, key) => (target as Record<string | symbol, unknown>)[key] ?? fail })
}

function router(overrides: Partial<Handlers> = {}, log = vi.fn()) {
  return createIpcRouter({ handlers: handlers(overrides), trustedOrigins: () => [ORIGIN], log })
}

describe('the IPC guard', () => {
  const appInfo = { name: 'Earshot', version: '1.0.0', platform: 'linux' as const }

  it('answers a trusted main-frame sender on our origin', async () => {
    const reply = await router({ 'app:info': () => appInfo }).invoke('app:info', good, undefined)
    expect(reply).toEqual({ ok: true, value: appInfo })
  })

  it.each<[string, Partial<SenderInfo>]>([
    ['an iframe', { isMainFrame: false }],
    ['a foreign origin', { frameUrl: 'https://evil.example/index.html' }],
    ['a look-alike origin', { frameUrl: 'app://earshot.evil/index.html' }],
    ['a file:// page', { frameUrl: 'file:///tmp/index.html' }],
    ['a destroyed window', { destroyed: true }],
    ['a frame with no URL', { frameUrl: null }],
    ['a window Earshot did not create', { isOwnWindow: false }],
  ])('refuses %s without running the handler', async (_name, change) => {
    const handler = vi.fn(() => appInfo)
    const reply = await router({ 'app:info': handler }).invoke('app:info', { ...good, ...change }, undefined)
    expect(reply).toEqual({ ok: false, error: { code: 'forbidden_sender', message: expect.any(String) } })
    expect(handler).not.toHaveBeenCalled()
  })

  it('checks the sender before it even looks at the channel name', async () => {
    const reply = await router().invoke('no:such', { ...good, isMainFrame: false }, undefined)
    expect(reply).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } })
  })

  it('refuses an unknown channel, including prototype keys', async () => {
    for (const name of ['no:such', 'toString', '__proto__', 'constructor', 42]) {
      const reply = await router().invoke(name, good, undefined)
      expect(reply).toMatchObject({ ok: false, error: { code: 'unknown_channel' } })
    }
  })

  it('refuses a malformed payload with a readable reason and never runs the handler', async () => {
    const handler = vi.fn()
    const r = router({ 'keys:set': handler })
    for (const input of [undefined, null, 'sk-123', { provider: 'openai' }, { provider: 'nope', key: 'sk-1234567890' }, { provider: 'openai', key: 'has space inside' }]) {
      const reply = await r.invoke('keys:set', good, input)
      expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    }
    expect(handler).not.toHaveBeenCalled()
  })

  it('parses the output: a handler that returns the wrong shape is an error, not a leak', async () => {
    const log = vi.fn()
    const leaky = { ...appInfo, apiKey: 'sk-should-not-cross' }
    const reply = await router({ 'app:info': () => leaky }, log).invoke('app:info', good, undefined)
    // zod objects strip unknown keys: the extra field never crosses the bridge.
    expect(reply).toEqual({ ok: true, value: appInfo })
    const bad = await router({ 'settings:get': () => ({ ...defaultSettings(), provider: 'nope' }) as never }, log).invoke('settings:get', good, undefined)
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_output' } })
    expect(log).toHaveBeenCalled()
  })

  it('turns handler exceptions into envelopes; deliberate failures keep their code and message', async () => {
    const r = router({
      'app:openExternal': () => {
        throw new IpcFailure('invalid_input', 'Only http and https addresses can be opened.')
      },
      'app:info': () => {
        throw new Error('disk on fire at /home/me/secret')
      },
    })
    expect(await r.invoke('app:openExternal', good, { url: 'file:///etc/passwd' })).toEqual({
      ok: false,
      error: { code: 'invalid_input', message: 'Only http and https addresses can be opened.' },
    })
    const internal = await r.invoke('app:info', good, undefined)
    expect(internal).toMatchObject({ ok: false, error: { code: 'failed' } })
    expect(JSON.stringify(internal)).not.toContain('disk on fire')
  })

  it('explains each refusal (for the log)', () => {
    expect(senderProblem(good, [ORIGIN])).toBeNull()
    expect(senderProblem({ ...good, frameUrl: 'http://127.0.0.1:5173/' }, [ORIGIN])).toMatch(/not trusted/)
    expect(senderProblem({ ...good, frameUrl: 'http://127.0.0.1:5173/' }, [ORIGIN, 'http://127.0.0.1:5173'])).toBeNull()
  })
})

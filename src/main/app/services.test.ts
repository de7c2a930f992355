import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import type { Encryptor } from '../secrets/service'
import { createLogger } from './logger'
import { createMainServices } from './services'

const noKeyring: Encryptor = {
  isAvailable: () => false,
  encrypt: () => {
    throw new Error('no keyring')
  },
  decrypt: () => {
    throw new Error('no keyring')
  },
}
const ctx = { sender: { frameUrl: 'app://earshot/index.html', isMainFrame: true, isOwnWindow: true, destroyed: false } }
const KEY = 'sk-plaintext-canary-0123456789'

describe('main services: settings:update is a renderer patch', () => {
  it('cannot point a provider at another host (main sends the key there) nor opt into a plain key file', async () => {
    const services = createMainServices({
      userDataDir: mkdtempSync(join(tmpdir(), 'earshot-services-')),
      encryptor: noKeyring,
      appInfo: { name: 'Earshot', version: '0.0.0-test', platform: 'linux' },
      openExternal: async () => {},
      emit: () => {},
      logger: createLogger(),
    })
    try {
      const update = services.handlers['settings:update']
      await expect(Promise.resolve().then(() => update({ patch: { providers: { openai: { baseUrl: 'https://attacker.example/v1' } } } }, ctx))).rejects.toThrow(/own flows/)
      await expect(Promise.resolve().then(() => update({ patch: { secrets: { allowPlaintext: true } } }, ctx))).rejects.toThrow(/own flows/)
      expect(services.settings.get().providers.openai.baseUrl).toBe('https://api.openai.com/v1')
      expect(services.settings.get().secrets.allowPlaintext).toBe(false)
    } finally {
      await services.dispose()
    }
  })
})

describe('main services: the plaintext key opt-in', () => {
  it('a settings reset withdraws the opt-in and the key leaves the plain file at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'earshot-services-'))
    const emit = vi.fn()
    // The user confirms every question main's confirmation window puts (the plain key file).
    const confirmWindow = { show: () => services.confirm.list().forEach((p) => services.confirm.answer(p.id, 'allow_once')), hide: () => {} }
    const services = createMainServices({
      userDataDir: dir,
      encryptor: noKeyring,
      appInfo: { name: 'Earshot', version: '0.0.0-test', platform: 'linux' },
      openExternal: async () => {},
      emit,
      logger: createLogger(),
      confirmWindow,
    })
    const file = join(dir, 'secrets.json')
    const onDisk = () => (existsSync(file) ? readFileSync(file, 'utf8') : '')
    try {
      const { handlers } = services
      expect((await handlers['keys:allowPlaintext']({ allow: true }, ctx)).plaintextAllowed).toBe(true)
      await handlers['keys:set']({ provider: 'openai', key: KEY }, ctx)
      expect(onDisk()).toContain(KEY)
      expect(services.secrets.status().providers.openai.storage).toBe('plaintext')

      await handlers['settings:reset'](undefined, ctx)
      expect(onDisk()).not.toContain(KEY)
      expect(services.secrets.status()).toMatchObject({ plaintextAllowed: false, providers: { openai: { set: true, storage: 'memory' } } })
      expect(emit).toHaveBeenCalledWith('keys:changed', expect.objectContaining({ plaintextAllowed: false }))

      // keys:allowPlaintext still moves keys both ways.
      await handlers['keys:allowPlaintext']({ allow: true }, ctx)
      expect(onDisk()).toContain(KEY)
      await handlers['keys:allowPlaintext']({ allow: false }, ctx)
      expect(onDisk()).not.toContain(KEY)
    } finally {
      await services.dispose()
    }
  })
})

describe('main services: the voice window follows what its page may do', () => {
  it('reopens the voice window when WebRTC becomes allowed or stops being allowed (after onboarding), and reloads it for a Demo flip', async () => {
    const reopened = vi.fn()
    const reloaded = vi.fn()
    const services = createMainServices({
      userDataDir: mkdtempSync(join(tmpdir(), 'earshot-services-')),
      encryptor: noKeyring,
      appInfo: { name: 'Earshot', version: '0.0.0-test', platform: 'linux' },
      openExternal: async () => {},
      emit: () => {},
      logger: createLogger(),
      reopenVoiceWindow: reopened,
      reloadRenderer: reloaded,
    })
    const update = services.handlers['settings:update']
    const settle = async (calls: () => number, n: number) => {
      for (let i = 0; i < 200 && calls() < n; i++) await new Promise((r) => setTimeout(r, 5))
    }
    try {
      // Onboarding happens in the voice window: the reopen waits until a key is set.
      await update({ patch: { providers: { openai: { transport: 'webrtc' } } } }, ctx)
      await new Promise((r) => setTimeout(r, 50))
      expect(reopened).toHaveBeenCalledTimes(0)
      await services.handlers['keys:set']({ provider: 'openai', key: 'sk-test-services-0123456789' }, ctx)
      await settle(() => reopened.mock.calls.length, 1)
      expect(reopened).toHaveBeenCalledTimes(1) // openai + webrtc: allowed now
      await update({ patch: { providers: { openai: { voice: 'cedar' } } } }, ctx)
      await update({ patch: { provider: 'assemblyai' } }, ctx)
      await settle(() => reopened.mock.calls.length, 2)
      expect(reopened).toHaveBeenCalledTimes(2) // not OpenAI any more: not allowed
      await update({ patch: { provider: 'demo' } }, ctx)
      await settle(() => reloaded.mock.calls.length, 1)
      expect(reloaded).toHaveBeenCalledTimes(1)
      expect(reopened).toHaveBeenCalledTimes(2)
      // Another provider host: the page's CSP must list it, so the page is loaded afresh.
      services.settings.update({ providers: { assemblyai: { baseUrl: 'https://eu.assemblyai.example' } } }) // as the settings file may
      await settle(() => reloaded.mock.calls.length, 2)
      expect(reloaded).toHaveBeenCalledTimes(2)
    } finally {
      await services.dispose()
    }
  })
})

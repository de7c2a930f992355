import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import type { Notice } from '../../shared/ipc/channels/app'
import { IpcFailure } from '../../shared/ipc/envelope'
import { defaultSettings } from '../../shared/settings/schema'
import { migrate } from './migrations'
import { SettingsService, salvage } from './service'

function dir() {
  return mkdtempSync(join(tmpdir(), 'earshot-settings-'))
}
function open(folder: string, notify = vi.fn<(n: Notice) => void>()) {
  return { service: new SettingsService({ dir: folder, notify }), notify }
}
const file = (folder: string) => join(folder, 'settings.json')
const backups = (folder: string) => readdirSync(folder).filter((name) => name.includes('.corrupt-'))

describe('settings (electron-store backed, zod validated)', () => {
  it('starts from complete defaults and writes them', () => {
    const folder = dir()
    const { service, notify } = open(folder)
    expect(service.get()).toEqual(defaultSettings())
    expect(JSON.parse(readFileSync(file(folder), 'utf8'))).toEqual(defaultSettings())
    expect(notify).not.toHaveBeenCalled()
  })

  it('persists a patch and reads it back after a restart', () => {
    const folder = dir()
    open(folder).service.update({ provider: 'assemblyai', audio: { volume: 0.4 }, providers: { openai: { voice: 'cedar' } } })
    const again = open(folder).service.get()
    expect(again.provider).toBe('assemblyai')
    expect(again.audio.volume).toBe(0.4)
    expect(again.providers.openai.voice).toBe('cedar')
    expect(again.providers.openai.model).toBe('gpt-realtime')
  })

  it('refuses an invalid patch with a readable reason and keeps the old settings', () => {
    const { service } = open(dir())
    expect(() => service.update({ audio: { volume: 3 } })).toThrow(IpcFailure)
    expect(() => service.update({ provider: 'skype' })).toThrow(/provider/)
    expect(() => service.update({ nonsense: true })).toThrow(/not valid/)
    expect(service.get()).toEqual(defaultSettings())
  })

  it('refuses renderer patches to main-only paths (tool folders), but main may change them', () => {
    const { service } = open(dir())
    expect(() => service.update({ tools: { searchFolders: ['/'] } }, { fromRenderer: true })).toThrow(/own flows/)
    expect(() => service.update({ tools: { notesFolder: '/etc' } }, { fromRenderer: true })).toThrow(/own flows/)
    expect(() => service.update({ tools: { alwaysAllow: ['launch_application'] } }, { fromRenderer: true })).toThrow(/own flows/)
    expect(service.update({ tools: { searchFolders: ['/home/me/Documents'] } }).tools.searchFolders).toEqual(['/home/me/Documents'])
  })

  it('refuses renderer patches to the provider endpoints (where main sends the key) and the plaintext opt-in', () => {
    const { service } = open(dir())
    for (const provider of ['openai', 'assemblyai', 'speko'] as const) {
      expect(() => service.update({ providers: { [provider]: { baseUrl: 'https://attacker.example' } } }, { fromRenderer: true })).toThrow(/own flows/)
    }
    expect(() => service.update({ secrets: { allowPlaintext: true } }, { fromRenderer: true })).toThrow(/own flows/)
    expect(service.get()).toEqual(defaultSettings())
    // The rest of a provider's settings stays the user's to change; main may change the endpoint.
    expect(service.update({ providers: { openai: { voice: 'cedar' } } }, { fromRenderer: true }).providers.openai.voice).toBe('cedar')
    expect(service.update({ providers: { openai: { baseUrl: 'http://127.0.0.1:9/v1' } } }).providers.openai.baseUrl).toBe('http://127.0.0.1:9/v1')
  })

  it('ignores prototype-pollution keys in patches', () => {
    const { service } = open(dir())
    service.update(JSON.parse('{"__proto__": {"polluted": true}, "alwaysListening": true}'))
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(service.get().alwaysListening).toBe(true)
  })

  it('backs up a corrupt (non-JSON) file, resets to defaults and tells the user', () => {
    const folder = dir()
    writeFileSync(file(folder), '{"provider": "speko", ')
    const { service, notify } = open(folder)
    expect(service.get()).toEqual(defaultSettings())
    expect(notify).toHaveBeenCalledWith(expect.objectContaining({ id: 'settings-reset', level: 'warning' }))
    const saved = backups(folder)
    expect(saved).toHaveLength(1)
    expect(readFileSync(join(folder, saved[0]!), 'utf8')).toBe('{"provider": "speko", ')
    expect(JSON.parse(readFileSync(file(folder), 'utf8'))).toEqual(defaultSettings())
  })

  it('repairs a file with a few bad values: keeps the good ones, resets the bad, keeps a backup', () => {
    const folder = dir()
    writeFileSync(file(folder), JSON.stringify({ provider: 'assemblyai', audio: { volume: 7, echoCancellation: false }, extra: 1 }))
    const { service, notify } = open(folder)
    const value = service.get()
    expect(value.provider).toBe('assemblyai')
    expect(value.audio.echoCancellation).toBe(false)
    expect(value.audio.volume).toBe(1)
    expect(notify).toHaveBeenCalledWith(expect.objectContaining({ id: 'settings-repaired', message: expect.stringContaining('audio.volume') }))
    expect(backups(folder)).toHaveLength(1)
  })

  it('resets a file that is JSON but not an object, and one from a newer Earshot', () => {
    for (const body of ['[1,2,3]', '"hello"', JSON.stringify({ schemaVersion: 99, provider: 'openai' })]) {
      const folder = dir()
      writeFileSync(file(folder), body)
      const { service, notify } = open(folder)
      expect(service.get()).toEqual(defaultSettings())
      expect(notify).toHaveBeenCalledOnce()
      expect(backups(folder)).toHaveLength(1)
    }
  })

  it('fills in fields added since the file was written, without a notice', () => {
    const folder = dir()
    writeFileSync(file(folder), JSON.stringify({ provider: 'speko' }))
    const { service, notify } = open(folder)
    expect(service.get().provider).toBe('speko')
    expect(service.get().tools.confirmTimeoutSeconds).toBe(60)
    expect(notify).not.toHaveBeenCalled()
  })

  it('tells listeners about every change', () => {
    const { service } = open(dir())
    const seen: boolean[] = []
    service.onChange((s) => seen.push(s.alwaysListening))
    service.update({ alwaysListening: true })
    service.reset()
    expect(seen).toEqual([true, false])
  })

  it('survives a folder it cannot write: keeps working in memory and says so', () => {
    const notify = vi.fn()
    const service = new SettingsService({
      dir: dir(),
      notify,
      backend: () => ({
        path: '/read-only/settings.json',
        read: () => ({}),
        write: () => {
          throw new Error('EROFS: read-only file system')
        },
      }),
    })
    expect(service.update({ alwaysListening: true }).alwaysListening).toBe(true)
    expect(notify).toHaveBeenCalledWith(expect.objectContaining({ id: 'settings-write-failed' }))
  })
})

describe('settings migrations', () => {
  it('runs each step in order from the file version to the current one', () => {
    const steps = {
      1: (raw: Record<string, unknown>) => ({ ...raw, provider: raw.activeProvider, activeProvider: undefined }),
      2: (raw: Record<string, unknown>) => ({ ...raw, alwaysListening: raw.handsFree === true, handsFree: undefined }),
    }
    const result = migrate({ activeProvider: 'speko', handsFree: true }, steps, 3)
    expect(result).toEqual({ ok: true, from: 1, value: { provider: 'speko', alwaysListening: true, activeProvider: undefined, handsFree: undefined, schemaVersion: 3 } })
  })
  it('refuses files from a newer version or with a nonsense version', () => {
    expect(migrate({ schemaVersion: 5 }, {}, 1)).toMatchObject({ ok: false, reason: expect.stringContaining('newer Earshot') })
    expect(migrate({ schemaVersion: 'x' }, {}, 1)).toMatchObject({ ok: false })
    expect(migrate({ schemaVersion: 1 }, {}, 2)).toMatchObject({ ok: false, reason: expect.stringContaining('no migration') })
  })
  it('is used by the service: an old file is migrated and rewritten', () => {
    const folder = dir()
    writeFileSync(file(folder), JSON.stringify({ schemaVersion: 0, activeProvider: 'assemblyai' }))
    const service = new SettingsService({
      dir: folder,
      migrations: { 0: (raw) => ({ provider: raw.activeProvider }) },
      currentVersion: 1,
    })
    expect(service.get().provider).toBe('assemblyai')
    expect(JSON.parse(readFileSync(file(folder), 'utf8')).provider).toBe('assemblyai')
  })
})

describe('salvage', () => {
  it('returns null only when nothing can be kept', () => {
    expect(salvage({ audio: { volume: 9 } })?.reset).toEqual(['audio.volume'])
    expect(existsSync('/')).toBe(true)
  })
})

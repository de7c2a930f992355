import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { testEncryptor } from '../../../test/harness/encryptor'
import { SecretsService } from './service'

const KEY = 'sk-proj-canary-0123456789abcdef'
function dir() {
  return mkdtempSync(join(tmpdir(), 'earshot-secrets-'))
}

describe('API keys at rest', () => {
  it('encrypts keys with the OS keyring and reads them back after a restart', () => {
    const folder = dir()
    const encryptor = testEncryptor(true)
    const first = new SecretsService({ dir: folder, encryptor, plaintextAllowed: () => false })
    expect(first.set('openai', KEY).providers.openai).toEqual({ set: true, storage: 'encrypted', rejected: false })
    const onDisk = readFileSync(join(folder, 'secrets.json'), 'utf8')
    expect(onDisk).not.toContain(KEY)
    expect(onDisk).not.toContain('canary')
    if (process.platform !== 'win32') expect(statSync(join(folder, 'secrets.json')).mode & 0o077).toBe(0)
    const second = new SecretsService({ dir: folder, encryptor, plaintextAllowed: () => false })
    expect(second.getKey('openai')).toBe(KEY)
    expect(second.status().providers.openai.storage).toBe('encrypted')
  })

  it('without a keyring: says so plainly and keeps the key in memory only', () => {
    const folder = dir()
    const notify = vi.fn()
    const service = new SecretsService({ dir: folder, encryptor: testEncryptor(false), plaintextAllowed: () => false, notify })
    expect(notify).toHaveBeenCalledWith(expect.objectContaining({ id: 'encryption-unavailable', message: expect.stringContaining('forgotten when Earshot quits') }))
    expect(service.set('speko', KEY).providers.speko).toEqual({ set: true, storage: 'memory', rejected: false })
    expect(service.getKey('speko')).toBe(KEY)
    expect(readFileSync(join(folder, 'secrets.json'), 'utf8')).not.toContain(KEY)
    const restarted = new SecretsService({ dir: folder, encryptor: testEncryptor(false), plaintextAllowed: () => false })
    expect(restarted.getKey('speko')).toBeNull()
  })

  it('without a keyring and with the explicit opt-in: a plain file that survives a restart', () => {
    const folder = dir()
    let allow = false
    const service = new SecretsService({ dir: folder, encryptor: testEncryptor(false), plaintextAllowed: () => allow })
    service.set('assemblyai', KEY)
    allow = true
    expect(service.storageModeChanged().providers.assemblyai.storage).toBe('plaintext')
    expect(readFileSync(join(folder, 'secrets.json'), 'utf8')).toContain(KEY)
    expect(new SecretsService({ dir: folder, encryptor: testEncryptor(false), plaintextAllowed: () => true }).getKey('assemblyai')).toBe(KEY)
    // Withdrawing the opt-in removes the key from the file.
    allow = false
    service.storageModeChanged()
    expect(readFileSync(join(folder, 'secrets.json'), 'utf8')).not.toContain(KEY)
  })

  it('clears a key from memory and disk', () => {
    const folder = dir()
    const encryptor = testEncryptor(true)
    const service = new SecretsService({ dir: folder, encryptor, plaintextAllowed: () => false })
    service.set('openai', KEY)
    expect(service.clear('openai').providers.openai).toEqual({ set: false, storage: 'none', rejected: false })
    expect(new SecretsService({ dir: folder, encryptor, plaintextAllowed: () => false }).getKey('openai')).toBeNull()
  })

  it('remembers that the provider refused a key until the key changes (the key card turns red)', () => {
    const service = new SecretsService({ dir: dir(), encryptor: testEncryptor(true), plaintextAllowed: () => false })
    service.set('openai', KEY)
    expect(service.markRejected('openai', true)).toBe(true)
    expect(service.markRejected('openai', true)).toBe(false)
    expect(service.status().providers.openai).toEqual({ set: true, storage: 'encrypted', rejected: true })
    expect(service.status().providers.speko.rejected).toBe(false)
    expect(service.set('openai', `${KEY}-new`).providers.openai.rejected).toBe(false)
    service.markRejected('openai', true)
    expect(service.clear('openai').providers.openai.rejected).toBe(false)
  })

  it('sets a damaged key store aside, tells the user, and keeps working', () => {
    const folder = dir()
    writeFileSync(join(folder, 'secrets.json'), '{"version": 1, "keys": {"openai": {"kind": "encrypted", "data": 5}}}')
    const notify = vi.fn()
    const service = new SecretsService({ dir: folder, encryptor: testEncryptor(true), plaintextAllowed: () => false, notify })
    expect(notify).toHaveBeenCalledWith(expect.objectContaining({ id: 'secrets-unreadable' }))
    expect(existsSync(join(folder, 'secrets.json.unreadable'))).toBe(true)
    expect(service.set('openai', KEY).providers.openai.set).toBe(true)
  })

  it('asks for the key again when it cannot be decrypted (keyring changed)', () => {
    const folder = dir()
    new SecretsService({ dir: folder, encryptor: testEncryptor(true), plaintextAllowed: () => false }).set('openai', KEY)
    const notify = vi.fn()
    const other = new SecretsService({ dir: folder, encryptor: testEncryptor(true), plaintextAllowed: () => false, notify })
    expect(other.getKey('openai')).toBeNull()
    expect(notify).toHaveBeenCalledWith(expect.objectContaining({ id: 'secret-undecryptable-openai' }))
  })

  it('registers every key it holds so the logger can scrub it', () => {
    const folder = dir()
    const seen: string[] = []
    const encryptor = testEncryptor(true)
    new SecretsService({ dir: folder, encryptor, plaintextAllowed: () => false, onSecret: (v) => seen.push(v) }).set('openai', KEY)
    new SecretsService({ dir: folder, encryptor, plaintextAllowed: () => false, onSecret: (v) => seen.push(v) })
    expect(seen).toEqual([KEY, KEY])
  })
})

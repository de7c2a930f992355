import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import type { Notice } from '../../shared/ipc/channels/app'
import type { KeyStatus, KeyStorage } from '../../shared/ipc/channels/keys'
import { KEYED_PROVIDERS, type KeyedProvider } from '../../shared/settings/schema'

/** The OS's encryption at rest (Electron's safeStorage, behind a thin adapter). */
export interface Encryptor {
  /** False where the OS has no usable keyring (including Linux's hard-coded "basic_text" backend). */
  isAvailable(): boolean
  encrypt(plain: string): Uint8Array
  decrypt(cipher: Uint8Array): string
}

const EntrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('encrypted'), data: z.string() }),
  z.object({ kind: z.literal('plaintext'), data: z.string() }),
])
const FileSchema = z.object({
  version: z.literal(1),
  keys: z.partialRecord(z.enum(KEYED_PROVIDERS), EntrySchema),
})
type SecretsFile = z.infer<typeof FileSchema>

export interface SecretsServiceOptions {
  dir: string
  encryptor: Encryptor
  /** Whether the user opted into plaintext storage where encryption is unavailable. */
  plaintextAllowed: () => boolean
  notify?: (notice: Notice) => void
  log?: (line: string) => void
  /** Every key that is loaded or set is registered here, so logs can scrub it. */
  onSecret?: (value: string) => void
}

/**
 * Provider API keys. They live only in this process: encrypted at rest with the OS keyring; in
 * memory for this run when the OS has none (unless the user opted into a plaintext file). The
 * IPC surface is status/set/clear; getKey() is for main-process minting only.
 */
export class SecretsService {
  private readonly memory = new Map<KeyedProvider, string>()
  private readonly storage = new Map<KeyedProvider, KeyStorage>()
  /** Keys the provider refused (HTTP 401/403 when minting); cleared when the key changes. */
  private readonly rejected = new Set<KeyedProvider>()
  private readonly file: string
  private readonly log: (line: string) => void

  constructor(private readonly options: SecretsServiceOptions) {
    this.file = join(options.dir, 'secrets.json')
    this.log = options.log ?? (() => {})
    this.load()
    if (!options.encryptor.isAvailable()) {
      options.notify?.({
        id: 'encryption-unavailable',
        level: 'warning',
        title: 'Keys cannot be encrypted on this system',
        message: options.plaintextAllowed()
          ? 'No system keyring is available, and you chose to keep API keys in a plain file readable by your user account.'
          : 'No system keyring is available, so API keys are kept in memory and forgotten when Earshot quits. You can opt into storing them in a plain file in Settings.',
      })
    }
  }

  status(): KeyStatus {
    const entry = (provider: KeyedProvider) => ({
      set: this.memory.has(provider),
      storage: this.memory.has(provider) ? (this.storage.get(provider) ?? 'memory') : ('none' as KeyStorage),
      rejected: this.memory.has(provider) && this.rejected.has(provider),
    })
    return {
      encryptionAvailable: this.options.encryptor.isAvailable(),
      plaintextAllowed: this.options.plaintextAllowed(),
      providers: { openai: entry('openai'), assemblyai: entry('assemblyai'), speko: entry('speko') },
    }
  }

  /** Main-process use only (minting). Never exposed over IPC. */
  getKey(provider: KeyedProvider): string | null {
    return this.memory.get(provider) ?? null
  }

  /** The provider refused this key (or accepted it again). Returns true when that changed the status. */
  markRejected(provider: KeyedProvider, rejected: boolean): boolean {
    if (rejected === this.rejected.has(provider)) return false
    if (rejected) this.rejected.add(provider)
    else this.rejected.delete(provider)
    return true
  }

  set(provider: KeyedProvider, key: string): KeyStatus {
    const value = key.trim()
    this.rejected.delete(provider)
    this.options.onSecret?.(value)
    this.memory.set(provider, value)
    this.storage.set(provider, this.persistMode())
    this.save()
    return this.status()
  }

  clear(provider: KeyedProvider): KeyStatus {
    this.rejected.delete(provider)
    this.memory.delete(provider)
    this.storage.delete(provider)
    this.save()
    return this.status()
  }

  /** Re-save every key after the plaintext opt-in changed (moves keys to or from the file). */
  storageModeChanged(): KeyStatus {
    for (const provider of this.memory.keys()) this.storage.set(provider, this.persistMode())
    this.save()
    return this.status()
  }

  private persistMode(): KeyStorage {
    if (this.options.encryptor.isAvailable()) return 'encrypted'
    return this.options.plaintextAllowed() ? 'plaintext' : 'memory'
  }

  private load(): void {
    if (!existsSync(this.file)) return
    let parsed: SecretsFile
    try {
      parsed = FileSchema.parse(JSON.parse(readFileSync(this.file, 'utf8')))
    } catch (error) {
      const aside = `${this.file}.unreadable`
      try {
        renameSync(this.file, aside)
      } catch {
        // leave it where it is
      }
      this.log(`secrets: unreadable store moved to ${aside}: ${(error as Error).name}`)
      this.options.notify?.({
        id: 'secrets-unreadable',
        level: 'error',
        title: 'Saved API keys could not be read',
        message: `The key store was damaged and has been set aside (${aside}). Please enter your API keys again.`,
      })
      return
    }
    for (const provider of KEYED_PROVIDERS) {
      const entry = parsed.keys[provider]
      if (!entry) continue
      try {
        const value =
          entry.kind === 'encrypted'
            ? this.options.encryptor.decrypt(Uint8Array.from(atob(entry.data), (c) => c.charCodeAt(0)))
            : entry.data
        if (entry.kind === 'plaintext' && !this.options.plaintextAllowed()) {
          // The user withdrew the opt-in while Earshot was not running; honour it.
          continue
        }
        this.options.onSecret?.(value)
        this.memory.set(provider, value)
        this.storage.set(provider, entry.kind)
      } catch {
        this.log(`secrets: the ${provider} key could not be decrypted`)
        this.options.notify?.({
          id: `secret-undecryptable-${provider}`,
          level: 'warning',
          title: 'A saved key could not be decrypted',
          message: `Your ${provider} key could not be decrypted (the system keyring may have changed). Please enter it again.`,
        })
      }
    }
  }

  private save(): void {
    const keys: SecretsFile['keys'] = {}
    for (const [provider, value] of this.memory) {
      const mode = this.storage.get(provider)
      if (mode === 'encrypted') {
        const bytes = this.options.encryptor.encrypt(value)
        keys[provider] = { kind: 'encrypted', data: btoa(String.fromCharCode(...bytes)) }
      } else if (mode === 'plaintext') {
        keys[provider] = { kind: 'plaintext', data: value }
      }
    }
    const body: SecretsFile = { version: 1, keys }
    mkdirSync(dirname(this.file), { recursive: true })
    const temp = `${this.file}.${process.pid}.tmp`
    writeFileSync(temp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 })
    renameSync(temp, this.file)
  }
}

import { safeStorage } from 'electron'
import type { Encryptor } from '../secrets/service'

/**
 * safeStorage as an Encryptor. On Linux, Chromium falls back to a hard-coded password
 * ("basic_text") when no keyring is running; that is obfuscation, not encryption, so it counts as
 * unavailable and the user is told.
 */
export function safeStorageEncryptor(): Encryptor {
  const isAvailable = () => {
    if (!safeStorage.isEncryptionAvailable()) return false
    if (process.platform === 'linux') {
      const backend = safeStorage.getSelectedStorageBackend?.()
      if (backend === 'basic_text' || backend === 'unknown') return false
    }
    return true
  }
  return {
    isAvailable,
    encrypt: (plain) => new Uint8Array(safeStorage.encryptString(plain)),
    decrypt: (cipher) => safeStorage.decryptString(Buffer.from(cipher)),
  }
}

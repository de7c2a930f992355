import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import type { Encryptor } from '../../src/main/secrets/service'

/** A real AES-256-GCM encryptor standing in for safeStorage (whose keyring needs Electron). */
export function testEncryptor(available = true): Encryptor {
  const key = randomBytes(32)
  return {
    isAvailable: () => available,
    encrypt: (plain) => {
      if (!available) throw new Error('encryption unavailable')
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), body]))
    },
    decrypt: (data) => {
      const buf = Buffer.from(data)
      const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12))
      decipher.setAuthTag(buf.subarray(12, 28))
      return Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]).toString('utf8')
    },
  }
}

import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { createLogger } from '../app/logger'
import { createMainServices } from '../app/services'
import type { Encryptor } from '../secrets/service'
import { validatedEventSink } from './events'

const plainEncryptor: Encryptor = {
  isAvailable: () => true,
  encrypt: (plain) => new TextEncoder().encode(plain),
  decrypt: (cipher) => new TextDecoder().decode(cipher),
}

describe('events main sends to the renderer', () => {
  it('pass their contract schema: unknown keys are stripped, a payload that does not fit is not sent', () => {
    const send = vi.fn()
    const log = vi.fn()
    const sink = validatedEventSink(send, log)
    const notice = { id: 'n1', level: 'info' as const, title: 'T', message: 'M' }
    sink('app:notice', { ...notice, internal: 'sk-should-not-leave-main' } as typeof notice)
    expect(send).toHaveBeenCalledWith('app:notice', notice)
    sink('app:notice', { id: 'n2', level: 'loud' } as unknown as typeof notice)
    sink('nope' as 'app:notice', notice)
    expect(send).toHaveBeenCalledTimes(1)
    expect(log).toHaveBeenCalledTimes(2)
  })

  it('are checked for every domain of the app services (the composition root and the harness alike)', async () => {
    const emit = vi.fn()
    const services = createMainServices({
      userDataDir: mkdtempSync(join(tmpdir(), 'earshot-events-')),
      encryptor: plainEncryptor,
      appInfo: { name: 'Earshot', version: '0.0.0-test', platform: 'linux' },
      openExternal: async () => {},
      emit,
      logger: createLogger(),
    })
    try {
      services.notices.add({ id: 'n1', level: 'info', title: 'T', message: 'M', extra: 'internal' } as Parameters<typeof services.notices.add>[0])
      expect(emit).toHaveBeenCalledWith('app:notice', { id: 'n1', level: 'info', title: 'T', message: 'M' })
    } finally {
      await services.dispose()
    }
  })
})

import { z } from 'zod'
import { KeyedProviderSchema } from '../../settings/schema'

/**
 * API keys are write-only across IPC: the renderer can set one, clear one, and ask whether one is
 * set and how it is stored. No channel returns a key, or any part of one.
 */
export const KeyStorageSchema = z.enum(['encrypted', 'plaintext', 'memory', 'none'])
export type KeyStorage = z.infer<typeof KeyStorageSchema>

export const KeyStatusSchema = z.object({
  /** Whether the OS offers encryption at rest (safeStorage). */
  encryptionAvailable: z.boolean(),
  /** Keys are kept in a plain file because the user opted in (only when encryption is unavailable). */
  plaintextAllowed: z.boolean(),
  providers: z.object({
    openai: z.object({ set: z.boolean(), storage: KeyStorageSchema, rejected: z.boolean().default(false) }),
    assemblyai: z.object({ set: z.boolean(), storage: KeyStorageSchema, rejected: z.boolean().default(false) }),
    speko: z.object({ set: z.boolean(), storage: KeyStorageSchema, rejected: z.boolean().default(false) }),
  }),
})
export type KeyStatus = z.infer<typeof KeyStatusSchema>

export const ApiKeyInputSchema = z
  .string()
  .trim()
  .min(8, 'That key is too short.')
  .max(512, 'That key is too long.')
  .regex(/^[\x21-\x7e]+$/, 'A key has no spaces or special characters.')

export const keysChannels = {
  'keys:status': { input: z.undefined(), output: KeyStatusSchema },
  'keys:set': { input: z.object({ provider: KeyedProviderSchema, key: ApiKeyInputSchema }), output: KeyStatusSchema },
  'keys:clear': { input: z.object({ provider: KeyedProviderSchema }), output: KeyStatusSchema },
  /** Opt in (or out) of keeping keys in a plain file where the OS has no encryption. */
  'keys:allowPlaintext': { input: z.object({ allow: z.boolean() }), output: KeyStatusSchema },
} as const

export const keysEvents = {
  'keys:changed': KeyStatusSchema,
} as const

import { z } from 'zod'
import { SettingsSchema } from '../../settings/schema'

/** A patch is a plain object; main merges it into the current settings and validates the result. */
export const SettingsPatchInputSchema = z.object({ patch: z.record(z.string(), z.unknown()) })

export const settingsChannels = {
  'settings:get': { input: z.undefined(), output: SettingsSchema },
  'settings:update': { input: SettingsPatchInputSchema, output: SettingsSchema },
  'settings:reset': { input: z.undefined(), output: SettingsSchema },
} as const

export const settingsEvents = {
  'settings:changed': SettingsSchema,
} as const

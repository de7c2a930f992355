import { z } from 'zod'
import { text } from '../../settings/fields'

/** settings.providers.demo: every field has a default (SettingsSchema.parse({}) is complete). */
export const DemoSettingsSchema = z.strictObject({
  greeting: text(2_000).default(''),
})

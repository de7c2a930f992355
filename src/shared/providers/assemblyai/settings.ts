import { z } from 'zod'
import { HttpBaseUrlSchema, text } from '../../settings/fields'

/** settings.providers.assemblyai: every field has a default (SettingsSchema.parse({}) is complete). */
export const AssemblyAISettingsSchema = z.strictObject({
  baseUrl: HttpBaseUrlSchema.default('https://agents.assemblyai.com'),
  voice: text(60).min(1).default('ivy'),
  instructions: text(20_000).default(''),
  greeting: text(2_000).default(''),
})

import { z } from 'zod'
import { HttpBaseUrlSchema, text } from '../../settings/fields'

/** settings.providers.speko: every field has a default (SettingsSchema.parse({}) is complete). */
export const SpekoSettingsSchema = z.strictObject({
  baseUrl: HttpBaseUrlSchema.default('https://api.speko.dev'),
  /** The upstream S2S provider Speko proxies to. */
  upstream: text(40).min(1).default('openai'),
  model: text(100).min(1).default('gpt-realtime'),
  voice: text(60).min(1).default('alloy'),
  instructions: text(20_000).default(''),
  greeting: text(2_000).default(''),
  inputSampleRate: z.union([z.literal(16000), z.literal(24000)]).default(24000),
  outputSampleRate: z.union([z.literal(16000), z.literal(24000)]).default(24000),
})

import { z } from 'zod'
import { HttpBaseUrlSchema, text } from '../../settings/fields'

/** settings.providers.openai: every field has a default (SettingsSchema.parse({}) is complete). */
export const OpenAISettingsSchema = z.strictObject({
  baseUrl: HttpBaseUrlSchema.default('https://api.openai.com/v1'),
  model: text(100).min(1).default('gpt-realtime'),
  voice: text(60).min(1).default('marin'),
  instructions: text(20_000).default(''),
  greeting: text(2_000).default(''),
  transcriptionModel: text(100).min(1).default('gpt-4o-mini-transcribe'),
  turnDetection: z.enum(['server_vad', 'semantic_vad']).default('server_vad'),
  /** audio.input.noise_reduction: near_field suits a desk or headset microphone, far_field a laptop or room one. */
  noiseReduction: z.enum(['near_field', 'far_field', 'off']).default('near_field'),
  /** server_vad: silence that ends a turn (ms; the server's default is 500). */
  silenceDurationMs: z.number().int().min(200).max(3000).default(500),
  /** server_vad: after this much silence following a reply the model speaks up (ms); null = never. */
  idleTimeoutMs: z.number().int().min(5000).max(60_000).nullable().default(null),
  /** semantic_vad: how eagerly the model takes its turn. */
  eagerness: z.enum(['auto', 'low', 'medium', 'high']).default('auto'),
  /** reasoning.effort for the models that take it (the gpt-realtime-2 family); others ignore it. */
  reasoningEffort: z.enum(['minimal', 'low', 'medium', 'high', 'xhigh']).default('low'),
  /** truncation retention_ratio: the share of the conversation kept when it overflows the context. */
  retentionRatio: z.number().min(0.1).max(1).default(0.8),
  /**
   * How the voice window reaches OpenAI: a WebSocket (default) or WebRTC (microphone and reply as
   * audio tracks; the page may then open a peer connection, see docs/security.md).
   */
  transport: z.enum(['websocket', 'webrtc']).default('websocket'),
})

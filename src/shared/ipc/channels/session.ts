import { z } from 'zod'
import { ProviderIdSchema } from '../../settings/schema'
import { PROTOCOL_IDS } from '../../s2s/types'

/**
 * Starting a speech-to-speech session. Main mints a short-lived credential with the key it keeps
 * (the key never crosses IPC) and returns only what the socket needs, plus the session
 * configuration built from settings and the tool registry. The renderer calls session:start again
 * for every (re)connection: credentials are short-lived and AssemblyAI tokens are one-time.
 */

export const ToolDeclarationSchema = z.object({
  name: z.string().max(64),
  description: z.string().max(4000),
  parameters: z.record(z.string(), z.unknown()),
})

export const SessionCredentialSchema = z.object({
  protocol: z.enum(PROTOCOL_IDS),
  /** websocket (absent) or webrtc (OpenAI: an SDP offer POSTed to an https `url`). */
  transport: z.enum(['websocket', 'webrtc']).optional(),
  url: z.string().max(8192).regex(/^(wss?|https?):\/\//, 'must be a ws(s):// URL, or http(s):// for WebRTC'),
  protocols: z.array(z.string().max(4096)).max(4),
  /** WebRTC: the short-lived client secret for the SDP request's Authorization header (never the API key). */
  bearer: z.string().max(4096).optional(),
  /** Epoch ms after which the credential can no longer open a socket; null if unknown. */
  expiresAt: z.number().nullable(),
  inputSampleRate: z.number().int().positive(),
  outputSampleRate: z.number().int().positive(),
  sessionId: z.string().max(500).optional(),
  /** Speko provider_direct: usage reporting (a short-lived telemetry token, never the API key). */
  telemetry: z
    .object({
      url: z.string().max(2048).regex(/^https?:\/\//, 'must be an http:// or https:// URL'),
      token: z.string().max(4096),
      flushIntervalMs: z.number().int().min(1000).max(3_600_000),
      sessionId: z.string().max(500),
      attemptId: z.string().max(500),
      authorizedDurationMs: z.number().int().nonnegative(),
    })
    .optional(),
  /** Speko provider_direct over WebRTC: where the call id is bound (with the telemetry token). */
  sidebandUrl: z.string().max(2048).regex(/^https?:\/\//, 'must be an http:// or https:// URL').optional(),
  /** Speko provider_direct: what Speko resolved for the upstream session. */
  upstreamSession: z
    .object({ model: z.string().max(200).optional(), voice: z.string().max(200).optional(), instructions: z.string().max(100_000).optional(), tools: z.array(ToolDeclarationSchema).max(128).optional() })
    .optional(),
})

export const SessionConfigSchema = z.object({
  instructions: z.string(),
  greeting: z.string(),
  voice: z.string(),
  model: z.string(),
  tools: z.array(ToolDeclarationSchema),
  turnDetection: z.enum(['server_vad', 'semantic_vad']),
  transcriptionModel: z.string(),
  /** OpenAI session tuning (noise reduction, VAD timing, idle timeout, reasoning, truncation). */
  openai: z
    .object({
      noiseReduction: z.enum(['near_field', 'far_field', 'off']).optional(),
      silenceDurationMs: z.number().int().positive().optional(),
      idleTimeoutMs: z.number().int().positive().nullable().optional(),
      eagerness: z.enum(['low', 'medium', 'high', 'auto']).optional(),
      reasoningEffort: z.enum(['minimal', 'low', 'medium', 'high', 'xhigh']).optional(),
      retentionRatio: z.number().min(0).max(1).optional(),
    })
    .optional(),
})

/**
 * provider: which provider to start (default: the one chosen in settings). continueFrom: a stored
 * conversation this session continues; main carries it where the provider takes it at mint time
 * (Speko: in the instructions). OpenAI and AssemblyAI get it from S2SSession's initialHistory.
 */
export const SessionStartInputSchema = z
  .object({ provider: ProviderIdSchema.optional(), continueFrom: z.string().regex(/^[A-Za-z0-9-]{1,64}$/).optional() })
  .strict()
  .optional()

export const SessionStartSchema = z.object({
  /** The provider that was started ('demo' speaks `credential.protocol` to a local simulator). */
  provider: ProviderIdSchema,
  credential: SessionCredentialSchema,
  config: SessionConfigSchema,
})
export type SessionStart = z.infer<typeof SessionStartSchema>

export const sessionChannels = {
  'session:start': { input: SessionStartInputSchema, output: SessionStartSchema },
} as const

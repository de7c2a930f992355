import { z } from 'zod'
import { McpServerConfigSchema } from '../mcp/types'
import { PROVIDER_TOOL_NAME_PATTERN, ToolRiskSchema } from '../tools/types'

/**
 * The one settings schema. Every field has a default, so `SettingsSchema.parse({})` is a complete,
 * valid settings object and an older or partial file fills in what it lacks. Objects are strict:
 * an unknown key is an error, never silently kept.
 */

export const PROVIDER_IDS = ['openai', 'assemblyai', 'speko', 'demo'] as const
export const ProviderIdSchema = z.enum(PROVIDER_IDS)
export type ProviderId = z.infer<typeof ProviderIdSchema>

/** Providers that need an API key (Demo mode runs a local simulator and needs none). */
export const KEYED_PROVIDERS = ['openai', 'assemblyai', 'speko'] as const
export const KeyedProviderSchema = z.enum(KEYED_PROVIDERS)
export type KeyedProvider = z.infer<typeof KeyedProviderSchema>

export const PROVIDER_LABELS: Record<ProviderId, string> = {
  openai: 'OpenAI Realtime',
  assemblyai: 'AssemblyAI Voice Agent',
  speko: 'Speko',
  demo: 'Demo (no account needed)',
}

/** An http(s) base URL; no credentials, query or fragment. */
export const HttpBaseUrlSchema = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value)
      return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && !url.search && !url.hash
    } catch {
      return false
    }
  }, 'must be an http(s) URL without credentials, query or fragment')

const text = (max: number) => z.string().max(max)

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

export const AssemblyAISettingsSchema = z.strictObject({
  baseUrl: HttpBaseUrlSchema.default('https://agents.assemblyai.com'),
  voice: text(60).min(1).default('ivy'),
  instructions: text(20_000).default(''),
  greeting: text(2_000).default(''),
})

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

export const DemoSettingsSchema = z.strictObject({
  greeting: text(2_000).default(''),
})

export const PUSH_TO_TALK_MODES = ['hold', 'toggle', 'auto'] as const
export const PushToTalkModeSchema = z.enum(PUSH_TO_TALK_MODES)
export type PushToTalkMode = z.infer<typeof PushToTalkModeSchema>

export const SettingsSchema = z.strictObject({
  schemaVersion: z.literal(1).default(1),
  provider: ProviderIdSchema.default('openai'),
  providers: z
    .strictObject({
      openai: OpenAISettingsSchema.prefault({}),
      assemblyai: AssemblyAISettingsSchema.prefault({}),
      speko: SpekoSettingsSchema.prefault({}),
      demo: DemoSettingsSchema.prefault({}),
    })
    .prefault({}),
  audio: z
    .strictObject({
      /** null = the system default device. */
      inputDeviceId: z.string().max(500).nullable().default(null),
      outputDeviceId: z.string().max(500).nullable().default(null),
      echoCancellation: z.boolean().default(true),
      noiseSuppression: z.boolean().default(true),
      autoGainControl: z.boolean().default(true),
      volume: z.number().min(0).max(1).default(1),
      /**
       * Keep the microphone open between conversations, so a press keeps the words said just before
       * it (the pre-roll) and loses nothing to opening the device. Off: it opens at the first press
       * and closes when the conversation does. On by default: a cold press measured 50-170 ms late
       * in Chromium and has no pre-roll at all (`npm run bench -- cold-press`).
       */
      keepMicReady: z.boolean().default(true),
      /** Short sounds for capture start and end, a tool request and an error (resources/earcons). */
      earcons: z
        .strictObject({
          enabled: z.boolean().default(true),
          volume: z.number().min(0).max(1).default(0.6),
        })
        .prefault({}),
    })
    .prefault({}),
  hotkey: z
    .strictObject({
      accelerator: z.string().max(100).default('CommandOrControl+Shift+Space'),
      mode: PushToTalkModeSchema.default('auto'),
    })
    .prefault({}),
  alwaysListening: z.boolean().default(false),
  /**
   * Always-listening: a turn starts only after this phrase (openWakeWord models; null = any speech
   * to the local speech detector). After a reply, a few seconds accept speech without it.
   */
  wakePhrase: z.enum(['hey_jarvis', 'hey_mycroft']).nullable().default(null),
  launchAtLogin: z.boolean().default(false),
  tools: z
    .strictObject({
      /** Tools the user chose "Always allow" for; revocable in settings. */
      alwaysAllow: z.array(z.string().regex(PROVIDER_TOOL_NAME_PATTERN)).max(100).default([]),
      /** Folders search_files may look in. Changed only through main's folder picker. */
      searchFolders: z.array(z.string().min(1).max(4096)).max(50).default([]),
      /** Where notes are kept; null = <Documents>/Earshot Notes. Changed only through main's folder picker. */
      notesFolder: z.string().min(1).max(4096).nullable().default(null),
      /**
       * Tools the user turned off in Settings: the model is not told about them and a call is
       * refused. Turning a tool off only ever lowers trust, so the renderer may change it.
       */
      disabled: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/)).max(200).default([]),
      /** Seconds a confirmation waits before it counts as "denied". */
      confirmTimeoutSeconds: z.number().int().min(5).max(600).default(60),
    })
    .prefault({}),
  /** MCP servers whose tools the agent may use (main-only: changed through main's confirmed flows). */
  mcp: z
    .strictObject({
      servers: z.array(McpServerConfigSchema).max(50).default([]),
      /** The user's risk for MCP tools, by provider-facing name (wins over the tool's annotations). */
      riskOverrides: z
        .array(z.strictObject({ tool: z.string().regex(PROVIDER_TOOL_NAME_PATTERN), risk: ToolRiskSchema }))
        .max(500)
        .default([]),
    })
    .prefault({}),
  secrets: z
    .strictObject({
      /** Keep keys in a plain file when the OS offers no encryption. Off unless the user opts in. */
      allowPlaintext: z.boolean().default(false),
    })
    .prefault({}),
  history: z
    .strictObject({
      /**
       * Keep conversation history: every conversation's final transcripts, tool calls and usage are
       * saved in history.db in Earshot's user-data folder, on this computer only.
       */
      keep: z.boolean().default(true),
      /** How long conversations are kept (days; enforced at start-up and daily). */
      retention: z.enum(['forever', '90', '30', '7']).default('forever'),
    })
    .prefault({}),
  ui: z
    .strictObject({
      /** The "Earshot keeps running in the tray" notice has been shown once. */
      trayNoticeShown: z.boolean().default(false),
      /** Where the user dragged the companion pill (its top-left corner, screen pixels); null = top centre of the active screen. */
      companionPosition: z.strictObject({ x: z.number().int().min(-100_000).max(100_000), y: z.number().int().min(-100_000).max(100_000) }).nullable().default(null),
    })
    .prefault({}),
})

export type Settings = z.infer<typeof SettingsSchema>

export const CURRENT_SCHEMA_VERSION = 1

export function defaultSettings(): Settings {
  return SettingsSchema.parse({})
}

/**
 * Settings the renderer may not change through settings:update, because a compromised renderer
 * could use them to widen what tools may touch, to send the API key somewhere else (each
 * provider's baseUrl is where main sends `Authorization: Bearer <key>`, and it widens the CSP's
 * connect-src), or to move keys into a plain file. Main changes them through dedicated flows (a
 * native folder picker, a tool confirmation, keys:allowPlaintext); the endpoints are edited in the
 * settings file only.
 */
export const MAIN_ONLY_SETTING_PATHS = [
  'tools.searchFolders',
  'tools.notesFolder',
  'tools.alwaysAllow',
  'mcp',
  'providers.openai.baseUrl',
  'providers.assemblyai.baseUrl',
  'providers.speko.baseUrl',
  'secrets.allowPlaintext',
] as const

/** A patch: any subset of the settings tree. Validated by merging and parsing the result. */
export type SettingsPatch = DeepPartial<Settings>
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Deep-merges a patch into a base (arrays and scalars replace). Returns a new object. */
export function mergeSettings(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(patch)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue
    out[key] = value === undefined ? base[key] : mergeSettings(base[key], value)
  }
  return out
}

/** Reads a dotted path from a settings-like tree. */
export function getPath(tree: unknown, path: string): unknown {
  let node: unknown = tree
  for (const part of path.split('.')) {
    if (!isPlainObject(node)) return undefined
    node = node[part]
  }
  return node
}

/** Lists the dotted paths a patch touches (leaves only). */
export function patchPaths(patch: unknown, prefix = ''): string[] {
  if (!isPlainObject(patch)) return prefix ? [prefix] : []
  return Object.entries(patch).flatMap(([key, value]) => patchPaths(value, prefix ? `${prefix}.${key}` : key))
}

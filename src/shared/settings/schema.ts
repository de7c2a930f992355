import { z } from 'zod'
import { McpServerConfigSchema } from '../mcp/types'
import { AssemblyAISettingsSchema } from '../providers/assemblyai/settings'
import { DemoSettingsSchema } from '../providers/demo/settings'
import { OpenAISettingsSchema } from '../providers/openai/settings'
import { SpekoSettingsSchema } from '../providers/speko/settings'
import { PROVIDER_TOOL_NAME_PATTERN, ToolRiskSchema } from '../tools/types'

/**
 * The one settings schema. Every field has a default, so `SettingsSchema.parse({})` is a complete,
 * valid settings object and an older or partial file fills in what it lacks. Objects are strict:
 * an unknown key is an error, never silently kept.
 */

/**
 * The providers a user can choose (each one is described in src/shared/providers/<id>/ and
 * src/main/providers/<id>.ts; docs/providers.md says how to add one).
 */
export const PROVIDER_IDS = ['openai', 'assemblyai', 'speko', 'demo'] as const
export const ProviderIdSchema = z.enum(PROVIDER_IDS)
export type ProviderId = z.infer<typeof ProviderIdSchema>

/** Providers that need an API key (Demo mode runs a local simulator and needs none). */
export const KEYED_PROVIDERS = ['openai', 'assemblyai', 'speko'] as const
export const KeyedProviderSchema = z.enum(KEYED_PROVIDERS)
export type KeyedProvider = z.infer<typeof KeyedProviderSchema>

export { HttpBaseUrlSchema } from './fields'
export { OpenAISettingsSchema } from '../providers/openai/settings'
export { AssemblyAISettingsSchema } from '../providers/assemblyai/settings'
export { SpekoSettingsSchema } from '../providers/speko/settings'
export { DemoSettingsSchema } from '../providers/demo/settings'

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

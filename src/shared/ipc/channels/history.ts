import { z } from 'zod'

/**
 * Conversation history, kept by main in one SQLite file in the user-data folder. The renderer
 * writes append-only (begin, turn, tool, usage, end) as things happen, so a crash loses at most the
 * turn in flight; partial transcripts are never stored. Writes name a conversation begun in this
 * run only. Reads list, search, open, export and delete; history:continue returns the turns a new
 * session carries (nothing from history reaches a provider otherwise).
 */

export const ConversationIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'is not a conversation id')
const epochMs = z.number().int().min(0).max(8.64e15)
const tokens = z.number().int().min(0).max(1e12).optional()

export const HistoryStateSchema = z.enum(['on', 'off', 'paused', 'unavailable'])
export type HistoryState = z.infer<typeof HistoryStateSchema>

export const HistoryStatusSchema = z.object({
  /** on = recording; off = the user turned history off; paused = writes failed (disk full, read-only); unavailable = no database this run. */
  state: HistoryStateSchema,
  /** Why it is paused or unavailable (a sentence for the user), else null. */
  reason: z.string().nullable(),
  /** The database file (shown in settings so the user knows where history is stored). */
  path: z.string(),
})
export type HistoryStatus = z.infer<typeof HistoryStatusSchema>

export const TurnInputSchema = z.object({
  id: ConversationIdSchema,
  role: z.enum(['user', 'assistant']),
  text: z.string().max(100_000),
  interrupted: z.boolean().default(false),
  at: epochMs.optional(),
})

export const ToolInputSchema = z.object({
  id: ConversationIdSchema,
  callId: z.string().min(1).max(200),
  name: z.string().min(1).max(200),
  /** The parsed arguments (any JSON). */
  arguments: z.unknown(),
  result: z.string().max(200_000).nullable().default(null),
  status: z.enum(['ok', 'error', 'denied']).nullable().default(null),
  /** The user's confirmation decision where one was asked (allow, always, deny, timeout, ...). */
  decision: z.string().max(40).nullable().default(null),
  at: epochMs.optional(),
})

export const UsageInputSchema = z.object({
  id: ConversationIdSchema,
  inputTokens: tokens,
  outputTokens: tokens,
  inputTextTokens: tokens,
  inputAudioTokens: tokens,
  outputTextTokens: tokens,
  outputAudioTokens: tokens,
  cachedTokens: tokens,
  cachedTextTokens: tokens,
  cachedAudioTokens: tokens,
  at: epochMs.optional(),
})

export const ConversationSummarySchema = z.object({
  id: z.string(),
  provider: z.string(),
  model: z.string(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  /** From the first user turn; null until the user said something. */
  title: z.string().nullable(),
  turns: z.number().int(),
  /** Estimated from reported usage and the price table; null = not reported. */
  costUsd: z.number().nullable(),
})
export type ConversationSummary = z.infer<typeof ConversationSummarySchema>

export const StoredTurnSchema = z.object({ role: z.enum(['user', 'assistant']), text: z.string(), interrupted: z.boolean(), at: z.number() })
export const StoredToolSchema = z.object({
  callId: z.string(),
  name: z.string(),
  arguments: z.unknown(),
  result: z.string().nullable(),
  status: z.string().nullable(),
  decision: z.string().nullable(),
  at: z.number(),
})
export const StoredUsageSchema = z.object({
  inputTextTokens: z.number(),
  inputAudioTokens: z.number(),
  outputTextTokens: z.number(),
  outputAudioTokens: z.number(),
  cachedTextTokens: z.number(),
  cachedAudioTokens: z.number(),
})

export const ConversationSchema = ConversationSummarySchema.extend({
  entries: z.array(z.discriminatedUnion('kind', [StoredTurnSchema.extend({ kind: z.literal('turn') }), StoredToolSchema.extend({ kind: z.literal('tool') })])),
  /** Summed over the responses; null = the provider reported none. */
  usage: StoredUsageSchema.nullable(),
})
export type Conversation = z.infer<typeof ConversationSchema>
export type ConversationEntry = Conversation['entries'][number]

/** Highlighted matches: the matched words sit between HIGHLIGHT_START and HIGHLIGHT_END. */
export const HIGHLIGHT_START = '\u0002'
export const HIGHLIGHT_END = '\u0003'

export const SearchHitSchema = ConversationSummarySchema.extend({
  snippets: z.array(z.object({ role: z.enum(['user', 'assistant']), text: z.string() })),
})
export type SearchHit = z.infer<typeof SearchHitSchema>

export const ExportSchema = z.object({ filename: z.string(), mime: z.string(), text: z.string() })

export const CarriedTurnSchema = z.object({ role: z.enum(['user', 'assistant']), text: z.string() })

const idInput = z.object({ id: ConversationIdSchema })

export const historyChannels = {
  'history:status': { input: z.undefined(), output: HistoryStatusSchema },
  /** Starts recording a conversation; id null = nothing is recorded (history off, paused or unavailable). */
  'history:begin': {
    input: z.object({ provider: z.string().min(1).max(40), model: z.string().max(100).default('') }),
    output: z.object({ id: ConversationIdSchema.nullable() }),
  },
  /** One final transcript (written at once). recorded false = not written (paused, off, unknown id). */
  'history:turn': { input: TurnInputSchema, output: z.object({ recorded: z.boolean() }) },
  'history:tool': { input: ToolInputSchema, output: z.object({ recorded: z.boolean() }) },
  'history:usage': { input: UsageInputSchema, output: z.object({ recorded: z.boolean() }) },
  'history:end': { input: idInput.extend({ at: epochMs.optional() }), output: z.object({ recorded: z.boolean() }) },
  /** Newest first. */
  'history:list': {
    input: z.object({ limit: z.number().int().min(1).max(1000).default(200), offset: z.number().int().min(0).default(0) }).optional(),
    output: z.array(ConversationSummarySchema),
  },
  /** Words from either side; user text, never FTS syntax (a malformed query is no matches). */
  'history:search': { input: z.object({ query: z.string().max(500), limit: z.number().int().min(1).max(200).default(50) }), output: z.array(SearchHitSchema) },
  'history:get': { input: idInput, output: ConversationSchema.nullable() },
  'history:export': { input: idInput.extend({ format: z.enum(['md', 'json']) }), output: ExportSchema },
  'history:delete': { input: idInput, output: z.object({ deleted: z.boolean() }) },
  'history:deleteAll': { input: z.undefined(), output: z.object({ deleted: z.number().int() }) },
  /** The turns a new session carries to continue this conversation (oldest first). */
  'history:continue': {
    input: idInput,
    output: z.object({ id: z.string(), provider: z.string(), model: z.string(), turns: z.array(CarriedTurnSchema) }),
  },
} as const

export const historyEvents = {
  /** The status changed (paused, resumed, turned off or on). */
  'history:status': HistoryStatusSchema,
  /** A conversation was written or deleted: lists should refresh. */
  'history:changed': z.object({ id: z.string().nullable() }),
} as const

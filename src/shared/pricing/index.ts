/**
 * What a conversation cost, estimated from the usage the provider reported and a small price table.
 * When a provider reports no usage (or the model is not in the table) the answer is null ("not
 * reported"): never a guess.
 *
 * Prices in US dollars per 1 million tokens, as published on 2026-12-02 by OpenAI:
 *   https://developers.openai.com/api/docs/pricing
 *   https://developers.openai.com/api/docs/models/gpt-realtime-1.5
 *   https://developers.openai.com/api/docs/models/gpt-realtime-2
 *   https://developers.openai.com/api/docs/models/gpt-realtime-2.1-mini
 * AssemblyAI's Voice Agent bills by session time and sends no token usage; Speko bills through its
 * own plans. Neither is in the table, so their conversations say "not reported".
 */
import { findProvider } from '../providers'

export const PRICES_AS_OF = '2026-12-02'

/** USD per 1M tokens. */
export interface ModelPrice {
  textInput: number
  textCachedInput: number
  textOutput: number
  audioInput: number
  audioCachedInput: number
  audioOutput: number
}

const REALTIME: ModelPrice = { textInput: 4, textCachedInput: 0.4, textOutput: 16, audioInput: 32, audioCachedInput: 0.4, audioOutput: 64 }
const REALTIME_2: ModelPrice = { ...REALTIME, textOutput: 24 }
const REALTIME_MINI: ModelPrice = { textInput: 0.6, textCachedInput: 0.06, textOutput: 2.4, audioInput: 10, audioCachedInput: 0.3, audioOutput: 20 }
const FREE: ModelPrice = { textInput: 0, textCachedInput: 0, textOutput: 0, audioInput: 0, audioCachedInput: 0, audioOutput: 0 }

/** Keyed by provider, then model id (a dated snapshot id matches its family: gpt-realtime-2025-08-28). */
export const PRICE_TABLE: Readonly<Record<string, Readonly<Record<string, ModelPrice>>>> = {
  openai: {
    'gpt-realtime': REALTIME,
    'gpt-realtime-1.5': REALTIME,
    'gpt-realtime-2': REALTIME_2,
    'gpt-realtime-mini': REALTIME_MINI,
    'gpt-realtime-2.1-mini': REALTIME_MINI,
  },
}

/** Token counts of one response, as a provider reports them (every field optional). */
export interface UsageCounts {
  /** Totals (text + audio) where a provider gives no split. */
  inputTokens?: number
  outputTokens?: number
  inputTextTokens?: number
  inputAudioTokens?: number
  outputTextTokens?: number
  outputAudioTokens?: number
  /** Cached input (part of the input above). */
  cachedTokens?: number
  cachedTextTokens?: number
  cachedAudioTokens?: number
}

/** The split the history stores and prices: every count a whole number >= 0. */
export interface UsageTotals {
  inputTextTokens: number
  inputAudioTokens: number
  outputTextTokens: number
  outputAudioTokens: number
  cachedTextTokens: number
  cachedAudioTokens: number
}

const count = (value: number | undefined): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined

/** Turns one report into the stored split (text = total - audio where only totals and audio are given). */
export function normalizeUsage(usage: UsageCounts): UsageTotals {
  const inAudio = count(usage.inputAudioTokens) ?? 0
  const outAudio = count(usage.outputAudioTokens) ?? 0
  const inText = count(usage.inputTextTokens) ?? Math.max(0, (count(usage.inputTokens) ?? 0) - inAudio)
  const outText = count(usage.outputTextTokens) ?? Math.max(0, (count(usage.outputTokens) ?? 0) - outAudio)
  const cachedAudio = Math.min(inAudio, count(usage.cachedAudioTokens) ?? 0)
  const cachedText = Math.min(inText, count(usage.cachedTextTokens) ?? Math.max(0, (count(usage.cachedTokens) ?? 0) - cachedAudio))
  return { inputTextTokens: inText, inputAudioTokens: inAudio, outputTextTokens: outText, outputAudioTokens: outAudio, cachedTextTokens: cachedText, cachedAudioTokens: cachedAudio }
}

export function addUsage(a: UsageTotals, b: UsageTotals): UsageTotals {
  return {
    inputTextTokens: a.inputTextTokens + b.inputTextTokens,
    inputAudioTokens: a.inputAudioTokens + b.inputAudioTokens,
    outputTextTokens: a.outputTextTokens + b.outputTextTokens,
    outputAudioTokens: a.outputAudioTokens + b.outputAudioTokens,
    cachedTextTokens: a.cachedTextTokens + b.cachedTextTokens,
    cachedAudioTokens: a.cachedAudioTokens + b.cachedAudioTokens,
  }
}

/** The price entry for a provider's model, or null when Earshot has none. */
export function priceFor(provider: string, model: string): ModelPrice | null {
  if (findProvider(provider)?.local) return FREE // a provider on this computer (the Demo simulator) costs nothing
  const table = PRICE_TABLE[provider]
  if (!table) return null
  const id = model.trim().toLowerCase()
  if (Object.prototype.hasOwnProperty.call(table, id)) return table[id] ?? null
  // A dated snapshot (gpt-realtime-mini-2025-10-06) is priced like its family.
  const family = id.replace(/-\d{4}-\d{2}-\d{2}$/, '')
  return Object.prototype.hasOwnProperty.call(table, family) ? (table[family] ?? null) : null
}

/**
 * The estimated cost in USD, or null ("not reported") when no usage was reported or the model is
 * not priced. `usage` null = the provider sent no usage at all.
 */
export function estimateCostUsd(provider: string, model: string, usage: UsageTotals | null): number | null {
  if (!usage) return null
  const price = priceFor(provider, model)
  if (!price) return null
  const perToken = (perMillion: number) => perMillion / 1_000_000
  const cost =
    (usage.inputTextTokens - usage.cachedTextTokens) * perToken(price.textInput) +
    usage.cachedTextTokens * perToken(price.textCachedInput) +
    (usage.inputAudioTokens - usage.cachedAudioTokens) * perToken(price.audioInput) +
    usage.cachedAudioTokens * perToken(price.audioCachedInput) +
    usage.outputTextTokens * perToken(price.textOutput) +
    usage.outputAudioTokens * perToken(price.audioOutput)
  return Math.round(cost * 1_000_000) / 1_000_000
}

/** "about $0.04", "under $0.01", "$0.00" (Demo) or "cost not reported". */
export function formatCost(usd: number | null): string {
  if (usd === null) return 'cost not reported'
  if (usd === 0) return '$0.00'
  if (usd < 0.01) return 'under $0.01'
  return `about $${usd.toFixed(2)}`
}

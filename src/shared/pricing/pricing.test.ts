import { describe, expect, it } from 'vitest'
import { estimateCostUsd, formatCost, normalizeUsage, priceFor, PRICES_AS_OF } from './index'

describe('cost estimate', () => {
  it('prices OpenAI realtime usage by modality, cached input at the cached rate', () => {
    const usage = normalizeUsage({ inputTokens: 10_000, inputAudioTokens: 8_000, cachedTokens: 3_000, cachedAudioTokens: 2_000, outputTokens: 5_000, outputAudioTokens: 4_000 })
    expect(usage).toEqual({ inputTextTokens: 2000, inputAudioTokens: 8000, outputTextTokens: 1000, outputAudioTokens: 4000, cachedTextTokens: 1000, cachedAudioTokens: 2000 })
    const expected = (1000 * 4 + 1000 * 0.4 + 6000 * 32 + 2000 * 0.4 + 1000 * 16 + 4000 * 64) / 1e6
    expect(estimateCostUsd('openai', 'gpt-realtime', usage)).toBeCloseTo(expected, 9)
    expect(estimateCostUsd('openai', 'gpt-realtime-2025-08-28', usage)).toBeCloseTo(expected, 9)
    expect(estimateCostUsd('openai', 'gpt-realtime-mini', usage)).toBeLessThan(expected)
  })

  it('is null ("not reported") without usage or without a price, never a guess', () => {
    expect(estimateCostUsd('openai', 'gpt-realtime', null)).toBeNull()
    expect(estimateCostUsd('openai', 'some-future-model', normalizeUsage({ inputTokens: 5 }))).toBeNull()
    expect(estimateCostUsd('assemblyai', '', normalizeUsage({ inputTokens: 5 }))).toBeNull()
    expect(estimateCostUsd('speko', 'gpt-realtime', normalizeUsage({ inputTokens: 5 }))).toBeNull()
    expect(priceFor('openai', 'constructor')).toBeNull()
    expect(estimateCostUsd('demo', '', normalizeUsage({ inputTokens: 5 }))).toBe(0)
  })

  it('ignores nonsense counts', () => {
    expect(normalizeUsage({ inputTokens: -5, outputTokens: Number.NaN, inputAudioTokens: Infinity })).toEqual({
      inputTextTokens: 0,
      inputAudioTokens: 0,
      outputTextTokens: 0,
      outputAudioTokens: 0,
      cachedTextTokens: 0,
      cachedAudioTokens: 0,
    })
  })

  it('reads as a short phrase', () => {
    expect(formatCost(null)).toBe('cost not reported')
    expect(formatCost(0.0412)).toBe('about $0.04')
    expect(formatCost(0.004)).toBe('under $0.01')
    expect(formatCost(0)).toBe('$0.00')
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/)
  })
})

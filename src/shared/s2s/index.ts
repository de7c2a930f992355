/**
 * The speech-to-speech core's public surface: the normalised model, the runtime, the PCM
 * utilities, error mapping, and createAdapter(protocol) for the three providers.
 */
import { createAssemblyAIAdapter } from './adapters/assemblyai'
import { createOpenAIAdapter } from './adapters/openai'
import { createSpekoAdapter } from './adapters/speko'
import { createXaiAdapter } from './adapters/xai'
import type { ProtocolId, ProviderAdapter } from './types'

export * from './types'
export * from './errors'
export * from './pcm'
export { S2SSession } from './session'
export type { S2SListener, S2SSessionOptions, TimerLike } from './session'
export { OpenAIAdapter, createOpenAIAdapter, OPENAI_SAMPLE_RATE, OPENAI_RENEW_AFTER_MS } from './adapters/openai'
export { XaiAdapter, createXaiAdapter, XAI_SUBPROTOCOL_PREFIX } from './adapters/xai'
export { SpekoTelemetry } from './speko-telemetry'
export type { SpekoTelemetryOptions, TelemetryFetch } from './speko-telemetry'

/** A fresh adapter for one connection (the runtime makes a new one for every reconnect). */
export function createAdapter(protocol: ProtocolId): ProviderAdapter {
  switch (protocol) {
    case 'openai':
      return createOpenAIAdapter()
    case 'assemblyai':
      return createAssemblyAIAdapter()
    case 'speko':
      return createSpekoAdapter()
    case 'xai':
      return createXaiAdapter()
    default:
      throw new Error(`Unknown speech-to-speech protocol: ${String(protocol)}`)
  }
}

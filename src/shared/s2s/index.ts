/**
 * The speech-to-speech core's public surface: the normalised model, the runtime, the PCM
 * utilities, error mapping, and createAdapter(protocol) for every protocol
 * the providers speak (src/shared/providers).
 */
import { protocolDescriptor } from '../providers'
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
  return protocolDescriptor(protocol).createAdapter()
}

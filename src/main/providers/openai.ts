/**
 * OpenAI Realtime in main: the ephemeral key mint (src/main/s2s/mint.ts: mintOpenAI), the socket
 * on the REST host, and the WebRTC calls origin when the user chose that transport.
 */
import { mintOpenAI } from '../s2s/mint'
import { socketOrigin } from '../s2s/socket-origin'
import type { Settings } from '../../shared/settings/schema'
import type { MainProvider } from './types'

/**
 * OpenAI over WebRTC, when the user chose it: the SDP offer is POSTed (fetch) to the REST host's
 * https origin (http only for this computer); the media and data channel are WebRTC, which the
 * CSP does not govern (docs/security.md). Null while the transport is the WebSocket.
 */
export function openAIWebRtcOrigin(settings: Settings): string | null {
  if (settings.providers.openai.transport !== 'webrtc') return null
  try {
    const url = new URL(settings.providers.openai.baseUrl)
    const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]'
    if (url.protocol === 'https:' || (url.protocol === 'http:' && local)) return `${url.protocol}//${url.host}`
  } catch {
    // an invalid base URL has no origin; the mint reports it
  }
  return null
}

export const OPENAI_MAIN: MainProvider<'openai'> = {
  id: 'openai',
  sessionConfig(settings, base) {
    const openai = settings.providers.openai
    return {
      ...base,
      instructions: openai.instructions,
      greeting: openai.greeting,
      voice: openai.voice,
      model: openai.model,
      openai: {
        noiseReduction: openai.noiseReduction,
        silenceDurationMs: openai.silenceDurationMs,
        idleTimeoutMs: openai.idleTimeoutMs,
        eagerness: openai.eagerness,
        reasoningEffort: openai.reasoningEffort,
        retentionRatio: openai.retentionRatio,
      },
    }
  },
  mint: ({ settings, config, apiKey, fetch, timeoutMs, transport }) =>
    mintOpenAI({
      apiKey,
      fetch,
      timeoutMs,
      baseUrl: settings.providers.openai.baseUrl,
      model: config.model || settings.providers.openai.model,
      transport: transport ?? settings.providers.openai.transport,
    }),
  socketOrigins(settings) {
    const out: string[] = []
    const socket = socketOrigin(settings.providers.openai.baseUrl)
    if (socket) out.push(socket.origin)
    const webrtc = openAIWebRtcOrigin(settings)
    if (webrtc) out.push(webrtc)
    return out
  },
}

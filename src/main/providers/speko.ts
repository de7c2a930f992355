/**
 * Speko in main: the session mint (src/main/s2s/mint.ts: mintSpeko, proxy or provider_direct) and
 * its socket origins:
 * - the socket URL comes from the mint reply and may sit on another host of the same domain, so
 *   the REST host and every subdomain of its domain are allowed (wss://*.speko.dev);
 * - provider_direct sessions (docs/protocols/speko.md): the client talks to the upstream itself,
 *   so exactly the xAI realtime origin (wss://api.x.ai, the one endpoint Speko's SDK accepts for
 *   xai.realtime.v1) and the Speko REST origin itself, where the usage reports go (mint.ts refuses
 *   telemetry anywhere else). A Speko on this computer (the simulator, set in the settings file)
 *   gets its own http origin and the local socket origin instead.
 */
import { mintSpeko } from '../s2s/mint'
import { DEMO_SOCKET_ORIGIN, siteOf, socketOrigin } from '../s2s/socket-origin'
import { spekoMayUseWebRtc } from '../../shared/providers/speko'
import type { Settings } from '../../shared/settings/schema'
import type { MainProvider } from './types'

/** The origin of xAI's realtime endpoint (Speko provider_direct, adapter xai.realtime.v1). */
export const XAI_SOCKET_ORIGIN = 'wss://api.x.ai'
/** The origin of OpenAI's WebRTC calls endpoint (Speko provider_direct, adapter openai.realtime.v1). */
export const OPENAI_CALLS_ORIGIN = 'https://api.openai.com'

/** The origins a Speko provider_direct session needs beyond the proxy's: upstream socket + telemetry. */
export function spekoDirectOrigins(settings: Settings): string[] {
  let url: URL
  try {
    url = new URL(settings.providers.speko.baseUrl)
  } catch {
    return []
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return []
  const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]'
  // The telemetry reports (and the sideband binding of an OpenAI call) go to the Speko REST origin
  // (https, or http to this computer only).
  const telemetry = url.protocol === 'https:' || local ? [`${url.protocol}//${url.host}`] : []
  // With Speko chosen on the OpenAI upstream, Speko answers with OpenAI over WebRTC: the SDP offer
  // goes to OpenAI's calls endpoint (a local Speko's is on its own origin, already listed). Like
  // WebRTC itself (src/main/security/webrtc.ts), only while that is the user's choice.
  const openai = settings.provider === 'speko' && spekoMayUseWebRtc(settings) && !local ? [OPENAI_CALLS_ORIGIN] : []
  return [local ? DEMO_SOCKET_ORIGIN : XAI_SOCKET_ORIGIN, ...telemetry, ...openai]
}

export const SPEKO_MAIN: MainProvider<'speko'> = {
  id: 'speko',
  sessionConfig(settings, base) {
    const s = settings.providers.speko
    return { ...base, instructions: s.instructions, greeting: s.greeting, voice: s.voice, model: s.model }
  },
  mint({ settings, config, apiKey, fetch, timeoutMs, transport }) {
    const s = settings.providers.speko
    return mintSpeko({
      apiKey,
      fetch,
      timeoutMs,
      baseUrl: s.baseUrl,
      upstream: s.upstream,
      model: config.model || s.model,
      voice: config.voice,
      instructions: config.instructions,
      tools: config.tools,
      inputSampleRate: s.inputSampleRate,
      outputSampleRate: s.outputSampleRate,
      // Speko's OpenAI sessions need WebRTC: only where the window has it (never the CLI).
      webrtc: transport !== 'websocket' && spekoMayUseWebRtc(settings),
    })
  },
  socketOrigins(settings) {
    const out: string[] = []
    const speko = socketOrigin(settings.providers.speko.baseUrl)
    if (speko) {
      out.push(speko.origin)
      const site = siteOf(speko.hostname)
      if (site) out.push(`wss://${site}`, `wss://*.${site}`)
    }
    out.push(...spekoDirectOrigins(settings))
    return out
  },
}

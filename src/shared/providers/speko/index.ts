/**
 * Speko: the user's Speko key, minted by main into either a Speko proxy session (the Speko
 * protocol, docs/protocols/speko-proxy.md) or a provider_direct session, where the voice window
 * talks to the upstream itself: today xAI realtime over a WebSocket (docs/protocols/speko.md,
 * docs/protocols/xai.md). Both protocols live here because only Speko sessions reach xAI.
 */
import { createSpekoAdapter } from '../../s2s/adapters/speko'
import { createXaiAdapter } from '../../s2s/adapters/xai'
import type { ToolDeclaration } from '../../s2s/types'
import { OPENAI_REALTIME_MODELS, OPENAI_VOICES } from '../../settings/catalog'
import { toOpenAITools } from '../openai'
import type { ProtocolDescriptor, ProviderDescriptor, SpekoTool } from '../types'

/** Speko: `{name, description, parameters}` with no `type` field. */
export function toSpekoTools(tools: readonly ToolDeclaration[]): SpekoTool[] {
  return tools.map((tool) => ({ name: tool.name, description: tool.description, parameters: tool.parameters }))
}

export const SPEKO_PROTOCOL: ProtocolDescriptor<'speko'> = {
  id: 'speko',
  name: 'Speko',
  createAdapter: () => createSpekoAdapter(),
  toTools: toSpekoTools,
  // A Speko session's instructions are fixed when it is created.
  seedsConversationAtMint: true,
}

export const XAI_PROTOCOL: ProtocolDescriptor<'xai'> = {
  id: 'xai',
  name: 'xAI',
  createAdapter: () => createXaiAdapter(),
  // xAI realtime takes the same flat function tools (session.tools)
  toTools: toOpenAITools,
  seedsConversationAtMint: false,
}

/** With OpenAI upstream, Speko takes OpenAI's models and voices; for any other upstream the names are free text. */
const openAIUpstream = (settings: { providers: { speko: { upstream: string } } }) => settings.providers.speko.upstream === 'openai'

/** Speko with the OpenAI upstream: the sessions Speko answers with may be OpenAI over WebRTC. */
export function spekoMayUseWebRtc(settings: { providers: { speko: { upstream: string } } }): boolean {
  return settings.providers.speko.upstream.trim().toLowerCase() === 'openai'
}

export const SPEKO: ProviderDescriptor<'speko'> = {
  id: 'speko',
  label: 'Speko',
  name: 'Speko',
  key: {
    missingHint: 'Add your Speko API key in Settings, or try Demo mode.',
    env: { keyVar: 'SPEKO_API_KEY', baseVar: 'SPEKO_BASE_URL', defaultBase: 'https://api.speko.dev' },
  },
  protocol: 'speko',
  protocols: [SPEKO_PROTOCOL, XAI_PROTOCOL],
  local: false,
  models: (settings) => (openAIUpstream(settings) ? OPENAI_REALTIME_MODELS : null),
  voices: (settings) => (openAIUpstream(settings) ? OPENAI_VOICES : null),
  fields: ['model', 'voice', 'instructions', 'greeting'],
  greetingHint: "Spoken first on Speko's direct xAI sessions; Speko's older proxied sessions cannot speak one and start silent.",
  // Speko serves its OpenAI-upstream sessions over WebRTC only.
  webrtc: spekoMayUseWebRtc,
}

/**
 * OpenAI Realtime: the user's own key, minted into an ephemeral key by main; the voice window
 * speaks the Realtime protocol over a WebSocket or, when chosen, WebRTC
 * (docs/protocols/openai-realtime.md).
 */
import { createOpenAIAdapter } from '../../s2s/adapters/openai'
import type { ToolDeclaration } from '../../s2s/types'
import { OPENAI_REALTIME_MODELS, OPENAI_VOICES } from '../../settings/catalog'
import type { FlatFunctionTool, ProtocolDescriptor, ProviderDescriptor } from '../types'

/** OpenAI Realtime (GA): flat function tools `{type:"function", name, description, parameters}`. */
export function toOpenAITools(tools: readonly ToolDeclaration[]): FlatFunctionTool[] {
  return tools.map((tool) => ({ type: 'function', name: tool.name, description: tool.description, parameters: tool.parameters }))
}

export const OPENAI_PROTOCOL: ProtocolDescriptor<'openai'> = {
  id: 'openai',
  name: 'OpenAI',
  createAdapter: () => createOpenAIAdapter(),
  toTools: toOpenAITools,
  seedsConversationAtMint: false,
}

export const OPENAI: ProviderDescriptor<'openai'> = {
  id: 'openai',
  label: 'OpenAI Realtime',
  name: 'OpenAI',
  key: {
    missingHint: 'Add your OpenAI API key in Settings, or try Demo mode.',
    env: { keyVar: 'OPENAI_API_KEY', baseVar: 'OPENAI_BASE_URL', defaultBase: 'https://api.openai.com/v1' },
  },
  protocol: 'openai',
  protocols: [OPENAI_PROTOCOL],
  local: false,
  models: () => OPENAI_REALTIME_MODELS,
  voices: () => OPENAI_VOICES,
  fields: ['model', 'voice', 'instructions', 'greeting'],
  greetingHint: 'Spoken first when a conversation starts; empty: the assistant waits for you.',
  // The one provider with a WebRTC transport: only when the user chose it.
  webrtc: (settings) => settings.providers.openai.transport === 'webrtc',
}

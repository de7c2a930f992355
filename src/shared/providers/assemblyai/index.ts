/**
 * AssemblyAI Voice Agent: the user's own key, minted into a one-time token by main; the voice
 * window speaks the Voice Agent protocol over a WebSocket (docs/protocols/assemblyai.md).
 */
import { createAssemblyAIAdapter } from '../../s2s/adapters/assemblyai'
import type { ToolDeclaration } from '../../s2s/types'
import { ASSEMBLYAI_VOICES } from '../../settings/catalog'
import type { FlatFunctionTool, ProtocolDescriptor, ProviderDescriptor } from '../types'

/** AssemblyAI Voice Agent: the same flat shape as OpenAI (no nested `function` key). */
export function toAssemblyAITools(tools: readonly ToolDeclaration[]): FlatFunctionTool[] {
  return tools.map((tool) => ({ type: 'function', name: tool.name, description: tool.description, parameters: tool.parameters }))
}

export const ASSEMBLYAI_PROTOCOL: ProtocolDescriptor<'assemblyai'> = {
  id: 'assemblyai',
  name: 'AssemblyAI',
  createAdapter: () => createAssemblyAIAdapter(),
  toTools: toAssemblyAITools,
  seedsConversationAtMint: false,
}

export const ASSEMBLYAI: ProviderDescriptor<'assemblyai'> = {
  id: 'assemblyai',
  label: 'AssemblyAI Voice Agent',
  name: 'AssemblyAI',
  key: {
    missingHint: 'Add your AssemblyAI API key in Settings, or try Demo mode.',
    env: { keyVar: 'ASSEMBLYAI_API_KEY', baseVar: 'ASSEMBLYAI_AGENTS_URL', defaultBase: 'https://agents.assemblyai.com' },
  },
  protocol: 'assemblyai',
  protocols: [ASSEMBLYAI_PROTOCOL],
  local: false,
  // The model is AssemblyAI's to choose: no model setting.
  models: () => null,
  voices: () => ASSEMBLYAI_VOICES,
  fields: ['voice', 'instructions', 'greeting'],
  greetingHint: 'Spoken first when a conversation starts; empty: the assistant waits for you.',
  webrtc: () => false,
}

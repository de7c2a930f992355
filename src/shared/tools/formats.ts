import { protocolDescriptor, type FlatFunctionTool, type SpekoTool } from '../providers'
import type { ProtocolId, ToolDeclaration } from '../s2s/types'
import type { ToolDescriptor } from './types'

export { toOpenAITools } from '../providers/openai'
export { toAssemblyAITools } from '../providers/assemblyai'
export { toSpekoTools } from '../providers/speko'
export type { FlatFunctionTool, SpekoTool } from '../providers'

/**
 * Tool declarations in each provider's exact wire format. The adapters put these arrays in their
 * session configuration unchanged; formats.test.ts pins the exact shapes. Each protocol's format
 * is its provider's (src/shared/providers/<id>/index.ts):
 *
 * - OpenAI Realtime (GA) and xAI realtime: flat function tools `{type:"function", name, description, parameters}`.
 * - AssemblyAI Voice Agent: the same flat shape (no nested `function` key).
 * - Speko: `{name, description, parameters}` with no `type` field.
 */

/** The model-facing part of a descriptor (drops the risk level, which only Earshot uses). */
export function toDeclaration(tool: ToolDescriptor | ToolDeclaration): ToolDeclaration {
  return { name: tool.name, description: tool.description, parameters: tool.parameters }
}

export function toProviderTools(protocol: ProtocolId, tools: readonly ToolDeclaration[]): FlatFunctionTool[] | SpekoTool[] {
  return protocolDescriptor(protocol).toTools(tools)
}

import type { ProtocolId, ToolDeclaration } from '../s2s/types'
import type { ToolDescriptor } from './types'

/**
 * Tool declarations in each provider's exact wire format. The adapters put these arrays in their
 * session configuration unchanged; formats.test.ts pins the exact shapes.
 *
 * - OpenAI Realtime (GA): flat function tools `{type:"function", name, description, parameters}`.
 * - AssemblyAI Voice Agent: the same flat shape (no nested `function` key).
 * - Speko: `{name, description, parameters}` with no `type` field.
 */

export interface FlatFunctionTool {
  type: 'function'
  name: string
  description: string
  parameters: Record<string, unknown>
}

export interface SpekoTool {
  name: string
  description: string
  parameters: Record<string, unknown>
}

/** The model-facing part of a descriptor (drops the risk level, which only Earshot uses). */
export function toDeclaration(tool: ToolDescriptor | ToolDeclaration): ToolDeclaration {
  return { name: tool.name, description: tool.description, parameters: tool.parameters }
}

export function toOpenAITools(tools: readonly ToolDeclaration[]): FlatFunctionTool[] {
  return tools.map((tool) => ({ type: 'function', name: tool.name, description: tool.description, parameters: tool.parameters }))
}

export function toAssemblyAITools(tools: readonly ToolDeclaration[]): FlatFunctionTool[] {
  return tools.map((tool) => ({ type: 'function', name: tool.name, description: tool.description, parameters: tool.parameters }))
}

export function toSpekoTools(tools: readonly ToolDeclaration[]): SpekoTool[] {
  return tools.map((tool) => ({ name: tool.name, description: tool.description, parameters: tool.parameters }))
}

export function toProviderTools(protocol: ProtocolId, tools: readonly ToolDeclaration[]): FlatFunctionTool[] | SpekoTool[] {
  switch (protocol) {
    case 'openai':
    case 'xai': // xAI realtime takes the same flat function tools (session.tools)
      return toOpenAITools(tools)
    case 'assemblyai':
      return toAssemblyAITools(tools)
    case 'speko':
      return toSpekoTools(tools)
  }
}

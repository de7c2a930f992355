// Shared by the tools' tests: run one tool through the real executor, allowing every call.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultSettings } from '../../shared/settings/schema'
import type { ToolCallResult } from '../../shared/tools/types'
import { createToolExecutor, type Approver } from './executor'
import type { ToolSettings } from './host'
import { createToolRegistry } from './registry'
import type { AnyTool } from './tool'

let counter = 0

export async function runTool(
  tools: AnyTool | AnyTool[],
  name: string,
  args: unknown,
  approve: Approver = () => 'allow',
): Promise<ToolCallResult & { json: Record<string, unknown> }> {
  const registry = createToolRegistry(Array.isArray(tools) ? tools : [tools])
  const result = await createToolExecutor({ registry }).executeToolCall({ callId: `test-${++counter}`, name, arguments: args }, { approve })
  return { ...result, json: JSON.parse(result.output) as Record<string, unknown> }
}

/** A fresh real temporary folder (realpath'd, so macOS /var -> /private/var does not matter). */
export function tempDir(prefix = 'earshot-tools-'): { path: string; cleanup: () => void } {
  const path = realpathSync(mkdtempSync(join(tmpdir(), prefix)))
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) }
}

export function toolSettings(patch: Partial<ToolSettings> = {}): () => ToolSettings {
  const value = { ...defaultSettings().tools, ...patch }
  return () => value
}

/**
 * Risk of an MCP tool from its annotations (hints the server gives, see docs/mcp.md):
 *
 * - `readOnlyHint: true`                         -> read: runs at once.
 * - otherwise `openWorldHint` true or absent     -> external: asks every time.
 * - otherwise (`openWorldHint: false`)           -> write: asks every time.
 * - "Always allow" is offered only when the server says `destructiveHint: false` (the MCP schema's
 *   default for an absent destructiveHint is true, so unannotated tools are treated as destructive).
 *
 * A per-tool override from settings wins over the annotations (risk only; a destructive tool still
 * never gets "Always allow").
 */
import type { ToolRisk } from '../../shared/tools/types'

export interface ToolAnnotationsLike {
  readOnlyHint?: unknown
  destructiveHint?: unknown
  openWorldHint?: unknown
  idempotentHint?: unknown
  title?: unknown
}

export interface McpRisk {
  risk: ToolRisk
  /** False for destructive tools: the confirmation card offers no "Always allow". */
  allowAlways: boolean
  destructive: boolean
}

export function riskFromAnnotations(annotations: ToolAnnotationsLike | undefined, override?: ToolRisk): McpRisk {
  const a = annotations ?? {}
  const readOnly = a.readOnlyHint === true
  const destructive = !readOnly && a.destructiveHint !== false
  const openWorld = a.openWorldHint !== false
  const fromHints: ToolRisk = readOnly ? 'read' : openWorld ? 'external' : 'write'
  const risk = override ?? fromHints
  return { risk, allowAlways: !destructive, destructive }
}

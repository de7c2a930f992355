/**
 * Provider-facing names for MCP tools: `<server>__<tool>`, legal for every provider Earshot speaks.
 *
 * OpenAI documents function names as `^[a-zA-Z0-9_-]{1,64}$`. AssemblyAI's Voice Agent and Speko
 * document no limit of their own, so Earshot holds every provider to that one (and starts names
 * with a letter). See docs/mcp.md.
 */
import { createHash } from 'node:crypto'

export const PROVIDER_TOOL_NAME_MAX = 64
export const PROVIDER_TOOL_NAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/

/** Replaces what no provider takes with `_`, collapses runs, trims `_` and `-` from the ends. */
export function sanitizeNamePart(part: string): string {
  const cleaned = part
    .normalize('NFKD')
    .replace(/[^a-zA-Z0-9_-]+/g, '_')
    .replace(/_{2,}/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '')
  return cleaned
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 6)
}

/** The server part of the name: sanitised, starting with a letter, at most 24 characters. */
export function serverPrefix(server: string): string {
  let prefix = sanitizeNamePart(server) || 'server'
  if (!/^[a-zA-Z]/.test(prefix)) prefix = `s${prefix}`
  if (prefix.length > 24) prefix = `${prefix.slice(0, 17).replace(/[_-]+$/, '')}_${shortHash(server)}`
  return prefix
}

/** One name, before collisions: `<server>__<tool>`, shortened with a hash of the original when too long. */
export function baseToolName(server: string, tool: string): string {
  const prefix = serverPrefix(server)
  const toolPart = sanitizeNamePart(tool) || 'tool'
  const full = `${prefix}__${toolPart}`
  if (full.length <= PROVIDER_TOOL_NAME_MAX) return full
  const room = PROVIDER_TOOL_NAME_MAX - prefix.length - 2 - 7
  return `${prefix}__${toolPart.slice(0, room).replace(/[_-]+$/, '')}_${shortHash(`${server}\u0000${tool}`)}`
}

export interface NamedTool {
  server: string
  tool: string
}

/**
 * Names for every tool of every server, deterministic whatever order the servers answer in:
 * tools are taken in (server, tool) order and a name already taken (by a built-in tool or an
 * earlier MCP tool) gets `_2`, `_3`, ... Returns the names keyed by `server\u0000tool`.
 */
export function assignToolNames(tools: readonly NamedTool[], taken: Iterable<string> = []): Map<string, string> {
  const used = new Set<string>([...taken].map((n) => n.toLowerCase()))
  const sorted = [...tools].sort((a, b) => (a.server === b.server ? (a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0) : a.server < b.server ? -1 : 1))
  const names = new Map<string, string>()
  for (const { server, tool } of sorted) {
    const key = `${server}\u0000${tool}`
    if (names.has(key)) continue
    const base = baseToolName(server, tool)
    let name = base
    for (let n = 2; used.has(name.toLowerCase()); n++) {
      const suffix = `_${n}`
      name = `${base.slice(0, PROVIDER_TOOL_NAME_MAX - suffix.length)}${suffix}`
    }
    used.add(name.toLowerCase())
    names.set(key, name)
  }
  return names
}

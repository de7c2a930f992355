/**
 * Small pure helpers shared by the provider adapters: JSON field readers (all three), and for
 * AssemblyAI and Speko reading a server frame, tool arguments and results, cumulative transcripts.
 * Pure TypeScript.
 */
import type { ToolResultStatus } from '../types'

export type Json = Record<string, unknown>

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

export function preview(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}

export function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/**
 * A text frame as a JSON object keyed by a string `key` ("type" for AssemblyAI, "t" for Speko), or
 * why it is not one: 'not_json' (it does not parse) or 'no_key' (not an object, or no string key).
 */
export function readJsonFrame(data: string, key: string): { frame: Json } | { problem: 'not_json' | 'no_key' } {
  let parsed: unknown
  try {
    parsed = JSON.parse(data)
  } catch {
    return { problem: 'not_json' }
  }
  if (!isObject(parsed) || typeof parsed[key] !== 'string') return { problem: 'no_key' }
  return { frame: parsed }
}

/** The new part of a cumulative partial transcript (or the whole text when it is not an extension). */
export function incrementalPart(previous: string, next: string): string {
  if (previous === '') return next
  if (next.startsWith(previous)) return next.slice(previous.length)
  return next
}

export type ParsedArguments = { ok: true; value: unknown; raw: string } | { ok: false; error: string; raw: string }

/** Tool arguments as an object, a JSON string, or absent (= no arguments). */
export function parseArguments(raw: unknown): ParsedArguments {
  if (raw === undefined || raw === null) return { ok: true, value: {}, raw: '{}' }
  if (typeof raw === 'string') {
    if (raw.trim() === '') return { ok: true, value: {}, raw }
    try {
      return { ok: true, value: JSON.parse(raw) as unknown, raw }
    } catch (err) {
      return { ok: false, error: describe(err), raw }
    }
  }
  return { ok: true, value: raw, raw: safeStringify(raw) }
}

/** A tool call's arguments, or why the call cannot run (no name, or arguments that are not JSON). */
export function readToolCall(name: string, rawArguments: unknown): { ok: true; value: unknown; raw: string } | { ok: false; problem: string } {
  const parsed = parseArguments(rawArguments)
  if (name === '') return { ok: false, problem: 'the tool call has no name' }
  if (!parsed.ok) return { ok: false, problem: `its arguments are not valid JSON (${parsed.error})` }
  return parsed
}

/** The output sent to the model in place of a tool call that cannot run. */
export function rejectedToolOutput(problem: string): string {
  return JSON.stringify({ error: `Tool call rejected: ${problem}` })
}

/** Best-effort status of a tool output produced by the tool layer ({error} / {denied}). */
export function inferToolStatus(output: string): ToolResultStatus {
  try {
    const value: unknown = JSON.parse(output)
    if (isObject(value)) {
      if (value.denied === true || value.status === 'denied') return 'denied'
      if (value.error !== undefined && value.error !== null && value.error !== false) return 'error'
    }
  } catch {
    // plain text output
  }
  return 'ok'
}

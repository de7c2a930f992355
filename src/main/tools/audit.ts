import { appendFileSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { AuditEntrySchema, type AuditEntry } from '../../shared/tools/types'
import type { AuditSink } from './executor'

const SECRET_KEY = /(token|key|password|passwd|passphrase|secret|credential|auth|cookie|session)/i
const MAX_TEXT = 500
/**
 * Content fields (a note's text, what goes on the clipboard): the log keeps their size only,
 * never the words (they often hold passwords and private notes). No hash either: an unsalted hash
 * of a short password is as good as the password.
 */
const CONTENT_KEY = /^(text|content|body|note|clipboard|markdown)$/i

/** Long strings without spaces that mix character classes look like keys and tokens. */
export function looksRandom(value: string): boolean {
  if (value.length < 24 || /\s/.test(value)) return false
  if (/^https?:\/\//i.test(value) || /^[\p{L}\s.,'-]+$/u.test(value)) return false
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(value)).length
  if (classes < 2) return false
  const counts = new Map<string, number>()
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1)
  let entropy = 0
  for (const n of counts.values()) entropy -= (n / value.length) * Math.log2(n / value.length)
  return entropy >= 3.5
}

function redactString(value: string): string {
  const words = value.split(/(\s+)/).map((word) => {
    // Secrets inside URLs: query values that look random.
    if (/^https?:\/\//i.test(word)) {
      return word.replace(/([?&][^=&#\s]+=)([^&#\s]+)/g, (match, key: string, v: string) =>
        SECRET_KEY.test(key) || looksRandom(decodeURIComponentSafe(v)) ? `${key}[redacted]` : match,
      )
    }
    return looksRandom(word) ? '[redacted]' : word
  })
  const joined = words.join('')
  return joined.length > MAX_TEXT ? `${joined.slice(0, MAX_TEXT)}… (${joined.length - MAX_TEXT} more characters)` : joined
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

function sizeOf(text: string): { characters: number; lines: number } {
  return { characters: text.length, lines: text.length === 0 ? 0 : text.split('\n').length }
}

/** A copy of a value fit for the log: secret-named keys and random-looking strings redacted, long text shortened. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[…]'
  if (typeof value === 'string') return redactString(value)
  if (Array.isArray(value)) return value.slice(0, 50).map((item) => redact(item, depth + 1))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value as Record<string, unknown>).slice(0, 50)) {
      out[key] = SECRET_KEY.test(key) ? '[redacted]' : CONTENT_KEY.test(key) && typeof item === 'string' ? sizeOf(item) : redact(item, depth + 1)
    }
    return out
  }
  return value
}

export interface AuditLogOptions {
  /** The JSON-lines file (in the app's data folder). */
  file: string
  maxBytes?: number
  log?: (line: string) => void
}

/**
 * The tools' audit log: one JSON line per call (time, tool, redacted arguments, decision, outcome,
 * duration), rotated to `<file>.1` past a size limit. Writing never throws.
 */
export class AuditLog implements AuditSink {
  private readonly maxBytes: number
  private readonly log: (line: string) => void

  constructor(private readonly options: AuditLogOptions) {
    this.maxBytes = options.maxBytes ?? 2 * 1024 * 1024
    this.log = options.log ?? (() => {})
  }

  get file(): string {
    return this.options.file
  }

  record(entry: AuditEntry): void {
    const line = JSON.stringify({ ...entry, arguments: redact(entry.arguments), ...(entry.error ? { error: redactString(entry.error) } : {}) })
    try {
      mkdirSync(dirname(this.options.file), { recursive: true })
      if ((statSync(this.options.file, { throwIfNoEntry: false })?.size ?? 0) + line.length > this.maxBytes) {
        renameSync(this.options.file, `${this.options.file}.1`)
      }
      appendFileSync(this.options.file, `${line}\n`, { mode: 0o600 })
    } catch (error) {
      this.log(`tools: could not write the audit log: ${(error as Error).message}`)
    }
  }

  /** The newest `limit` entries, newest first. Damaged lines are skipped. */
  tail(limit = 100): AuditEntry[] {
    const entries: AuditEntry[] = []
    for (const file of [this.options.file, `${this.options.file}.1`]) {
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch {
        continue
      }
      const lines = text.split('\n').filter(Boolean).reverse()
      for (const line of lines) {
        if (entries.length >= limit) return entries
        try {
          const parsed = AuditEntrySchema.safeParse(JSON.parse(line))
          if (parsed.success) entries.push(parsed.data)
        } catch {
          // a torn or damaged line
        }
      }
    }
    return entries
  }
}

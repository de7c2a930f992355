/**
 * The transcript as an external store (no React here). Entries live in fixed-size blocks: an
 * update copies only the block that changed (and the short list of blocks), so the UI re-renders
 * one block of a 5,000-entry conversation, not all of it. Blocks that did not change keep their
 * identity and React skips them (Transcript.tsx memoises per block).
 */

export type ToolState = 'running' | 'waiting' | 'done' | 'failed' | 'denied'

/** What fixes an error: focus the key field, try again, pick another microphone, open OS settings. */
export type ErrorAction = 'key' | 'retry' | 'microphone' | 'mic-settings' | 'none'

export type Entry =
  | { kind: 'user'; id: string; text: string; final: boolean; interrupted: boolean; at: number }
  | { kind: 'agent'; id: string; text: string; final: boolean; interrupted: boolean; at: number }
  | {
      kind: 'tool'
      id: string
      callId: string
      name: string
      args: string
      state: ToolState
      summary: string | null
      output: string | null
      expiresAt: number | null
      at: number
    }
  | { kind: 'error'; id: string; message: string; action: ErrorAction; at: number }

export type EntryPatch<K extends Entry['kind']> = Partial<Omit<Extract<Entry, { kind: K }>, 'kind' | 'id'>>

export const BLOCK_SIZE = 64

export interface TranscriptSnapshot {
  blocks: readonly (readonly Entry[])[]
  count: number
  /** The latest final line (user or agent), for the aria-live region. */
  announcement: string
  version: number
}

export class TranscriptStore {
  private blocks: Entry[][] = []
  private readonly index = new Map<string, number>()
  private count = 0
  private announcement = ''
  private version = 0
  private snapshot: TranscriptSnapshot = { blocks: [], count: 0, announcement: '', version: 0 }
  private readonly listeners = new Set<() => void>()
  private readonly entryListeners = new Set<(entry: Entry) => void>()
  private scheduled = false

  /** Every appended or changed entry, synchronously (the companion window mirrors them). */
  watch(listener: (entry: Entry) => void): () => void {
    this.entryListeners.add(listener)
    return () => this.entryListeners.delete(listener)
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  getSnapshot = (): TranscriptSnapshot => this.snapshot

  get size(): number {
    return this.count
  }

  get(id: string): Entry | undefined {
    const i = this.index.get(id)
    if (i === undefined) return undefined
    return this.blocks[Math.floor(i / BLOCK_SIZE)]?.[i % BLOCK_SIZE]
  }

  /** Every entry, oldest first (export, copy). */
  entries(): Entry[] {
    return this.blocks.flat()
  }

  has(id: string): boolean {
    return this.index.has(id)
  }

  append(entry: Entry): void {
    if (this.index.has(entry.id)) {
      this.replace(entry.id, entry)
      return
    }
    const i = this.count++
    this.index.set(entry.id, i)
    const b = Math.floor(i / BLOCK_SIZE)
    const block = this.blocks[b] ? [...this.blocks[b], entry] : [entry]
    this.blocks = this.blocks.slice()
    this.blocks[b] = block
    this.changed(entry)
  }

  update<K extends Entry['kind']>(id: string, kind: K, patch: EntryPatch<K>): boolean {
    const current = this.get(id)
    if (!current || current.kind !== kind) return false
    this.replace(id, { ...current, ...patch } as Entry)
    return true
  }

  announce(text: string): void {
    this.announcement = text
    this.changed()
  }

  clear(): void {
    this.blocks = []
    this.index.clear()
    this.count = 0
    this.announcement = ''
    this.changed()
  }

  private replace(id: string, entry: Entry): void {
    const i = this.index.get(id)
    if (i === undefined) return
    const b = Math.floor(i / BLOCK_SIZE)
    const block = (this.blocks[b] ?? []).slice()
    block[i % BLOCK_SIZE] = entry
    this.blocks = this.blocks.slice()
    this.blocks[b] = block
    this.changed(entry)
  }

  /** Listeners hear about a burst of changes once, at the end of the current task. */
  private changed(entry?: Entry): void {
    if (entry) for (const listener of this.entryListeners) listener(entry)
    this.version++
    this.snapshot = { blocks: this.blocks, count: this.count, announcement: this.announcement, version: this.version }
    if (this.scheduled) return
    this.scheduled = true
    queueMicrotask(() => {
      this.scheduled = false
      for (const listener of [...this.listeners]) listener()
    })
  }
}

/** "searchFolders" / "search_folders" -> "search folders". */
function words(key: string): string {
  return key
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
}

function valueInWords(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return 'none'
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  if (typeof value === 'number' || typeof value === 'string') return String(value)
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none'
    const shown = value.slice(0, 5).map((v) => valueInWords(v, depth + 1))
    return `${shown.join(', ')}${value.length > 5 ? ` and ${value.length - 5} more` : ''}`
  }
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>).filter(([k, v]) => !(k === 'ok' && v === true))
    if (depth > 1) return parts.map(([, v]) => valueInWords(v, depth + 1)).join(', ')
    return parts.map(([k, v]) => `${words(k)} ${valueInWords(v, depth + 1)}`).join(', ')
  }
  return String(value)
}

/**
 * A tool's result in words for people ("opened https://example.com/", "Failed: no such folder"),
 * from the JSON the model received. Text that is not JSON is kept as it is.
 */
export function resultInWords(output: string, state: ToolState): string {
  let parsed: unknown
  try {
    parsed = JSON.parse(output)
  } catch {
    return oneLine(output, 400)
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && typeof (parsed as { error?: unknown }).error === 'string') {
    const reason = (parsed as { error: string }).error
    return `${state === 'denied' ? 'Denied' : 'Failed'}: ${oneLine(reason, 400)}`
  }
  const text = valueInWords(parsed)
  return oneLine(text ? text.charAt(0).toUpperCase() + text.slice(1) : 'Done', 400)
}

/** The conversation as Markdown (export): one blank line between entries, none at the end. */
export function toMarkdown(entries: readonly Entry[], title = 'Earshot conversation', at = new Date()): string {
  const blocks = [`# ${title}`, `_Exported ${at.toISOString()}_`]
  for (const e of entries) {
    if (e.kind === 'user') blocks.push(`**You:** ${e.text}${e.final ? '' : ' …'}`)
    else if (e.kind === 'agent') blocks.push(`**Earshot:** ${e.text}${e.interrupted ? ' _(interrupted)_' : ''}`)
    else if (e.kind === 'tool') {
      const what = e.summary ? oneLine(e.summary, 300) : `${e.name}${e.args && e.args !== '{}' ? ` with ${valueInWords(safeJson(e.args))}` : ''}`
      const lines = [`> **Tool (${TOOL_STATE_LABEL[e.state]}):** ${what}`]
      if (e.output) lines.push(`> **Result:** ${resultInWords(e.output, e.state)}`)
      blocks.push(lines.join('\n'))
    } else blocks.push(`> **Error:** ${e.message}`)
  }
  return `${blocks.map((b) => b.trimEnd()).join('\n\n')}\n`
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

export const TOOL_STATE_LABEL: Record<ToolState, string> = {
  running: 'running',
  waiting: 'waiting for you',
  done: 'done',
  failed: 'failed',
  denied: 'denied',
}

export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

/** One entry as plain text (Copy). */
export function entryText(e: Entry): string {
  if (e.kind === 'user') return e.text
  if (e.kind === 'agent') return e.text
  if (e.kind === 'tool') return `${e.name} ${e.args}${e.output ? ` -> ${e.output}` : ''}`
  return e.message
}

/**
 * The history store: one SQLite file (WAL mode) with conversations, turns, tool calls and usage,
 * and FTS5 over the turns. Plain Node, no Electron: it takes its file path and a clock. Every
 * statement is parameterised; user text reaches FTS5 only as quoted tokens (see ftsQuery).
 * Each append is its own implicit transaction, so a crash loses at most the write in flight.
 */
import { randomUUID } from 'node:crypto'
import type { Conversation, ConversationEntry, ConversationSummary, SearchHit } from '../../shared/ipc/channels/history'
import { HIGHLIGHT_END, HIGHLIGHT_START } from '../../shared/ipc/channels/history'
import { estimateCostUsd, normalizeUsage, type UsageCounts, type UsageTotals } from '../../shared/pricing'
import { openSqlite, type SqliteDatabase } from './driver'
import { migrate } from './schema'

export interface HistoryStoreOptions {
  path: string
  now?: () => number
  /** Opens the file (tests wrap it to inject faults); default libsql. */
  open?: (path: string) => SqliteDatabase
}

export type Retention = 'forever' | '90' | '30' | '7'
export const RETENTION_DAYS: Record<Retention, number | null> = { forever: null, '90': 90, '30': 30, '7': 7 }
const DAY_MS = 24 * 60 * 60 * 1000
const TITLE_MAX = 80

interface SummaryRow {
  id: string
  provider: string
  model: string
  started_at: number
  ended_at: number | null
  title: string | null
  turns: number
  usage_rows: number
  in_text: number | null
  in_audio: number | null
  out_text: number | null
  out_audio: number | null
  cached_text: number | null
  cached_audio: number | null
}

/**
 * Summaries of one page of conversations: `where` is one of the constant filters below (never user
 * text); its parameters and the page bounds are bound. Turn counts and usage sums are computed for
 * the page only.
 */
const SUMMARY_WHERE = { all: '', byId: 'WHERE id = ?' } as const
function summarySql(where: (typeof SUMMARY_WHERE)[keyof typeof SUMMARY_WHERE]): string {
  return `
  WITH page AS (
    SELECT id, provider, model, started_at, ended_at, title, rowid AS rid FROM conversations ${where}
    ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?
  )
  SELECT p.id, p.provider, p.model, p.started_at, p.ended_at, p.title,
    (SELECT COUNT(*) FROM turns t WHERE t.conversation_id = p.id) AS turns,
    u.usage_rows, u.in_text, u.in_audio, u.out_text, u.out_audio, u.cached_text, u.cached_audio
  FROM page p
  LEFT JOIN (
    SELECT conversation_id, COUNT(*) AS usage_rows,
      SUM(input_text_tokens) AS in_text, SUM(input_audio_tokens) AS in_audio,
      SUM(output_text_tokens) AS out_text, SUM(output_audio_tokens) AS out_audio,
      SUM(cached_text_tokens) AS cached_text, SUM(cached_audio_tokens) AS cached_audio
    FROM usage WHERE conversation_id IN (SELECT id FROM page) GROUP BY conversation_id
  ) u ON u.conversation_id = p.id
  ORDER BY p.started_at DESC, p.rid DESC`
}
const LIST_SQL = summarySql(SUMMARY_WHERE.all)
const BY_ID_SQL = summarySql(SUMMARY_WHERE.byId)

/** Search scans at most this many matching turns, newest first. */
const SEARCH_SCAN = 5000

function usageOf(row: SummaryRow): UsageTotals | null {
  if (!row.usage_rows) return null
  return {
    inputTextTokens: row.in_text ?? 0,
    inputAudioTokens: row.in_audio ?? 0,
    outputTextTokens: row.out_text ?? 0,
    outputAudioTokens: row.out_audio ?? 0,
    cachedTextTokens: row.cached_text ?? 0,
    cachedAudioTokens: row.cached_audio ?? 0,
  }
}

function summaryOf(row: SummaryRow): ConversationSummary {
  return {
    id: row.id,
    provider: row.provider,
    model: row.model,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    title: row.title,
    turns: row.turns,
    costUsd: estimateCostUsd(row.provider, row.model, usageOf(row)),
  }
}

/**
 * User text as an FTS5 query that cannot be a syntax error: each word becomes a quoted string
 * (inner quotes doubled), the last one a prefix match (search as you type), all ANDed. Returns
 * null when nothing searchable is left.
 */
export function ftsQuery(input: string): string | null {
  const words = input
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}_']+/u)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w.length > 0)
    .slice(0, 16)
  if (words.length === 0) return null
  return words.map((w, i) => `"${w.replace(/"/g, '""')}"${i === words.length - 1 ? '*' : ''}`).join(' ')
}

/** Case and accent folding like the FTS5 tokenizer (unicode61 remove_diacritics 2). */
const fold = (word: string) => word.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase()
const TOKEN = /[\p{L}\p{N}]+/gu

/** The folded search terms; the last one matches as a prefix (as ftsQuery asks FTS5). */
export function searchTerms(input: string): string[] {
  return (input.normalize('NFKC').match(TOKEN) ?? []).map(fold).slice(0, 32)
}

/**
 * A snippet of a matched turn with the matched words between HIGHLIGHT_START and HIGHLIGHT_END:
 * about `size` words around the first match, "…" where the text was cut. Made here rather than
 * with FTS5's snippet(), which would re-run the whole query for every turn shown.
 */
export function snippetOf(text: string, terms: string[], size = 14): string {
  const tokens = [...text.matchAll(TOKEN)].map((m) => ({ start: m.index, end: m.index + m[0].length, word: fold(m[0]) }))
  const last = terms.length - 1
  const hit = (word: string) => terms.some((term, i) => word === term || (i === last && word.startsWith(term)))
  const first = tokens.findIndex((t) => hit(t.word))
  const from = Math.max(0, Math.min(first < 0 ? 0 : first - 3, tokens.length - size))
  const to = Math.min(tokens.length, from + size)
  if (tokens.length === 0) return text.slice(0, 200)
  const begin = from === 0 ? 0 : (tokens[from]?.start ?? 0)
  const end = to >= tokens.length ? text.length : (tokens[to - 1]?.end ?? text.length)
  let out = from === 0 ? '' : '…'
  let at = begin
  for (let i = from; i < to; i++) {
    const t = tokens[i] as { start: number; end: number; word: string }
    if (!hit(t.word)) continue
    out += text.slice(at, t.start) + HIGHLIGHT_START + text.slice(t.start, t.end) + HIGHLIGHT_END
    at = t.end
  }
  out += text.slice(at, end)
  return to >= tokens.length ? out : `${out}…`
}

export function titleFrom(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length <= TITLE_MAX ? flat : `${flat.slice(0, TITLE_MAX - 1).trimEnd()}…`
}

/** The statement surface the store uses (libsql's, better-sqlite3-compatible). */
interface Statement {
  run(...params: unknown[]): { changes: number }
  all(...params: unknown[]): unknown[]
}

export class HistoryStore {
  readonly path: string
  private readonly db: SqliteDatabase
  private readonly now: () => number

  /** Opens (or creates) the file and migrates it; throws the driver's error if it cannot. */
  constructor(options: HistoryStoreOptions) {
    this.path = options.path
    this.now = options.now ?? (() => Date.now())
    this.db = (options.open ?? openSqlite)(options.path)
    try {
      this.db.exec('PRAGMA journal_mode = WAL')
      this.db.exec('PRAGMA synchronous = NORMAL')
      this.db.exec('PRAGMA foreign_keys = ON')
      // Deleted conversations are overwritten on disk, not just unlinked from the b-tree.
      this.db.exec('PRAGMA secure_delete = ON')
      migrate(this.db)
      // A file that is not a database fails above. Damage inside a valid file surfaces as
      // SQLITE_CORRUPT when a page is read (HistoryService moves the file aside then); a full
      // integrity check here would cost a second per 70 MB at every start.
      this.sql('SELECT COUNT(*) AS n FROM conversations').all()
    } catch (error) {
      this.safeClose()
      throw error
    }
  }

  /** The database handle (tests and the bench only). */
  get handle(): SqliteDatabase {
    return this.db
  }

  begin(meta: { provider: string; model: string; startedAt?: number }): string {
    const id = randomUUID()
    this.sql('INSERT INTO conversations (id, provider, model, started_at) VALUES (?, ?, ?, ?)').run(id, meta.provider, meta.model, meta.startedAt ?? this.now())
    return id
  }

  /** Appends a final transcript; the first user turn names the conversation. False: no such conversation. */
  turn(id: string, turn: { role: 'user' | 'assistant'; text: string; interrupted?: boolean; at?: number }): boolean {
    const text = turn.text.trim()
    if (!text) return false
    const at = this.stamp(turn.at)
    const write = () => {
      const found = this.sql('SELECT title FROM conversations WHERE id = ?').all(id) as { title: string | null }[]
      if (found.length === 0) return false
      this.sql('INSERT INTO turns (conversation_id, role, text, interrupted, at) VALUES (?, ?, ?, ?, ?)').run(id, turn.role, text, turn.interrupted ? 1 : 0, at)
      if (turn.role === 'user' && found[0]?.title == null) this.sql('UPDATE conversations SET title = ? WHERE id = ? AND title IS NULL').run(titleFrom(text), id)
      return true
    }
    // One transaction (the turn and the title land together); libsql does not nest them.
    return this.db.inTransaction ? write() : this.db.transaction(write)()
  }

  tool(id: string, call: { callId: string; name: string; arguments: unknown; result: string | null; status: string | null; decision: string | null; at?: number }): boolean {
    if (!this.exists(id)) return false
    let args: string
    try {
      args = JSON.stringify(call.arguments ?? null) ?? 'null'
    } catch {
      args = 'null'
    }
    this.db
      .prepare('INSERT INTO tool_calls (conversation_id, call_id, name, arguments, result, status, decision, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, call.callId, call.name, args, call.result, call.status, call.decision, this.stamp(call.at))
    return true
  }

  usage(id: string, counts: UsageCounts & { at?: number }): boolean {
    if (!this.exists(id)) return false
    const u = normalizeUsage(counts)
    this.db
      .prepare(
        'INSERT INTO usage (conversation_id, input_text_tokens, input_audio_tokens, output_text_tokens, output_audio_tokens, cached_text_tokens, cached_audio_tokens, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(id, u.inputTextTokens, u.inputAudioTokens, u.outputTextTokens, u.outputAudioTokens, u.cachedTextTokens, u.cachedAudioTokens, counts.at ?? this.now())
    return true
  }

  /**
   * Conversations still open from an earlier run (the app quit or crashed mid-conversation) end at
   * their last turn (or their start when they have none). Returns how many were closed.
   */
  closeAbandoned(): number {
    return this.sql(
      'UPDATE conversations SET ended_at = COALESCE((SELECT MAX(at) FROM turns WHERE turns.conversation_id = conversations.id), started_at) WHERE ended_at IS NULL',
    ).run().changes
  }

  end(id: string, at?: number): boolean {
    return this.sql('UPDATE conversations SET ended_at = ? WHERE id = ?').run(at ?? this.now(), id).changes > 0
  }

  exists(id: string): boolean {
    return this.sql('SELECT 1 AS one FROM conversations WHERE id = ?').all(id).length > 0
  }

  list(limit = 200, offset = 0): ConversationSummary[] {
    const rows = this.sql(LIST_SQL).all(limit, offset) as SummaryRow[]
    return rows.map(summaryOf)
  }

  summary(id: string): ConversationSummary | null {
    const rows = this.sql(BY_ID_SQL).all(id, 1, 0) as SummaryRow[]
    return rows[0] ? summaryOf(rows[0]) : null
  }

  /** Conversations whose turns match every word (newest first), with highlighted snippets. */
  search(input: string, limit = 50): SearchHit[] {
    const query = ftsQuery(input)
    if (!query) return []
    // Newest matching turns first (FTS5 walks its index in rowid order and stops at the limit),
    // grouped into conversations; snippets are made only for the few turns shown.
    const picked = new Map<string, { id: number; role: 'user' | 'assistant' }[]>()
    try {
      const scan = this.db
        .prepare(
          `SELECT turns_fts.rowid AS id, t.conversation_id AS cid, t.role AS role
           FROM turns_fts JOIN turns t ON t.id = turns_fts.rowid
           WHERE turns_fts MATCH ? ORDER BY turns_fts.rowid DESC LIMIT ?`,
        )
        .all(query, SEARCH_SCAN) as { id: number; cid: string; role: 'user' | 'assistant' }[]
      for (const m of scan) {
        const list = picked.get(m.cid)
        if (list) {
          if (list.length < 3) list.push({ id: m.id, role: m.role })
        } else if (picked.size < limit) picked.set(m.cid, [{ id: m.id, role: m.role }])
      }
    } catch (error) {
      // ftsQuery quotes every token, so this is not expected; user text must still never throw.
      if (/fts5|syntax|MATCH/i.test(String((error as Error)?.message))) return []
      throw error
    }
    const textOf = this.sql('SELECT text FROM turns WHERE id = ?')
    const terms = searchTerms(input)
    const hits: SearchHit[] = []
    for (const [id, found] of picked) {
      const summary = this.summary(id)
      if (!summary) continue
      // In the order they were said.
      const snippets = found
        .sort((x, y) => x.id - y.id)
        .map((m) => ({ role: m.role, text: snippetOf(String((textOf.all(m.id)[0] as { text?: unknown } | undefined)?.text ?? ''), terms) }))
      hits.push({ ...summary, snippets })
    }
    hits.sort((a, b) => b.startedAt - a.startedAt)
    return hits.slice(0, limit)
  }

  get(id: string): Conversation | null {
    const rows = this.sql(BY_ID_SQL).all(id, 1, 0) as SummaryRow[]
    const row = rows[0]
    if (!row) return null
    const turns = this.sql('SELECT id, role, text, interrupted, at FROM turns WHERE conversation_id = ? ORDER BY id').all(id) as {
      id: number
      role: 'user' | 'assistant'
      text: string
      interrupted: number
      at: number
    }[]
    const tools = this.sql('SELECT call_id, name, arguments, result, status, decision, at FROM tool_calls WHERE conversation_id = ? ORDER BY id').all(id) as {
      call_id: string
      name: string
      arguments: string
      result: string | null
      status: string | null
      decision: string | null
      at: number
    }[]
    const entries: ConversationEntry[] = [
      ...turns.map((t) => ({ kind: 'turn' as const, role: t.role, text: t.text, interrupted: t.interrupted === 1, at: t.at })),
      ...tools.map((t) => {
        let args: unknown = null
        try {
          args = JSON.parse(t.arguments)
        } catch {
          args = t.arguments
        }
        return { kind: 'tool' as const, callId: t.call_id, name: t.name, arguments: args, result: t.result, status: t.status, decision: t.decision, at: t.at }
      }),
    ]
    // Stable: by time, turns before the tool calls of the same millisecond.
    entries.sort((a, b) => a.at - b.at)
    return { ...summaryOf(row), entries, usage: usageOf(row) }
  }

  /** The turns a new session carries to continue a conversation (final text only, oldest first). */
  carried(id: string): { role: 'user' | 'assistant'; text: string }[] {
    return this.sql('SELECT role, text FROM turns WHERE conversation_id = ? ORDER BY id').all(id) as { role: 'user' | 'assistant'; text: string }[]
  }

  delete(id: string): boolean {
    const changes = this.sql('DELETE FROM conversations WHERE id = ?').run(id).changes
    if (changes > 0) this.checkpoint()
    return changes > 0
  }

  deleteAll(): number {
    const changes = this.sql('DELETE FROM conversations').run().changes
    this.checkpoint()
    return changes
  }

  /** Deletes conversations that started more than `days` days before now; returns how many. */
  applyRetention(retention: Retention): number {
    const days = RETENTION_DAYS[retention]
    if (days === null) return 0
    const cutoff = this.now() - days * DAY_MS
    const changes = this.sql('DELETE FROM conversations WHERE started_at < ?').run(cutoff).changes
    if (changes > 0) this.checkpoint()
    return changes
  }

  close(): void {
    this.safeClose()
  }

  /**
   * Deleted words really leave the file: FTS5 keeps deleted terms in old index segments until they
   * are merged ('optimize'), secure_delete zeroes freed pages, and the checkpoint empties the
   * write-ahead log.
   */
  private checkpoint(): void {
    try {
      this.sql("INSERT INTO turns_fts(turns_fts) VALUES ('optimize')").run()
      this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    } catch {
      // A reader holds the log; the next checkpoint takes it.
    }
  }

  private readonly statements = new Map<string, Statement>()
  private lastAt = 0

  /**
   * Entry times strictly increase within a run, so a turn and a tool call of the same millisecond
   * keep the order they were written in (entries are ordered by time).
   */
  private stamp(at: number | undefined): number {
    this.lastAt = Math.max(at ?? this.now(), this.lastAt + 1)
    return this.lastAt
  }

  /** A prepared statement, kept for reuse (the SQL is always one of this file's constants). */
  private sql(source: string): Statement {
    let statement = this.statements.get(source)
    if (!statement) {
      statement = this.db.prepare(source) as unknown as Statement
      this.statements.set(source, statement)
    }
    return statement
  }

  private safeClose(): void {
    try {
      if (this.db.open) this.db.close()
    } catch {
      // closing twice or a half-opened handle
    }
  }
}

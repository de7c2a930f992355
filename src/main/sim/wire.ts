/**
 * Wire log shared by every simulator: everything that crossed the wire, in order, with timestamps.
 * Text frames are kept verbatim (and parsed when they are JSON); binary frames are kept as their
 * byte length plus a SHA-256 hash. HTTP requests (minting) and WebSocket handshakes are logged with
 * path, query, subprotocols and headers, so tests can assert bytes, order and that a secret (the
 * real API key) never travelled anywhere it should not.
 */
import { createHash } from 'node:crypto'

export type WireDirection = 'in' | 'out'

interface EntryBase {
  /** Position in the log (0-based, strictly increasing). */
  seq: number
  /** Milliseconds since the simulator started (performance clock). */
  t: number
  /** Epoch milliseconds. */
  at: number
}

export interface HttpEntry extends EntryBase {
  kind: 'http'
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  body: string
  status: number
  response: string
}

export interface HandshakeEntry extends EntryBase {
  kind: 'handshake'
  /** Connection number on this simulator (0-based, counts accepted and refused upgrades). */
  conn: number
  path: string
  query: Record<string, string>
  protocols: string[]
  headers: Record<string, string>
  accepted: boolean
  /** Subprotocol echoed back in the 101 response ('' if none). */
  protocol: string
  /** HTTP status when the upgrade was refused. */
  status?: number
}

export interface TextFrameEntry extends EntryBase {
  kind: 'text'
  conn: number
  dir: WireDirection
  text: string
  /** Parsed JSON, or undefined when the text is not JSON. */
  json: unknown
  /** `type` (OpenAI, AssemblyAI) or `t` (Speko) of the parsed frame, if any. */
  type?: string
}

export interface BinaryFrameEntry extends EntryBase {
  kind: 'binary'
  conn: number
  dir: WireDirection
  bytes: number
  sha256: string
  /** True when the bytes contain a watched secret (see WireLog.watch). */
  leak: boolean
}

export interface CloseEntry extends EntryBase {
  kind: 'close'
  conn: number
  /** 'out' = the simulator closed (or dropped) the socket; 'in' = the client did. */
  dir: WireDirection
  code: number
  reason: string
  /** True when the simulator cut the TCP connection without a close frame. */
  dropped?: boolean
}

export type WireEntry = HttpEntry | HandshakeEntry | TextFrameEntry | BinaryFrameEntry | CloseEntry

type NewEntry =
  | Omit<HttpEntry, keyof EntryBase>
  | Omit<HandshakeEntry, keyof EntryBase>
  | Omit<TextFrameEntry, keyof EntryBase>
  | Omit<BinaryFrameEntry, keyof EntryBase>
  | Omit<CloseEntry, keyof EntryBase>

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

export function frameType(json: unknown): string | undefined {
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    const o = json as Record<string, unknown>
    if (typeof o.type === 'string') return o.type
    if (typeof o.t === 'string') return o.t
  }
  return undefined
}

export class WireLog {
  readonly entries: WireEntry[] = []
  private readonly start = performance.now()
  private seq = 0

  /** limit: keep at most this many entries (the oldest are dropped), for long-running servers. */
  constructor(private readonly limit = Infinity) {}
  private readonly watched: string[] = []
  private listeners: Array<(e: WireEntry) => void> = []

  /** Remember a secret so binary frames containing it are flagged (text is searchable anyway). */
  watch(secret: string): void {
    if (secret && !this.watched.includes(secret)) this.watched.push(secret)
  }

  /** Called for every new entry; returns an unsubscribe function. */
  onEntry(listener: (e: WireEntry) => void): () => void {
    this.listeners.push(listener)
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener)
    }
  }

  add(entry: NewEntry): WireEntry {
    const full = { ...entry, seq: this.seq++, t: performance.now() - this.start, at: Date.now() } as WireEntry
    this.entries.push(full)
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit)
    for (const l of this.listeners) l(full)
    return full
  }

  text(conn: number, dir: WireDirection, text: string): TextFrameEntry {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    const type = frameType(json)
    return this.add({ kind: 'text', conn, dir, text, json, ...(type !== undefined ? { type } : {}) }) as TextFrameEntry
  }

  binary(conn: number, dir: WireDirection, data: Uint8Array): BinaryFrameEntry {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    const leak = this.watched.some((s) => buf.includes(s))
    return this.add({ kind: 'binary', conn, dir, bytes: data.byteLength, sha256: sha256(data), leak }) as BinaryFrameEntry
  }

  /** Text and binary frames, optionally filtered by connection and direction. */
  frames(filter: { conn?: number; dir?: WireDirection } = {}): Array<TextFrameEntry | BinaryFrameEntry> {
    return this.entries.filter(
      (e): e is TextFrameEntry | BinaryFrameEntry =>
        (e.kind === 'text' || e.kind === 'binary') &&
        (filter.conn === undefined || e.conn === filter.conn) &&
        (filter.dir === undefined || e.dir === filter.dir),
    )
  }

  /** Parsed JSON text frames (their `type`/`t` in `.type`). */
  messages(filter: { conn?: number; dir?: WireDirection } = {}): TextFrameEntry[] {
    return this.frames(filter).filter((e): e is TextFrameEntry => e.kind === 'text')
  }

  /** The sequence of frame types, e.g. ['session.created', 'session.updated', ...]. Binary frames appear as 'binary'. */
  types(filter: { conn?: number; dir?: WireDirection } = {}): string[] {
    return this.frames(filter).map((e) => (e.kind === 'binary' ? 'binary' : (e.type ?? '(non-json)')))
  }

  handshakes(): HandshakeEntry[] {
    return this.entries.filter((e): e is HandshakeEntry => e.kind === 'handshake')
  }

  http(): HttpEntry[] {
    return this.entries.filter((e): e is HttpEntry => e.kind === 'http')
  }

  closes(): CloseEntry[] {
    return this.entries.filter((e): e is CloseEntry => e.kind === 'close')
  }

  /**
   * Every place a secret appeared where it must never appear: any socket handshake (path, query,
   * subprotocols, any header), any socket frame, and any HTTP request's path, query or body. The
   * one legitimate place, the Authorization header of an HTTP (REST) request, is not reported.
   */
  leaks(secret: string): WireEntry[] {
    if (!secret) return []
    const has = (s: string): boolean => s.includes(secret)
    return this.entries.filter((e) => {
      switch (e.kind) {
        case 'http':
          return has(e.path) || has(JSON.stringify(e.query)) || has(e.body) ||
            Object.entries(e.headers).some(([k, v]) => k !== 'authorization' && has(v))
        case 'handshake':
          return has(e.path) || has(JSON.stringify(e.query)) || e.protocols.some(has) || Object.values(e.headers).some(has)
        case 'text':
          return has(e.text)
        case 'binary':
          return e.leak && this.watched.includes(secret)
        case 'close':
          return has(e.reason)
      }
      return false
    })
  }

  /** One JSON object per line (for debugging failed tests). */
  toJSONL(): string {
    return this.entries.map((e) => JSON.stringify(e.kind === 'text' ? { ...e, json: undefined } : e)).join('\n')
  }

  clear(): void {
    this.entries.length = 0
  }
}

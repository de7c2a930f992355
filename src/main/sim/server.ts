/**
 * The HTTP + WebSocket plumbing the simulators share: one node:http server on 127.0.0.1 (port 0)
 * that serves REST (minting) and upgrades sockets, with every request, handshake, frame and close
 * written to the wire log.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocketServer, WebSocket, type RawData } from 'ws'
import { WireLog } from './wire'

export interface HttpRequestInfo {
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  body: string
}

export interface HttpReply {
  status: number
  /** A JSON body, or with `text` set, ignored. */
  body: unknown
  /** A plain-text body sent as it is (e.g. an SDP answer), with `headers` naming its content type. */
  text?: string
  headers?: Record<string, string>
  /** Cut the connection instead of answering (the request was processed; the reply is lost). */
  drop?: boolean
}

export interface UpgradeInfo {
  path: string
  query: Record<string, string>
  protocols: string[]
  headers: Record<string, string>
}

/** Accept (with the subprotocol to echo, '' for none) or refuse with an HTTP status. */
export type UpgradeDecision<T> = { accept: true; protocol: string; state: T } | { accept: false; status: number; body?: unknown }

export interface SimServerHandlers<T> {
  http(req: HttpRequestInfo): HttpReply | Promise<HttpReply>
  upgrade(info: UpgradeInfo): UpgradeDecision<T>
  connection(conn: SimConn, state: T, info: UpgradeInfo): void
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v
  }
  return out
}

function parseUrl(raw: string | undefined): { path: string; query: Record<string, string> } {
  const u = new URL(raw ?? '/', 'http://127.0.0.1')
  return { path: u.pathname, query: Object.fromEntries(u.searchParams.entries()) }
}

/**
 * One client connection as a simulator session sees it: a WebSocket (SimConn), or a WebRTC data
 * channel (the OpenAI simulator's calls endpoint). Every frame either way is on the wire log.
 */
export interface SimChannel {
  readonly id: number
  readonly open: boolean
  onMessage(listener: (data: string | Uint8Array, isBinary: boolean) => void): void
  onClose(listener: (code: number, reason: string) => void): void
  sendJson(obj: unknown): void
  sendText(text: string): void
  sendRaw(frame: string | Uint8Array): void
  close(code?: number, reason?: string): void
  /** Cuts the connection without a goodbye. */
  drop(): void
}

/** One accepted socket, with logging send helpers. */
export class SimConn implements SimChannel {
  closed = false
  private closeListeners: Array<(code: number, reason: string) => void> = []
  private messageListeners: Array<(data: string | Uint8Array, isBinary: boolean) => void> = []

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    private readonly wire: WireLog,
  ) {
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
      if (isBinary) {
        this.wire.binary(id, 'in', bytes)
        for (const l of this.messageListeners) l(new Uint8Array(bytes), true)
      } else {
        const text = bytes.toString('utf8')
        this.wire.text(id, 'in', text)
        for (const l of this.messageListeners) l(text, false)
      }
    })
    ws.on('close', (code: number, reason: Buffer) => {
      const wasClosed = this.closed
      this.closed = true
      if (!wasClosed) this.wire.add({ kind: 'close', conn: id, dir: 'in', code, reason: reason.toString('utf8') })
      for (const l of this.closeListeners) l(code, reason.toString('utf8'))
    })
    ws.on('error', () => {
      /* a client that misbehaves at the TCP level must not crash the simulator */
    })
  }

  get open(): boolean {
    return !this.closed && this.ws.readyState === WebSocket.OPEN
  }

  onMessage(listener: (data: string | Uint8Array, isBinary: boolean) => void): void {
    this.messageListeners.push(listener)
  }

  onClose(listener: (code: number, reason: string) => void): void {
    this.closeListeners.push(listener)
  }

  sendJson(obj: unknown): void {
    this.sendText(JSON.stringify(obj))
  }

  sendText(text: string): void {
    if (!this.open) return
    this.wire.text(this.id, 'out', text)
    this.ws.send(text)
  }

  sendBinary(data: Uint8Array): void {
    if (!this.open) return
    this.wire.binary(this.id, 'out', data)
    this.ws.send(data, { binary: true })
  }

  /** Sends a string or bytes frame exactly as given (malformed-frame faults). */
  sendRaw(frame: string | Uint8Array): void {
    if (typeof frame === 'string') this.sendText(frame)
    else this.sendBinary(frame)
  }

  close(code = 1000, reason = ''): void {
    if (this.closed) return
    this.closed = true
    this.wire.add({ kind: 'close', conn: this.id, dir: 'out', code, reason })
    this.ws.close(code, reason)
  }

  /** Cuts the connection without a close frame (the client sees 1006). */
  drop(): void {
    if (this.closed) return
    this.closed = true
    this.wire.add({ kind: 'close', conn: this.id, dir: 'out', code: 1006, reason: '', dropped: true })
    this.ws.terminate()
  }
}

export interface SimServer {
  port: number
  /** http://127.0.0.1:PORT */
  origin: string
  conns: SimChannel[]
  /** The id for a connection that does not come through the upgrade (a WebRTC call); push it on conns once made. */
  nextConnId(): number
  close(): Promise<void>
}

/**
 * Who may talk to a local server: the Host must be this loopback address and port (a web page
 * that rebinds its own host name to 127.0.0.1 sends its own name), and an Origin, when a browser
 * sends one, must be Earshot's (app://earshot) or a loopback page (the dev server, the test
 * harness). Clients without an Origin (the CLI, main's minting) pass.
 */
export function localRequestProblem(headers: Record<string, string>, port: number): string | null {
  const host = (headers.host ?? '').toLowerCase()
  if (![`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host)) return `host ${host.slice(0, 80) || '(none)'} is not this server`
  const origin = headers.origin
  if (origin === undefined || origin === 'app://earshot') return null
  if (/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/.test(origin)) return null
  return `origin ${origin.slice(0, 80)} may not connect`
}

export async function startSimServer<T>(wire: WireLog, handlers: SimServerHandlers<T>): Promise<SimServer> {
  let port = 0
  const conns: SimChannel[] = []
  let connCounter = 0
  const sockets = new Set<Socket>()
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 })

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const refused = localRequestProblem(flatHeaders(req), port)
      if (refused) {
        res.writeHead(403, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: { message: `Forbidden: ${refused}.`, type: 'forbidden' } }))
        return
      }
      const { path, query } = parseUrl(req.url)
      const info: HttpRequestInfo = { method: req.method ?? 'GET', path, query, headers: flatHeaders(req), body: Buffer.concat(chunks).toString('utf8') }
      Promise.resolve()
        .then(() => handlers.http(info))
        .catch((err: unknown): HttpReply => ({ status: 500, body: { error: { message: String(err), type: 'server_error' } } }))
        .then((reply) => {
          const text = reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body))
          wire.add({ kind: 'http', method: info.method, path, query, headers: info.headers, body: info.body, status: reply.status, response: text })
          if (reply.drop) {
            res.socket?.destroy()
            return
          }
          res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) })
          res.end(text)
        })
    })
  })
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const { path, query } = parseUrl(req.url)
    const headers = flatHeaders(req)
    const refused = localRequestProblem(headers, port)
    if (refused) {
      const body = JSON.stringify({ error: `Forbidden: ${refused}.` })
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
      return
    }
    const protocols = (headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean)
    const info: UpgradeInfo = { path, query, protocols, headers }
    const conn = connCounter++
    let decision: UpgradeDecision<T>
    try {
      decision = handlers.upgrade(info)
    } catch (err) {
      decision = { accept: false, status: 500, body: { error: String(err) } }
    }
    if (!decision.accept) {
      wire.add({ kind: 'handshake', conn, path, query, protocols, headers, accepted: false, protocol: '', status: decision.status })
      const body = decision.body === undefined ? '' : JSON.stringify(decision.body)
      socket.end(
        `HTTP/1.1 ${decision.status} ${decision.status === 401 ? 'Unauthorized' : decision.status === 404 ? 'Not Found' : 'Bad Request'}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      )
      return
    }
    const accepted = decision
    // ws picks the subprotocol through handleProtocols; set it per upgrade.
    ;(wss.options as { handleProtocols?: unknown }).handleProtocols = () => (accepted.protocol ? accepted.protocol : false)
    wss.handleUpgrade(req, socket, head, (ws) => {
      wire.add({ kind: 'handshake', conn, path, query, protocols, headers, accepted: true, protocol: ws.protocol })
      const c = new SimConn(conn, ws, wire)
      conns.push(c)
      handlers.connection(c, accepted.state, info)
    })
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    conns,
    nextConnId: () => connCounter++,
    close: async () => {
      for (const c of conns) c.drop()
      wss.close()
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Reads `Authorization: Bearer <x>` (returns x, or undefined). */
export function bearer(headers: Record<string, string>): string | undefined {
  const h = headers['authorization']
  if (!h) return undefined
  const m = /^Bearer\s+(.+)$/i.exec(h.trim())
  return m ? m[1] : undefined
}

export function b64ToBytes(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, 'base64'))
}

export function bytesToB64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/** A strict base64 check (what the providers would reject as invalid audio). */
export function isBase64(s: string): boolean {
  return s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s)
}

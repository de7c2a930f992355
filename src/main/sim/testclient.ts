/**
 * A tiny raw `ws` client for simulator tests: collects every frame, waits for conditions.
 * Test support only (not used by the product).
 */
import WebSocket from 'ws'

export type Msg = Record<string, unknown>

export class RawClient {
  messages: Msg[] = []
  binary: Buffer[] = []
  /** Text and binary frames in arrival order ('binary' for binary frames). */
  order: string[] = []
  closed: { code: number; reason: string } | null = null

  constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer, isBinary: boolean) => {
      if (isBinary) {
        this.binary.push(Buffer.from(d))
        this.order.push('binary')
        return
      }
      const m = JSON.parse(d.toString('utf8')) as Msg
      this.messages.push(m)
      this.order.push(String(m.type ?? m.t))
    })
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() }
    })
    ws.on('error', () => {})
  }

  static open(url: string, protocols: string[] = [], headers?: Record<string, string>): Promise<RawClient> {
    const ws = new WebSocket(url, protocols, headers ? { headers } : {})
    const c = new RawClient(ws)
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(c))
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
      ws.once('error', reject)
    })
  }

  send(m: Msg): void {
    this.ws.send(JSON.stringify(m))
  }

  /** The `type` (or `t`) of each text message, in order. */
  kinds(): string[] {
    return this.messages.map((m) => String(m.type ?? m.t))
  }

  async until<T>(fn: () => T | undefined | false | null, what: string, timeoutMs = 8000): Promise<T> {
    const start = Date.now()
    for (;;) {
      const v = fn()
      if (v) return v
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}; got ${this.kinds().join(', ')}; closed=${JSON.stringify(this.closed)}`)
      await new Promise((r) => setTimeout(r, 15))
    }
  }

  /** The nth (1-based) message of a kind. */
  wait(kind: string, nth = 1, timeoutMs?: number): Promise<Msg> {
    return this.until(() => this.messages.filter((m) => (m.type ?? m.t) === kind)[nth - 1], `${kind} #${nth}`, timeoutMs)
  }

  waitClose(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closed, 'close', timeoutMs)
  }
}

/** Resolves the HTTP status of a refused upgrade (101 when it was accepted). */
export function upgradeStatus(url: string, protocols: string[] = [], headers?: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, headers ? { headers } : {})
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.on('open', () => {
      resolve(101)
      ws.close()
    })
    ws.on('error', () => resolve(-1))
  })
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

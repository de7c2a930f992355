import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startOpenAISim } from './openai'
import type { SimHandle } from './common'
import { synthesizeVoice, silence } from './voice'
import { bytesToPcm16, pcm16ToBytes } from './vad'
import type { SimScript } from './script'

type Ev = Record<string, unknown> & { type: string }

/** A raw ws client that collects every server event. */
class Client {
  events: Ev[] = []
  closed: { code: number; reason: string } | null = null
  private waiters: Array<() => void> = []
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.events.push(JSON.parse(String(d)) as Ev)
      for (const w of this.waiters.splice(0)) w()
    })
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() }
      for (const w of this.waiters.splice(0)) w()
    })
  }
  static async open(url: string, protocols: string[], headers?: Record<string, string>): Promise<Client> {
    const ws = new WebSocket(url, protocols, headers ? { headers } : {})
    const c = new Client(ws)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    return c
  }
  send(ev: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(ev))
  }
  types(): string[] {
    return this.events.map((e) => e.type)
  }
  async waitFor(pred: (e: Ev) => boolean, timeoutMs = 8000): Promise<Ev> {
    const start = Date.now()
    for (;;) {
      const hit = this.events.find(pred)
      if (hit) return hit
      if (this.closed) throw new Error(`closed ${this.closed.code} before event; got ${this.types().join(',')}`)
      if (Date.now() - start > timeoutMs) throw new Error(`timeout; got ${this.types().join(',')}`)
      await new Promise<void>((r) => {
        this.waiters.push(r)
        setTimeout(r, 50)
      })
    }
  }
  waitType(type: string, nth = 1): Promise<Ev> {
    return this.waitFor((e) => e.type === type && this.events.filter((x) => x.type === type).indexOf(e) === nth - 1)
  }
  /** Streams PCM as 20 ms appends, `pace` times faster than real time. */
  async stream(pcm: Int16Array, pace = 4): Promise<void> {
    for (let i = 0; i < pcm.length; i += 480) {
      const chunk = pcm.subarray(i, i + 480)
      this.send({ type: 'input_audio_buffer.append', audio: Buffer.from(pcm16ToBytes(chunk)).toString('base64') })
      if (i % (480 * 5) === 0) await new Promise((r) => setTimeout(r, 100 / pace))
    }
  }
}

const GA_UPDATE = {
  type: 'session.update',
  session: {
    type: 'realtime',
    output_modalities: ['audio'],
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: 24000 },
        transcription: { model: 'gpt-4o-mini-transcribe' },
        turn_detection: { type: 'server_vad', silence_duration_ms: 300, create_response: true, interrupt_response: true },
      },
      output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' },
    },
    tools: [{ type: 'function', name: 'get_current_time', description: 'time', parameters: { type: 'object', properties: {} } }],
  },
}

function speech(ms = 800): Int16Array {
  const v = synthesizeVoice('testing one two three', 24000, { durationMs: ms })
  const out = new Int16Array(v.length + silence(24000, 700).length)
  out.set(v)
  return out
}

async function mint(sim: SimHandle, body: unknown = {}, key = sim.apiKey): Promise<Response> {
  return fetch(`${sim.baseUrl}/realtime/client_secrets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

async function connect(sim: SimHandle, model = 'gpt-realtime'): Promise<Client> {
  const res = await mint(sim)
  const { value } = (await res.json()) as { value: string }
  return Client.open(`${sim.wsUrl}?model=${model}`, ['realtime', `openai-insecure-api-key.${value}`])
}

let sim: SimHandle | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function start(script: SimScript, opts = {}): Promise<SimHandle> {
  sim = await startOpenAISim(script, { audioPace: 8, ...opts })
  return sim
}

describe('OpenAI simulator: minting and handshake', () => {
  it('mints ek_ keys for the real key and refuses a wrong key with an OpenAI error body', async () => {
    const s = await start({ turns: [] })
    const ok = await mint(s, { expires_after: { anchor: 'created_at', seconds: 600 }, session: { type: 'realtime', model: 'gpt-realtime' } })
    expect(ok.status).toBe(200)
    const body = (await ok.json()) as { value: string; expires_at: number; session: { type: string; model: string } }
    expect(body.value).toMatch(/^ek_/)
    expect(body.expires_at).toBeGreaterThan(Date.now() / 1000 + 590)
    expect(body.session).toMatchObject({ type: 'realtime', model: 'gpt-realtime' })
    const bad = await mint(s, {}, 'sk-wrong-key-1234')
    expect(bad.status).toBe(401)
    expect(await bad.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key' } })
    const range = await mint(s, { expires_after: { anchor: 'created_at', seconds: 5 } })
    expect(range.status).toBe(400)
  })

  it('echoes the realtime subprotocol, sends session.created, and refuses unknown, expired and real keys', async () => {
    const s = await start({ turns: [] })
    const c = await connect(s)
    expect(c.ws.protocol).toBe('realtime')
    await c.waitType('session.created')
    c.ws.close()
    const refused = (protocols: string[], headers?: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${s.wsUrl}?model=gpt-realtime`, protocols, headers ? { headers } : {})
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
        ws.on('open', () => resolve(101))
        ws.on('error', () => resolve(-1))
      })
    expect(await refused(['realtime', 'openai-insecure-api-key.ek_unknown'])).toBe(401)
    expect(await refused(['realtime', `openai-insecure-api-key.${s.apiKey}`])).toBe(401)
    const cred = s.credential()
    s.expireCredentials()
    expect(await refused(cred.protocols)).toBe(401)
    // An Authorization header with a live ek_ key is accepted too (server-side form).
    const cred2 = s.credential()
    const ek = cred2.protocols[1]!.replace('openai-insecure-api-key.', '')
    expect(await refused([], { authorization: `Bearer ${ek}` })).toBe(101)
    const hs = s.wire.handshakes()
    expect(hs[0]).toMatchObject({ accepted: true, protocol: 'realtime', path: '/v1/realtime', query: { model: 'gpt-realtime' } })
    expect(hs.filter((h) => !h.accepted)).toHaveLength(3)
  })
})

describe('OpenAI simulator: session.update', () => {
  it('accepts the GA shape and rejects beta shapes and a missing session.type', async () => {
    const s = await start({ turns: [] })
    const c = await connect(s)
    c.send({ ...GA_UPDATE, event_id: 'u1' })
    const upd = await c.waitType('session.updated')
    expect(upd.session).toMatchObject({ type: 'realtime', audio: { output: { voice: 'marin' } } })
    c.send({ type: 'session.update', event_id: 'u2', session: { instructions: 'x' } })
    const e1 = await c.waitType('error')
    expect(e1.error).toMatchObject({ type: 'invalid_request_error', code: 'missing_required_parameter', param: 'session.type', event_id: 'u2' })
    c.send({ type: 'session.update', event_id: 'u3', session: { type: 'realtime', modalities: ['audio', 'text'] } })
    const e2 = await c.waitType('error', 2)
    expect(e2.error).toMatchObject({ code: 'unknown_parameter', param: 'session.modalities' })
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { format: 'pcm16' } } } })
    const e3 = await c.waitType('error', 3)
    expect(e3.error).toMatchObject({ code: 'invalid_type' })
    c.send({ type: 'no.such.event' })
    const e4 = await c.waitType('error', 4)
    expect(e4.error).toMatchObject({ code: 'invalid_value', param: 'type' })
    expect(c.types().filter((t) => t === 'session.updated')).toHaveLength(1)
  })
})

describe('OpenAI simulator: turns', () => {
  it('detects speech by energy, commits, transcribes and speaks a reply whose audio matches the synthesized voice', async () => {
    const s = await start({ turns: [{ user: 'hello there', reply: 'Hi, nice to meet you.', replyMs: 600 }] })
    const c = await connect(s)
    c.send(GA_UPDATE)
    await c.waitType('session.updated')
    await c.stream(silence(24000, 600))
    expect(c.types()).not.toContain('input_audio_buffer.speech_started')
    await c.stream(speech())
    const done = await c.waitType('response.done')
    expect((done.response as { status: string }).status).toBe('completed')
    const order = c.types().filter((t) => !t.startsWith('session.') && t !== 'rate_limits.updated' && !t.startsWith('conversation.item.input_audio_transcription'))
    expect(order.slice(0, 10)).toEqual([
      'input_audio_buffer.speech_started', 'input_audio_buffer.speech_stopped', 'input_audio_buffer.committed',
      'conversation.item.added', 'conversation.item.done', 'response.created', 'response.output_item.added',
      'conversation.item.added', 'response.content_part.added', 'response.output_audio.delta',
    ])
    expect(order.filter((t) => !t.endsWith('.delta')).slice(-6)).toEqual([
      'response.output_audio.done', 'response.output_audio_transcript.done', 'response.content_part.done',
      'response.output_item.done', 'conversation.item.done', 'response.done',
    ])
    // Input transcription arrives between the commit and the response.
    const types = c.types()
    expect(types.indexOf('conversation.item.input_audio_transcription.completed')).toBeGreaterThan(types.indexOf('input_audio_buffer.committed'))
    const user = c.events.find((e) => e.type === 'conversation.item.input_audio_transcription.completed')
    expect(user?.transcript).toBe('hello there')
    const transcript = c.events.filter((e) => e.type === 'response.output_audio_transcript.delta').map((e) => e.delta).join('')
    expect(transcript).toBe('Hi, nice to meet you.')
    const audio = Buffer.concat(c.events.filter((e) => e.type === 'response.output_audio.delta').map((e) => Buffer.from(String(e.delta), 'base64')))
    const expected = pcm16ToBytes(synthesizeVoice('Hi, nice to meet you.', 24000, { durationMs: 600 }))
    expect(Buffer.compare(audio, Buffer.from(expected))).toBe(0)
    expect(bytesToPcm16(new Uint8Array(audio)).length).toBe(14400)
    expect((done.response as { usage: { output_token_details: { audio_tokens: number } } }).usage.output_token_details.audio_tokens).toBe(12)
    expect(s.wire.leaks(s.apiKey)).toEqual([])
  })
})

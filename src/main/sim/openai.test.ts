import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startOpenAISim } from './openai'
import { buildSessionUpdate } from '../../shared/s2s/adapters/openai'
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

describe('OpenAI simulator: errors, truncation, tools and faults', () => {
  it('answers truncate/retrieve/cancel/commit/response.create conflicts with the documented errors', async () => {
    const s = await start({ turns: [{ user: 'x', reply: 'A reply long enough to be truncated later on.', replyMs: 1000 }] }, { audioPace: 1 })
    const c = await connect(s)
    c.send(GA_UPDATE)
    await c.waitType('session.updated')
    c.send({ type: 'input_audio_buffer.commit', event_id: 'c1' })
    expect((await c.waitType('error')).error).toMatchObject({ code: 'input_audio_buffer_commit_empty', event_id: 'c1' })
    c.send({ type: 'response.cancel' })
    expect((await c.waitType('error', 2)).error).toMatchObject({ code: 'response_cancel_not_active' })
    c.send({ type: 'conversation.item.truncate', item_id: 'nope', content_index: 0, audio_end_ms: 10 })
    expect((await c.waitType('error', 3)).error).toMatchObject({ code: 'item_truncate_invalid_item_id', message: 'Item with item_id not found: nope' })
    c.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } })
    await c.waitType('conversation.item.done')
    c.send({ type: 'response.create' })
    const created = await c.waitType('response.created')
    c.send({ type: 'response.create' })
    const conflict = await c.waitType('error', 4)
    expect(conflict.error).toMatchObject({ code: 'conversation_already_has_active_response' })
    expect(String((conflict.error as { message: string }).message)).toContain((created.response as { id: string }).id)
    const added = await c.waitFor((e) => e.type === 'response.output_item.added')
    const itemId = (added.item as { id: string }).id
    await c.waitType('response.output_audio.delta', 3)
    c.send({ type: 'response.cancel' })
    const done = await c.waitType('response.done')
    expect(done.response).toMatchObject({ status: 'cancelled', status_details: { reason: 'client_cancelled' } })
    const deltas = c.events.filter((e) => e.type === 'response.output_audio.delta').length
    c.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: deltas * 100 + 50 })
    expect((await c.waitType('error', 5)).error).toMatchObject({ code: 'invalid_value', param: 'audio_end_ms' })
    c.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 150 })
    expect(await c.waitType('conversation.item.truncated')).toMatchObject({ item_id: itemId, content_index: 0, audio_end_ms: 150 })
    c.send({ type: 'conversation.item.retrieve', item_id: itemId })
    const got = await c.waitType('conversation.item.retrieved')
    const content = (got.item as { content: Array<{ audio: string }> }).content[0]!
    expect(Buffer.from(content.audio, 'base64').length).toBe(150 * 48)
    c.send({ type: 'conversation.item.retrieve', item_id: 'missing' })
    expect((await c.waitType('error', 6)).error).toMatchObject({ code: 'item_retrieve_invalid_item_id' })
  })

  it('requires function_call_output for a known call and records when it arrived relative to response.done', async () => {
    const s = await start({ turns: [{ user: 'time', toolCalls: [{ name: 'get_current_time', arguments: {} }], reply: 'Time: {{result}}', replyMs: 200 }] }, { toolResponseDoneDelayMs: 1500 })
    const c = await connect(s)
    c.send(GA_UPDATE)
    await c.waitType('session.updated')
    c.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'call_zzz', output: '{}' } })
    expect((await c.waitType('error')).error).toMatchObject({ code: 'invalid_value', param: 'item.call_id' })
    await c.stream(speech())
    const args = await c.waitType('response.function_call_arguments.done')
    expect(args).toMatchObject({ name: 'get_current_time', arguments: '{}', call_id: 'call_1' })
    // Sent before response.done (allowed; recorded), then response.create too early -> conflict.
    c.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'call_1', output: '"noon"' } })
    c.send({ type: 'response.create' })
    const err = await c.waitType('error', 2)
    expect(err.error).toMatchObject({ code: 'conversation_already_has_active_response' })
    await c.waitType('response.done')
    c.send({ type: 'response.create' })
    await c.waitType('response.done', 2)
    const finalText = c.events.find((e) => e.type === 'response.output_audio_transcript.done')
    expect(finalText?.transcript).toBe('Time: "noon"')
    expect(s.records.toolResults).toMatchObject([{ callId: 'call_1', afterDone: false }])
  })

  it('cancels an active response when the user speaks (server VAD, interrupt_response true)', async () => {
    const s = await start({ turns: [{ user: 'a', reply: 'A long long reply that goes on and on for a while.', replyMs: 3000 }, { user: 'b', reply: 'Short.' }] }, { audioPace: 1 })
    const c = await connect(s)
    c.send(GA_UPDATE)
    await c.waitType('session.updated')
    await c.stream(speech())
    await c.waitType('response.output_audio.delta', 3)
    await c.stream(speech(), 1)
    const done = await c.waitType('response.done')
    expect(done.response).toMatchObject({ status: 'cancelled', status_details: { reason: 'turn_detected' } })
    const types = c.types()
    expect(types.lastIndexOf('input_audio_buffer.speech_started')).toBeLessThan(types.indexOf('response.done'))
    expect(s.records.bargeIns).toHaveLength(1)
    await c.waitType('response.done', 2)
  })

  it('injects faults: malformed frames after ready, an error mid-reply, a drop after the reply, and session_expired', async () => {
    const s = await start({
      turns: [{ user: 'a', reply: 'Some reply text here.', replyMs: 400 }],
      faults: [
        { kind: 'malformed', at: 'ready' },
        { kind: 'error', at: 'mid-reply', code: 'server_error', message: 'boom' },
        { kind: 'drop', at: 'after-reply' },
      ],
    })
    const raw = new WebSocket(`${s.wsUrl}?model=gpt-realtime`, s.credential().protocols)
    const texts: string[] = []
    let binaries = 0
    raw.on('message', (d, isBinary) => (isBinary ? binaries++ : texts.push(String(d))))
    const closed = new Promise<number>((r) => raw.on('close', (code) => r(code)))
    await new Promise((r) => raw.once('open', r))
    await new Promise((r) => setTimeout(r, 100))
    expect(texts).toContain('not json at all')
    expect(binaries).toBe(1)
    raw.send(JSON.stringify(GA_UPDATE))
    const audio = speech()
    for (let i = 0; i < audio.length; i += 480) raw.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: Buffer.from(pcm16ToBytes(audio.subarray(i, i + 480))).toString('base64') }))
    expect(await closed).toBe(1006)
    const parsed = texts.flatMap((t) => { try { const v = JSON.parse(t) as Ev | null; return v && typeof v === 'object' && !Array.isArray(v) ? [v] : [] } catch { return [] } })
    expect(parsed.find((e) => e.type === 'error' && (e.error as { code: string }).code === 'server_error')).toBeDefined()
    expect(parsed.some((e) => e.type === 'response.done')).toBe(true)
    expect(s.wire.closes().at(-1)).toMatchObject({ dir: 'out', dropped: true })

    await s.close()
    const s2 = await start({ turns: [] }, { sessionMaxMs: 150 })
    const c = await connect(s2)
    const err = await c.waitType('error')
    expect(err.error).toMatchObject({ code: 'session_expired', message: 'Your session hit the maximum duration of 0 minutes.' })
    await c.waitFor(() => c.closed !== null)
    expect(c.closed?.code).toBe(1001)
  })
})

describe('OpenAI simulator: session tuning fields', () => {
  it('accepts what the adapter sends (noise_reduction, VAD tuning, idle timeout, retention_ratio) and rejects malformed values', async () => {
    const s = await start({ turns: [] })
    const c = await connect(s)
    const update = buildSessionUpdate({
      instructions: 'x', greeting: '', voice: 'marin', model: 'gpt-realtime', tools: [], turnDetection: 'server_vad', transcriptionModel: 'gpt-4o-mini-transcribe',
      openai: { noiseReduction: 'near_field', silenceDurationMs: 700, idleTimeoutMs: 8000, eagerness: 'low', reasoningEffort: 'low', retentionRatio: 0.8 },
    })
    c.send(update)
    const upd = await c.waitType('session.updated')
    expect(upd.session).toMatchObject({
      truncation: { type: 'retention_ratio', retention_ratio: 0.8 },
      audio: { input: { noise_reduction: { type: 'near_field' }, turn_detection: { type: 'server_vad', silence_duration_ms: 700, idle_timeout_ms: 8000 } } },
    })
    const bad: [Record<string, unknown>, string][] = [
      [{ audio: { input: { noise_reduction: { type: 'desk' } } } }, 'session.audio.input.noise_reduction.type'],
      [{ audio: { input: { turn_detection: { type: 'semantic_vad', silence_duration_ms: 500 } } } }, 'session.audio.input.turn_detection.silence_duration_ms'],
      [{ audio: { input: { turn_detection: { type: 'semantic_vad', eagerness: 'eager' } } } }, 'session.audio.input.turn_detection.eagerness'],
      [{ audio: { input: { turn_detection: { type: 'semantic_vad', idle_timeout_ms: 5000 } } } }, 'session.audio.input.turn_detection.idle_timeout_ms'],
      [{ truncation: { type: 'retention_ratio', retention_ratio: 1.5 } }, 'session.truncation.retention_ratio'],
      [{ reasoning: { effort: 'low' } }, 'session.reasoning'],
    ]
    for (const [i, [session, param]] of bad.entries()) {
      c.send({ type: 'session.update', session: { type: 'realtime', ...session } })
      const e = await c.waitType('error', i + 1)
      expect((e.error as { param: string }).param).toBe(param)
    }
    expect(c.types().filter((t) => t === 'session.updated')).toHaveLength(1)
  })

  it('takes reasoning.effort for a gpt-realtime-2 session', async () => {
    const s = await start({ turns: [] })
    const res = await mint(s, { session: { type: 'realtime', model: 'gpt-realtime-2' } })
    const { value } = (await res.json()) as { value: string }
    const c = await Client.open(`${s.wsUrl}?model=gpt-realtime-2`, ['realtime', `openai-insecure-api-key.${value}`])
    c.send({ type: 'session.update', session: { type: 'realtime', reasoning: { effort: 'medium' } } })
    const upd = await c.waitType('session.updated')
    expect(upd.session).toMatchObject({ model: 'gpt-realtime-2', reasoning: { effort: 'medium' } })
    c.send({ type: 'session.update', session: { type: 'realtime', reasoning: { effort: 'maximum' } } })
    expect((await c.waitType('error')).error).toMatchObject({ param: 'session.reasoning.effort' })
  })

  it('fires idle_timeout_ms after the reply played: timeout_triggered, a commit and a response of its own', async () => {
    const s = await start({ turns: [{ user: 'hello', reply: 'Hi.', replyMs: 300 }] }, { idleReply: 'Still there?' })
    const c = await connect(s)
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', idle_timeout_ms: 400, create_response: true, interrupt_response: true } } } } })
    await c.waitType('session.updated')
    await c.stream(speech(600))
    await c.waitType('response.done')
    const at = c.events.length
    // The user stays silent (the client keeps streaming silence, as a live microphone does).
    const quiet = c.stream(silence(24000, 1500), 1)
    const timeout = await c.waitType('input_audio_buffer.timeout_triggered')
    await quiet
    expect(timeout).toMatchObject({ item_id: expect.stringMatching(/^item_/) })
    expect(Number(timeout.audio_end_ms)).toBeGreaterThanOrEqual(Number(timeout.audio_start_ms))
    const after = c.events.slice(at).map((e) => e.type)
    const t = after.indexOf('input_audio_buffer.timeout_triggered')
    expect(after.slice(t + 1, t + 3)).toEqual(['input_audio_buffer.committed', 'conversation.item.added'])
    await c.waitType('response.done', 2)
    const said = c.events.filter((e) => e.type === 'response.output_audio_transcript.done').map((e) => e.transcript)
    expect(said).toEqual(['Hi.', 'Still there?'])
  })

  it('does not fire the idle timeout when the user speaks again in time, nor without idle_timeout_ms', async () => {
    const s = await start({ turns: [{ user: 'a', reply: 'One.', replyMs: 200 }, { user: 'b', reply: 'Two.', replyMs: 200 }] })
    const c = await connect(s)
    c.send(GA_UPDATE)
    await c.waitType('session.updated')
    await c.stream(speech(500))
    await c.waitType('response.done')
    await c.stream(silence(24000, 800), 1)
    await c.stream(speech(500))
    await c.waitType('response.done', 2)
    expect(c.types()).not.toContain('input_audio_buffer.timeout_triggered')
  })

  it('reports cached tokens from the second response on, as part of input_tokens', async () => {
    const s = await start({ turns: [{ user: 'a', reply: 'One.', replyMs: 200 }, { user: 'b', reply: 'Two.', replyMs: 200 }] })
    const c = await connect(s)
    c.send(GA_UPDATE)
    await c.waitType('session.updated')
    await c.stream(speech(500))
    const first = await c.waitType('response.done')
    await c.stream(speech(500))
    const second = await c.waitType('response.done', 2)
    type U = { usage: { input_tokens: number; input_token_details: { cached_tokens: number; cached_tokens_details: { text_tokens: number; audio_tokens: number } } } }
    expect((first.response as U).usage.input_token_details.cached_tokens).toBe(0)
    const u = (second.response as U).usage
    expect(u.input_token_details.cached_tokens).toBeGreaterThan(0)
    expect(u.input_token_details.cached_tokens).toBe(u.input_token_details.cached_tokens_details.text_tokens + u.input_token_details.cached_tokens_details.audio_tokens)
    expect(u.input_token_details.cached_tokens).toBeLessThanOrEqual(u.input_tokens)
  })

  it('reports the rate limits it was given with every response', async () => {
    const limits = [{ name: 'tokens', limit: 1000, remaining: 20, reset_seconds: 30 }]
    const s = await start({ turns: [{ user: 'a', reply: 'One.', replyMs: 200 }] }, { rateLimits: limits })
    const c = await connect(s)
    c.send(GA_UPDATE)
    await c.waitType('session.updated')
    await c.stream(speech(500))
    expect((await c.waitType('rate_limits.updated')).rate_limits).toEqual(limits)
  })
})

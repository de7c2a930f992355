import { afterEach, describe, expect, it } from 'vitest'
import { startAssemblyAISim, type AssemblyAISimOptions } from './assemblyai'
import type { SimHandle } from './common'
import type { SimScript } from './script'
import { RawClient, sleep } from './testclient'
import { pcm16ToBytes } from './vad'
import { silence, synthesizeVoice } from './voice'

let sim: SimHandle | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function start(script: SimScript, opts: AssemblyAISimOptions = {}): Promise<SimHandle> {
  sim = await startAssemblyAISim(script, { vad: { silenceMs: 300 }, ...opts })
  return sim
}

async function token(s: SimHandle, query = 'expires_in_seconds=60', auth = `Bearer ${s.apiKey}`): Promise<Response> {
  return fetch(`${s.baseUrl}/v1/token?${query}`, { headers: { authorization: auth } })
}

async function connect(s: SimHandle): Promise<RawClient> {
  const { token: t } = (await (await token(s)).json()) as { token: string }
  return RawClient.open(`${s.wsUrl}?token=${t}`)
}

const UPDATE = {
  type: 'session.update',
  session: {
    system_prompt: 'Be brief.',
    tools: [{ type: 'function', name: 'get_current_time', description: 'time', parameters: { type: 'object', properties: {} } }],
    input: { format: { encoding: 'audio/pcm' }, turn_detection: { interrupt_response: true } },
    output: { voice: 'ivy' },
  },
}

/** Sends speech then silence as 50 ms input.audio chunks, `pace` times real time. */
async function say(c: RawClient, ms = 700, pace = 4): Promise<void> {
  const v = synthesizeVoice('some user words here', 24000, { durationMs: ms })
  const pcm = new Int16Array(v.length + silence(24000, 450).length)
  pcm.set(v)
  for (let i = 0; i < pcm.length; i += 1200) {
    c.send({ type: 'input.audio', audio: Buffer.from(pcm16ToBytes(pcm.subarray(i, i + 1200))).toString('base64') })
    await sleep(50 / pace)
  }
}

describe('AssemblyAI simulator: tokens', () => {
  it('mints one-time tokens and answers 400/401/429 like the API', async () => {
    const s = await start({ turns: [] })
    const ok = await token(s)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ token: expect.any(String), expires_in_seconds: 60 })
    expect((await token(s, 'expires_in_seconds=0')).status).toBe(400)
    expect((await token(s, '')).status).toBe(400)
    expect((await token(s, 'expires_in_seconds=60', 'Bearer wrong')).status).toBe(401)
    await s.close()
    sim = undefined
    const limited = await start({ turns: [] }, { mintFault: { status: 429, retryAfterSeconds: 7 } })
    const r = await token(limited)
    expect(r.status).toBe(429)
    expect(r.headers.get('retry-after')).toBe('7')
  })

  it('lets a token open one session only, and answers an expired token with session.error unauthorized', async () => {
    const s = await start({ turns: [] })
    const { token: t } = (await (await token(s)).json()) as { token: string }
    const a = await RawClient.open(`${s.wsUrl}?token=${t}`)
    a.send(UPDATE)
    await a.wait('session.ready')
    const b = await RawClient.open(`${s.wsUrl}?token=${t}`)
    expect((await b.wait('session.error')).code).toBe('unauthorized')
    await b.waitClose()
    const cred = s.credential()
    s.expireCredentials()
    const e = await RawClient.open(cred.url)
    expect(await e.wait('session.error')).toMatchObject({ type: 'session.error', code: 'unauthorized' })
    expect(e.kinds()).toEqual(['session.error'])
  })
})

describe('AssemblyAI simulator: session', () => {
  it('requires session.update first, refuses audio before ready, then runs a turn in the documented order', async () => {
    const s = await start({ turns: [{ user: 'hello there friend', reply: 'Hi! How can I help?', replyMs: 400 }] }, { audioPace: 4 })
    const c = await connect(s)
    c.send({ type: 'input.audio', audio: Buffer.from(new Uint8Array(960)).toString('base64') })
    expect((await c.wait('session.error')).code).toBe('invalid_format')
    c.send(UPDATE)
    const ready = await c.wait('session.ready')
    expect(ready.session_id).toMatch(/^sess_/)
    await say(c)
    await c.wait('reply.done')
    expect(c.kinds()).toEqual([
      'session.error', 'session.ready', 'input.speech.started', 'transcript.user.delta', 'transcript.user.delta',
      'input.speech.stopped', 'transcript.user', 'reply.started',
      ...c.kinds().filter((k) => k === 'reply.audio' || k === 'transcript.agent.delta'),
      'transcript.agent', 'reply.done',
    ])
    // A6: incremental agent words, each timed from the start of the reply, in order.
    const deltas = c.messages.filter((m) => m.type === 'transcript.agent.delta')
    expect(deltas.map((m) => m.delta)).toEqual(['Hi!', 'How', 'can', 'I', 'help?'])
    for (const [i, d] of deltas.entries()) {
      expect(typeof d.start_ms).toBe('number')
      expect(d.end_ms as number).toBeGreaterThan(d.start_ms as number)
      if (i > 0) expect(d.start_ms).toBe(deltas[i - 1]?.end_ms)
    }
    expect(typeof ready.resume_token).toBe('string')
    expect(c.messages.find((m) => m.type === 'transcript.user')).toMatchObject({ text: 'hello there friend' })
    expect(c.messages.find((m) => m.type === 'transcript.agent')).toMatchObject({ text: 'Hi! How can I help?', interrupted: false })
    expect(c.messages.find((m) => m.type === 'reply.done')).toMatchObject({ status: 'completed' })
    const audio = Buffer.concat(c.messages.filter((m) => m.type === 'reply.audio').map((m) => Buffer.from(String(m.data), 'base64')))
    expect(audio.equals(Buffer.from(pcm16ToBytes(synthesizeVoice('Hi! How can I help?', 24000, { durationMs: 400 }))))).toBe(true)
    // Immutable fields are refused after ready; mutable ones acknowledged.
    c.send({ type: 'session.update', session: { output: { voice: 'claire' } } })
    expect((await c.wait('session.error', 2)).code).toBe('immutable_field')
    c.send({ type: 'session.update', session: { system_prompt: 'Be briefer.' } })
    await c.wait('session.updated')
    c.send({ type: 'session.end' })
    await c.wait('session.ended')
    expect(await c.waitClose()).toMatchObject({ code: 1000 })
    expect(s.wire.leaks(s.apiKey)).toEqual([])
  })

  it('speaks the session greeting and is interrupted by a user barging in', async () => {
    const s = await start({ turns: [{ user: 'stop', reply: 'Okay.' }] })
    const c = await connect(s)
    c.send({ ...UPDATE, session: { ...UPDATE.session, greeting: 'Hello and welcome to this rather long greeting message.' } })
    await c.wait('reply.started')
    await c.until(() => c.messages.filter((m) => m.type === 'reply.audio').length >= 8, 'some greeting audio')
    await say(c, 600, 1)
    const done = await c.wait('reply.done')
    expect(done.status).toBe('interrupted')
    const agent = c.messages.find((m) => m.type === 'transcript.agent')!
    expect(agent.interrupted).toBe(true)
    expect(String(agent.text).length).toBeLessThan('Hello and welcome to this rather long greeting message.'.length)
    expect(c.kinds().indexOf('transcript.agent')).toBeLessThan(c.kinds().indexOf('reply.done'))
    expect(s.records.bargeIns).toHaveLength(1)
    // The user's turn then gets its own reply.
    await c.wait('reply.done', 2)
    expect(c.messages.filter((m) => m.type === 'transcript.agent')[1]).toMatchObject({ text: 'Okay.', interrupted: false })
  })
})

describe('AssemblyAI simulator: tools', () => {
  const toolScript: SimScript = {
    turns: [{ user: 'time?', toolCalls: [{ name: 'get_current_time', arguments: { tz: 'UTC' } }], transition: 'One moment.', reply: 'It is {{result}}.', replyMs: 300 }],
  }

  it('sends tool.call with arguments as an object, waits for tool.result after reply.done, then speaks the result', async () => {
    const s = await start(toolScript, { audioPace: 4 })
    const c = await connect(s)
    c.send(UPDATE)
    await c.wait('session.ready')
    await say(c)
    const call = await c.wait('tool.call')
    expect(call).toMatchObject({ name: 'get_current_time', arguments: { tz: 'UTC' } })
    await c.wait('reply.done')
    c.send({ type: 'tool.result', call_id: call.call_id, result: JSON.stringify({ iso: '12:00' }) })
    await c.wait('reply.done', 2)
    expect(c.messages.filter((m) => m.type === 'transcript.agent').map((m) => m.text)).toEqual(['One moment.', 'It is {"iso":"12:00"}.'])
    expect(s.records.toolResults).toMatchObject([{ callId: call.call_id, afterDone: true, afterInterrupted: false }])
  })

  it('records a tool.result sent before reply.done, and supports the JSON-string and old args forms', async () => {
    const s = await start(toolScript, { toolArgumentsAs: 'string', audioPace: 1 })
    const c = await connect(s)
    c.send(UPDATE)
    await c.wait('session.ready')
    await say(c)
    const call = await c.wait('tool.call')
    expect(call.arguments).toBe('{"tz":"UTC"}')
    c.send({ type: 'tool.result', call_id: call.call_id, result: '"early"' })
    await c.wait('reply.done', 2)
    expect(s.records.toolResults[0]).toMatchObject({ afterDone: false })
    await s.close()
    const s2 = await start(toolScript, { toolArgumentsAs: 'args', audioPace: 4 })
    const c2 = await connect(s2)
    c2.send(UPDATE)
    await c2.wait('session.ready')
    await say(c2)
    const call2 = await c2.wait('tool.call')
    expect(call2.args).toEqual({ tz: 'UTC' })
    expect(call2.arguments).toBeUndefined()
  })
})

describe('AssemblyAI simulator: resume', () => {
  it('resumes a dropped session with a fresh token and refuses it after the window', async () => {
    const s = await start({ turns: [] }, { resumeWindowMs: 400 })
    const a = await connect(s)
    a.send(UPDATE)
    const { session_id } = await a.wait('session.ready')
    s.dropConnections()
    await a.waitClose()
    const b = await connect(s)
    b.send({ type: 'session.resume', session_id })
    expect(await b.wait('session.ready')).toMatchObject({ session_id })
    b.ws.terminate()
    await sleep(600)
    const c = await connect(s)
    c.send({ type: 'session.resume', session_id })
    expect(await c.wait('session.error')).toMatchObject({ code: 'session_not_found' })
    // A fresh session.update still works on that socket.
    c.send(UPDATE)
    await c.wait('session.ready')
  })

  it('hands out a new resume_token on every session.ready and refuses a stale one', async () => {
    const s = await start({ turns: [] })
    const a = await connect(s)
    a.send(UPDATE)
    const first = await a.wait('session.ready')
    a.ws.terminate()
    const b = await connect(s)
    b.send({ type: 'session.resume', session_id: first.session_id, resume_token: first.resume_token })
    const second = await b.wait('session.ready')
    expect(second.session_id).toBe(first.session_id)
    expect(typeof second.resume_token).toBe('string')
    expect(second.resume_token).not.toBe(first.resume_token)
    b.ws.terminate()
    const c = await connect(s)
    c.send({ type: 'session.resume', session_id: first.session_id, resume_token: first.resume_token })
    expect((await c.wait('session.error')).code).toBe('session_forbidden')
  })

  it('reply.create takes string instructions and refuses others', async () => {
    const s = await start({ turns: [{ user: '', reply: 'Still working on it.', replyMs: 200 }] })
    const a = await connect(s)
    a.send(UPDATE)
    await a.wait('session.ready')
    a.send({ type: 'reply.create', instructions: 42 })
    expect((await a.wait('session.error')).code).toBe('invalid_format')
    a.send({ type: 'reply.create', instructions: 'Say you are still working on it.' })
    await a.wait('reply.done')
  })

  it('refuses resume when configured to', async () => {
    const s = await start({ turns: [] }, { refuseResume: 'session_forbidden' })
    const a = await connect(s)
    a.send(UPDATE)
    const { session_id } = await a.wait('session.ready')
    a.ws.terminate()
    const b = await connect(s)
    b.send({ type: 'session.resume', session_id })
    expect((await b.wait('session.error')).code).toBe('session_forbidden')
  })
})

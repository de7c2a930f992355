import { afterEach, describe, expect, it } from 'vitest'
import type { SimHandle } from './common'
import type { SimScript } from './script'
import { startSpekoSim, type SpekoSimOptions } from './speko'
import { RawClient, sleep, upgradeStatus } from './testclient'
import { pcm16ToBytes } from './vad'
import { silence, synthesizeVoice } from './voice'

let sim: SimHandle | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function start(script: SimScript, opts: SpekoSimOptions = {}): Promise<SimHandle> {
  sim = await startSpekoSim(script, { vad: { silenceMs: 300 }, ...opts })
  return sim
}

const BODY = { mode: 's2s', s2s: { provider: 'openai', model: 'gpt-realtime', voice: 'alloy', systemPrompt: 'Be brief.', inputSampleRate: 24000, outputSampleRate: 24000, tools: [{ name: 'get_current_time', description: 'time', parameters: { type: 'object' } }] } }

interface Minted { mode: string; sessionId: string; wsUrl: string; wsToken: string; inputSampleRate: number; outputSampleRate: number; expiresAt: string }

async function mint(s: SimHandle, body: unknown = BODY, key = s.apiKey): Promise<Response> {
  return fetch(`${s.baseUrl}/v1/sessions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

async function say(c: RawClient, rate: number, ms = 700, pace = 4): Promise<void> {
  const v = synthesizeVoice('user words', rate, { durationMs: ms })
  const pcm = new Int16Array(v.length + silence(rate, 450).length)
  pcm.set(v)
  const frame = rate / 50
  for (let i = 0; i < pcm.length; i += frame) {
    c.ws.send(pcm16ToBytes(pcm.subarray(i, i + frame)))
    await sleep(20 / pace)
  }
}

describe('Speko simulator', () => {
  it('mints sessions from a camelCase body, refuses bad keys and bodies', async () => {
    const s = await start({ turns: [] })
    const ok = await mint(s)
    expect(ok.status).toBe(200)
    const m = (await ok.json()) as Minted
    expect(m).toMatchObject({ mode: 's2s', inputSampleRate: 24000, outputSampleRate: 24000 })
    expect(m.wsUrl).toBe(`${s.wsUrl}/${m.sessionId}/ws`)
    expect(Date.parse(m.expiresAt)).toBeGreaterThan(Date.now())
    expect((await mint(s, BODY, 'nope')).status).toBe(401)
    expect((await mint(s, { ...BODY, mode: 'stt' })).status).toBe(400)
    expect((await mint(s, { mode: 's2s', s2s: { provider: 'openai' } })).status).toBe(400)
    expect((await mint(s, { mode: 's2s', s2s: { provider: 'openai', model: 'm', input_sample_rate: 16000 } })).status).toBe(400)
  })

  it('accepts the wsToken only as the sole subprotocol, echoes it, and lets ready override the rates', async () => {
    const s = await start({ turns: [] }, { readyRates: { input: 16000, output: 16000 } })
    const m = (await (await mint(s)).json()) as Minted
    expect(await upgradeStatus(m.wsUrl, ['realtime', m.wsToken])).toBe(401)
    expect(await upgradeStatus(m.wsUrl, [])).toBe(401)
    const c = await RawClient.open(m.wsUrl, [m.wsToken])
    expect(c.ws.protocol).toBe(m.wsToken)
    expect(await c.wait('ready')).toEqual({ t: 'ready', inputSampleRate: 16000, outputSampleRate: 16000 })
    // A second socket with the same token is refused (single use).
    const again = await RawClient.open(m.wsUrl, [m.wsToken])
    expect(await again.wait('error')).toMatchObject({ code: 'TOKEN_USED' })
    expect((await again.waitClose()).code).toBe(1008)
    expect(s.wire.handshakes().map((h) => h.accepted)).toEqual([false, false, true, true])
  })

  it('runs a turn with binary PCM both ways at the negotiated rate, with transcripts and usage', async () => {
    const s = await start({ turns: [{ user: 'hello there', reply: 'Hi from Speko.', replyMs: 400 }] }, { readyRates: { output: 16000 }, audioPace: 4 })
    const m = (await (await mint(s)).json()) as Minted
    const c = await RawClient.open(m.wsUrl, [m.wsToken])
    const ready = await c.wait('ready')
    await say(c, Number(ready.inputSampleRate))
    await c.wait('usage')
    const finals = c.messages.filter((x) => x.t === 'transcript' && x.final === true)
    expect(finals).toEqual([
      { t: 'transcript', role: 'user', text: 'hello there', final: true },
      { t: 'transcript', role: 'assistant', text: 'Hi from Speko.', final: true },
    ])
    const audio = Buffer.concat(c.binary)
    expect(audio.equals(Buffer.from(pcm16ToBytes(synthesizeVoice('Hi from Speko.', 16000, { durationMs: 400 }))))).toBe(true)
    expect(c.binary.every((b) => b.length === 640)).toBe(true) // 20 ms at 16 kHz
    const bin = s.wire.frames({ dir: 'out' }).filter((f) => f.kind === 'binary')
    expect(bin).toHaveLength(20)
    c.ws.close(1000, 'client_stopped')
    await c.waitClose()
    expect(s.wire.closes()[0]).toMatchObject({ dir: 'in', code: 1000, reason: 'client_stopped' })
  })

  it('sends tool_call with JSON-string arguments, speaks after tool_result, and interrupts on barge-in', async () => {
    const s = await start({
      turns: [
        { user: 'time', toolCalls: [{ name: 'get_current_time', arguments: {} }], reply: 'The time is {{result}}.', replyMs: 300 },
        { user: 'talk', reply: 'This is a long answer that will be interrupted by the user speaking over it.', replyMs: 3000 },
      ],
    }, { audioPace: 1 })
    const m = (await (await mint(s)).json()) as Minted
    const c = await RawClient.open(m.wsUrl, [m.wsToken])
    await c.wait('ready')
    await say(c, 24000)
    const call = await c.wait('tool_call')
    expect(typeof call.arguments).toBe('string')
    expect(JSON.parse(String(call.arguments))).toEqual({})
    c.send({ t: 'tool_result', callId: call.callId, output: '"noon"' })
    await c.wait('usage')
    expect(c.messages.filter((x) => x.t === 'transcript' && x.role === 'assistant' && x.final).map((x) => x.text)).toEqual(['The time is "noon".'])
    await say(c, 24000)
    await c.until(() => c.binary.length > 40, 'long reply audio')
    await say(c, 24000, 500, 1)
    const intr = await c.wait('interruption')
    expect(intr).toEqual({ t: 'interruption', at: 'user' })
    const heard = c.messages.filter((x) => x.t === 'transcript' && x.role === 'assistant' && x.final)[1]!
    expect(String(heard.text).length).toBeLessThan(60)
    c.send({ t: 'bogus' })
    expect(await c.wait('error')).toMatchObject({ code: 'INVALID_MESSAGE' })
  })

  it('reports a provider connect failure with an error frame and close 1011', async () => {
    const s = await start({ turns: [] }, { providerConnectFails: true })
    const m = (await (await mint(s)).json()) as Minted
    const c = await RawClient.open(m.wsUrl, [m.wsToken])
    expect(await c.wait('error')).toMatchObject({ code: 'S2S_PROVIDER_CONNECT_FAILED' })
    expect(await c.waitClose()).toEqual({ code: 1011, reason: 'Provider connect failed' })
  })
})

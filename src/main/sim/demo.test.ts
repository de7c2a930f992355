import { afterEach, describe, expect, it } from 'vitest'
import type { SimHandle } from './common'
import { startDemoServer, timeFromToolOutput } from './demo'
import { RawClient, sleep } from './testclient'
import { pcm16ToBytes } from './vad'
import { silence, synthesizeVoice } from './voice'

let demo: SimHandle | undefined
afterEach(async () => {
  await demo?.close()
  demo = undefined
})

async function say(c: RawClient, ms: number): Promise<void> {
  const v = synthesizeVoice('words the demo cannot understand', 24000, { durationMs: ms })
  const pcm = new Int16Array(v.length + silence(24000, 700).length)
  pcm.set(v)
  for (let i = 0; i < pcm.length; i += 480) {
    c.send({ type: 'input_audio_buffer.append', audio: Buffer.from(pcm16ToBytes(pcm.subarray(i, i + 480))).toString('base64') })
    if ((i / 480) % 10 === 9) await sleep(40)
  }
}

describe('Demo server', () => {
  it('reads the time out of a get_current_time result', () => {
    expect(timeFromToolOutput('{"iso":"2026-11-21T14:05:09+01:00"}')).toBe('14:05')
    expect(timeFromToolOutput('garbage')).toBeNull()
  })

  it('answers the first turn with get_current_time and the time, later turns with the speech length, labelled as the demo', async () => {
    demo = await startDemoServer({ audioPace: 8, vad: { silenceMs: 400 } })
    const cred = demo.credential()
    expect(cred.protocols[1]).toMatch(/^openai-insecure-api-key\.ek_/)
    const c = await RawClient.open(cred.url, cred.protocols)
    c.send({
      type: 'session.update',
      session: {
        type: 'realtime',
        audio: { input: { transcription: { model: 'gpt-4o-mini-transcribe' }, turn_detection: { type: 'server_vad' } } },
        tools: [{ type: 'function', name: 'get_current_time', description: 'time', parameters: { type: 'object', properties: {} } }],
      },
    })
    await c.wait('session.updated')
    await say(c, 1000)
    const call = await c.wait('response.function_call_arguments.done')
    expect(call).toMatchObject({ name: 'get_current_time' })
    await c.wait('response.done')
    c.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output: JSON.stringify({ iso: '2026-11-21T09:41:00+00:00' }) } })
    c.send({ type: 'response.create' })
    const first = await c.wait('response.output_audio_transcript.done')
    expect(String(first.transcript)).toContain('Earshot demo')
    expect(String(first.transcript)).toContain('09:41')
    await c.wait('response.done', 2)
    await say(c, 2100)
    const second = await c.wait('response.output_audio_transcript.done', 2)
    expect(String(second.transcript)).toMatch(/^Earshot demo: I heard about 2\.1 seconds of speech\./)
    const user = c.messages.filter((m) => m.type === 'conversation.item.input_audio_transcription.completed').map((m) => String(m.transcript))
    expect(user[1]).toContain('Earshot demo')
  }, 20_000)
})

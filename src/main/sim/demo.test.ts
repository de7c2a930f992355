import { afterEach, describe, expect, it } from 'vitest'
import type { SimHandle } from './common'
import { APP_DEMO, outcomeOf, spokenMs, startDemoServer, timeFromToolOutput } from './demo'
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

  it('reads tool outcomes from the executor output', () => {
    expect(outcomeOf(undefined).kind).toBe('missing')
    expect(outcomeOf({ callId: 'c', name: 'set_timer', output: '{"set":true}' }).kind).toBe('ok')
    expect(outcomeOf({ callId: 'c', name: 'set_timer', output: '{"error":"set_timer was not run. The user declined, so it was not done.","code":"denied"}' }).kind).toBe('denied')
    expect(outcomeOf({ callId: 'c', name: 'set_timer', output: '{"error":"Timers need notifications.","code":"not_available"}' })).toMatchObject({ kind: 'failed', error: 'Timers need notifications.' })
    expect(spokenMs('one two three four five six seven eight nine ten.')).toBe(10 * 360 + 200)
  })

  it('follows its script in words: the time, a timer, a note, each with the real tool and its real outcome', async () => {
    demo = await startDemoServer({ audioPace: 8, vad: { silenceMs: 400 } })
    const cred = demo.credential()
    expect(cred.protocols[1]).toMatch(/^openai-insecure-api-key\.ek_/)
    const c = await RawClient.open(cred.url, cred.protocols)
    const tool = (name: string) => ({ type: 'function', name, description: name, parameters: { type: 'object', properties: {} } })
    c.send({
      type: 'session.update',
      session: {
        type: 'realtime',
        audio: { input: { transcription: { model: 'gpt-4o-mini-transcribe' }, turn_detection: { type: 'server_vad' } } },
        tools: [tool('get_current_time'), tool('set_timer'), tool('take_note')],
      },
    })
    await c.wait('session.updated')
    const answer = async (n: number, output: string) => {
      const call = await c.wait('response.function_call_arguments.done', n)
      await c.wait('response.done', 2 * n - 1)
      c.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output } })
      c.send({ type: 'response.create' })
      return call
    }

    await say(c, 1000)
    expect(await answer(1, JSON.stringify({ iso: '2026-11-21T09:41:00+00:00' }))).toMatchObject({ name: 'get_current_time' })
    const first = String((await c.wait('response.output_audio_transcript.done')).transcript)
    expect(first).toMatch(/^Your clock says it is 09:41\. /)
    expect(first).toContain('I follow a script and do not understand what you say.')
    await c.wait('response.done', 2)

    await say(c, 1200)
    const timer = await answer(2, JSON.stringify({ error: 'set_timer was not run. The user declined, so it was not done.', code: 'denied' }))
    expect(timer).toMatchObject({ name: 'set_timer' })
    expect(JSON.parse(String(timer.arguments))).toEqual({ minutes: 2, label: 'Earshot demo' })
    expect(String((await c.wait('response.output_audio_transcript.done', 2)).transcript)).toMatch(/^All right, no timer\./)
    await c.wait('response.done', 4)

    await say(c, 1200)
    expect(await answer(3, JSON.stringify({ saved: 'Earshot demo', file: 'Earshot demo.md', appended: false }))).toMatchObject({ name: 'take_note' })
    expect(String((await c.wait('response.output_audio_transcript.done', 3)).transcript)).toMatch(/^I saved a note called Earshot demo in your notes folder\. That was the whole Demo script\./)

    const user = c.messages.filter((m) => m.type === 'conversation.item.input_audio_transcription.completed').map((m) => String(m.transcript))
    expect(user[0]).toMatch(/Earshot demo: \d\.\d s of speech, no speech recognition/)
  }, 30_000)

  it('in the app (APP_DEMO) sends silence as long as the speech and the whole transcript with the first chunk', async () => {
    demo = await startDemoServer({ ...APP_DEMO, audioPace: 8, vad: { silenceMs: 400 } })
    const cred = demo.credential()
    const c = await RawClient.open(cred.url, cred.protocols)
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad' } } }, tools: [] } })
    await c.wait('session.updated')
    await say(c, 1000)
    const done = await c.wait('response.output_audio_transcript.done')
    const text = String(done.transcript)
    expect(text).toContain('I follow a script and do not understand what you say.')
    const kinds = c.messages.map((m) => String(m.type)).filter((t) => t === 'response.output_audio.delta' || t === 'response.output_audio_transcript.delta')
    // Every word delta comes before the second audio chunk.
    const secondAudio = kinds.indexOf('response.output_audio.delta', kinds.indexOf('response.output_audio.delta') + 1)
    expect(kinds.lastIndexOf('response.output_audio_transcript.delta')).toBeLessThan(secondAudio)
    const audio = c.messages.filter((m) => m.type === 'response.output_audio.delta').map((m) => Buffer.from(String(m.delta), 'base64'))
    const bytes = audio.reduce((n, b) => n + b.length, 0)
    expect(audio.every((b) => b.every((x) => x === 0))).toBe(true)
    expect(Math.abs(bytes / 2 / 24 - spokenMs(text))).toBeLessThan(101) // ms of audio ≈ the speech, to a chunk
  }, 20_000)

  it('refuses the app options on protocols that do not have them', async () => {
    await expect(startDemoServer({ protocol: 'speko', replyAudio: 'silence' })).rejects.toThrow(/OpenAI protocol/)
  })
})

/**
 * Conformance cross-check: the official @openai/agents-realtime client (0.20.0) against the OpenAI
 * simulator, over a real ws:// socket on 127.0.0.1. Proves the simulator speaks what the real
 * client expects: GA session.update, a spoken reply with audio and transcript, a tool round trip
 * with response.create sequenced after response.done, and barge-in (response.cancel +
 * conversation.item.truncate, then the SDK's conversation.item.retrieve).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { RealtimeAgent, RealtimeSession, tool } from '@openai/agents-realtime'
import { z } from 'zod'
import { startOpenAISim } from './openai'
import type { SimHandle } from './common'
import { synthesizeVoice, silence } from './voice'
import { pcm16ToBytes } from './vad'
import type { TextFrameEntry } from './wire'

let sim: SimHandle | undefined
let session: RealtimeSession | undefined
afterEach(async () => {
  session?.close()
  session = undefined
  await sim?.close()
  sim = undefined
})

function utterance(ms: number): ArrayBuffer {
  const v = synthesizeVoice('a few words from the user', 24000, { durationMs: ms })
  const pcm = new Int16Array(v.length + silence(24000, 500).length)
  pcm.set(v)
  const bytes = pcm16ToBytes(pcm)
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

async function until<T>(fn: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const start = Date.now()
  for (;;) {
    const v = fn()
    if (v) return v
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Streams audio to the SDK in 20 ms chunks, about 4x real time. */
async function speak(s: RealtimeSession, audio: ArrayBuffer): Promise<void> {
  for (let off = 0; off < audio.byteLength; off += 960) {
    s.sendAudio(audio.slice(off, Math.min(audio.byteLength, off + 960)))
    if ((off / 960) % 10 === 9) await new Promise((r) => setTimeout(r, 50))
  }
}

describe('@openai/agents-realtime against the OpenAI simulator', () => {
  it('handles session.update, a tool round trip, a spoken reply and a barge-in exactly like the real API', async () => {
    sim = await startOpenAISim(
      {
        turns: [
          { user: 'what time is it', toolCalls: [{ name: 'get_current_time', arguments: {} }], reply: 'It is {{result}} right now.', replyMs: 600 },
          { user: 'tell me a story', reply: 'Once upon a time there was a very long story that nobody wanted to finish hearing.', replyMs: 4000 },
        ],
      },
      { audioPace: 1, chunkMs: 100 },
    )
    const s = sim
    const minted = await fetch(`${s.baseUrl}/realtime/client_secrets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ session: { type: 'realtime', model: 'gpt-realtime' } }),
    })
    const { value: ek } = (await minted.json()) as { value: string }

    let toolRuns = 0
    const agent = new RealtimeAgent({
      name: 'conformance',
      instructions: 'Be brief.',
      tools: [
        tool({
          name: 'get_current_time',
          description: 'Returns the current time.',
          parameters: z.object({}),
          execute: async () => {
            toolRuns++
            return JSON.stringify({ iso: '2026-11-21T14:05:00+01:00' })
          },
        }),
      ],
    })
    session = new RealtimeSession(agent, {
      transport: 'websocket',
      model: 'gpt-realtime',
      config: {
        audio: {
          input: {
            transcription: { model: 'gpt-4o-mini-transcribe' },
            turnDetection: { type: 'server_vad', silenceDurationMs: 300, interruptResponse: false, createResponse: true },
          },
        },
      },
    })
    const audio: ArrayBuffer[] = []
    const errors: unknown[] = []
    let interrupted = 0
    session.on('audio', (e) => audio.push(e.data))
    session.on('error', (e) => errors.push(e))
    session.on('audio_interrupted', () => interrupted++)
    await session.connect({ apiKey: ek, url: `${s.wsUrl}?model=gpt-realtime` })

    const handshake = s.wire.handshakes()[0]!
    expect(handshake.accepted).toBe(true)
    expect(handshake.headers['authorization']).toBe(`Bearer ${ek}`)

    const inbound = () => s.wire.messages({ dir: 'in' })
    const outbound = () => s.wire.messages({ dir: 'out' })
    // The SDK's GA session.update was accepted (session.updated, no error).
    await until(() => outbound().some((m) => m.type === 'session.updated'), 'session.updated')
    const update = inbound().find((m) => m.type === 'session.update')!.json as { session: Record<string, unknown> }
    expect(update.session.type).toBe('realtime')

    // Turn 1: tool call round trip, then the spoken reply with the tool result.
    await speak(session, utterance(700))
    const outputItem = await until(() => inbound().find((m) => m.type === 'conversation.item.create'), 'function_call_output')
    await until(() => outbound().filter((m) => m.type === 'response.done').length >= 2, 'second response.done')
    expect(toolRuns).toBe(1)
    const fco = outputItem.json as { item: { type: string; call_id: string; output: string } }
    expect(fco.item).toMatchObject({ type: 'function_call_output', call_id: 'call_1' })
    const toolDone = outbound().find((m) => m.type === 'response.done')!
    const create = inbound().find((m) => m.type === 'response.create')!
    expect(create.seq).toBeGreaterThan(toolDone.seq) // response.create only after the tool response's response.done
    expect(s.records.errors.filter((e) => e.code === 'conversation_already_has_active_response')).toEqual([])
    const spoken = outbound().filter((m) => m.type === 'response.output_audio_transcript.done').map((m) => (m.json as { transcript: string }).transcript)
    expect(spoken).toEqual(['It is {"iso":"2026-11-21T14:05:00+01:00"} right now.'])
    const sentAudio = outbound().filter((m) => m.type === 'response.output_audio.delta').reduce((n, m) => n + Buffer.from((m.json as { delta: string }).delta, 'base64').length, 0)
    expect(sentAudio).toBe(600 * 48)
    // The SDK delivers every byte the simulator sent (its audio events may trail the wire log a little).
    await until(() => audio.reduce((n, a) => n + a.byteLength, 0) >= sentAudio, 'all reply audio at the SDK')
    expect(audio.reduce((n, a) => n + a.byteLength, 0)).toBe(sentAudio)

    // Turn 2: a long reply, interrupted by the user after about a second of audio. (Wait for the
    // first reply to finish "playing" first, or the SDK truncates it on the next speech_started.)
    await new Promise((r) => setTimeout(r, 700))
    const before = outbound().length
    await speak(session, utterance(700))
    await until(() => outbound().slice(before).filter((m) => m.type === 'response.output_audio.delta').length >= 10, 'reply audio')
    await speak(session, utterance(600))
    const truncated = await until(() => outbound().find((m) => m.type === 'conversation.item.truncated'), 'conversation.item.truncated')
    expect((truncated.json as { item_id: string }).item_id).toBe('item_a2')
    const retrieved = await until(
      () => outbound().find((m) => m.type === 'conversation.item.retrieved' && (m.json as { item: { id: string } }).item.id === (truncated.json as { item_id: string }).item_id),
      'conversation.item.retrieved for the truncated item',
    )
    const cancel = inbound().find((m) => m.type === 'response.cancel')
    const truncate = inbound().find((m) => m.type === 'conversation.item.truncate')!
    expect(cancel).toBeDefined()
    const cancelledDone = outbound().find((m) => m.type === 'response.done' && (m.json as { response: { status: string } }).response.status === 'cancelled')!
    expect((cancelledDone.json as { response: { status_details: { reason: string } } }).response.status_details.reason).toBe('client_cancelled')
    expect(cancelledDone.seq).toBeGreaterThan(cancel!.seq)
    const t = truncate.json as { item_id: string; content_index: number; audio_end_ms: number }
    expect(t.content_index).toBe(0)
    expect(Number.isInteger(t.audio_end_ms)).toBe(true)
    expect(t.audio_end_ms).toBeGreaterThan(500)
    expect(t.audio_end_ms).toBeLessThan(4000)
    expect(truncated.json).toMatchObject({ item_id: t.item_id, content_index: 0, audio_end_ms: t.audio_end_ms })
    expect(s.records.truncations).toEqual([{ conn: 0, itemId: t.item_id, audioEndMs: t.audio_end_ms }])
    // The retrieved item holds exactly the audio that was heard, and no transcript.
    const item = (retrieved.json as { item: { content: Array<{ audio?: string; transcript?: string }> } }).item
    expect(Buffer.from(item.content[0]!.audio ?? '', 'base64').length).toBe(Math.round((t.audio_end_ms * 24000) / 1000) * 2)
    expect(item.content[0]!.transcript).toBe('')
    expect(interrupted).toBeGreaterThanOrEqual(1)

    // No protocol errors caused by the SDK, and the real key never went over the socket.
    const errorFrames = outbound().filter((m): m is TextFrameEntry => m.type === 'error').map((m) => m.text)
    expect(errorFrames).toEqual([])
    expect(errors).toEqual([])
    expect(s.wire.leaks(s.apiKey)).toEqual([])
  }, 30_000)
})

/**
 * The Conversation under plain Node, on the in-memory socket and clock of src/shared/s2s/testing.ts
 * with the real adapters: push-to-talk turns end the provider's way, barge-in is silence first,
 * tools run once through the port, the session opens on the first press and closes when idle, and
 * every transcript change comes out of the pure reducer.
 */
import { describe, expect, it } from 'vitest'
import { createAdapter } from '../s2s'
import { int16ToBase64 } from '../s2s/pcm'
import { FakeClock, FakeSocket, OPENAI_TEST_CONFIG, settle } from '../s2s/testing'
import type { ProtocolId, S2SEvent, SessionConfig, SessionCredential } from '../s2s/types'
import type { PendingConfirmation } from '../tools/types'
import { Conversation, IDLE_CLOSE_MS, MIN_PRESS_MS, type ConversationEvent } from './conversation'
import { ConversationStartError, type AudioPort, type ToolCallRequest, type TurnPolicy } from './ports'
import type { Entry } from './transcript'

/**
 * An audio port that records what the conversation asks of it; the test plays the microphone.
 * Like the engine, it holds frames until the conversation accepts audio and sends them at ready().
 */
class FakeAudio implements AudioPort {
  capturing = false
  held: Int16Array[] = []
  conversation: Conversation | null = null
  calls: string[] = []
  played: { itemId: string; samples: number }[] = []
  playing = false
  heardMs = new Map<string, number>()
  constructor(private readonly onCapture: (capturing: boolean) => void) {}
  startCapture(): void {
    this.calls.push('start')
    this.capturing = true
    this.onCapture(true)
  }
  stopCapture(): void {
    this.calls.push('stop')
    this.capturing = false
    this.onCapture(false)
  }
  setRates(input: number, output: number): void {
    this.calls.push(`rates ${input}/${output}`)
  }
  ready(): void {
    this.calls.push('ready')
    for (const pcm of this.held.splice(0)) this.conversation?.sendAudio(pcm)
  }
  discard(): void {
    this.calls.push('discard')
    this.held = []
  }
  /** A captured frame: straight to the conversation when it takes audio, else held. */
  frame(pcm: Int16Array): void {
    if (this.conversation?.acceptsAudio) this.conversation.sendAudio(pcm)
    else this.held.push(pcm)
  }
  play(event: Extract<S2SEvent, { type: 'audio' }>): void {
    this.played.push({ itemId: event.itemId, samples: event.pcm.length })
    this.playing = true
  }
  endReply(): void {}
  async flush(): Promise<void> {
    this.calls.push('flush')
    this.playing = false
  }
  get isPlaying(): boolean {
    return this.playing
  }
  readonly reporter = { playedMs: (itemId: string) => this.heardMs.get(itemId) ?? 0 }
}

interface Rig {
  conversation: Conversation
  audio: FakeAudio
  clock: FakeClock
  sockets: FakeSocket[]
  events: ConversationEvent[]
  entries: Map<string, Entry>
  toolCalls: ToolCallRequest[]
  mints: number
  socket(): FakeSocket
  sent(): Record<string, unknown>[]
  /** Sends `ms` of audio as the microphone would (20 ms frames). */
  speak(ms: number): void
  /** Releases and lets the port's tail go out. */
  releaseAndTail(): void
}

function rig(options: { protocol?: ProtocolId; policy?: TurnPolicy; config?: Partial<SessionConfig>; openFails?: boolean; tool?: (call: ToolCallRequest) => Promise<{ output: string; status: 'ok' | 'error' | 'denied' }> } = {}): Rig {
  const protocol = options.protocol ?? 'openai'
  const clock = new FakeClock()
  clock.time = 1_000_000
  const sockets: FakeSocket[] = []
  const events: ConversationEvent[] = []
  const entries = new Map<string, Entry>()
  const toolCalls: ToolCallRequest[] = []
  const pendingListeners = new Set<(p: PendingConfirmation[]) => void>()
  const r = { mints: 0 } as Rig
  const audio = new FakeAudio(() => {})
  const rate = protocol === 'speko' ? 16000 : 24000
  const conversation = new Conversation({
    audio,
    policy: options.policy ?? 'push-to-talk',
    now: clock.now,
    timers: clock,
    tools: {
      run: async (call) => {
        toolCalls.push(call)
        return options.tool ? options.tool(call) : { output: JSON.stringify({ iso: '2026-12-02T17:00:00Z' }), status: 'ok' }
      },
      onPending: (listener) => {
        pendingListeners.add(listener)
        return () => pendingListeners.delete(listener)
      },
    },
    session: {
      socketFactory: (url, protocols) => {
        const s = new FakeSocket(url, protocols)
        sockets.push(s)
        return s
      },
      createAdapter,
      open: async () => {
        if (options.openFails) throw new ConversationStartError('auth_failed', 'No OpenAI API key is set.')
        return {
          config: { ...OPENAI_TEST_CONFIG, ...options.config },
          provider: protocol,
          model: 'gpt-realtime',
          mint: async (): Promise<SessionCredential> => {
            r.mints++
            return { protocol, url: `ws://127.0.0.1:1/${protocol}`, protocols: ['p'], expiresAt: null, inputSampleRate: rate, outputSampleRate: rate }
          },
        }
      },
    },
  })
  audio.conversation = conversation
  conversation.on((e) => {
    events.push(e)
    if (e.type === 'transcript') for (const c of e.changes) if (c.type === 'put') entries.set(c.entry.id, c.entry)
  })
  Object.assign(r, {
    conversation,
    audio,
    clock,
    sockets,
    events,
    entries,
    toolCalls,
    socket: () => sockets[sockets.length - 1] as FakeSocket,
    sent: () => (sockets[sockets.length - 1] as FakeSocket).json(),
    speak: (ms: number) => {
      for (let t = 0; t < ms; t += 20) audio.frame(new Int16Array(rate / 50).fill(3000))
    },
    releaseAndTail: () => {
      conversation.release()
      r.speak(300)
      conversation.captureEnded()
    },
  })
  return r
}

/** Opens the socket and answers like the provider's first ready frame. */
async function serverReady(r: Rig, protocol: ProtocolId = 'openai'): Promise<FakeSocket> {
  await settle()
  const socket = r.socket()
  socket.open()
  if (protocol === 'openai') socket.receive({ type: 'session.created', session: { type: 'realtime' } })
  else if (protocol === 'speko') socket.receive({ t: 'ready', inputSampleRate: 16000, outputSampleRate: 16000 })
  else socket.receive({ type: 'session.ready', session_id: 'sess_1' })
  await settle()
  return socket
}

const types = (r: Rig) => r.sent().map((f) => String(f.type ?? f.t))

function reply(socket: FakeSocket, id: string, text: string, samples = 4800) {
  socket.receive({ type: 'response.created', response: { id, status: 'in_progress' } })
  socket.receive({ type: 'response.output_audio.delta', response_id: id, item_id: `item_${id}`, output_index: 0, content_index: 0, delta: int16ToBase64(new Int16Array(samples).fill(1000)) })
  socket.receive({ type: 'response.output_audio_transcript.delta', response_id: id, item_id: `item_${id}`, delta: text })
}

describe('push-to-talk on OpenAI', () => {
  it('opens the session on the first press with turn detection off; the release commits once the tail is out, then asks for the reply', async () => {
    const r = rig()
    r.conversation.press()
    expect(r.audio.calls).toEqual(['start'])
    expect(r.conversation.state.capturing).toBe(true)
    const socket = await serverReady(r)
    const update = r.sent()[0] as { type: string; session: { audio: { input: { turn_detection: unknown } } } }
    expect(update.type).toBe('session.update')
    expect(update.session.audio.input.turn_detection).toBeNull()
    r.speak(1500)
    r.clock.time += 1500
    r.conversation.release()
    expect(r.audio.calls).toEqual(['start', 'rates 24000/24000', 'ready', 'stop'])
    // The tail is still going out: no commit yet.
    r.speak(300)
    expect(types(r)).not.toContain('input_audio_buffer.commit')
    r.conversation.captureEnded()
    const after = types(r)
    expect(after.filter((t) => t === 'input_audio_buffer.commit')).toHaveLength(1)
    expect(after.slice(-2)).toEqual(['input_audio_buffer.commit', 'response.create'])
    expect(after.lastIndexOf('input_audio_buffer.append')).toBeLessThan(after.indexOf('input_audio_buffer.commit'))
    expect(r.events.filter((e) => e.type === 'turn.ended')).toEqual([{ type: 'turn.ended', committed: true }])
    // Between presses nothing is sent.
    const count = socket.sent.length
    await r.clock.advance(5000)
    expect(socket.sent.length).toBe(count)
  })

  it('a press shorter than 100 ms is cleared, not committed, and gets no reply', async () => {
    const r = rig()
    r.conversation.press()
    await serverReady(r)
    r.speak(40)
    r.clock.time += MIN_PRESS_MS - 40
    r.releaseAndTail()
    const t = types(r)
    expect(t).toContain('input_audio_buffer.clear')
    expect(t).not.toContain('input_audio_buffer.commit')
    expect(t).not.toContain('response.create')
    expect(r.events.filter((e) => e.type === 'turn.ended')).toEqual([{ type: 'turn.ended', committed: false }])
  })

  it('a release before the provider is ready commits once it is, after the audio held for it', async () => {
    const r = rig()
    r.conversation.press()
    r.speak(600) // the session is still connecting: the runtime holds these
    r.clock.time += 600
    r.releaseAndTail()
    expect(r.events.some((e) => e.type === 'turn.ended')).toBe(false)
    await serverReady(r)
    const t = types(r)
    const firstAppend = t.indexOf('input_audio_buffer.append')
    expect(firstAppend).toBeGreaterThan(0)
    expect(t.slice(-2)).toEqual(['input_audio_buffer.commit', 'response.create'])
    expect(t.filter((x) => x === 'input_audio_buffer.append')).toHaveLength(45) // 600 ms + 300 ms tail
  })

  it('a press while the agent speaks silences it first, then cancels and truncates at what was heard; the next release asks for a reply only after the cancelled one is done', async () => {
    const r = rig()
    r.conversation.press()
    const socket = await serverReady(r)
    r.speak(1000)
    r.clock.time += 1000
    r.releaseAndTail()
    reply(socket, 'resp_1', 'Once upon a time')
    expect(r.audio.isPlaying).toBe(true)
    r.audio.heardMs.set('item_resp_1', 120)
    r.conversation.press()
    expect(r.audio.calls.at(-2)).toBe('flush') // silence before anything is told to the provider
    await settle()
    const t = types(r)
    expect(t.slice(-2)).toEqual(['response.cancel', 'conversation.item.truncate'])
    expect(r.sent().at(-1)).toMatchObject({ item_id: 'item_resp_1', audio_end_ms: 120 })
    const agent = [...r.entries.values()].find((e) => e.kind === 'agent')
    expect(agent).toMatchObject({ interrupted: true })
    r.speak(800)
    r.clock.time += 800
    r.releaseAndTail()
    // The cancelled response is still active: its response.done comes first.
    expect(types(r).at(-1)).toBe('input_audio_buffer.commit')
    socket.receive({ type: 'response.done', response: { id: 'resp_1', status: 'cancelled', status_details: { type: 'cancelled', reason: 'client_cancelled' }, output: [] } })
    expect(types(r).at(-1)).toBe('response.create')
    expect(types(r).filter((x) => x === 'response.create')).toHaveLength(2)
  })

  it('pressed again before the reply was even created: it is cancelled the moment it exists, and only the new turn is answered', async () => {
    const r = rig()
    r.conversation.press()
    const socket = await serverReady(r)
    r.speak(800)
    r.clock.time += 800
    r.releaseAndTail()
    expect(types(r).at(-1)).toBe('response.create')
    socket.receive({ type: 'response.done', response: { id: 'resp_0', status: 'completed', output: [] } }) // nothing active: harmless
    r.conversation.session!.interrupt() // what a press does while 'thinking' (the runtime's local barge-in)
    socket.receive({ type: 'response.created', response: { id: 'resp_1', status: 'in_progress' } })
    expect(types(r).at(-1)).toBe('response.cancel')
    socket.receive({ type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_1', output_index: 0, content_index: 0, delta: int16ToBase64(new Int16Array(2400)) })
    expect(r.audio.played).toEqual([]) // the cancelled reply is never heard
  })

  it('a rejected commit (empty buffer) never gets the reply that was waiting for it', async () => {
    const r = rig()
    r.conversation.press()
    const socket = await serverReady(r)
    r.speak(1000)
    r.clock.time += 1000
    r.releaseAndTail()
    reply(socket, 'resp_1', 'Hi')
    r.conversation.press() // barge-in; the cancel goes out after the flush
    await settle()
    r.speak(300)
    r.clock.time += 300
    r.releaseAndTail()
    socket.receive({ type: 'error', error: { type: 'invalid_request_error', code: 'input_audio_buffer_commit_empty', message: 'buffer too small' } })
    socket.receive({ type: 'response.done', response: { id: 'resp_1', status: 'cancelled', output: [] } })
    expect(types(r).filter((x) => x === 'response.create')).toHaveLength(1)
    expect(r.events.some((e) => e.type === 'error')).toBe(false) // routine: not shown
  })

  it('a rejected commit leaves "thinking": the status goes back to listening and the reply asked for with it is cancelled unheard', async () => {
    const r = rig()
    r.conversation.press()
    const socket = await serverReady(r)
    r.speak(400)
    r.clock.time += 400
    r.releaseAndTail()
    expect(r.conversation.state.status).toBe('thinking')
    socket.receive({ type: 'error', error: { type: 'invalid_request_error', code: 'input_audio_buffer_commit_empty', message: 'buffer too small' } })
    await settle()
    expect(r.conversation.state.status).toBe('listening')
    // The response.create that went out with the commit answers nothing: cancelled as it is created, never heard.
    reply(socket, 'resp_stray', 'Stray')
    expect(types(r).at(-1)).toBe('response.cancel')
    socket.receive({ type: 'response.done', response: { id: 'resp_stray', status: 'cancelled', status_details: { reason: 'client_cancelled' }, output: [] } })
    await settle()
    expect(r.audio.played).toEqual([])
    expect(r.conversation.state.status).toBe('listening')
  })

  it('flipping to the provider VAD mid-press ends the press as a turn (once); back again, with nobody speaking, sends no commit', async () => {
    const r = rig()
    r.clock.time += 1000
    r.conversation.press()
    await serverReady(r)
    r.speak(500)
    r.clock.time += 500
    r.conversation.setPolicy('provider-vad')
    // What was said in the press is not lost: committed and answered the push-to-talk way, then the VAD takes over.
    expect(types(r).slice(-3)).toEqual(['input_audio_buffer.commit', 'response.create', 'session.update'])
    const vad = r.sent().at(-1) as { type: string; session: { audio: { input: { turn_detection: { type: string } } } } }
    expect(vad.session.audio.input.turn_detection).toMatchObject({ type: 'server_vad', create_response: true })
    expect(r.conversation.state.capturing).toBe(true)
    r.speak(500)
    r.conversation.setPolicy('push-to-talk')
    expect((r.sent().at(-1) as { session: { audio: { input: { turn_detection: unknown } } } }).session.audio.input.turn_detection).toBeNull()
    expect(r.conversation.state.capturing).toBe(false)
    // The provider heard nobody speak: the open microphone hands no turn over, so nothing is answered twice.
    expect(types(r).filter((t) => t === 'input_audio_buffer.commit')).toHaveLength(1)
    expect(types(r).filter((t) => t === 'response.create')).toHaveLength(1)
  })

  it('flipping to push-to-talk while the provider hears the user ends that turn with one commit and one reply', async () => {
    const r = rig({ policy: 'provider-vad' })
    r.conversation.openMicrophone()
    const socket = await serverReady(r)
    r.speak(400)
    socket.receive({ type: 'input_audio_buffer.speech_started', audio_start_ms: 100, item_id: 'u1' })
    await settle()
    r.speak(400)
    r.conversation.setPolicy('push-to-talk')
    const t = types(r)
    // Turn detection goes off first (so the server cannot also commit it), then the turn ends.
    expect(t.slice(-3)).toEqual(['session.update', 'input_audio_buffer.commit', 'response.create'])
    expect(t.filter((x) => x === 'input_audio_buffer.commit')).toHaveLength(1)
    expect(t.filter((x) => x === 'response.create')).toHaveLength(1)
  })

  it('pressed again before the tail went out: one turn, one commit', async () => {
    const r = rig()
    r.conversation.press()
    await serverReady(r)
    r.speak(600)
    r.clock.time += 600
    r.conversation.release()
    r.speak(100)
    r.conversation.press()
    expect(r.conversation.state.capturing).toBe(true)
    r.speak(600)
    r.clock.time += 800
    r.releaseAndTail()
    expect(types(r).filter((x) => x === 'input_audio_buffer.commit')).toHaveLength(1)
  })
})

describe('push-to-talk on Speko and AssemblyAI', () => {
  it('Speko: the press that opens the session sends its clear at ready, before its audio', async () => {
    const r = rig({ protocol: 'speko' })
    r.conversation.press()
    r.speak(400)
    const socket = await serverReady(r, 'speko')
    const firstBinary = socket.sent.findIndex((d) => typeof d !== 'string')
    const clear = socket.sent.findIndex((d) => typeof d === 'string' && JSON.parse(d).action === 'clear')
    expect(clear).toBeGreaterThanOrEqual(0)
    expect(clear).toBeLessThan(firstBinary)
  })

  it('Speko: a press clears, the release commits (no silence padding)', async () => {
    const r = rig({ protocol: 'speko' })
    r.conversation.press()
    const socket = await serverReady(r, 'speko')
    r.conversation.press() // already capturing: nothing new
    r.speak(1000)
    r.clock.time += 1000
    r.releaseAndTail()
    const json = socket.json()
    expect(json.filter((f) => f.t === 'control').map((f) => f.action)).toEqual(['clear', 'commit'])
    const binary = socket.sent.filter((d) => typeof d !== 'string')
    expect(binary).toHaveLength(65) // 1000 ms + 300 ms tail, 20 ms frames, nothing more
    // The next press starts clean.
    r.conversation.press()
    expect(socket.json().at(-1)).toEqual({ t: 'control', action: 'clear' })
  })

  it('AssemblyAI: the turn is held open while pressed, then the shortest pacing and exactly its max_silence of silence', async () => {
    const r = rig({ protocol: 'assemblyai' })
    r.conversation.press()
    const socket = await serverReady(r, 'assemblyai')
    const first = socket.json()[0] as { session: { input: { turn_detection: Record<string, unknown> } } }
    expect(first.session.input.turn_detection).toEqual({ interrupt_response: true, min_silence: 3000, max_silence: 6000 })
    r.speak(1000)
    r.clock.time += 1000
    const before = socket.json().length
    r.releaseAndTail()
    const after = socket.json().slice(before)
    const update = after.findIndex((f) => f.type === 'session.update')
    expect(after[update]).toEqual({ type: 'session.update', session: { input: { turn_detection: { interrupt_response: true, min_silence: 160, max_silence: 400 } } } })
    const silence = after.slice(update + 1).filter((f) => f.type === 'input.audio')
    expect(silence).toHaveLength(20) // 400 ms in 20 ms frames
    // The next press holds the turn open again before its audio.
    r.conversation.press()
    expect(socket.json().at(-1)).toMatchObject({ type: 'session.update', session: { input: { turn_detection: { min_silence: 3000 } } } })
  })
})

describe('tools, idle close, failures', () => {
  it('runs a tool call once through the port, answers it, and the card goes running -> waiting -> done', async () => {
    let finish: (value: { output: string; status: 'ok' }) => void = () => {}
    const r = rig({ tool: () => new Promise((resolve) => (finish = resolve)) })
    r.conversation.press()
    const socket = await serverReady(r)
    r.speak(500)
    r.clock.time += 500
    r.releaseAndTail()
    socket.receive({ type: 'response.created', response: { id: 'resp_1' } })
    socket.receive({ type: 'response.function_call_arguments.done', response_id: 'resp_1', call_id: 'call_1', name: 'open_url', arguments: '{"url":"https://example.com"}' })
    socket.receive({ type: 'response.function_call_arguments.done', response_id: 'resp_1', call_id: 'call_1', name: 'open_url', arguments: '{"url":"https://example.com"}' })
    await settle()
    expect(r.toolCalls).toEqual([{ callId: 'call_1', name: 'open_url', arguments: { url: 'https://example.com' }, rawArguments: '{"url":"https://example.com"}' }])
    r.conversation.setPending([{ callId: 'call_1', name: 'open_url', risk: 'external', summary: 'Open example.com', arguments: {}, requestedAt: 0, expiresAt: 99 }])
    expect(r.entries.get('t:call_1')).toMatchObject({ state: 'waiting', summary: 'Open example.com' })
    r.conversation.setPending([])
    expect(r.entries.get('t:call_1')).toMatchObject({ state: 'running' })
    // Idle close waits for the tool, however long it takes.
    await r.clock.advance(IDLE_CLOSE_MS + 1000)
    expect(r.socket().closedWith).toBeNull()
    finish({ output: '{"ok":true}', status: 'ok' })
    await settle()
    expect(r.entries.get('t:call_1')).toMatchObject({ state: 'done', output: '{"ok":true}' })
    socket.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed', output: [] } })
    const outputs = r.sent().filter((f) => f.type === 'conversation.item.create')
    expect(outputs).toHaveLength(1)
    expect(types(r).at(-1)).toBe('response.create')
    expect(r.events.filter((e) => e.type === 'tool.finished')).toHaveLength(1)
  })

  it('closes the session after the idle time, and the next press opens a new one', async () => {
    const r = rig()
    r.conversation.press()
    await serverReady(r)
    r.speak(500)
    r.clock.time += 500
    r.releaseAndTail()
    await r.clock.advance(IDLE_CLOSE_MS - 1000)
    expect(r.socket().closedWith).toBeNull()
    await r.clock.advance(2000)
    expect(r.socket().closedWith).toMatchObject({ code: 1000 })
    await settle()
    expect(r.conversation.session).toBeNull()
    expect(r.conversation.state.status).toBe('idle')
    r.conversation.press()
    await settle()
    expect(r.sockets).toHaveLength(2)
    expect(r.mints).toBe(2)
  })

  it('a session that cannot start says why with the fix, stops the capture and drops what was held', async () => {
    const r = rig({ openFails: true })
    r.conversation.press()
    await settle()
    expect(r.conversation.state).toMatchObject({ status: 'error', capturing: false })
    expect(r.audio.calls).toEqual(['start', 'stop', 'discard'])
    expect([...r.entries.values()].find((e) => e.kind === 'error')).toMatchObject({ message: 'No OpenAI API key is set.', action: 'key' })
    expect(r.events.find((e) => e.type === 'start-failed')).toMatchObject({ code: 'auth_failed' })
  })

  it('the open microphone (provider VAD) streams from the start and is never closed for idleness', async () => {
    const r = rig({ policy: 'provider-vad' })
    r.conversation.openMicrophone()
    const socket = await serverReady(r)
    expect((r.sent()[0] as { session: { audio: { input: { turn_detection: { type: string } } } } }).session.audio.input.turn_detection.type).toBe('server_vad')
    r.speak(400)
    await r.clock.advance(IDLE_CLOSE_MS * 2)
    expect(socket.closedWith).toBeNull()
    expect(r.conversation.state.capturing).toBe(true)
  })
})

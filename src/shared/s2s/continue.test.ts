import { describe, expect, it } from 'vitest'
import { S2SSession } from './session'
import { OpenAIAdapter } from './adapters/openai'
import { AssemblyAIAdapter } from './adapters/assemblyai'
import { FakeClock, FakePlayback, FakeSocket, OPENAI_TEST_CONFIG, settle } from './testing'
import type { ConversationTurn, ProtocolId, ProviderAdapter } from './types'

const CARRIED: ConversationTurn[] = [
  { role: 'user', text: 'Remind me what we said about the tomatoes.' },
  { role: 'assistant', text: 'You planned to water them every morning.' },
]

function start(protocol: ProtocolId, createAdapter: () => ProviderAdapter, initialHistory?: ConversationTurn[], greeting = 'Hello there!') {
  const sockets: FakeSocket[] = []
  const session = new S2SSession({
    mint: async () => ({ protocol, url: 'ws://127.0.0.1:1/x', protocols: [], expiresAt: null, inputSampleRate: 24000, outputSampleRate: 24000 }),
    socketFactory: (url, protocols) => {
      const socket = new FakeSocket(url, protocols)
      sockets.push(socket)
      return socket
    },
    config: { ...OPENAI_TEST_CONFIG, greeting },
    playback: new FakePlayback(),
    createAdapter,
    timers: new FakeClock(),
    ...(initialHistory ? { initialHistory } : {}),
  })
  void session.connect()
  return { session, sockets }
}

describe('a session that continues a stored conversation (initialHistory)', () => {
  it('OpenAI: the first session replays the carried turns as text items and does not greet again', async () => {
    const { session, sockets } = start('openai', () => new OpenAIAdapter(), CARRIED)
    await settle()
    sockets[0]?.open()
    const frames = sockets[0]?.json() ?? []
    expect(frames.map((f) => f.type)).toEqual(['session.update', 'conversation.item.create', 'conversation.item.create'])
    expect(frames[1]).toMatchObject({ item: { role: 'user', content: [{ type: 'input_text', text: CARRIED[0]?.text }] } })
    expect(frames[2]).toMatchObject({ item: { role: 'assistant', content: [{ type: 'output_text', text: CARRIED[1]?.text }] } })
    // A renewal later carries them too (with the session's own turns after them).
    expect(session.history).toEqual(CARRIED)
  })

  it('OpenAI without initialHistory starts as before (greeting, no items)', async () => {
    const { sockets } = start('openai', () => new OpenAIAdapter())
    await settle()
    sockets[0]?.open()
    expect(sockets[0]?.types()).toEqual(['session.update', 'response.create'])
  })

  it('AssemblyAI: the first session.update carries the conversation in the system prompt, without the greeting', async () => {
    const { sockets } = start('assemblyai', () => new AssemblyAIAdapter(), CARRIED)
    await settle()
    sockets[0]?.open()
    const [update] = sockets[0]?.json() ?? []
    expect(update?.type).toBe('session.update')
    const session = update?.session as { system_prompt?: string; greeting?: string }
    expect(session.system_prompt).toContain(`User: ${CARRIED[0]?.text}`)
    expect(session.system_prompt).toContain(`Assistant: ${CARRIED[1]?.text}`)
    expect(session.greeting ?? '').toBe('')
  })

  it('ignores empty or malformed carried turns', () => {
    const { session } = start('openai', () => new OpenAIAdapter(), [{ role: 'user', text: '  ' }, { role: 'system' as 'user', text: 'x' }, ...CARRIED])
    expect(session.history).toEqual(CARRIED)
  })
})

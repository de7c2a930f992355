import { describe, expect, it } from 'vitest'
import { createAdapter } from '../index'
import type { SessionConfig, SessionCredential } from '../types'
import { AdapterHarness } from './test-helpers'
import { XaiAdapter, buildXaiSessionUpdate } from './xai'

const CONFIG: SessionConfig = {
  instructions: 'You are Earshot.',
  greeting: '',
  voice: 'marin',
  model: 'grok-voice-think-fast-1.0',
  tools: [{ name: 'get_current_time', description: 'The time now.', parameters: { type: 'object', properties: {} } }],
  turnDetection: 'server_vad',
  transcriptionModel: 'gpt-4o-mini-transcribe',
}

const CREDENTIAL: SessionCredential = {
  protocol: 'xai',
  url: 'wss://api.x.ai/v1/realtime?model=grok-voice-think-fast-1.0',
  protocols: ['xai-client-secret.xai_eph_1'],
  expiresAt: null,
  inputSampleRate: 24000,
  outputSampleRate: 24000,
}

const harness = (config: Partial<SessionConfig> = {}, credential: Partial<SessionCredential> = {}) =>
  new AdapterHarness(new XaiAdapter(), { config: { ...CONFIG, ...config }, credential: { ...CREDENTIAL, ...credential } }, 0).start()

const sentJson = (h: AdapterHarness<XaiAdapter>) => h.sent.filter((s): s is string => typeof s === 'string').map((s) => JSON.parse(s) as Record<string, unknown>)

describe('xAI realtime adapter (OpenAI dialect)', () => {
  it('is what createAdapter gives for the xai protocol, and never renews on its own', () => {
    const adapter = createAdapter('xai')
    expect(adapter).toBeInstanceOf(XaiAdapter)
    expect(adapter.protocol).toBe('xai')
    expect(adapter.renewAfterMs).toBeNull()
  })

  it("sends xAI's session.update: voice and turn_detection on the session, grok-transcribe, flat tools", () => {
    const h = harness()
    expect(sentJson(h)[0]).toEqual({
      type: 'session.update',
      session: {
        type: 'realtime',
        model: 'grok-voice-think-fast-1.0',
        output_modalities: ['audio'],
        voice: 'marin',
        instructions: 'You are Earshot.',
        turn_detection: { type: 'server_vad' },
        audio: {
          input: { format: { type: 'audio/pcm', rate: 24000 }, transcription: { model: 'grok-transcribe' } },
          output: { format: { type: 'audio/pcm', rate: 24000 } },
        },
        tools: [{ type: 'function', name: 'get_current_time', description: 'The time now.', parameters: { type: 'object', properties: {} } }],
        tool_choice: 'auto',
      },
    })
  })

  it('prefers what Speko resolved for the session (voice, instructions, tools) over the settings', () => {
    const tools = [{ name: 'lookup', description: 'Look up.', parameters: { type: 'object' } }]
    const update = buildXaiSessionUpdate({ config: CONFIG, credential: { ...CREDENTIAL, upstreamSession: { voice: 'eve', instructions: 'Resolved by Speko.', tools } } })
    expect(update.session).toMatchObject({ voice: 'eve', instructions: 'Resolved by Speko.', tools: [{ type: 'function', ...tools[0] }] })
    // Push-to-talk (manual turn taking) means no server turn detection.
    const manual = buildXaiSessionUpdate({ config: { ...CONFIG, turnTaking: 'manual' }, credential: CREDENTIAL })
    expect((manual.session as Record<string, unknown>).turn_detection).toBeNull()
  })

  it('becomes ready on session.updated, not on conversation.created (the first xAI event)', () => {
    const h = harness()
    h.recv({ type: 'conversation.created', conversation: { id: 'conv_1', object: 'realtime.conversation' } })
    expect(h.eventsOf('ready')).toEqual([])
    expect(h.adapter.acceptsAudio).toBe(false)
    h.recv({ type: 'session.updated', session: { type: 'realtime', turn_detection: { type: 'server_vad' } } })
    expect(h.eventsOf('ready')).toEqual([{ type: 'ready', inputSampleRate: 24000, outputSampleRate: 24000 }])
    expect(h.adapter.acceptsAudio).toBe(true)
  })

  it('turns cumulative input_audio_transcription.updated into deltas; a rewrite waits for .completed', () => {
    const h = harness()
    h.recv({ type: 'session.updated', session: {} })
    h.recv({ type: 'conversation.item.input_audio_transcription.updated', item_id: 'u1', transcript: 'What' })
    h.recv({ type: 'conversation.item.input_audio_transcription.updated', item_id: 'u1', transcript: 'What time' })
    h.recv({ type: 'conversation.item.input_audio_transcription.updated', item_id: 'u1', transcript: 'Which time' }) // a correction
    h.recv({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'u1', transcript: 'What time is it?' })
    expect(h.eventsOf('user.delta')).toEqual([
      { type: 'user.delta', itemId: 'u1', text: 'What' },
      { type: 'user.delta', itemId: 'u1', text: ' time' },
    ])
    expect(h.eventsOf('user.final')).toEqual([{ type: 'user.final', itemId: 'u1', text: 'What time is it?' }])
  })

  it("cancels the reply itself when the server hears the user (xAI does not cancel on speech)", () => {
    const h = harness()
    h.recv({ type: 'session.updated', session: {} })
    h.recv({ type: 'response.created', response: { id: 'r1' } })
    h.recv({ type: 'response.output_audio.delta', response_id: 'r1', item_id: 'i1', delta: 'AAAAAA==' })
    h.clear()
    h.recv({ type: 'input_audio_buffer.speech_started', item_id: 'u2', audio_start_ms: 10 })
    expect(h.eventsOf('bargein')).toHaveLength(1)
    expect(sentJson(h).map((f) => f.type)).toContain('response.cancel')
  })
})

describe('xAI adapter: OpenAI-only session fields stay out of the xAI dialect', () => {
  it('sends no noise_reduction, truncation, reasoning or VAD tuning even when the config carries them', () => {
    const update = buildXaiSessionUpdate({
      config: {
        instructions: '', greeting: '', voice: 'eve', model: 'grok-voice', tools: [], turnDetection: 'server_vad', transcriptionModel: '',
        openai: { noiseReduction: 'far_field', silenceDurationMs: 700, idleTimeoutMs: 8000, reasoningEffort: 'high', retentionRatio: 0.5 },
      },
      credential: { protocol: 'xai', url: 'ws://x', protocols: [], expiresAt: null, inputSampleRate: 24000, outputSampleRate: 24000 },
    } as unknown as Parameters<typeof buildXaiSessionUpdate>[0]) as { session: Record<string, unknown> }
    const text = JSON.stringify(update)
    for (const field of ['noise_reduction', 'truncation', 'reasoning', 'silence_duration_ms', 'idle_timeout_ms', 'eagerness']) expect(text).not.toContain(field)
  })
})

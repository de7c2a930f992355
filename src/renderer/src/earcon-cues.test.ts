import { describe, expect, it } from 'vitest'
import type { EarconName, Earcons } from '../audio/earcons'
import { cuesFor, startEarconCues } from './earcon-cues'
import type { VoiceState } from './voice'

const idle: VoiceState = { status: 'idle', capturing: false, micError: null, outputNote: null, micFallback: false, alwaysListening: false, muted: false, pending: [] }
const pending = (callId: string) => ({ callId, name: 'open_url', risk: 'external', summary: 'Open a page', args: '{}', expiresAt: 0 }) as unknown as VoiceState['pending'][number]

describe('cuesFor (when the voice window plays an earcon)', () => {
  it('plays on the edges of capture, a new tool request and a new error, and never twice for one state', () => {
    expect(cuesFor(idle, { ...idle, capturing: true })).toEqual(['capture-start'])
    expect(cuesFor({ ...idle, capturing: true }, idle)).toEqual(['capture-end'])
    expect(cuesFor({ ...idle, capturing: true }, { ...idle, capturing: true, status: 'speaking' })).toEqual([])
    expect(cuesFor(idle, { ...idle, pending: [pending('a')] })).toEqual(['tool-request'])
    expect(cuesFor({ ...idle, pending: [pending('a')] }, { ...idle, pending: [pending('a')] })).toEqual([])
    expect(cuesFor({ ...idle, pending: [pending('a')] }, { ...idle, pending: [] })).toEqual([])
    expect(cuesFor(idle, { ...idle, status: 'error' })).toEqual(['error'])
    expect(cuesFor({ ...idle, status: 'error' }, { ...idle, status: 'error' })).toEqual([])
    expect(cuesFor(idle, { ...idle, micError: { message: 'denied', fix: null, action: 'retry' } })).toEqual(['error'])
  })
})

describe('cuesFor when something fails', () => {
  const capturing = { ...idle, capturing: true, status: 'connecting' as const }
  const mic = { message: 'The microphone stopped.', fix: null, action: 'microphone' as const }

  it('a capture that ends with an error is heard as the error alone', () => {
    expect(cuesFor(capturing, { ...capturing, capturing: false, status: 'error' })).toEqual(['error'])
    expect(cuesFor(capturing, { ...capturing, capturing: false, micError: mic })).toEqual(['error'])
  })

  it('a capture the user ended keeps its sound when an error comes later', () => {
    const released = { ...capturing, capturing: false }
    expect(cuesFor(capturing, released)).toEqual(['capture-end'])
    expect(cuesFor(released, { ...released, status: 'error' })).toEqual(['error'])
  })

  it('a press whose microphone never opened is the error alone', () => {
    expect(cuesFor(idle, { ...idle, micError: mic })).toEqual(['error'])
  })
})

describe('startEarconCues', () => {
  /** A voice controller's state, changed by the test, and the earcons asked for. */
  function setup() {
    let state = idle
    const listeners = new Set<() => void>()
    const voice = {
      audio: { context: null, output: null },
      getState: () => state,
      subscribe: (listener: () => void) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
    }
    const asked: EarconName[] = []
    const earcons = { play: (name: EarconName) => (asked.push(name), Promise.resolve(true)) } as unknown as Earcons
    const set = (patch: Partial<VoiceState>) => {
      state = { ...state, ...patch }
      for (const listener of [...listeners]) listener()
    }
    return { cues: startEarconCues(voice, earcons), asked, set }
  }

  it('cues a press whose session fails at once as capture start, then the error', async () => {
    const { asked, set } = setup()
    set({ capturing: true })
    set({ status: 'connecting' })
    await expect.poll(() => asked).toEqual(['capture-start'])
    // A failed start: the capture ends, then the status turns to error, in one go.
    set({ capturing: false })
    set({ status: 'error' })
    await expect.poll(() => asked).toEqual(['capture-start', 'error'])
    set({ status: 'idle' })
    set({ capturing: true })
    set({ status: 'connecting' })
    await expect.poll(() => asked).toEqual(['capture-start', 'error', 'capture-start'])
    set({ capturing: false })
    await expect.poll(() => asked).toEqual(['capture-start', 'error', 'capture-start', 'capture-end'])
  })

  it('cues nothing once stopped, not even a step already under way', async () => {
    const { cues, asked, set } = setup()
    set({ capturing: true })
    cues.stop()
    await Promise.resolve()
    await Promise.resolve()
    expect(asked).toEqual([])
  })
})

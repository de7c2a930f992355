import { describe, expect, it } from 'vitest'
import { cuesFor } from './earcon-cues'
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

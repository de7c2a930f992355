import { describe, expect, it } from 'vitest'
import { HUMAN_MESSAGES } from '../../shared/s2s/errors'
import { shortError } from './status-text'

describe('shortError (the status pill names what went wrong in a few words)', () => {
  it('names every session error and main\'s mint errors, never "Something went wrong"', () => {
    expect(shortError(HUMAN_MESSAGES.auth_failed)).toBe('Key refused')
    expect(shortError('OpenAI rejected the API key (HTTP 401). Check that the key is correct and active.')).toBe('Key refused')
    expect(shortError('No OpenAI API key is set. Paste one in Settings.')).toBe('No key set')
    expect(shortError(HUMAN_MESSAGES.rate_limited)).toBe('Rate limited')
    expect(shortError(HUMAN_MESSAGES.offline)).toBe('Offline')
    expect(shortError(HUMAN_MESSAGES.provider_unavailable)).toBe('Provider down')
    expect(shortError(HUMAN_MESSAGES.timeout)).toBe('Timed out')
    expect(shortError(HUMAN_MESSAGES.connection_lost)).toBe('Connection lost')
    expect(shortError(HUMAN_MESSAGES.session_expired)).toBe('Session ended')
    expect(shortError(HUMAN_MESSAGES.microphone)).toBe('Microphone problem')
    for (const message of Object.values(HUMAN_MESSAGES)) {
      const words = shortError(message)
      expect(words.split(' ').length, message).toBeLessThanOrEqual(3)
      expect(words).not.toMatch(/something went wrong/i)
    }
    expect(shortError(null)).toBe('Stopped by an error')
  })
})

import { describe, expect, it } from 'vitest'
import { QUIET_PREROLL_RMS, sendsFrame } from './uplink'

describe('sendsFrame (what of a press reaches a WebRTC track)', () => {
  it('drops quiet pre-roll on a track, keeps pre-roll with words in it and every live frame', () => {
    const quiet = QUIET_PREROLL_RMS / 2
    const loud = 0.05
    expect(sendsFrame({ preroll: true, rms: quiet }, true)).toBe(false)
    expect(sendsFrame({ preroll: true, rms: loud }, true)).toBe(true)
    expect(sendsFrame({ preroll: false, rms: quiet }, true)).toBe(true)
    expect(sendsFrame({ preroll: false, rms: 0 }, true)).toBe(true)
  })

  it('sends everything on a socket, where the pre-roll goes out faster than real time', () => {
    expect(sendsFrame({ preroll: true, rms: 0 }, false)).toBe(true)
    expect(sendsFrame({ preroll: false, rms: 0 }, false)).toBe(true)
  })
})

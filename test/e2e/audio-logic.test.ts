// The audio engine's pure parts (no browser): device choice, error mapping, the echo gate, the
// capture pipeline (pre-roll, tail, rate change, mute) and the playback ring.
import { describe, expect, it } from 'vitest'
import { CaptureCore } from '../../src/renderer/audio/capture-core'
import { audioConstraints, MicrophoneError, onDeviceChange, pickInputDevice, toMicrophoneError } from '../../src/renderer/audio/devices'
import { EchoGate } from '../../src/renderer/audio/echo-gate'
import { PlaybackCore } from '../../src/renderer/audio/playback-core'
import type { CaptureFrameMessage } from '../../src/renderer/audio/protocol'

const mic = (id: string, label = id) => ({ deviceId: id, kind: 'audioinput', label })
const LIST = [mic('default', 'Default'), mic('usb-1', 'USB headset'), mic('builtin', 'Built-in'), { deviceId: 'spk', kind: 'audiooutput', label: 'Speakers' }]

describe('microphone choice', () => {
  it('uses the wanted device when present, the default when it is missing', () => {
    expect(pickInputDevice(LIST, 'usb-1')).toEqual({ deviceId: 'usb-1', fallback: false })
    expect(pickInputDevice(LIST, null)).toEqual({ deviceId: null, fallback: false })
    expect(pickInputDevice(LIST, 'default')).toEqual({ deviceId: null, fallback: false })
    expect(pickInputDevice(LIST, 'gone')).toEqual({ deviceId: null, fallback: true })
    // An output device with that id does not count.
    expect(pickInputDevice(LIST, 'spk')).toEqual({ deviceId: null, fallback: true })
    // Before permission the list hides ids: try the wanted one.
    expect(pickInputDevice([{ deviceId: '', kind: 'audioinput', label: '' }], 'usb-1')).toEqual({ deviceId: 'usb-1', fallback: false })
  })

  it('falls back when the device in use disappears and restores it when it comes back', () => {
    const using = { deviceId: 'usb-1', fallback: false }
    expect(onDeviceChange(LIST, 'usb-1', using)).toBe('keep')
    const unplugged = LIST.filter((d) => d.deviceId !== 'usb-1')
    expect(onDeviceChange(unplugged, 'usb-1', using)).toBe('fallback')
    const onDefault = { deviceId: null, fallback: true }
    expect(onDeviceChange(unplugged, 'usb-1', onDefault)).toBe('keep')
    expect(onDeviceChange(LIST, 'usb-1', onDefault)).toBe('restore')
    // The default itself never "disappears" for us, and a non-fallback default stays.
    expect(onDeviceChange([], null, { deviceId: null, fallback: false })).toBe('keep')
  })

  it('asks for the exact device and forces echo cancellation and noise suppression when always listening', () => {
    const off = { echoCancellation: false, noiseSuppression: false, autoGainControl: false }
    expect(audioConstraints('usb-1', off, false)).toEqual({ channelCount: { ideal: 1 }, echoCancellation: false, noiseSuppression: false, autoGainControl: false, deviceId: { exact: 'usb-1' } })
    const always = audioConstraints(null, off, true)
    expect(always.echoCancellation).toBe(true)
    expect(always.noiseSuppression).toBe(true)
    expect(always.autoGainControl).toBe(false)
    expect(always.deviceId).toBeUndefined()
  })

  it('maps getUserMedia failures to typed errors with a human message', () => {
    const dom = (name: string) => Object.assign(new Error('x'), { name })
    expect(toMicrophoneError(dom('NotAllowedError')).code).toBe('denied')
    expect(toMicrophoneError(dom('NotFoundError')).code).toBe('not-found')
    expect(toMicrophoneError(dom('NotReadableError')).code).toBe('in-use')
    expect(toMicrophoneError(dom('OverconstrainedError')).code).toBe('overconstrained')
    expect(toMicrophoneError(dom('Weird')).code).toBe('unknown')
    const e = toMicrophoneError(dom('NotAllowedError'))
    expect(e).toBeInstanceOf(MicrophoneError)
    expect(e.message).toMatch(/denied/)
    expect(e.domName).toBe('NotAllowedError')
  })
})

describe('echo gate', () => {
  it('passes everything while the agent is silent', () => {
    const gate = new EchoGate()
    for (let i = 0; i < 20; i++) gate.reference(0, 20)
    expect(gate.pass(0.001, 20)).toBe(true)
    expect(gate.pass(0.2, 20)).toBe(true)
  })

  it('gates echo-level audio while the agent speaks and lets a real barge-in through', () => {
    const gate = new EchoGate()
    const frames: boolean[] = []
    // Agent at RMS 0.2; the microphone hears residual echo at 0.02 (coupling 0.1).
    for (let i = 0; i < 50; i++) {
      gate.reference(0.2, 20)
      frames.push(gate.pass(0.02, 20))
    }
    expect(frames.every((f) => !f)).toBe(true)
    expect(gate.estimatedCoupling).toBeGreaterThan(0.05)
    expect(gate.estimatedCoupling).toBeLessThan(0.15)
    // The user talks over it at 0.25: passes at once, and the hang keeps the next quiet frames.
    gate.reference(0.2, 20)
    expect(gate.pass(0.25, 20)).toBe(true)
    gate.reference(0.2, 20)
    expect(gate.pass(0.03, 20)).toBe(true)
    // After the hang, echo-level audio is gated again.
    const later: boolean[] = []
    for (let i = 0; i < 40; i++) {
      gate.reference(0.2, 20)
      later.push(gate.pass(0.02, 20))
    }
    expect(later.slice(-10).every((f) => !f)).toBe(true)
  })

  it('holds the expected echo for a while after the agent stops (the echo arrives late)', () => {
    const gate = new EchoGate({ holdMs: 200 })
    for (let i = 0; i < 20; i++) {
      gate.reference(0.3, 20)
      gate.pass(0.0, 20)
    }
    gate.reference(0, 20)
    expect(gate.agentAudible).toBe(true)
    for (let i = 0; i < 60; i++) gate.reference(0, 20)
    expect(gate.agentAudible).toBe(false)
  })
})

function runCapture(core: CaptureCore, ms: number, rate: number, signal: (t: number) => number, state: { n: number }) {
  const quanta = Math.round((ms / 1000) * rate / 128)
  for (let q = 0; q < quanta; q++) {
    const block = new Float32Array(128)
    for (let i = 0; i < 128; i++) block[i] = signal(state.n++ / rate)
    core.process(block, undefined)
  }
}

describe('capture pipeline', () => {
  const sine = (t: number) => 0.5 * Math.sin(2 * Math.PI * 440 * t)

  it('makes exact 20 ms frames at 24 kHz and 16 kHz from a 48 kHz context', () => {
    for (const rate of [24000, 16000]) {
      const frames: CaptureFrameMessage[] = []
      const core = new CaptureCore(48000, { targetRate: rate }, { frame: (f) => frames.push(f), level: () => {}, stopped: () => {} })
      core.start()
      runCapture(core, 1000, 48000, sine, { n: 0 })
      expect(frames.every((f) => f.pcm.length === rate / 50)).toBe(true)
      expect(frames.length).toBeGreaterThanOrEqual(49)
      expect(frames.length).toBeLessThanOrEqual(50)
      expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i))
      expect(frames[25]!.rms).toBeCloseTo(0.3536, 2)
    }
  })

  it('sends the pre-roll first on start, then live frames, and a tail after stop', () => {
    const frames: CaptureFrameMessage[] = []
    let stopped = 0
    const core = new CaptureCore(24000, { targetRate: 24000, preRollMs: 600, tailMs: 300 }, { frame: (f) => frames.push(f), level: () => {}, stopped: () => stopped++ })
    const state = { n: 0 }
    runCapture(core, 2000, 24000, sine, state)
    expect(frames).toHaveLength(0)
    expect(core.ringMs).toBe(600)
    core.start()
    expect(frames).toHaveLength(30)
    expect(frames.every((f) => f.preroll)).toBe(true)
    runCapture(core, 200, 24000, sine, state)
    expect(frames.length).toBeGreaterThanOrEqual(39)
    expect(frames.slice(30).every((f) => !f.preroll)).toBe(true)
    // Continuous: the concatenated frames are one unbroken sine (no gap, no repeat).
    const all = frames.flatMap((f) => Array.from(f.pcm))
    let maxStep = 0
    for (let i = 1; i < all.length; i++) maxStep = Math.max(maxStep, Math.abs(all[i]! - all[i - 1]!))
    expect(maxStep).toBeLessThan(0.5 * 32768 * (2 * Math.PI * 440) / 24000 * 1.05)
    const before = frames.length
    core.stop()
    runCapture(core, 1000, 24000, sine, state)
    expect(frames.length - before).toBe(15)
    expect(stopped).toBe(1)
  })

  it('converts the pre-roll ring when the rate changes, and mute clears it', () => {
    const frames: CaptureFrameMessage[] = []
    const core = new CaptureCore(24000, { targetRate: 24000, preRollMs: 500 }, { frame: (f) => frames.push(f), level: () => {}, stopped: () => {} })
    const state = { n: 0 }
    runCapture(core, 1000, 24000, sine, state)
    core.setRate(16000)
    core.start()
    expect(frames.length).toBeGreaterThanOrEqual(24)
    expect(frames.every((f) => f.pcm.length === 320 && f.rate === 16000)).toBe(true)
    core.stop()
    runCapture(core, 1000, 24000, sine, state)
    frames.length = 0
    core.setMuted(true)
    expect(core.ringMs).toBe(0)
    runCapture(core, 400, 24000, sine, state)
    core.start()
    expect(frames.length).toBeGreaterThan(0)
    expect(frames.every((f) => f.rms === 0)).toBe(true)
  })
})

describe('playback ring', () => {
  const pcm = (n: number, v = 1000) => new Int16Array(n).fill(v)
  const render = (core: PlaybackCore, quanta: number) => {
    const out = new Float32Array(128)
    const results = []
    for (let i = 0; i < quanta; i++) results.push({ ...core.render(out), sample: out[0] })
    return results
  }

  it('waits for the start threshold, or at most maxStartWait, then plays', () => {
    const core = new PlaybackCore(24000, { startThresholdMs: 60, maxStartWaitMs: 40 })
    core.push('a', pcm(480)) // 20 ms: below the threshold
    const r = render(core, 12)
    const startedAt = r.findIndex((x) => x.started)
    expect(startedAt).toBe(Math.ceil((0.04 * 24000) / 128))
    const core2 = new PlaybackCore(24000, { startThresholdMs: 60, maxStartWaitMs: 40 })
    core2.push('a', pcm(1440 + 10))
    expect(render(core2, 1)[0]!.started).not.toBeNull()
  })

  it('counts rendered samples per item, flushes at once, and grows past its initial size', () => {
    const core = new PlaybackCore(24000, { startThresholdMs: 0, maxStartWaitMs: 0 }, 0.1)
    core.push('a', pcm(5000, 1000))
    core.push('b', pcm(5000, 2000))
    render(core, 50) // 6400 samples
    expect(core.counter('a')).toEqual(['a', 5000, 5000])
    expect(core.counter('b')).toEqual(['b', 1400, 5000])
    expect(core.flush()).toBe(3600)
    const after = render(core, 3)
    expect(after.every((x) => x.written === 0 && x.sample === 0)).toBe(true)
    expect(core.counter('b')).toEqual(['b', 1400, 5000])
    const r = render(core, 1)
    expect(r[0]!.drained).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import { EARCON_NAMES, Earcons, type EarconName } from './earcons'

/** Each earcon's "file" is its name, inlined as a data: URL (the form Vite gives small assets). */
const URLS = Object.fromEntries(EARCON_NAMES.map((name) => [name, `data:audio/wav;base64,${btoa(name)}`])) as Record<EarconName, string>
const SECONDS: Record<EarconName, number> = { 'capture-start': 0.165, 'capture-end': 0.175, 'tool-request': 0.34, error: 0.3 }

/**
 * A context whose decodes finish when the test says so, in any order, and that records what was
 * started, when (context time). Only what Earcons uses.
 */
function fakeContext() {
  const decodes = new Map<EarconName, () => void>()
  const started: { name: EarconName; at: number }[] = []
  const node = () => ({ connect: () => undefined, disconnect: () => undefined })
  const ctx = {
    state: 'running' as AudioContextState,
    currentTime: 10,
    decodeAudioData(bytes: ArrayBuffer): Promise<AudioBuffer> {
      const name = new TextDecoder().decode(bytes) as EarconName
      return new Promise((resolve) => decodes.set(name, () => resolve({ duration: SECONDS[name], name } as unknown as AudioBuffer)))
    },
    createBufferSource() {
      const source = {
        ...node(),
        buffer: null as (AudioBuffer & { name: EarconName }) | null,
        onended: null as (() => void) | null,
        start(at = 0) {
          started.push({ name: source.buffer!.name, at })
        },
      }
      return source
    },
    createGain: () => ({ ...node(), gain: { value: 1 } }),
    resume: () => Promise.resolve(),
  }
  const decoded = async (name: EarconName) => {
    await expect.poll(() => decodes.has(name)).toBe(true)
    decodes.get(name)!()
  }
  return { ctx: ctx as unknown as AudioContext, started, decoded, set now(t: number) { ctx.currentTime = t } }
}

const settle = () => new Promise((r) => setTimeout(r, 0))

describe('Earcons.play', () => {
  it('starts earcons in the order asked for, one after the other, however their decodes finish', async () => {
    const fake = fakeContext()
    const earcons = new Earcons({ context: fake.ctx, output: {} as AudioNode }, URLS)
    const start = earcons.play('capture-start')
    const end = earcons.play('capture-end')
    const error = earcons.play('error')
    // The last one decodes first, the first one last.
    await fake.decoded('error')
    await fake.decoded('capture-end')
    await settle()
    expect(fake.started).toEqual([])
    await fake.decoded('capture-start')
    expect(await Promise.all([start, end, error])).toEqual([true, true, true])
    expect(fake.started.map((s) => s.name)).toEqual(['capture-start', 'capture-end', 'error'])
    // Back to back on the context's clock: each starts as the one before it ends.
    const [a, b, c] = fake.started.map((s) => s.at) as [number, number, number]
    expect(a).toBe(10)
    expect(b).toBeCloseTo(10 + SECONDS['capture-start'], 9)
    expect(c).toBeCloseTo(b + SECONDS['capture-end'], 9)
    expect(earcons.last).toEqual({ name: 'error', at: c, duration: SECONDS.error })
  })

  it('starts at once when the one before has finished, and a failed decode does not hold up the next', async () => {
    const fake = fakeContext()
    const earcons = new Earcons({ context: fake.ctx, output: {} as AudioNode }, { ...URLS, 'tool-request': 'data:audio/wav;base64,!!not base64!!' })
    const first = earcons.play('capture-start')
    await fake.decoded('capture-start')
    await first
    fake.now = 20
    const broken = earcons.play('tool-request')
    const next = earcons.play('capture-end')
    await expect(broken).rejects.toThrow()
    await fake.decoded('capture-end')
    expect(await next).toBe(true)
    expect(fake.started).toEqual([
      { name: 'capture-start', at: 10 },
      { name: 'capture-end', at: 20 },
    ])
  })

  it('plays nothing when sounds are off', async () => {
    const fake = fakeContext()
    const earcons = new Earcons({ context: fake.ctx, output: {} as AudioNode }, URLS)
    earcons.configure({ enabled: false })
    expect(await earcons.play('error')).toBe(false)
    earcons.configure({ enabled: true, volume: 0 })
    expect(await earcons.play('error')).toBe(false)
    expect(fake.started).toEqual([])
  })
})

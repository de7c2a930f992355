import { describe, expect, it } from 'vitest'
import { WireLog } from './wire'

describe('the wire log of a long-running simulator (Demo mode)', () => {
  it('keeps only the newest entries when it has a limit, with sequence numbers that keep counting', () => {
    const log = new WireLog(3)
    for (let i = 0; i < 10; i += 1) log.text(1, 'in', JSON.stringify({ type: 'input_audio_buffer.append', n: i }))
    expect(log.entries).toHaveLength(3)
    expect(log.entries.map((e) => e.seq)).toEqual([7, 8, 9])
  })
  it('keeps everything by default (tests read the whole conversation)', () => {
    const log = new WireLog()
    for (let i = 0; i < 50; i += 1) log.text(1, 'out', '{"type":"x"}')
    expect(log.entries).toHaveLength(50)
  })
})

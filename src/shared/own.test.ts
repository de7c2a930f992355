import { describe, expect, it } from 'vitest'
import { own } from './own'
import { acceleratorFromKeyPress, parseAccelerator } from './ptt/accelerator'

describe('own (lookups that ignore Object.prototype)', () => {
  it('finds own keys and nothing inherited', () => {
    const table = { space: 'Space' }
    expect(own(table, 'space')).toBe('Space')
    for (const key of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) expect(own(table, key)).toBeUndefined()
  })

  it('keeps hotkey parsing from treating "constructor" or "toString" as keys or modifiers', () => {
    expect(parseAccelerator('Ctrl+constructor', 'linux')).toEqual({ error: '"constructor" is not a key Earshot knows.' })
    expect(parseAccelerator('toString+Space', 'linux')).toEqual({ error: '"toString" is not a key Earshot knows.' })
    expect(acceleratorFromKeyPress({ code: 'constructor', ctrlKey: true, shiftKey: false, altKey: false, metaKey: false }, 'linux')).toBeNull()
  })
})

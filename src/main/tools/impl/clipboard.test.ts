import { describe, expect, it, vi } from 'vitest'
import { runTool } from '../test-helpers'
import { CLIPBOARD_READ_LIMIT, createClipboardTools } from './clipboard'

function memoryClipboard(initial = '') {
  let text = initial
  return { readText: vi.fn(async () => text), writeText: vi.fn(async (value: string) => void (text = value)) }
}

describe('clipboard tools', () => {
  it('asks before reading the clipboard (it often holds a password), never offering always-allow', async () => {
    const approve = vi.fn(() => 'allow' as const)
    const r = await runTool(createClipboardTools({ clipboard: memoryClipboard('hello') }), 'read_clipboard', {}, approve)
    expect(r.json).toEqual({ text: 'hello', length: 5, truncated: false })
    expect(approve).toHaveBeenCalledWith(expect.objectContaining({ name: 'read_clipboard', risk: 'read', alwaysAllowable: false, description: 'Read the text on your clipboard.' }))
    const denied = await runTool(createClipboardTools({ clipboard: memoryClipboard('hunter2') }), 'read_clipboard', {}, () => 'deny')
    expect(denied.status).toBe('denied')
    expect(denied.output).not.toContain('hunter2')
  })

  it('says when the clipboard is empty, and shortens very long text', async () => {
    expect((await runTool(createClipboardTools({ clipboard: memoryClipboard('') }), 'read_clipboard', {})).json.empty).toBe(true)
    const long = 'x'.repeat(CLIPBOARD_READ_LIMIT + 5)
    const r = await runTool(createClipboardTools({ clipboard: memoryClipboard(long) }), 'read_clipboard', {})
    expect(r.json).toMatchObject({ truncated: true, length: CLIPBOARD_READ_LIMIT + 5 })
    expect((r.json.text as string).length).toBe(CLIPBOARD_READ_LIMIT)
  })

  it('writes text after confirmation and not when denied', async () => {
    const clipboard = memoryClipboard('old')
    const tools = createClipboardTools({ clipboard })
    const denied = await runTool(tools, 'write_clipboard', { text: 'new' }, () => 'deny')
    expect(denied.status).toBe('denied')
    expect(await clipboard.readText()).toBe('old')
    const ok = await runTool(tools, 'write_clipboard', { text: 'new' })
    expect(ok.json).toEqual({ copied: true, length: 3 })
    expect(await clipboard.readText()).toBe('new')
  })

  it('refuses empty text and unknown arguments', async () => {
    const clipboard = memoryClipboard('keep')
    const r = await runTool(createClipboardTools({ clipboard }), 'write_clipboard', { text: '' })
    expect(r.json.code).toBe('invalid_arguments')
    expect((await runTool(createClipboardTools({ clipboard }), 'read_clipboard', { all: true })).json.code).toBe('invalid_arguments')
    expect(clipboard.writeText).not.toHaveBeenCalled()
  })

  it('reports a host without a clipboard, and a failing clipboard', async () => {
    const none = await runTool(createClipboardTools({ clipboard: null }), 'read_clipboard', {})
    expect(none.json).toMatchObject({ code: 'not_available' })
    const broken = { readText: () => Promise.reject(new Error('X11 selection timeout')), writeText: () => Promise.reject(new Error('locked')) }
    expect((await runTool(createClipboardTools({ clipboard: broken }), 'read_clipboard', {})).json.error).toMatch(/X11 selection timeout/)
    expect((await runTool(createClipboardTools({ clipboard: broken }), 'write_clipboard', { text: 'a' })).json.error).toMatch(/locked/)
  })
})

import { describe, expect, it, vi } from 'vitest'
import { runTool } from '../test-helpers'
import { createOpenUrlTool, withScheme } from './open-url'

describe('open_url', () => {
  it('opens an https address once the user allows it', async () => {
    const openExternal = vi.fn().mockResolvedValue(undefined)
    const approve = vi.fn().mockResolvedValue('allow')
    const r = await runTool(createOpenUrlTool({ openExternal }), 'open_url', { url: 'https://example.com/a b' }, approve)
    expect(r.status).toBe('ok')
    expect(r.json).toEqual({ opened: 'https://example.com/a%20b' })
    expect(openExternal).toHaveBeenCalledWith('https://example.com/a%20b')
    expect(approve).toHaveBeenCalledWith(expect.objectContaining({ risk: 'external', description: 'Open https://example.com/a%20b in your browser.' }))
  })

  it('asks about the address the browser will get: a look-alike host is shown as punycode', async () => {
    const openExternal = vi.fn().mockResolvedValue(undefined)
    const approve = vi.fn().mockResolvedValue('deny')
    await runTool(createOpenUrlTool({ openExternal }), 'open_url', { url: 'https://\u0430pple.com/login' }, approve)
    expect(approve).toHaveBeenCalledWith(expect.objectContaining({ description: 'Open https://xn--pple-43d.com/login in your browser.' }))
    expect(openExternal).not.toHaveBeenCalled()
  })

  it('adds https:// to a bare host name', async () => {
    const openExternal = vi.fn().mockResolvedValue(undefined)
    const r = await runTool(createOpenUrlTool({ openExternal }), 'open_url', { url: 'en.wikipedia.org/wiki/Tea' })
    expect(r.json.opened).toBe('https://en.wikipedia.org/wiki/Tea')
    expect(withScheme('example.com:8080/x')).toBe('https://example.com:8080/x')
  })

  it.each([
    ['file:///etc/passwd', /only http and https/i],
    ['javascript:alert(1)', /only http and https/i],
    ['https://user:pw@example.com', /user name or password/],
    ['not a url', /not a valid web address/],
  ])('refuses %s without opening anything', async (url, message) => {
    const openExternal = vi.fn()
    const r = await runTool(createOpenUrlTool({ openExternal }), 'open_url', { url })
    expect(r.status).toBe('error')
    expect(r.json.code).toBe('invalid_arguments')
    expect(r.json.error).toMatch(message)
    expect(openExternal).not.toHaveBeenCalled()
  })

  it('does nothing when the user denies it', async () => {
    const openExternal = vi.fn()
    const r = await runTool(createOpenUrlTool({ openExternal }), 'open_url', { url: 'https://example.com' }, () => 'deny')
    expect(r.status).toBe('denied')
    expect(openExternal).not.toHaveBeenCalled()
  })

  it('refuses a missing url and reports a host without a browser', async () => {
    expect((await runTool(createOpenUrlTool({ openExternal: null }), 'open_url', {})).json.code).toBe('invalid_arguments')
    const r = await runTool(createOpenUrlTool({ openExternal: null }), 'open_url', { url: 'https://example.com' })
    expect(r.json).toMatchObject({ code: 'not_available' })
  })

  it('reports a browser that fails to open', async () => {
    const r = await runTool(createOpenUrlTool({ openExternal: () => Promise.reject(new Error('no handler')) }), 'open_url', { url: 'https://example.com' })
    expect(r.json.error).toMatch(/no handler/)
  })
})

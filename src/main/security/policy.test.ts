import { describe, expect, it } from 'vitest'
import { buildCsp } from '../../shared/security/csp'
import { checkExternalUrl, originOf } from '../../shared/security/urls'
import { allowNavigation, allowPermissionCheck, allowPermissionRequest, APP_ORIGIN, externalLinkFor } from './policy'

const trusted = [APP_ORIGIN]

describe('permission policy', () => {
  it('grants microphone access to our origin only', () => {
    expect(allowPermissionRequest('media', 'app://earshot/index.html', ['audio'], trusted)).toBe(true)
    expect(allowPermissionRequest('media', 'https://evil.example/', ['audio'], trusted)).toBe(false)
    expect(allowPermissionRequest('media', undefined, ['audio'], trusted)).toBe(false)
  })
  it('never grants the camera, screen capture or any other permission', () => {
    expect(allowPermissionRequest('media', 'app://earshot/', ['audio', 'video'], trusted)).toBe(false)
    expect(allowPermissionRequest('media', 'app://earshot/', ['video'], trusted)).toBe(false)
    expect(allowPermissionRequest('media', 'app://earshot/', [], trusted)).toBe(false)
    for (const permission of ['geolocation', 'notifications', 'clipboard-read', 'display-capture', 'openExternal', 'midi', 'hid', 'serial']) {
      expect(allowPermissionRequest(permission, 'app://earshot/', ['audio'], trusted)).toBe(false)
      expect(allowPermissionCheck(permission, 'app://earshot', undefined, trusted)).toBe(false)
    }
  })
  it('answers permission checks with the same rule', () => {
    expect(allowPermissionCheck('media', 'app://earshot', 'audio', trusted)).toBe(true)
    expect(allowPermissionCheck('media', 'app://earshot', 'video', trusted)).toBe(false)
    expect(allowPermissionCheck('media', 'https://evil.example', 'audio', trusted)).toBe(false)
  })
})

describe('navigation and new windows', () => {
  it('allows navigation only within our origin', () => {
    expect(allowNavigation('app://earshot/index.html#settings', trusted)).toBe(true)
    expect(allowNavigation('https://example.com/', trusted)).toBe(false)
    expect(allowNavigation('file:///etc/passwd', trusted)).toBe(false)
    expect(allowNavigation('javascript:alert(1)', trusted)).toBe(false)
    expect(allowNavigation('app://other/index.html', trusted)).toBe(false)
  })
  it('hands only valid http(s) links to the browser', () => {
    expect(externalLinkFor('https://example.com/docs')).toBe('https://example.com/docs')
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@example.com/', 'not a url', '']) {
      expect(externalLinkFor(url)).toBeNull()
    }
  })
})

describe('URL helpers', () => {
  it('give our custom scheme a real origin, like Chromium does for standard schemes', () => {
    expect(originOf('app://earshot/index.html')).toBe('app://earshot')
    expect(originOf('http://127.0.0.1:5173/x')).toBe('http://127.0.0.1:5173')
    expect(originOf('file:///x')).toBeNull()
    expect(originOf('::')).toBeNull()
  })
  it('explain why an external URL is refused', () => {
    expect(checkExternalUrl('ftp://x.org')).toEqual({ ok: false, reason: expect.stringContaining('ftp') })
    expect(checkExternalUrl('https://' + 'a'.repeat(2100))).toMatchObject({ ok: false })
  })
})

describe('the renderer CSP', () => {
  it('allows scripts only from self (plus WebAssembly compilation), no eval, and sockets only to configured hosts', () => {
    const csp = buildCsp({ connectOrigins: ['wss://api.openai.com', 'ws://127.0.0.1:4567', 'javascript:evil', "wss://x.org; script-src *"] })
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]))
    expect(directives['default-src']).toEqual(["'none'"])
    expect(directives['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'"])
    expect(directives['connect-src']).toEqual(["'self'", 'wss://api.openai.com', 'ws://127.0.0.1:4567'])
    expect(csp).not.toContain("'unsafe-eval'")
    expect(csp).not.toContain('unsafe-inline')
    expect(directives['object-src']).toEqual(["'none'"])
    expect(directives['frame-ancestors']).toEqual(["'none'"])
  })
})

import { createServer, type Server } from 'node:net'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { displayFromEnv, findCookie, parseDisplay, parseXauthority, probeXDisplay, queryExtensionRequest, setupRequest } from './x-display'

function xauthEntry(family: number, address: string, number: string, name: string, data: Buffer): Buffer {
  const field = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b])
  return Buffer.concat([Buffer.from([family >> 8, family & 0xff]), field(Buffer.from(address)), field(Buffer.from(number)), field(Buffer.from(name)), field(data)])
}

describe('DISPLAY parsing and the environment decision', () => {
  it('parses the usual forms and refuses junk', () => {
    expect(parseDisplay(':0')).toEqual({ host: '', display: 0 })
    expect(parseDisplay(':1.0')).toEqual({ host: '', display: 1 })
    expect(parseDisplay('unix:12')).toEqual({ host: 'unix', display: 12 })
    expect(parseDisplay('localhost:10.0')).toEqual({ host: 'localhost', display: 10 })
    for (const bad of [undefined, '', '0', ':', 'a b:0', ':x', 'wayland-0']) expect(parseDisplay(bad), String(bad)).toBeNull()
  })

  it('refuses Wayland sessions even with XWayland, and a missing DISPLAY', () => {
    expect(displayFromEnv({ DISPLAY: ':0', XDG_SESSION_TYPE: 'wayland' })).toMatchObject({ ok: false, problem: 'wayland', message: expect.stringMatching(/earshot --toggle/) })
    expect(displayFromEnv({ DISPLAY: ':0', WAYLAND_DISPLAY: 'wayland-0' })).toMatchObject({ ok: false, problem: 'wayland' })
    expect(displayFromEnv({ WAYLAND_DISPLAY: 'wayland-0' })).toMatchObject({ ok: false, problem: 'wayland' })
    expect(displayFromEnv({})).toMatchObject({ ok: false, problem: 'no-display' })
    expect(displayFromEnv({ DISPLAY: ':0', XDG_SESSION_TYPE: 'x11', WAYLAND_DISPLAY: 'wayland-0' })).toMatchObject({ ok: true })
    expect(displayFromEnv({ DISPLAY: ':3' })).toEqual({ ok: true, target: { host: '', display: 3 }, display: ':3' })
  })
})

describe('Xauthority', () => {
  it('parses entries and picks the cookie the way libXau does', () => {
    const mine = Buffer.alloc(16, 7)
    const other = Buffer.alloc(16, 9)
    const file = Buffer.concat([
      xauthEntry(256, 'otherhost', '0', 'MIT-MAGIC-COOKIE-1', other),
      xauthEntry(256, 'myhost', '1', 'MIT-MAGIC-COOKIE-1', other),
      xauthEntry(256, 'myhost', '0', 'XDM-AUTHORIZATION-1', other),
      xauthEntry(256, 'myhost', '0', 'MIT-MAGIC-COOKIE-1', mine),
    ])
    const entries = parseXauthority(file)
    expect(entries).toHaveLength(4)
    expect(findCookie(entries, { host: '', display: 0 }, 'myhost')).toEqual(mine)
    expect(findCookie(entries, { host: '', display: 5 }, 'myhost')).toBeNull()
    expect(findCookie(parseXauthority(xauthEntry(65535, '', '', 'MIT-MAGIC-COOKIE-1', mine)), { host: '', display: 5 }, 'any')).toEqual(mine)
    // ssh -X: localhost:10 uses the local entry for display 10
    const forwarded = parseXauthority(xauthEntry(256, 'myhost', '10', 'MIT-MAGIC-COOKIE-1', mine))
    expect(findCookie(forwarded, { host: 'localhost', display: 10 }, 'myhost')).toEqual(mine)
    // a truncated file yields the complete entries only
    expect(parseXauthority(file.subarray(0, file.length - 3))).toHaveLength(3)
  })

  it('builds the X11 setup and QueryExtension requests with 4-byte padding', () => {
    const none = setupRequest(null)
    expect(none.length).toBe(12)
    expect(none.toString('latin1', 0, 1)).toBe('l')
    expect(none.readUInt16LE(2)).toBe(11)
    const cookie = setupRequest(Buffer.alloc(16, 1))
    expect(cookie.length).toBe(12 + 20 + 16) // "MIT-MAGIC-COOKIE-1" is 18 bytes, padded to 20
    expect(cookie.readUInt16LE(6)).toBe(18)
    expect(cookie.readUInt16LE(8)).toBe(16)
    const query = queryExtensionRequest('RECORD')
    expect(query.length).toBe(16)
    expect([query[0], query.readUInt16LE(2), query.readUInt16LE(4)]).toEqual([98, 4, 6])
  })
})

describe('probeXDisplay against a fake X server on a TCP port', () => {
  const servers: Server[] = []
  const dirs: string[] = []
  afterEach(() => {
    for (const s of servers.splice(0)) s.close()
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  async function fakeX(reply: (request: Buffer) => Buffer[]): Promise<number> {
    const server = createServer((socket) => {
      let setupSeen = false
      socket.on('data', (data) => {
        const out = reply(Buffer.from(data))
        if (!setupSeen) setupSeen = true
        for (const chunk of out) socket.write(chunk)
      })
    })
    servers.push(server)
    for (let display = 50 + Math.floor(Math.random() * 800); ; display += 1) {
      const ok = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false))
        server.listen(6000 + display, '127.0.0.1', () => resolve(true))
      })
      if (ok) return display
    }
  }

  const success = () => {
    const b = Buffer.alloc(8 + 8)
    b[0] = 1
    b.writeUInt16LE(2, 6) // 8 more bytes of setup data
    return b
  }
  const extensionReply = (present: boolean) => {
    const b = Buffer.alloc(32)
    b[0] = 1
    b[8] = present ? 1 : 0
    return b
  }

  it('accepts a server that says yes and has RECORD; the reply may arrive in pieces', async () => {
    const display = await fakeX((req) => {
      if (req[0] === 0x6c) {
        const s = success()
        return [s.subarray(0, 5), s.subarray(5)]
      }
      return [extensionReply(true)]
    })
    const home = mkdtempSync(join(tmpdir(), 'earshot-home-'))
    dirs.push(home)
    expect(await probeXDisplay({ env: { DISPLAY: `127.0.0.1:${display}`, HOME: home } })).toEqual({ usable: true, display: `127.0.0.1:${display}` })
  })

  it('reports a refusal with the server\'s reason, and a missing RECORD extension', async () => {
    const refuse = await fakeX(() => {
      const reason = 'No protocol specified'
      const b = Buffer.alloc(8 + 24)
      b[0] = 0
      b[1] = reason.length
      b.write(reason, 8, 'latin1')
      return [b]
    })
    expect(await probeXDisplay({ env: { DISPLAY: `127.0.0.1:${refuse}`, HOME: '/nonexistent' } })).toMatchObject({ usable: false, problem: 'refused', message: expect.stringMatching(/No protocol specified/) })
    const norecord = await fakeX((req) => (req[0] === 0x6c ? [success()] : [extensionReply(false)]))
    expect(await probeXDisplay({ env: { DISPLAY: `127.0.0.1:${norecord}`, HOME: '/nonexistent' } })).toMatchObject({ usable: false, problem: 'no-record-extension' })
  })

  it('times out on a server that never answers', async () => {
    const silent = await fakeX(() => [])
    expect(await probeXDisplay({ env: { DISPLAY: `127.0.0.1:${silent}`, HOME: '/nonexistent' }, timeoutMs: 200 })).toMatchObject({ usable: false, problem: 'unreachable' })
  })

  it('sends the cookie from XAUTHORITY', async () => {
    const cookie = Buffer.alloc(16, 0x2a)
    let seen: Buffer | null = null
    const display = await fakeX((req) => {
      if (req[0] === 0x6c) {
        seen = req
        return [success()]
      }
      return [extensionReply(true)]
    })
    const dir = mkdtempSync(join(tmpdir(), 'earshot-xauth-'))
    dirs.push(dir)
    const file = join(dir, 'auth')
    writeFileSync(file, xauthEntry(0, '127.0.0.1', String(display), 'MIT-MAGIC-COOKIE-1', cookie))
    expect(await probeXDisplay({ env: { DISPLAY: `127.0.0.1:${display}`, XAUTHORITY: file } })).toMatchObject({ usable: true })
    expect(seen).not.toBeNull()
    expect((seen as unknown as Buffer).subarray(32, 48)).toEqual(cookie)
  })
})

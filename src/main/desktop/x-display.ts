import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { homedir, hostname } from 'node:os'
import { join } from 'node:path'

/**
 * Whether the X display is usable for uiohook. uiohook-napi calls XOpenDisplay and aborts the whole
 * process (SIGABRT, not catchable) when it fails, so main must know beforehand. This does what
 * XOpenDisplay does, in plain Node: find the display's socket, connect, send the X11 connection
 * setup with the Xauthority cookie, and check that the server accepts us and offers the RECORD
 * extension uiohook listens through.
 */

export type DisplayProblem = 'no-display' | 'wayland' | 'unreachable' | 'refused' | 'no-record-extension'

export type DisplayStatus = { usable: true; display: string } | { usable: false; problem: DisplayProblem; message: string }

export interface DisplayTarget {
  /** '' or 'unix' for a local socket, else a TCP host. */
  host: string
  display: number
}

/** Parses DISPLAY (":0", ":1.0", "unix:0", "localhost:10.0"); null when it is not an X display name. */
export function parseDisplay(value: string | undefined): DisplayTarget | null {
  if (!value) return null
  const match = /^([A-Za-z0-9.\-_]*|\[[0-9a-fA-F:]+\]):(\d{1,5})(?:\.\d+)?$/.exec(value.trim())
  if (!match) return null
  return { host: match[1] ?? '', display: Number(match[2]) }
}

/**
 * The decision that needs only the environment. A Wayland session is refused even when XWayland
 * provides DISPLAY: uiohook would start, but it hears keys only while an X11 window has focus.
 */
export function displayFromEnv(env: Record<string, string | undefined>): { ok: true; target: DisplayTarget; display: string } | { ok: false; problem: DisplayProblem; message: string } {
  const session = env.XDG_SESSION_TYPE?.toLowerCase()
  if (session === 'wayland' || (env.WAYLAND_DISPLAY && session !== 'x11')) {
    return {
      ok: false,
      problem: 'wayland',
      message: 'This is a Wayland session, where apps cannot watch global keys. Bind "earshot --toggle" (or --ptt-down / --ptt-up) to a shortcut in your desktop\'s keyboard settings.',
    }
  }
  const display = env.DISPLAY
  const target = parseDisplay(display)
  if (!display || !target) {
    return { ok: false, problem: 'no-display', message: 'There is no X display (DISPLAY is not set), so the hold-to-talk key cannot be watched.' }
  }
  return { ok: true, target, display }
}

interface XauthEntry {
  family: number
  address: string
  number: string
  name: string
  data: Buffer
}

/** Parses an Xauthority file (family, address, display number, auth name, auth data; big-endian lengths). */
export function parseXauthority(file: Buffer): XauthEntry[] {
  const entries: XauthEntry[] = []
  let offset = 0
  const field = (): Buffer | null => {
    if (offset + 2 > file.length) return null
    const length = file.readUInt16BE(offset)
    if (offset + 2 + length > file.length) return null
    const value = file.subarray(offset + 2, offset + 2 + length)
    offset += 2 + length
    return value
  }
  while (offset + 2 <= file.length) {
    const family = file.readUInt16BE(offset)
    offset += 2
    const address = field()
    const number = field()
    const name = field()
    const data = field()
    if (!address || !number || !name || !data) break
    entries.push({ family, address: address.toString('latin1'), number: number.toString('latin1'), name: name.toString('latin1'), data: Buffer.from(data) })
  }
  return entries
}

const FAMILY_LOCAL = 256
const FAMILY_WILD = 65535

/** The MIT-MAGIC-COOKIE-1 for a display, as libXau would pick it; null when there is none. */
export function findCookie(entries: XauthEntry[], target: DisplayTarget, localHost: string): Buffer | null {
  // libxcb treats a loopback TCP display (ssh -X's localhost:10) like a local one for auth
  const local = ['', 'unix', 'localhost', '127.0.0.1', '::1', '[::1]'].includes(target.host)
  for (const entry of entries) {
    if (entry.name !== 'MIT-MAGIC-COOKIE-1') continue
    if (entry.number !== '' && entry.number !== String(target.display)) continue
    const hostMatches =
      entry.family === FAMILY_WILD ||
      (local && entry.family === FAMILY_LOCAL && entry.address === localHost) ||
      (target.host !== '' && entry.address === target.host)
    if (hostMatches) return entry.data
  }
  return null
}

const pad4 = (n: number) => (4 - (n % 4)) % 4

/** The X11 connection setup request (little-endian). */
export function setupRequest(cookie: Buffer | null): Buffer {
  const name = cookie ? Buffer.from('MIT-MAGIC-COOKIE-1', 'latin1') : Buffer.alloc(0)
  const data = cookie ?? Buffer.alloc(0)
  const header = Buffer.alloc(12)
  header.write('l', 0, 'latin1')
  header.writeUInt16LE(11, 2)
  header.writeUInt16LE(0, 4)
  header.writeUInt16LE(name.length, 6)
  header.writeUInt16LE(data.length, 8)
  return Buffer.concat([header, name, Buffer.alloc(pad4(name.length)), data, Buffer.alloc(pad4(data.length))])
}

/** A QueryExtension request for `name`. */
export function queryExtensionRequest(name: string): Buffer {
  const bytes = Buffer.from(name, 'latin1')
  const length = 2 + Math.ceil(bytes.length / 4)
  const request = Buffer.alloc(length * 4)
  request.writeUInt8(98, 0) // QueryExtension
  request.writeUInt16LE(length, 2)
  request.writeUInt16LE(bytes.length, 4)
  bytes.copy(request, 8)
  return request
}

function openSocket(target: DisplayTarget, platform: NodeJS.Platform): Promise<Socket> {
  const local = target.host === '' || target.host === 'unix'
  const attempts: (() => Socket)[] = local
    ? [
        ...(platform === 'linux' ? [() => connect({ path: `\0/tmp/.X11-unix/X${target.display}` })] : []),
        () => connect({ path: `/tmp/.X11-unix/X${target.display}` }),
      ]
    : [() => connect({ host: target.host.replace(/^\[|\]$/g, ''), port: 6000 + target.display })]
  return new Promise((resolve, reject) => {
    const tryNext = (index: number, lastError?: Error) => {
      const attempt = attempts[index]
      if (!attempt) return reject(lastError ?? new Error('no socket'))
      const socket = attempt()
      socket.once('connect', () => {
        socket.removeAllListeners('error')
        resolve(socket)
      })
      socket.once('error', (error) => {
        socket.destroy()
        tryNext(index + 1, error)
      })
    }
    tryNext(0)
  })
}

export interface ProbeOptions {
  env?: Record<string, string | undefined>
  platform?: NodeJS.Platform
  timeoutMs?: number
  /** Reads the Xauthority file; defaults to the real file system. */
  readFile?: (path: string) => Buffer
}

/** Connects to the X server the way XOpenDisplay would. Never throws. */
export async function probeXDisplay(options: ProbeOptions = {}): Promise<DisplayStatus> {
  const env = options.env ?? process.env
  const fromEnv = displayFromEnv(env)
  if (!fromEnv.ok) return { usable: false, problem: fromEnv.problem, message: fromEnv.message }
  const { target, display } = fromEnv
  const read = options.readFile ?? ((path: string) => readFileSync(path))
  let cookie: Buffer | null = null
  try {
    const authFile = env.XAUTHORITY || join(env.HOME || homedir(), '.Xauthority')
    cookie = findCookie(parseXauthority(read(authFile)), target, hostname())
  } catch {
    cookie = null // no Xauthority file: many servers (Xvfb, some local sessions) need none
  }
  let socket: Socket
  try {
    socket = await openSocket(target, options.platform ?? process.platform)
  } catch {
    return { usable: false, problem: 'unreachable', message: `The X display ${display} does not answer, so the hold-to-talk key cannot be watched.` }
  }
  return await new Promise<DisplayStatus>((resolve) => {
    let buffer = Buffer.alloc(0)
    let setupDone = false
    const finish = (status: DisplayStatus) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(status)
    }
    const timer = setTimeout(
      () => finish({ usable: false, problem: 'unreachable', message: `The X display ${display} did not answer in time.` }),
      options.timeoutMs ?? 2_000,
    )
    socket.on('error', () => finish({ usable: false, problem: 'unreachable', message: `The connection to the X display ${display} failed.` }))
    socket.on('close', () => finish({ usable: false, problem: 'refused', message: `The X display ${display} closed the connection.` }))
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      if (!setupDone) {
        if (buffer.length < 8) return
        const status = buffer.readUInt8(0)
        const total = 8 + buffer.readUInt16LE(6) * 4
        if (status !== 1) {
          const reasonLength = buffer.readUInt8(1)
          const reason = buffer.length >= 8 + reasonLength ? buffer.subarray(8, 8 + reasonLength).toString('latin1') : ''
          return finish({
            usable: false,
            problem: 'refused',
            message: `The X display ${display} refused the connection${reason ? ` (${reason.trim()})` : ''}. Check XAUTHORITY.`,
          })
        }
        if (buffer.length < total) return
        buffer = buffer.subarray(total)
        setupDone = true
        socket.write(queryExtensionRequest('RECORD'))
      }
      if (buffer.length < 32) return
      if (buffer.readUInt8(0) !== 1) return finish({ usable: false, problem: 'no-record-extension', message: `The X display ${display} answered oddly to an extension query.` })
      if (buffer.readUInt8(8) !== 1) {
        return finish({ usable: false, problem: 'no-record-extension', message: `The X display ${display} has no RECORD extension, which global hold-to-talk needs.` })
      }
      finish({ usable: true, display })
    })
    socket.write(setupRequest(cookie))
  })
}

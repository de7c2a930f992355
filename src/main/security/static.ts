import { readFile, realpath, stat } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.wav': 'audio/wav',
  '.map': 'application/json',
}

export type StaticResult = { status: 200; body: Buffer; type: string } | { status: 404 | 400 }

/**
 * Serves a file of the built renderer for a URL path. Used by the app:// protocol handler in the
 * app and by the test harness's HTTP server, so both serve exactly the same bytes. Paths that
 * escape the root (.., encoded separators, symlinks out) are refused.
 */
export async function readStaticFile(root: string, urlPath: string): Promise<StaticResult> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]!.split('#')[0]!)
  } catch {
    return { status: 400 }
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { status: 400 }
  const relative = normalize(decoded === '/' || decoded === '' ? '/index.html' : decoded).replace(/^([/\\])+/, '')
  const base = resolve(root)
  const target = resolve(join(base, relative))
  if (target !== base && !target.startsWith(base + sep)) return { status: 404 }
  try {
    const real = await realpath(target)
    const realBase = await realpath(base)
    if (!real.startsWith(realBase + sep)) return { status: 404 }
    if (!(await stat(real)).isFile()) return { status: 404 }
    return { status: 200, body: await readFile(real), type: TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream' }
  } catch {
    return { status: 404 }
  }
}

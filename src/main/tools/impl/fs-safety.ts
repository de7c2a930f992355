import { lstat, realpath } from 'node:fs/promises'
import { isAbsolute, relative, resolve } from 'node:path'

/** True when `candidate` is `root` or inside it (both absolute, already resolved). */
export function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/** The real path of a folder, or null when it does not exist or is not a folder. */
export async function realFolder(path: string): Promise<string | null> {
  try {
    const real = await realpath(resolve(path))
    return (await lstat(real)).isDirectory() ? real : null
  } catch {
    return null
  }
}

/** Characters no file name may hold on any of macOS, Windows and Linux. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\\/:*?"<>|\u0000-\u001f\u007f]/g
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i

/**
 * A file name that is safe on every platform and can never point elsewhere: no separators, no
 * `..`, no control characters, no Windows device names, no leading or trailing dots and spaces.
 * Returns '' when nothing usable is left.
 */
export function safeFileName(input: string, maxLength = 80): string {
  let name = input.normalize('NFC').replace(FORBIDDEN, ' ').replace(/\s+/g, ' ').trim()
  name = name.replace(/^[.\s]+|[.\s]+$/g, '')
  if (name.length > maxLength) name = name.slice(0, maxLength).replace(/[.\s]+$/g, '')
  if (WINDOWS_RESERVED.test(name)) name = `Note ${name}`
  return name
}

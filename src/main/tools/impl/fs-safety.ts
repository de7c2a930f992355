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
/** Windows device names (COM¹-³ and LPT¹-³ count too, as do CONIN$, CONOUT$ and CLOCK$). */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|clock\$|conin\$|conout\$|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])$/i

/**
 * Whether Windows would open a device instead of a file for this name: it looks only at the part
 * before the first dot and ignores trailing spaces and dots there ("nul .txt", "AUX. .md").
 */
export function isWindowsDeviceName(name: string): boolean {
  const stem = (name.split('.')[0] ?? '').replace(/[ .]+$/, '')
  return WINDOWS_DEVICE.test(stem)
}

/**
 * A file name that is safe on every platform and can never point elsewhere: no separators, no
 * `..`, no control characters, no Windows device names, no leading or trailing dots and spaces.
 * Returns '' when nothing usable is left.
 */
export function safeFileName(input: string, maxLength = 80): string {
  let name = input.normalize('NFC').replace(FORBIDDEN, ' ').replace(/\s+/g, ' ').trim()
  name = name.replace(/^[.\s]+|[.\s]+$/g, '')
  if (name.length > maxLength) name = name.slice(0, maxLength).replace(/[.\s]+$/g, '')
  if (isWindowsDeviceName(name)) name = `Note ${name}`
  return name
}

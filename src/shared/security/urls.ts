/**
 * Validates a URL that may be handed to the operating system (shell.openExternal): http or https
 * only, a real host, no credentials. Returns the normalised URL or an error a person can read.
 */
export type UrlCheck = { ok: true; url: string } | { ok: false; reason: string }

export function checkExternalUrl(input: string): UrlCheck {
  const value = input.trim()
  if (value.length === 0) return { ok: false, reason: 'The address is empty.' }
  if (value.length > 2048) return { ok: false, reason: 'The address is longer than 2048 characters.' }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return { ok: false, reason: `"${value.slice(0, 80)}" is not a valid web address.` }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `Only http and https addresses can be opened (this one is ${url.protocol.replace(':', '')}).` }
  }
  if (!url.hostname) return { ok: false, reason: 'The address has no host name.' }
  if (url.username || url.password) return { ok: false, reason: 'Addresses with a user name or password are not opened.' }
  return { ok: true, url: url.href }
}

/** The origin of a URL, or null when it does not parse or has an opaque origin. */
export function originOf(value: string): string | null {
  try {
    const url = new URL(value)
    if (url.origin !== 'null') return url.origin
    // Non-special schemes (our app:// protocol) have an opaque origin in the WHATWG URL parser,
    // while Chromium gives registered standard schemes a real one: scheme://host.
    if (url.protocol !== 'file:' && url.protocol !== 'data:' && url.protocol !== 'blob:' && url.host) {
      return `${url.protocol}//${url.host}`
    }
    return null
  } catch {
    return null
  }
}

import { checkExternalUrl, originOf } from '../../shared/security/urls'

/**
 * The security decisions behind Electron's hooks, as plain functions so they are unit-tested
 * under Node. src/main/electron/security.ts only wires them to Electron's events.
 */

/** The app's own origin in production: the privileged app:// scheme. */
export const APP_SCHEME = 'app'
export const APP_HOST = 'earshot'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`

export function isTrustedUrl(url: string | null | undefined, trustedOrigins: readonly string[]): boolean {
  if (!url) return false
  const origin = originOf(url)
  return origin !== null && trustedOrigins.includes(origin)
}

/** Permission requests: only audio capture, only for our own origin. */
export function allowPermissionRequest(
  permission: string,
  requestingUrl: string | undefined,
  mediaTypes: readonly string[] | undefined,
  trustedOrigins: readonly string[],
): boolean {
  if (permission !== 'media') return false
  if (!isTrustedUrl(requestingUrl, trustedOrigins)) return false
  const types = mediaTypes ?? []
  return types.length > 0 && types.every((type) => type === 'audio')
}

/** Permission checks (synchronous queries such as enumerateDevices labels): the same rule. */
export function allowPermissionCheck(
  permission: string,
  requestingOrigin: string | undefined,
  mediaType: string | undefined,
  trustedOrigins: readonly string[],
): boolean {
  if (permission !== 'media') return false
  if (!isTrustedUrl(requestingOrigin, trustedOrigins)) return false
  return mediaType === undefined || mediaType === 'audio'
}

/** In-app navigation is allowed only within our own origin. */
export function allowNavigation(targetUrl: string, trustedOrigins: readonly string[]): boolean {
  return isTrustedUrl(targetUrl, trustedOrigins)
}

/**
 * window.open and target=_blank never open an Electron window. A valid http(s) link is handed to
 * the user's browser instead; anything else is dropped.
 */
export function externalLinkFor(targetUrl: string): string | null {
  const check = checkExternalUrl(targetUrl)
  return check.ok ? check.url : null
}

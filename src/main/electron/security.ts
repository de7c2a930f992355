import { app, protocol, session, type Session, type WebContents } from 'electron'
import { buildCsp } from '../../shared/security/csp'
import { allowNavigation, allowPermissionCheck, allowPermissionRequest, APP_HOST, APP_SCHEME, externalLinkFor } from '../security/policy'
import { readStaticFile } from '../security/static'
import { webrtcIpPolicy } from '../security/webrtc'

/** Must run before app 'ready': app:// is a standard, secure scheme that can fetch and stream. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
  ])
}

/** Serves the built renderer from app://earshot/ with the CSP header. */
export function serveRenderer(ses: Session, rendererDir: string, csp: () => string): void {
  ses.protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url)
    if (url.host !== APP_HOST) return new Response('Not found', { status: 404 })
    const file = await readStaticFile(rendererDir, url.pathname)
    if (file.status !== 200) return new Response('Not found', { status: file.status })
    return new Response(new Uint8Array(file.body), {
      headers: { 'content-type': file.type, 'content-security-policy': csp(), 'x-content-type-options': 'nosniff' },
    })
  })
}

/** In development the page comes from Vite's server; add the same CSP to its responses. */
export function applyDevCsp(ses: Session, devOrigin: string, csp: () => string): void {
  ses.webRequest.onHeadersReceived({ urls: [`${devOrigin}/*`] }, (details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp()] } })
  })
}

/** Permission request AND check handlers: microphone only, our origin only. */
export function lockPermissions(ses: Session, trustedOrigins: () => readonly string[]): void {
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? details.mediaTypes : undefined
    callback(allowPermissionRequest(permission, details.requestingUrl, mediaTypes, trustedOrigins()))
  })
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    allowPermissionCheck(permission, requestingOrigin, 'mediaType' in details ? details.mediaType : undefined, trustedOrigins()),
  )
  ses.setDevicePermissionHandler(() => false)
}

/** Per window: the WebRTC IP handling policy (no non-proxied UDP unless WebRTC is the user's choice). */
export function hardenWebContents(contents: WebContents, options: { webrtc: boolean }): void {
  contents.setWebRTCIPHandlingPolicy(webrtcIpPolicy(options.webrtc))
}

/**
 * Every webContents: no navigation away, no new windows, no webviews. A link the page opens goes
 * to `openLink` (main's: help pages at once, any other address after main's confirmation).
 */
export function lockNavigation(trustedOrigins: () => readonly string[], openLink: (url: string) => void): void {
  app.on('web-contents-created', (_event, contents) => {
    // WebRTC off by default; a window whose page may use it says so after creation (hardenWebContents).
    hardenWebContents(contents, { webrtc: false })
    contents.on('will-navigate', (event, url) => {
      if (!allowNavigation(url, trustedOrigins())) event.preventDefault()
    })
    contents.on('will-redirect', (event, url) => {
      if (!allowNavigation(url, trustedOrigins())) event.preventDefault()
    })
    contents.on('will-attach-webview', (event) => event.preventDefault())
    contents.setWindowOpenHandler(({ url }) => {
      const link = externalLinkFor(url)
      if (link) openLink(link)
      return { action: 'deny' }
    })
  })
}

export function cspFor(connectOrigins: readonly string[], devOrigins: readonly string[] = []): string {
  return buildCsp({ connectOrigins, devOrigins })
}

export { session }

/**
 * WebRTC is off in Earshot's pages: its ICE traffic (STUN/TURN host names and UDP) is not governed
 * by the CSP's connect-src, so a page could reach any host through it. Main sets a restrictive IP
 * handling policy on every webContents, and the page loses the constructors before any of its
 * scripts run. A future WebRTC transport, when it is the user's choice, turns this off through
 * the main-side flag (src/main/security/webrtc.ts) and nowhere else.
 */

/**
 * The argument main passes (webPreferences.additionalArguments) to a window whose page may keep
 * WebRTC. Without it (the default for every window) the preload removes the constructors.
 */
export const WEBRTC_ALLOWED_ARG = '--earshot-webrtc=allowed'

/** The globals that open or describe peer connections. */
export const WEBRTC_GLOBALS = [
  'RTCPeerConnection',
  'webkitRTCPeerConnection',
  'RTCDataChannel',
  'RTCIceCandidate',
  'RTCSessionDescription',
  'RTCRtpSender',
  'RTCRtpReceiver',
  'RTCRtpTransceiver',
  'RTCDtlsTransport',
  'RTCIceTransport',
  'RTCSctpTransport',
  'RTCCertificate',
  'RTCDTMFSender',
  'RTCEncodedAudioFrame',
  'RTCEncodedVideoFrame',
] as const

/**
 * Deletes the WebRTC constructors from the page's global object. Self-contained on purpose: the
 * preload hands it to contextBridge.executeInMainWorld, which serialises the function, and the
 * browser harness injects its source as an init script.
 */
export function removeWebRtc(): void {
  const names = [
    'RTCPeerConnection',
    'webkitRTCPeerConnection',
    'RTCDataChannel',
    'RTCIceCandidate',
    'RTCSessionDescription',
    'RTCRtpSender',
    'RTCRtpReceiver',
    'RTCRtpTransceiver',
    'RTCDtlsTransport',
    'RTCIceTransport',
    'RTCSctpTransport',
    'RTCCertificate',
    'RTCDTMFSender',
    'RTCEncodedAudioFrame',
    'RTCEncodedVideoFrame',
  ]
  const scope = globalThis as unknown as Record<string, unknown>
  for (const name of names) {
    try {
      delete scope[name]
    } catch {
      // a non-configurable global stays; the IP handling policy still applies
    }
    if (name in scope) {
      try {
        Object.defineProperty(scope, name, { value: undefined, writable: false, configurable: false })
      } catch {
        // as above
      }
    }
  }
}

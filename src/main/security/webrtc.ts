import type { Settings } from '../../shared/settings/schema'

/**
 * The one main-side switch for WebRTC in Earshot's pages. Today no transport uses WebRTC, so it is
 * always off: every window gets the restrictive IP handling policy and its page loses the
 * RTCPeerConnection constructors (src/shared/security/webrtc.ts). A WebRTC transport that the user
 * chooses in settings turns it on here, for the voice window only, and documents what that opens
 * in docs/security.md.
 */
export function webrtcAllowed(_settings: Settings): boolean {
  return false
}

/** The IP handling policy for a webContents: no non-proxied UDP unless WebRTC is the user's choice. */
export function webrtcIpPolicy(allowed: boolean): 'default_public_interface_only' | 'disable_non_proxied_udp' {
  return allowed ? 'default_public_interface_only' : 'disable_non_proxied_udp'
}

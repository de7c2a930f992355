import { providerOf } from '../../shared/providers'
import { spekoMayUseWebRtc } from '../../shared/providers/speko'
import type { Settings } from '../../shared/settings/schema'

/**
 * The one main-side switch for WebRTC in Earshot's pages. Off unless the chosen provider's
 * descriptor (src/shared/providers) says the user's choice needs it: OpenAI with the WebRTC
 * transport, or Speko with the OpenAI upstream (Speko serves its OpenAI sessions over WebRTC only).
 * Then, and only for the voice window, the page keeps RTCPeerConnection and the webContents gets
 * the WebRTC IP policy (docs/security.md says what that opens). Every other window, and the voice
 * window in every other case, gets the restrictive policy and loses the constructors
 * (src/shared/security/webrtc.ts).
 */
export function webrtcAllowed(settings: Settings): boolean {
  return providerOf(settings.provider).webrtc(settings)
}

export { spekoMayUseWebRtc }

/** The IP handling policy for a webContents: no non-proxied UDP unless WebRTC is the user's choice. */
export function webrtcIpPolicy(allowed: boolean): 'default_public_interface_only' | 'disable_non_proxied_udp' {
  return allowed ? 'default_public_interface_only' : 'disable_non_proxied_udp'
}

import type { MicrophoneStatus } from '../../shared/ipc/channels/desktop'

export type MediaAccessState = 'not-determined' | 'granted' | 'denied' | 'restricted' | 'unknown'

/** Electron's systemPreferences, as far as the microphone goes (macOS and Windows). */
export interface MediaAccessLike {
  getMediaAccessStatus(mediaType: 'microphone'): MediaAccessState
  /** macOS only: shows the system prompt the first time; resolves to whether access was granted. */
  askForMediaAccess?(mediaType: 'microphone'): Promise<boolean>
}

const SETTINGS_URLS: Partial<Record<NodeJS.Platform, string>> = {
  darwin: 'x-apple.systempreferences:com.apple.preference.security?Privacy_Microphone',
  win32: 'ms-settings:privacy-microphone',
}

const SOUND_URLS: Partial<Record<NodeJS.Platform, string>> = {
  darwin: 'x-apple.systempreferences:com.apple.preference.sound?input',
  win32: 'ms-settings:sound',
}

/** The message and the way to fix it for a microphone state on a platform. Pure. */
export function describeMicrophone(state: MicrophoneStatus['state'], platform: NodeJS.Platform): MicrophoneStatus {
  const ok = (s: MicrophoneStatus['state']): MicrophoneStatus => ({ state: s, message: null, fix: null, settingsUrl: null })
  switch (state) {
    case 'granted':
    case 'not-determined':
    case 'unknown':
      return ok(state)
    case 'denied': {
      const fix =
        platform === 'darwin'
          ? 'Open System Settings > Privacy & Security > Microphone, turn Earshot on, then quit and reopen Earshot.'
          : platform === 'win32'
            ? 'Open Settings > Privacy & security > Microphone, turn on "Microphone access" and "Let desktop apps access your microphone", then try again.'
            : 'Check that your sound settings (PipeWire or PulseAudio) have an input device that is not muted. If Earshot runs in a sandbox (Flatpak or Snap), allow it the microphone (for Snap: snap connect earshot:audio-record), then try again.'
      return { state, message: 'Earshot is not allowed to use the microphone.', fix, settingsUrl: SETTINGS_URLS[platform] ?? null }
    }
    case 'restricted':
      return {
        state,
        message: 'Microphone access is restricted on this computer (by a device-management profile or parental controls).',
        fix: 'Ask whoever manages this computer to allow Earshot to use the microphone.',
        settingsUrl: null,
      }
    case 'missing': {
      const where =
        platform === 'darwin' ? 'System Settings > Sound > Input' : platform === 'win32' ? 'Settings > System > Sound > Input' : "your desktop's sound settings"
      return {
        state,
        message: 'No microphone was found.',
        fix: `Connect a microphone, check that it is selected in ${where}, and pick it under Audio in Earshot's settings.`,
        settingsUrl: SOUND_URLS[platform] ?? null,
      }
    }
  }
}

/** getUserMedia error names (DOMException.name) -> a microphone state. */
export function stateFromCaptureError(name: string): MicrophoneStatus['state'] {
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return 'denied'
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') return 'missing'
  return 'unknown'
}

/**
 * The microphone permission flow. macOS asks once through askForMediaAccess (the prompt names
 * NSMicrophoneUsageDescription from Info.plist) and reports the outcome; Windows reports the
 * privacy switch's state; Linux has no permission API, so only capture errors tell.
 */
export class MicrophonePermission {
  private last: MicrophoneStatus

  constructor(
    private readonly platform: NodeJS.Platform,
    private readonly access?: MediaAccessLike,
  ) {
    this.last = this.read()
  }

  status(): MicrophoneStatus {
    // The OS state can change behind our back (the user flips the switch); re-read where we can.
    if (this.platform === 'darwin' || this.platform === 'win32') {
      const current = this.read()
      if (current.state !== 'unknown' || this.last.state === 'unknown') this.last = current
    }
    return this.last
  }

  /** Asks for access where the OS has a prompt; elsewhere reports what is known. */
  async request(): Promise<MicrophoneStatus> {
    if (this.platform === 'darwin' && this.access?.askForMediaAccess) {
      const before = this.access.getMediaAccessStatus('microphone')
      if (before === 'not-determined') {
        let granted = false
        try {
          granted = await this.access.askForMediaAccess('microphone')
        } catch {
          granted = false
        }
        this.last = describeMicrophone(granted ? 'granted' : 'denied', this.platform)
        return this.last
      }
    }
    this.last = this.read()
    return this.last
  }

  /** The renderer's getUserMedia failed with this error name. */
  captureFailed(errorName: string): MicrophoneStatus {
    let state = stateFromCaptureError(errorName)
    // On macOS and Windows the OS knows better whether it was a permission problem.
    if (state === 'denied' && this.access && this.platform !== 'linux') {
      const os = this.access.getMediaAccessStatus('microphone')
      if (os === 'restricted') state = 'restricted'
    }
    this.last = state === 'unknown'
      ? { state, message: 'The microphone could not be opened (another app may be using it).', fix: 'Close other apps that use the microphone, or pick another input under Audio in settings, then try again.', settingsUrl: null }
      : describeMicrophone(state, this.platform)
    return this.last
  }

  /** A capture worked: the microphone is fine. */
  captureSucceeded(): MicrophoneStatus {
    this.last = describeMicrophone('granted', this.platform)
    return this.last
  }

  private read(): MicrophoneStatus {
    if (!this.access || (this.platform !== 'darwin' && this.platform !== 'win32')) return describeMicrophone('unknown', this.platform)
    let state: MediaAccessState = 'unknown'
    try {
      state = this.access.getMediaAccessStatus('microphone')
    } catch {
      state = 'unknown'
    }
    return describeMicrophone(state, this.platform)
  }
}

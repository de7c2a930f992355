/**
 * Microphone selection and error mapping. Pure (no DOM access): the engine feeds it what
 * navigator.mediaDevices returns, and tests feed it fake device lists.
 */

export interface DeviceLike {
  deviceId: string
  kind: string
  label: string
  groupId?: string
}

export interface InputChoice {
  /** The device to open; null = the system default. */
  deviceId: string | null
  /** True when the wanted device is not present and the default is used instead. */
  fallback: boolean
}

/**
 * Which microphone to open. `wanted` is the user's choice (null = default). When it is not in the
 * list (unplugged, or an id from another machine), fall back to the default. An empty list means
 * we cannot tell (no permission yet, labels and ids hidden): try the wanted device.
 */
export function pickInputDevice(devices: readonly DeviceLike[], wanted: string | null): InputChoice {
  if (!wanted || wanted === 'default') return { deviceId: null, fallback: false }
  const inputs = devices.filter((d) => d.kind === 'audioinput')
  if (inputs.length === 0 || inputs.every((d) => d.deviceId === '')) return { deviceId: wanted, fallback: false }
  return inputs.some((d) => d.deviceId === wanted) ? { deviceId: wanted, fallback: false } : { deviceId: null, fallback: true }
}

/**
 * After a `devicechange`: what to do with the microphone in use.
 * - 'keep': nothing changed for us.
 * - 'fallback': the device we use is gone; switch to the default.
 * - 'restore': we were on the default because the wanted device was missing, and it is back.
 */
export function onDeviceChange(
  devices: readonly DeviceLike[],
  wanted: string | null,
  current: InputChoice,
): 'keep' | 'fallback' | 'restore' {
  const inputs = devices.filter((d) => d.kind === 'audioinput')
  const present = (id: string) => inputs.some((d) => d.deviceId === id)
  if (current.deviceId !== null && !present(current.deviceId)) return 'fallback'
  if (current.fallback && wanted && wanted !== 'default' && present(wanted)) return 'restore'
  return 'keep'
}

export interface ProcessingSettings {
  echoCancellation: boolean
  noiseSuppression: boolean
  autoGainControl: boolean
}

/**
 * getUserMedia audio constraints. In always-listening mode the agent's own voice reaches the
 * microphone, so echo cancellation and noise suppression are forced on there; in push-to-talk the
 * settings decide.
 */
export function audioConstraints(deviceId: string | null, processing: ProcessingSettings, alwaysListening: boolean): MediaTrackConstraintsLike {
  const constraints: MediaTrackConstraintsLike = {
    channelCount: { ideal: 1 },
    echoCancellation: alwaysListening || processing.echoCancellation,
    noiseSuppression: alwaysListening || processing.noiseSuppression,
    autoGainControl: processing.autoGainControl,
  }
  if (deviceId) constraints.deviceId = { exact: deviceId }
  return constraints
}

/** The subset of MediaTrackConstraints we use (kept structural so this file needs no DOM lib). */
export interface MediaTrackConstraintsLike {
  deviceId?: { exact: string }
  channelCount?: { ideal: number }
  echoCancellation?: boolean
  noiseSuppression?: boolean
  autoGainControl?: boolean
}

export type MicrophoneErrorCode =
  /** The user or the OS refused access (NotAllowedError, SecurityError). */
  | 'denied'
  /** No microphone at all (NotFoundError). */
  | 'not-found'
  /** The device exists but cannot be opened: another app holds it, or a driver error (NotReadableError, AbortError). */
  | 'in-use'
  /** The chosen device cannot satisfy the constraints (OverconstrainedError). */
  | 'overconstrained'
  /** getUserMedia or AudioWorklet is missing (insecure origin, very old runtime). */
  | 'unsupported'
  | 'unknown'

const MESSAGES: Record<MicrophoneErrorCode, string> = {
  denied: 'Microphone access was denied. Allow Earshot to use the microphone in your system privacy settings, then try again.',
  'not-found': 'No microphone was found. Connect one, or pick another input device in Settings.',
  'in-use': 'The microphone could not be opened: another application may be using it. Close it or pick another input device.',
  overconstrained: 'The chosen microphone cannot be used with these settings. Pick another input device.',
  unsupported: 'Audio capture is not available in this window.',
  unknown: 'The microphone could not be started.',
}

export class MicrophoneError extends Error {
  readonly code: MicrophoneErrorCode
  /** The DOMException name that caused it, when there was one. */
  readonly domName: string | undefined
  constructor(code: MicrophoneErrorCode, detail?: string, domName?: string) {
    super(detail ? `${MESSAGES[code]} (${detail})` : MESSAGES[code])
    this.name = 'MicrophoneError'
    this.code = code
    this.domName = domName
  }
}

/** Maps whatever getUserMedia threw to a MicrophoneError. */
export function toMicrophoneError(error: unknown): MicrophoneError {
  if (error instanceof MicrophoneError) return error
  const name = typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : ''
  const message = typeof error === 'object' && error !== null && 'message' in error ? String((error as { message: unknown }).message) : String(error)
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return new MicrophoneError('denied', message, name)
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return new MicrophoneError('not-found', message, name)
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return new MicrophoneError('in-use', message, name)
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError':
      return new MicrophoneError('overconstrained', message, name)
    case 'TypeError':
      return new MicrophoneError('unsupported', message, name)
    default:
      return new MicrophoneError('unknown', message, name || undefined)
  }
}

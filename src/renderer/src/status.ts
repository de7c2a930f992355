import type { UiStatus } from './voice'

/**
 * The status a window shows: "Listening" only while the microphone really sends; an open session
 * that waits for the user is "Connected". The main window and the companion pill use this with the
 * same labels (STATUS_LABEL).
 */
export function shownStatus(status: UiStatus, capturing: boolean): UiStatus {
  if (capturing && (status === 'ready' || status === 'idle')) return 'listening'
  if (!capturing && status === 'listening') return 'ready'
  return status
}

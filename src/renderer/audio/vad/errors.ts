import type { VadErrorCode } from './protocol'

export type SpeechGateErrorCode = VadErrorCode

const MESSAGES: Record<SpeechGateErrorCode, string> = {
  'model-missing':
    'Always-listening cannot start: a file of its speech detector is missing from this installation. Nothing was sent. Use push-to-talk instead, or reinstall Earshot.',
  'wasm-blocked':
    'Always-listening cannot start: this window is not allowed to run the speech detector (WebAssembly was refused). Nothing was sent. Use push-to-talk instead.',
  'model-invalid':
    'Always-listening cannot start: its speech detector did not load. Nothing was sent. Use push-to-talk instead.',
  'worker-failed':
    'Always-listening stopped: its speech detector is not running. Nothing more is sent. Use push-to-talk instead.',
  unsupported: 'Always-listening is not available here: this window cannot run the speech detector. Use push-to-talk instead.',
}

/**
 * Why the speech gate cannot run. `message` is plain and meant for the UI, which offers
 * push-to-talk (`fallback`); `detail` is the technical cause for logs. The gate never falls back
 * to streaming everything: while it is failed, nothing leaves.
 */
export class SpeechGateError extends Error {
  override readonly name = 'SpeechGateError'
  readonly fallback = 'push-to-talk' as const

  constructor(
    readonly code: SpeechGateErrorCode,
    readonly detail: string,
  ) {
    super(MESSAGES[code])
  }
}

// Always-listening's local speech gate: Silero VAD and an optional openWakeWord phrase, in a
// worker. See gate.ts for the data path and docs/vad.md for how it decides.
export { SpeechGate } from './gate'
export type { SpeechGateEvents, SpeechGateOptions, SpeechGateState } from './gate'
export { DEFAULT_GATE_PARAMS, SpeechGateCore } from './gate-core'
export type { CloseReason, GateCloseEvent, GateOpenEvent, OpenReason, SpeechGateParams, Verdict } from './gate-core'
export { SpeechGateError } from './errors'
export type { SpeechGateErrorCode } from './errors'
export { SILERO_VAD, WAKE_FRONT_END, WAKE_PHRASES, isWakePhraseId } from './licences'
export type { ModelLicence, ModelSource, WakePhrase, WakePhraseId } from './licences'

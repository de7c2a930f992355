// The renderer's audio engine (no React): capture and playback AudioWorklets. See engine.ts.
export { AudioEngine } from './engine'
export type {
  AudioEngineOptions,
  CaptureSink,
  EngineEvents,
  FlushResult,
  FrameInfo,
  MediaDevicesLike,
  MicrophoneOptions,
  OutputDeviceResult,
  PlaybackEvent,
} from './engine'
export { MicrophoneError, audioConstraints, onDeviceChange, pickInputDevice, toMicrophoneError } from './devices'
export type { DeviceLike, InputChoice, MicrophoneErrorCode, ProcessingSettings } from './devices'
export { DEFAULT_ECHO_GATE, EchoGate } from './echo-gate'
export type { EchoGateParams } from './protocol'
export { EARCON_NAMES, EARCON_URLS, Earcons } from './earcons'
export type { EarconName, EarconSettings, EarconTarget } from './earcons'

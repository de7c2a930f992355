/**
 * WAV files for the CLI: a strict reader for PCM16 (mono or stereo, any rate) with clear errors for
 * everything else, and a writer for PCM16 mono.
 */

export interface WavAudio {
  sampleRate: number
  channels: number
  /** PCM16 mono (stereo is averaged). */
  samples: Int16Array
}

export class WavError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'WavError'
  }
}

const FORMAT_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0003: '32-bit float (IEEE)',
  0x0006: 'A-law',
  0x0007: 'µ-law',
  0x0011: 'IMA ADPCM',
  0x0055: 'MP3',
}

const CONVERT_HINT = 'Convert it first, e.g. `sox in.wav -b 16 -e signed-integer out.wav`.'

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at] ?? 0, bytes[at + 1] ?? 0, bytes[at + 2] ?? 0, bytes[at + 3] ?? 0)
}

/** Parses a WAV file's bytes. `name` is used in error messages. */
export function parseWav(bytes: Uint8Array, name = 'the WAV file'): WavAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length < 12) throw new WavError(`${name} is too short to be a WAV file (${bytes.length} bytes).`)
  const riff = fourcc(bytes, 0)
  if (riff === 'RF64') throw new WavError(`${name} is an RF64 (very large) WAV file, which is not supported. ${CONVERT_HINT}`)
  if (riff !== 'RIFF' || fourcc(bytes, 8) !== 'WAVE') {
    throw new WavError(`${name} is not a WAV file (it does not start with a RIFF/WAVE header).`)
  }
  let offset = 12
  let fmt: { format: number; channels: number; rate: number; blockAlign: number; bits: number } | null = null
  let data: Uint8Array | null = null
  while (offset + 8 <= bytes.length) {
    const id = fourcc(bytes, offset)
    const declared = view.getUint32(offset + 4, true)
    const start = offset + 8
    const size = Math.min(declared, bytes.length - start) // tolerate streamed files (size 0 or too big)
    if (id === 'fmt ') {
      if (size < 16) throw new WavError(`${name} has a damaged format chunk.`)
      let format = view.getUint16(start, true)
      const channels = view.getUint16(start + 2, true)
      const rate = view.getUint32(start + 4, true)
      const blockAlign = view.getUint16(start + 12, true)
      const bits = view.getUint16(start + 14, true)
      if (format === 0xfffe && size >= 40) format = view.getUint16(start + 24, true) // WAVE_FORMAT_EXTENSIBLE sub-format
      fmt = { format, channels, rate, blockAlign, bits }
    } else if (id === 'data') {
      if (!fmt) throw new WavError(`${name} has its audio data before its format chunk.`)
      const streamed = declared === 0 || declared === 0xffffffff
      data = bytes.subarray(start, streamed ? bytes.length : start + size)
      break
    }
    offset = start + declared + (declared % 2)
  }
  if (!fmt) throw new WavError(`${name} has no format chunk; it is not a usable WAV file.`)
  if (fmt.format !== 1) {
    const what = FORMAT_NAMES[fmt.format] ?? `format code ${fmt.format}`
    throw new WavError(`${name} is ${what} audio; Earshot reads 16-bit PCM WAV only. ${CONVERT_HINT}`)
  }
  if (fmt.bits !== 16) throw new WavError(`${name} is ${fmt.bits}-bit PCM; Earshot reads 16-bit PCM WAV only. ${CONVERT_HINT}`)
  if (fmt.channels !== 1 && fmt.channels !== 2) {
    throw new WavError(`${name} has ${fmt.channels} channels; Earshot reads mono or stereo. Mix it down first, e.g. \`sox in.wav -c 1 out.wav\`.`)
  }
  if (fmt.rate < 1000 || fmt.rate > 384000) throw new WavError(`${name} says its sample rate is ${fmt.rate} Hz, which is not a real audio rate.`)
  if (!data) throw new WavError(`${name} has no audio data chunk.`)
  const frameBytes = 2 * fmt.channels
  const frames = Math.floor(data.length / frameBytes)
  const samples = new Int16Array(frames)
  const dataView = new DataView(data.buffer, data.byteOffset, data.byteLength)
  if (fmt.channels === 1) {
    for (let i = 0; i < frames; i++) samples[i] = dataView.getInt16(2 * i, true)
  } else {
    for (let i = 0; i < frames; i++) {
      const l = dataView.getInt16(4 * i, true)
      const r = dataView.getInt16(4 * i + 2, true)
      samples[i] = Math.round((l + r) / 2)
    }
  }
  return { sampleRate: fmt.rate, channels: fmt.channels, samples }
}

/** PCM16 mono samples -> a canonical 44-byte-header WAV file. */
export function encodeWav(samples: Int16Array, sampleRate: number): Uint8Array {
  const dataBytes = samples.length * 2
  const out = new Uint8Array(44 + dataBytes)
  const view = new DataView(out.buffer)
  const ascii = (at: number, text: string) => {
    for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i)
  }
  ascii(0, 'RIFF')
  view.setUint32(4, 36 + dataBytes, true)
  ascii(8, 'WAVE')
  ascii(12, 'fmt ')
  view.setUint32(16, 16, true)
  view.setUint16(20, 1, true) // PCM
  view.setUint16(22, 1, true) // mono
  view.setUint32(24, sampleRate, true)
  view.setUint32(28, sampleRate * 2, true)
  view.setUint16(32, 2, true)
  view.setUint16(34, 16, true)
  ascii(36, 'data')
  view.setUint32(40, dataBytes, true)
  for (let i = 0; i < samples.length; i++) view.setInt16(44 + 2 * i, samples[i] as number, true)
  return out
}

/**
 * Encode-path benchmark: 48 kHz float capture (128-sample render quanta, as an AudioWorklet
 * delivers them) -> band-limited resample to 24 kHz -> PCM16 -> 20 ms frames -> base64 -> the JSON
 * `input_audio_buffer.append` text the OpenAI adapter sends, per frame. Reported as a multiple of
 * real time over 60 s of audio (higher is better). The real adapter code does the last two steps.
 */
import { OpenAIAdapter } from '../../src/shared/s2s/adapters/openai'
import { PcmFramer, Resampler, base64ToBytes, bytesToBase64, floatToInt16 } from '../../src/shared/s2s/pcm'
import type { AdapterHost, SessionConfig } from '../../src/shared/s2s/types'

export interface BenchResult {
  name: string
  value: number
  unit: string
}

const CAPTURE_RATE = 48_000
const TARGET_RATE = 24_000
const SECONDS = 60
const QUANTUM = 128

const CONFIG: SessionConfig = {
  instructions: '',
  greeting: '',
  voice: 'marin',
  model: 'gpt-realtime',
  tools: [],
  turnDetection: 'server_vad',
  transcriptionModel: '',
}

/** A speech-like test signal: a few harmonics with a wobbling pitch, plus noise. Deterministic. */
function makeSignal(): Float32Array {
  const n = CAPTURE_RATE * SECONDS
  const x = new Float32Array(n)
  let seed = 12345
  let phase = 0
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    const f0 = 140 + 40 * Math.sin((2 * Math.PI * i) / (CAPTURE_RATE * 0.7))
    phase += (2 * Math.PI * f0) / CAPTURE_RATE
    x[i] = 0.3 * Math.sin(phase) + 0.15 * Math.sin(2 * phase) + 0.08 * Math.sin(5 * phase) + 0.02 * (seed / 0x7fffffff - 0.5)
  }
  return x
}

/** Runs the whole encode path once; returns elapsed ms and bytes of JSON produced. */
function encodeOnce(signal: Float32Array): { ms: number; bytes: number; frames: number } {
  let bytes = 0
  let frames = 0
  const host: AdapterHost = {
    send: (data) => {
      bytes += typeof data === 'string' ? data.length : data.byteLength
      frames++
    },
    emit: () => undefined,
    now: () => 0,
    playback: { playedMs: () => 0 },
    log: () => undefined,
  }
  const adapter = new OpenAIAdapter({ renewAfterMs: null })
  adapter.start(host, { config: CONFIG, credential: { protocol: 'openai', url: 'ws://bench', protocols: [], expiresAt: null, inputSampleRate: TARGET_RATE, outputSampleRate: TARGET_RATE } })
  bytes = 0
  frames = 0
  const resampler = new Resampler(CAPTURE_RATE, TARGET_RATE)
  const framer = new PcmFramer(TARGET_RATE, 20)
  const started = performance.now()
  for (let offset = 0; offset < signal.length; offset += QUANTUM) {
    const resampled = resampler.process(signal.subarray(offset, offset + QUANTUM))
    if (resampled.length === 0) continue
    for (const frame of framer.push(floatToInt16(resampled))) adapter.sendAudio(frame)
  }
  const ms = performance.now() - started
  return { ms, bytes, frames }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

/** base64 of 20 ms frames by three methods (MB of PCM per second). */
function base64Throughput(): BenchResult[] {
  const frame = new Uint8Array(960)
  for (let i = 0; i < frame.length; i++) frame[i] = (i * 37) & 0xff
  const iterations = 50_000
  const encoded = bytesToBase64(frame)
  const methods: [string, (b: Uint8Array) => { length: number }][] = [
    ['base64_table_codec_mb_per_s', (b) => bytesToBase64(b)],
    ['base64_btoa_fromcharcode_mb_per_s', (b) => btoa(String.fromCharCode.apply(null, b as unknown as number[]))],
    // Decoding (reply audio): the table decoder used by the adapters.
    ['base64_decode_table_mb_per_s', () => base64ToBytes(encoded)],
  ]
  const results: BenchResult[] = []
  for (const [name, fn] of methods) {
    let sink = 0
    for (let i = 0; i < 2000; i++) sink += fn(frame).length // warm-up
    const t0 = performance.now()
    for (let i = 0; i < iterations; i++) sink += fn(frame).length
    const seconds = (performance.now() - t0) / 1000
    if (sink < 0) throw new Error('unreachable')
    results.push({ name, value: Math.round(((iterations * frame.length) / 1e6 / seconds) * 10) / 10, unit: 'MB/s' })
  }
  return results
}

export async function run(): Promise<BenchResult[]> {
  const signal = makeSignal()
  encodeOnce(signal.subarray(0, CAPTURE_RATE * 5)) // warm-up (JIT)
  const runs: number[] = []
  let frames = 0
  for (let i = 0; i < 3; i++) {
    const r = encodeOnce(signal)
    runs.push(r.ms)
    frames = r.frames
  }
  if (frames < (SECONDS * 1000) / 20 - 2) throw new Error(`encode bench produced ${frames} frames for ${SECONDS} s`)
  const ms = median(runs)
  const factor = (SECONDS * 1000) / ms
  return [
    { name: 'encode_realtime_factor', value: Math.round(factor * 10) / 10, unit: 'x' },
    { name: 'encode_ms_per_20ms_frame', value: Math.round((ms / frames) * 1e4) / 1e4, unit: 'ms' },
    ...base64Throughput(),
  ]
}

// Allow `npx tsx test/bench/encode.ts` on its own.
const invokedDirectly = typeof process !== 'undefined' && Array.isArray(process.argv) && /encode\.ts$/.test(process.argv[1] ?? '')
if (invokedDirectly) {
  void run().then((results) => {
    for (const r of results) console.log(`${r.name}\t${r.value}\t${r.unit}`)
  })
}

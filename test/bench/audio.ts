/**
 * Audio engine benchmark, in headless Chromium with a fake microphone (a 440 Hz tone WAV), on
 * the probe page (src/renderer/audio/testing/probe.ts) built by Vite like the app.
 *
 * Clocks: the worklets stamp Date.now() (AudioWorkletGlobalScope has no performance.now), the
 * page stamps Date.now() too, so every figure has 1 ms resolution.
 *
 * - capture_to_send_ms_p95: a frame's FIRST sample entering the capture worklet (the render
 *   quantum that produced it) -> the frame handed to the sink. Includes the 20 ms the frame takes
 *   to fill, the resampler and the message hop. Chromium's own microphone path before the worklet
 *   (device buffer, WebRTC processing) is not visible to the page and not included.
 * - capture_pipeline_ms_p95: the frame's LAST sample -> sink (the engine's own delay).
 * - playback_start_ms_p95: first reply chunk given to play() -> the quantum that rendered its first
 *   sample, plus the context's reported output latency (base + output). The reply streams in
 *   20 ms chunks paced at real time, the hardest case for the jitter buffer.
 * - bargein_flush_ms_p95: flushPlayback() -> the first silent render quantum. (Audio already
 *   handed to the device before the flush, the output latency's worth, still plays.)
 * - truncation_error_ms_max: playedMs() at the barge-in vs the samples the worklet really
 *   rendered before the flush took effect (both with the same latency subtracted).
 * - preroll_ms: audio captured before the push-to-talk press that reached the sink.
 */
import { openProbe, percentile, tempDir, toneWav, type ProbeWindow } from '../fixtures/audio/page'

export interface BenchResult {
  name: string
  value: number
  unit: string
}

export async function run(): Promise<BenchResult[]> {
  const tmp = tempDir('earshot-audio-bench-')
  const wav = toneWav(tmp.dir, 'tone', 440, 10)
  const probe = await openProbe({ fakeMicrophone: wav })
  try {
    const capture = await probe.page.evaluate(async () => {
      const p = (globalThis as unknown as ProbeWindow).audioProbe
      await p.setup({}, { processing: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } })
      await p.sleep(1500)
      const pressAt = Date.now()
      p.engine.startCapture()
      await p.sleep(4000)
      p.engine.stopCapture()
      await p.sleep(400)
      const frames = p.sent(0, false)
      const pre = frames.filter((f) => f.preroll && f.lastAt <= pressAt)
      const live = frames.filter((f) => !f.preroll)
      return {
        prerollMs: pre.reduce((ms, f) => ms + (f.length / f.rate) * 1000, 0),
        firstToSend: live.map((f) => f.sentAt - f.firstAt),
        lastToSend: live.map((f) => f.sentAt - f.lastAt),
      }
    })

    const playback = await probe.page.evaluate(async () => {
      const p = (globalThis as unknown as ProbeWindow).audioProbe
      const latency = p.engine.outputLatencyMs
      const starts: number[] = []
      const waits: number[] = []
      for (let run = 0; run < 20; run++) {
        const itemId = `start-${run}`
        const from = p.playback.length
        const receivedAt = Date.now()
        // 400 ms of reply in 20 ms chunks, paced at real time.
        for (let i = 0; i < 20; i++) {
          p.engine.play(itemId, p.sine(20, 24000, 440, 0.3))
          await p.sleep(20)
        }
        await p.sleep(150)
        const started = p.playback.slice(from).find((e) => e.type === 'started')
        if (started && started.type === 'started') {
          starts.push(started.at - receivedAt + latency)
          waits.push(started.waitedMs)
        }
        await p.engine.flushPlayback()
        await p.sleep(50)
      }
      const flushes: number[] = []
      const truncation: number[] = []
      for (let run = 0; run < 30; run++) {
        const itemId = `flush-${run}`
        p.playSine(itemId, 1500, { amp: 0.3 })
        await p.sleep(150 + ((run * 37) % 400))
        const reported = p.engine.playedMs(itemId)
        const flush = await p.engine.flushPlayback()
        const counts = p.engine.counts(itemId)
        flushes.push(flush.silentAt - flush.sentAt)
        if (counts) truncation.push(Math.abs(reported - Math.max(0, (counts.rendered / 24000) * 1000 - latency)))
        await p.sleep(60)
      }
      return { latency, starts, waits, flushes, truncation }
    })

    return [
      { name: 'capture_to_send_ms_p95', value: percentile(capture.firstToSend, 95), unit: 'ms' },
      { name: 'capture_to_send_ms_p50', value: percentile(capture.firstToSend, 50), unit: 'ms' },
      { name: 'capture_pipeline_ms_p95', value: percentile(capture.lastToSend, 95), unit: 'ms' },
      { name: 'playback_start_ms_p95', value: percentile(playback.starts, 95), unit: 'ms' },
      { name: 'playback_jitter_wait_ms_p95', value: percentile(playback.waits, 95), unit: 'ms' },
      { name: 'output_latency_ms', value: playback.latency, unit: 'ms' },
      { name: 'bargein_flush_ms_p95', value: percentile(playback.flushes, 95), unit: 'ms' },
      { name: 'truncation_error_ms_max', value: Math.max(...playback.truncation), unit: 'ms' },
      { name: 'preroll_ms', value: capture.prerollMs, unit: 'ms' },
    ]
  } finally {
    await probe.close()
    tmp.cleanup()
  }
}

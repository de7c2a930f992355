/**
 * What a push-to-talk press loses when the microphone is closed (the figure behind the default of
 * "Keep the microphone ready"), in headless Chromium with the fake microphone playing a
 * continuous 440 Hz tone, on the audio engine's probe page (test/fixtures/audio/page.ts).
 *
 * Clocks: Date.now() in the page and in the capture worklet (1 ms resolution). A frame's
 * `firstAt` is the render quantum that produced its first sample; a sample's capture time is
 * firstAt + its offset in the frame. "First captured sample" = the first non-silent sample (the
 * tone is never silent, so that is the first sample that came from the microphone; the worklet
 * renders silence while no source is connected).
 *
 * - cold_press_first_sample_ms_p50/_p95: key-down with nothing open -> the first microphone sample
 *   captured, where AudioEngine.init() + openMicrophone() + startCapture() are all issued at the
 *   key-down (a fresh engine per run). Speech in this window is lost.
 * - cold_mic_press_first_sample_ms_p50/_p95: the same with the AudioContext already running (init
 *   at window load, only the microphone opened at the press).
 * - warm_press_first_sample_ms_p50/_p95: the microphone already open for 1.5 s; the same figure is
 *   negative: the pre-roll reaches that far back before the key went down.
 * - *_first_frame_ms_p50: key-down -> the first frame with microphone audio handed to the sink.
 *
 * The fake device opens faster than real hardware (no driver, no device start-up), so the cold
 * figures are a lower bound for a real microphone.
 */
import { openProbe, percentile, tempDir, toneWav, type ProbeWindow } from '../fixtures/audio/page'

export interface BenchResult {
  name: string
  value: number
  unit: string
}

const RUNS = 12

type Mode = 'cold' | 'cold-mic' | 'warm'

export async function run(): Promise<BenchResult[]> {
  const tmp = tempDir('earshot-cold-press-bench-')
  const wav = toneWav(tmp.dir, 'tone', 440, 30)
  const probe = await openProbe({ fakeMicrophone: wav })
  try {
    const measure = (mode: Mode) =>
      probe.page.evaluate(
        async ({ mode, runs }) => {
          const p = (globalThis as unknown as ProbeWindow).audioProbe
          const firstSamples: number[] = []
          const firstFrames: number[] = []
          const problems: string[] = []
          for (let run = 0; run < runs; run++) {
            await p.reset()
            if (mode === 'cold-mic') await p.setup({}, false)
            if (mode === 'warm') await p.setup({}, {})
            await p.sleep(mode === 'cold' ? 300 : 1500)
            let down: number
            if (mode === 'cold') {
              down = Date.now()
              await p.setup({}, {})
              p.engine.startCapture()
            } else if (mode === 'cold-mic') {
              down = Date.now()
              await (p.engine as unknown as { openMicrophone(o?: object): Promise<unknown> }).openMicrophone({})
              p.engine.startCapture()
            } else {
              down = Date.now()
              p.engine.startCapture()
            }
            let found: { sample: number; frame: number } | null = null
            for (let i = 0; i < 300 && !found; i++) {
              for (const f of p.sent(0, true)) {
                const index = f.samples.findIndex((s) => Math.abs(s) > 30)
                if (index >= 0) {
                  found = { sample: f.firstAt + (index * 1000) / f.rate, frame: f.sentAt }
                  break
                }
              }
              if (!found) await p.sleep(10)
            }
            p.engine.stopCapture()
            if (!found) {
              problems.push(`run ${run}: no microphone audio within 3 s`)
              continue
            }
            firstSamples.push(found.sample - down)
            firstFrames.push(found.frame - down)
          }
          await p.reset()
          return { firstSamples, firstFrames, problems }
        },
        { mode, runs: RUNS },
      )
    const results: BenchResult[] = []
    const notes: string[] = []
    for (const [mode, prefix] of [
      ['cold', 'cold_press'],
      ['cold-mic', 'cold_mic_press'],
      ['warm', 'warm_press'],
    ] as const) {
      const r = await measure(mode)
      notes.push(...r.problems.map((p) => `${mode} ${p}`))
      results.push(
        { name: `${prefix}_first_sample_ms_p50`, value: percentile(r.firstSamples, 50), unit: 'ms' },
        { name: `${prefix}_first_sample_ms_p95`, value: percentile(r.firstSamples, 95), unit: 'ms' },
        { name: `${prefix}_first_frame_ms_p50`, value: percentile(r.firstFrames, 50), unit: 'ms' },
      )
    }
    if (notes.length) process.stderr.write(` (${notes.join('; ')})`)
    return results
  } finally {
    await probe.close()
    tmp.cleanup()
  }
}

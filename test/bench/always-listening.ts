/**
 * Always-listening end to end: the real voice window in Chromium (browser harness, the same main
 * handlers as the app), always-listening on from the settings at start, the speech gate on the
 * fake microphone, and the OpenAI simulator on 127.0.0.1 counting what reaches it.
 *
 * The microphone plays 60 s of digital silence and then one spoken request. The microphone opens
 * when always-listening starts ("Keep the microphone ready" off), so the file's clock starts at
 * or after the page loads; anything the simulator receives before page load + 59 s was sent
 * during the silence.
 *
 * - always_listening_frames_sent_60s_silence: input_audio_buffer.append frames the simulator
 *   received during the 60 s of silence (goal 0).
 * - always_listening_sessions_opened_60s_silence: provider sessions opened in that time (goal 0).
 * - always_listening_frames_sent_speech: frames received once the speech played (must be above 0,
 *   or the zero above proves nothing).
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { startOpenAISim } from '../../src/main/sim/openai'
import { tempDir } from '../fixtures/audio/page'
import { RATE } from '../fixtures/vad/sounds'
import { startHarness } from '../harness/harness'

export interface BenchResult {
  name: string
  value: number
  unit: string
}

const SILENCE_S = 60

export async function run(): Promise<BenchResult[]> {
  const tmp = tempDir('earshot-bench-always-')
  const raw = join(tmp.dir, 'raw.wav')
  const wav = join(tmp.dir, 'room.wav')
  execFileSync('espeak-ng', ['-w', raw, 'Earshot, what time is it in Tokyo?'])
  execFileSync('sox', [raw, '-r', String(RATE), '-c', '1', '-b', '16', wav, 'norm', '-3', 'pad', String(SILENCE_S), '4'])
  const sim = await startOpenAISim({ turns: [{ user: 'what time is it in Tokyo', reply: 'It is late evening in Tokyo.', replyMs: 600 }] })
  const appends: number[] = []
  const sessions: number[] = []
  const off = sim.wire.onEntry((entry) => {
    if (entry.kind !== 'text' || entry.dir !== 'in') return
    if (entry.type === 'input_audio_buffer.append') appends.push(performance.now())
    if (entry.type === 'session.update' && sessions.length === 0) sessions.push(performance.now())
  })
  const harness = await startHarness({
    fakeMicrophone: `${wav}%noloop`,
    beforeLoad: (services) => {
      services.settings.update({ alwaysListening: true, audio: { keepMicReady: false }, providers: { openai: { baseUrl: sim.baseUrl } } })
      services.secrets.set('openai', sim.apiKey)
    },
  })
  const loaded = performance.now()
  try {
    const silenceEnd = loaded + (SILENCE_S - 1) * 1000
    await new Promise((done) => setTimeout(done, silenceEnd - performance.now()))
    const inSilence = appends.filter((t) => t < silenceEnd).length
    const sessionsInSilence = sessions.filter((t) => t < silenceEnd).length
    // The speech: wait for the state checked (frames arrive), at most 30 s.
    for (let i = 0; i < 300 && appends.length === inSilence; i++) await new Promise((done) => setTimeout(done, 100))
    await new Promise((done) => setTimeout(done, 2000))
    if (!harness.services.desktop.status().alwaysListening.active) throw new Error('always-listening was not active: the figure would mean nothing')
    return [
      { name: 'always_listening_frames_sent_60s_silence', value: inSilence, unit: 'frames' },
      { name: 'always_listening_sessions_opened_60s_silence', value: sessionsInSilence, unit: 'sessions' },
      { name: 'always_listening_frames_sent_speech', value: appends.length - inSilence, unit: 'frames' },
    ]
  } finally {
    off()
    await harness.close()
    await sim.close()
    tmp.cleanup()
  }
}

/**
 * Turn-taking latency: Earshot's push-to-talk (the turn ends on release) next to the same
 * utterances ended by the provider's server VAD with its default 500 ms of silence (an open
 * microphone and `turn_detection: server_vad`, the way reference clients work).
 *
 * Both runs use the OpenAI simulator (src/main/sim/openai.ts) started in this process on
 * 127.0.0.1 and real `ws` sockets, with the app's Conversation driven as the CLI drives it
 * (src/cli/talk.ts): WavMicrophone as the audio port's capture side, PacedSender feeding 20 ms
 * frames in real time, SimulatedPlayer as the loudspeaker. The room hears 15 espeak-ng utterances
 * (5 phrases x 3 voices) with 2.5 s of digital silence after each. The simulator follows the same
 * script in both modes and replies the moment a turn is answerable (after the VAD's commit in one,
 * after commit + response.create in the other), so the two first-audio figures differ by turn
 * taking only. Simulator and client share this process's event loop; no network delay is modelled.
 *
 * Clocks: performance.now() throughout. Audio time x ms of the room maps to wall time
 * streamStart + x (PacedSender.onStart), so "key-up" and "end of speech" are the instants the
 * room's audio reached them, not when a frame was later processed.
 *
 * - ptt_release_to_commit_ms_p95: key-up (placed at the end of the utterance's speech, rounded up
 *   to the 20 ms frame) -> the `input_audio_buffer.commit` frame logged by the simulator on
 *   arrival. Goal <= tail + 30 ms: the capture tail (PTT_TAIL_MS) goes out first by design.
 * - ptt_capture_tail_ms: that tail (PTT_TAIL_MS in src/cli/talk.ts), printed for reference.
 * - ptt_release_to_first_audio_ms_p50: key-up -> the first reply audio delta the client received.
 * - server_vad_end_to_first_audio_ms_p50: the end of speech in the stream (its last sample above
 *   -50 dBFS) -> the first reply audio delta received, with server VAD at 500 ms of silence.
 * - ptt_latency_vs_server_vad: ptt_release_to_first_audio_ms_p50 / server_vad_end_to_first_audio_ms_p50
 *   (below 1: push-to-talk answers sooner).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PTT_TAIL_MS, WavMicrophone, resampleTo } from '../../src/cli/talk'
import type { PttRange } from '../../src/cli/args'
import { PacedSender } from '../../src/cli/pacer'
import { SimulatedPlayer } from '../../src/cli/playback'
import { wsSocketFactory } from '../../src/cli/socket'
import { parseWav } from '../../src/cli/wav'
import { buildSessionConfig } from '../../src/main/s2s/service'
import { startOpenAISim, OPENAI_RATE } from '../../src/main/sim/openai'
import type { SimScript } from '../../src/main/sim/script'
import { Conversation, type AudioPort, type TurnPolicy } from '../../src/shared/conversation'
import { createAdapter } from '../../src/shared/s2s'
import { defaultSettings } from '../../src/shared/settings/schema'
import { percentile, tempDir } from '../fixtures/audio/page'

export interface BenchResult {
  name: string
  value: number
  unit: string
}

const FRAME_MS = 20
const LEAD_MS = 1000
const GAP_MS = 2500
/** Push-to-talk: the key goes down this long before the speech starts. */
const PRESS_LEAD_MS = 300
/** End of speech: the last sample above this level (-50 dBFS). */
const SPEECH_LEVEL = Math.round(32768 * 10 ** (-50 / 20))
const PHRASES = ['What is the weather like in Lisbon tomorrow?', 'Set a timer for ten minutes.', 'Read me my last message.', 'How far is the moon?', 'Turn the volume down a little.']
const VOICES = ['en', 'en-us', 'en-gb-x-rp']
const N = 15

interface Utterance {
  /** Speech span in the room's audio, ms from its start. */
  startMs: number
  endMs: number
}

interface Room {
  samples: Int16Array
  utterances: Utterance[]
}

/** 15 espeak-ng utterances at 24 kHz with LEAD_MS before the first and GAP_MS of silence after each. */
function buildRoom(dir: string): Room {
  const parts: Int16Array[] = [new Int16Array((OPENAI_RATE * LEAD_MS) / 1000)]
  const utterances: Utterance[] = []
  let at = parts[0]!.length
  for (let i = 0; i < N; i++) {
    const raw = join(dir, `u${i}-raw.wav`)
    const wav = join(dir, `u${i}.wav`)
    execFileSync('espeak-ng', ['-v', VOICES[i % VOICES.length]!, '-s', '165', '-w', raw, PHRASES[i % PHRASES.length]!])
    execFileSync('sox', [raw, '-r', String(OPENAI_RATE), '-c', '1', '-b', '16', wav, 'norm', '-3'])
    const parsed = parseWav(new Uint8Array(readFileSync(wav)), wav)
    const speech = resampleTo(parsed.samples, parsed.sampleRate, OPENAI_RATE)
    let first = 0
    while (first < speech.length && Math.abs(speech[first]!) <= SPEECH_LEVEL) first++
    let last = speech.length - 1
    while (last > first && Math.abs(speech[last]!) <= SPEECH_LEVEL) last--
    utterances.push({ startMs: ((at + first) * 1000) / OPENAI_RATE, endMs: ((at + last + 1) * 1000) / OPENAI_RATE })
    parts.push(speech, new Int16Array((OPENAI_RATE * GAP_MS) / 1000))
    at += speech.length + (OPENAI_RATE * GAP_MS) / 1000
  }
  const samples = new Int16Array(at)
  let offset = 0
  for (const p of parts) {
    samples.set(p, offset)
    offset += p.length
  }
  return { samples, utterances }
}

interface RunResult {
  /** Turn end per utterance (key-up, or end of speech for server VAD), wall ms. */
  ends: number[]
  /** The simulator received input_audio_buffer.commit, wall ms (push-to-talk). */
  commits: number[]
  /** First reply audio delta per response, wall ms, in order. */
  firstAudio: number[]
  /** Turns the simulator's VAD ended (server_vad mode). */
  vadStops: number
}

async function runMode(room: Room, policy: TurnPolicy): Promise<RunResult> {
  const script: SimScript = { turns: room.utterances.map((_, i) => ({ user: `utterance ${i + 1}`, reply: 'Sure, here it is.', replyMs: 800 })) }
  const sim = await startOpenAISim(script)
  const commits: number[] = []
  let vadStops = 0
  const offWire = sim.wire.onEntry((entry) => {
    if (entry.kind !== 'text') return
    if (entry.dir === 'in' && entry.type === 'input_audio_buffer.commit') commits.push(performance.now())
    if (entry.dir === 'out' && entry.type === 'input_audio_buffer.speech_stopped') vadStops++
  })
  const settings = defaultSettings()
  const config = buildSessionConfig(settings, 'openai', [], { greeting: '' }, 'openai')
  const ranges: PttRange[] | null =
    policy === 'push-to-talk'
      ? room.utterances.map((u) => ({ from: (u.startMs - PRESS_LEAD_MS) / 1000, to: (Math.ceil(u.endMs / FRAME_MS) * FRAME_MS) / 1000 }))
      : null
  let streamStart = NaN
  let restarts = 0
  let frameIndex = 0
  const keyUps: number[] = []
  const microphone = new WavMicrophone(ranges, (action) => {
    // The edge fires while frame `frameIndex` (which starts at the key-up's audio time) is handled.
    if (action === 'up') keyUps.push(streamStart + frameIndex * FRAME_MS)
  })
  let player: SimulatedPlayer | null = null
  const audio: AudioPort = {
    startCapture: () => microphone.startCapture(),
    stopCapture: () => microphone.stopCapture(),
    setRates: () => {},
    play: (event) => {
      player ??= new SimulatedPlayer(OPENAI_RATE, () => performance.now())
      player.enqueue(event.itemId, event.responseId, event.pcm)
    },
    endReply: () => {},
    flush: async () => {
      player?.stop()
    },
    get isPlaying() {
      return player?.playing ?? false
    },
    reporter: { playedMs: (itemId: string) => player?.playedMs(itemId) ?? 0 },
  }
  const conversation = new Conversation({
    audio,
    policy,
    session: {
      socketFactory: wsSocketFactory,
      createAdapter,
      open: async () => ({ config, mint: async () => sim.credential(), provider: 'openai', model: config.model }),
    },
    tools: { run: async (call) => ({ output: JSON.stringify({ error: `no tool ${call.name} in this benchmark`, code: 'failed' }), status: 'error' }) },
    now: () => performance.now(),
    idleCloseMs: 24 * 60 * 60 * 1000,
  })
  microphone.conversation = conversation
  const firstAudioOf = new Map<string, number>()
  let repliesDone = 0
  let accepting = false
  let pacer: PacedSender | null = null
  let fileEnded = false
  let resolveDone: () => void = () => {}
  const done = new Promise<void>((resolve) => (resolveDone = resolve))
  let failure: Error | null = null
  conversation.on((event) => {
    switch (event.type) {
      case 'ready':
        accepting = true
        if (pacer) pacer.poke()
        else {
          pacer = new PacedSender({
            samples: room.samples,
            rate: event.inputSampleRate,
            send: (frame) => {
              microphone.frame(frame, frameIndex)
              frameIndex++
            },
            canSend: () => accepting,
            onStart: (start) => {
              if (!Number.isNaN(streamStart)) restarts++
              streamStart = start
            },
            onFileEnd: () => {
              fileEnded = true
              setTimeout(resolveDone, 3000)
            },
          })
          pacer.start()
        }
        return
      case 'status':
        if (event.status === 'reconnecting' || event.status === 'connecting') accepting = false
        return
      case 'audio':
        if (!firstAudioOf.has(event.responseId)) firstAudioOf.set(event.responseId, performance.now())
        return
      case 'reply.done':
        repliesDone++
        if (repliesDone >= N && fileEnded) resolveDone()
        return
      case 'error':
        if (event.error.fatal) {
          failure = new Error(`${policy}: ${event.error.code}: ${event.error.message}`)
          resolveDone()
        }
        return
      case 'closed':
        resolveDone()
        return
      default:
        return
    }
  })
  const timeout = setTimeout(() => {
    failure = new Error(`${policy}: timed out`)
    resolveDone()
  }, LEAD_MS + room.samples.length / (OPENAI_RATE / 1000) + 30_000)
  try {
    if (policy === 'push-to-talk') void conversation.ensureSession()
    else conversation.openMicrophone()
    await done
  } finally {
    clearTimeout(timeout)
    ;(pacer as PacedSender | null)?.stop()
    offWire()
    await conversation.dispose()
    await sim.close()
  }
  if (failure) throw failure
  if (restarts > 0) throw new Error(`${policy}: the stream paused ${restarts} time(s) (a reconnect); timings would be off`)
  const ends = policy === 'push-to-talk' ? keyUps : room.utterances.map((u) => streamStart + u.endMs)
  return { ends, commits, firstAudio: [...firstAudioOf.values()].sort((a, b) => a - b), vadStops }
}

/** For each turn end, the first time in `times` after it (and before the next turn end). */
function following(ends: number[], times: number[]): number[] {
  const out: number[] = []
  ends.forEach((end, i) => {
    const next = ends[i + 1] ?? Infinity
    const t = times.find((x) => x >= end && x < next)
    if (t !== undefined) out.push(t - end)
  })
  return out
}

export async function run(): Promise<BenchResult[]> {
  const tmp = tempDir('earshot-ptt-bench-')
  try {
    const room = buildRoom(tmp.dir)
    const ptt = await runMode(room, 'push-to-talk')
    const vad = await runMode(room, 'provider-vad')
    const toCommit = following(ptt.ends, ptt.commits)
    const pttFirst = following(ptt.ends, ptt.firstAudio)
    const vadFirst = following(vad.ends, vad.firstAudio)
    const notes: string[] = []
    if (ptt.ends.length !== N) notes.push(`${ptt.ends.length} of ${N} key-ups`)
    if (toCommit.length !== N) notes.push(`${toCommit.length} of ${N} commits after a key-up`)
    if (pttFirst.length !== N) notes.push(`${pttFirst.length} of ${N} push-to-talk replies`)
    if (vadFirst.length !== N) notes.push(`${vadFirst.length} of ${N} server-VAD replies`)
    if (vad.vadStops !== N) notes.push(`server VAD ended ${vad.vadStops} turns for ${N} utterances`)
    if (notes.length) process.stderr.write(` (${notes.join('; ')})`)
    process.stderr.write(
      [
        '',
        `  ptt: ${N} utterances per mode on the OpenAI simulator, same script and reply timing in both modes`,
        `  ptt_release_to_commit: key-up -> input_audio_buffer.commit at the simulator (includes the ${PTT_TAIL_MS} ms capture tail)`,
        '  ptt_release_to_first_audio: key-up -> first reply audio delta at the client (push-to-talk, turn_detection null)',
        '  server_vad_end_to_first_audio: end of speech in the stream -> first reply audio delta (server_vad, 500 ms silence)',
        '  ptt_latency_vs_server_vad: the ratio of the two first-audio p50s',
        '',
      ].join('\n'),
    )
    const pttP50 = percentile(pttFirst, 50)
    const vadP50 = percentile(vadFirst, 50)
    return [
      { name: 'ptt_capture_tail_ms', value: PTT_TAIL_MS, unit: 'ms' },
      { name: 'ptt_release_to_commit_ms_p95', value: percentile(toCommit, 95), unit: 'ms' },
      { name: 'ptt_release_to_commit_ms_p50', value: percentile(toCommit, 50), unit: 'ms' },
      { name: 'ptt_release_to_first_audio_ms_p50', value: pttP50, unit: 'ms' },
      { name: 'ptt_release_to_first_audio_ms_p95', value: percentile(pttFirst, 95), unit: 'ms' },
      { name: 'server_vad_end_to_first_audio_ms_p50', value: vadP50, unit: 'ms' },
      { name: 'server_vad_end_to_first_audio_ms_p95', value: percentile(vadFirst, 95), unit: 'ms' },
      { name: 'ptt_latency_vs_server_vad', value: pttP50 / vadP50, unit: 'x' },
    ]
  } finally {
    tmp.cleanup()
  }
}

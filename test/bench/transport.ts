/**
 * OpenAI over WebRTC next to OpenAI over WebSocket, in the whole app: the built renderer in
 * headless Chromium (the browser harness, test/harness/harness.ts, with main's real services), the
 * fake microphone playing espeak-ng speech, push-to-talk held with the mouse, and the same OpenAI
 * simulator (src/main/sim/openai.ts, its WebRTC peer from src/main/sim/webrtc.ts) in this process
 * on 127.0.0.1. One run per transport, TURNS turns each, the same script (every reply 1.5 s).
 *
 * Clock: Date.now() in the page and here (the same machine clock).
 *
 * - websocket_first_audio_ms_p50 / webrtc_first_audio_ms_p50: the talk button released (the end
 *   of speech in push-to-talk) -> the first audible reply audio in the page, per turn. WebSocket:
 *   the engine's output (its volume node, tapped with a 256-frame ScriptProcessor). WebRTC: the
 *   remote track (a MediaStreamSource of it into the same kind of tap). Both include the turn end
 *   (commit; on WebRTC after the uplink has played out), the simulator's reply and the page's
 *   buffering (WebRTC: the jitter buffer).
 * - webrtc_vs_websocket_first_audio_ms: webrtc p50 minus websocket p50 (positive: WebRTC answers later).
 * - The same three with _quiet_preroll: the microphone hears a quiet room (noise at -60 dBFS)
 *   instead of continuous speech, so the pre-roll before each press is empty; on WebRTC the
 *   quiet pre-roll is not sent (src/renderer/src/uplink.ts), on a socket it is.
 * - websocket_release_to_commit_ms_p50 / webrtc_release_to_commit_ms_p50: release -> the simulator
 *   received input_audio_buffer.commit. The capture tail goes first either way; on WebRTC the
 *   commit also waits for the uplink track to play out what was written to it (a press writes its
 *   pre-roll at once, and a track plays in real time) plus the RTP-before-SCTP margin.
 * - websocket_cpu_s_per_min / webrtc_cpu_s_per_min: CPU time of every Chromium process of the run
 *   (utime + stime from /proc, all descendants of this process) per minute of wall time, from the
 *   first press to the end of the last reply. The simulator's own CPU (here) is not counted.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { startOpenAISim, type SimScript } from '../../src/main/sim'
import { simWebRtc } from '../../src/main/sim/webrtc'
import { percentile, speechWav, tempDir } from '../fixtures/audio/page'
import { startHarness } from '../harness/harness'
import { sleep } from '../harness/talk'

export interface BenchResult {
  name: string
  value: number
  unit: string
}

const TURNS = 5
const HOLD_MS = 1500

/** Records when the page had audible reply audio: the engine's output (WebSocket) or the remote track (WebRTC). */
const HEARD_TAP = `(() => {
  const heard = []
  window.__heard = heard
  const tap = (context, source) => {
    const node = context.createScriptProcessor(256, 1, 1)
    node.onaudioprocess = (e) => {
      const d = e.inputBuffer.getChannelData(0)
      let audible = 0
      for (let i = 0; i < d.length; i++) if (Math.abs(d[i]) > 1e-3) audible++
      if (audible > 8) heard.push(Date.now())
      if (heard.length > 50000) heard.splice(0, 10000)
    }
    connect.call(source, node)
    connect.call(node, context.destination)
  }
  const connect = AudioNode.prototype.connect
  AudioNode.prototype.connect = function (dest, ...rest) {
    const result = connect.call(this, dest, ...rest)
    if (dest instanceof AudioDestinationNode && this instanceof GainNode && !this.__tapped) {
      this.__tapped = true
      tap(this.context, this)
    }
    return result
  }
  const Peer = globalThis.RTCPeerConnection
  if (Peer) {
    globalThis.RTCPeerConnection = new Proxy(Peer, {
      construct(target, args, newTarget) {
        const pc = Reflect.construct(target, args, newTarget)
        pc.addEventListener('track', (e) => {
          const context = new AudioContext()
          tap(context, context.createMediaStreamSource(e.streams[0] || new MediaStream([e.track])))
        })
        return pc
      },
    })
  }
})()`

/** CPU seconds (user + system) of every process below this one (Chromium and its helpers). */
function childCpuSeconds(): number {
  const parent = new Map<number, number>()
  const cpu = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      parent.set(Number(name), Number(fields[1]))
      cpu.set(Number(name), Number(fields[11]) + Number(fields[12]))
    } catch {
      // the process ended while we looked
    }
  }
  let ticks = 0
  for (const [pid, t] of cpu) {
    let p = parent.get(pid)
    while (p !== undefined && p > 1 && p !== process.pid) p = parent.get(p)
    if (p === process.pid) ticks += t
  }
  return ticks / 100 // USER_HZ is 100 on Linux
}

async function heardSince(page: Page, from: number): Promise<number | null> {
  return page.evaluate((from) => (globalThis as unknown as { __heard: number[] }).__heard.find((t) => t >= from) ?? null, from)
}

async function runTransport(transport: 'websocket' | 'webrtc', wav: string): Promise<{ firstAudio: number[]; commits: number[]; cpuPerMin: number }> {
  const script: SimScript = { turns: Array.from({ length: TURNS }, (_, i) => ({ user: `turn ${i + 1}`, reply: 'Sure, here is your answer.', replyMs: 1500 })) }
  const sim = await startOpenAISim(script, { webrtc: simWebRtc })
  const harness = await startHarness({
    webrtc: transport === 'webrtc',
    fakeMicrophone: wav,
    initScripts: [HEARD_TAP],
    beforeLoad: (services) => {
      // No earcons: the tap would hear them as the reply.
      services.settings.update({ provider: 'openai', providers: { openai: { baseUrl: sim.baseUrl, transport } }, audio: { earcons: { enabled: false } } })
      services.secrets.set('openai', sim.apiKey)
    },
  })
  try {
    const { page } = harness
    const status = () => page.getByTestId('status').getAttribute('data-status')
    for (let i = 0; i < 100 && (await status()) !== 'idle'; i++) await sleep(50)
    const firstAudio: number[] = []
    const commits: number[] = []
    const cpuStart = childCpuSeconds()
    const wallStart = Date.now()
    for (let turn = 0; turn < TURNS; turn++) {
      await page.getByTestId('talk').hover()
      await page.mouse.down()
      await sleep(HOLD_MS)
      const releasedAt = Date.now()
      await page.mouse.up()
      let heard: number | null = null
      for (let i = 0; i < 200 && heard === null; i++) {
        heard = await heardSince(page, releasedAt)
        if (heard === null) await sleep(20)
      }
      if (heard === null) throw new Error(`${transport}: no reply audio heard for turn ${turn + 1}`)
      firstAudio.push(heard - releasedAt)
      const commit = sim.wire.messages({ dir: 'in' }).filter((m) => m.type === 'input_audio_buffer.commit').pop()
      if (commit && commit.at >= releasedAt) commits.push(commit.at - releasedAt)
      // The reply plays out before the next press (no barge-in in this figure).
      for (let i = 0; i < 200 && (await status()) === 'speaking'; i++) await sleep(50)
      await sleep(400)
    }
    const cpu = childCpuSeconds() - cpuStart
    const minutes = (Date.now() - wallStart) / 60_000
    return { firstAudio, commits, cpuPerMin: cpu / minutes }
  } finally {
    await harness.close()
    await sim.close()
  }
}

export async function run(): Promise<BenchResult[]> {
  const tmp = tempDir('earshot-transport-bench-')
  try {
    const speech = speechWav(tmp.dir, 'speech', 'Hello Earshot, what is the weather like in Lisbon tomorrow afternoon?')
    // A quiet room (noise at -60 dBFS): what the microphone hears before most presses.
    const room = join(tmp.dir, 'room.wav')
    execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', room, 'synth', '30', 'whitenoise', 'vol', '0.001'])
    const results: BenchResult[] = []
    for (const [mic, suffix] of [[speech, ''], [room, '_quiet_preroll']] as const) {
      const ws = await runTransport('websocket', mic)
      const rtc = await runTransport('webrtc', mic)
      const wsP50 = percentile(ws.firstAudio, 50)
      const rtcP50 = percentile(rtc.firstAudio, 50)
      results.push(
        { name: `websocket_first_audio_ms_p50${suffix}`, value: wsP50, unit: 'ms' },
        { name: `webrtc_first_audio_ms_p50${suffix}`, value: rtcP50, unit: 'ms' },
        { name: `webrtc_vs_websocket_first_audio_ms${suffix}`, value: rtcP50 - wsP50, unit: 'ms' },
        { name: `websocket_release_to_commit_ms_p50${suffix}`, value: percentile(ws.commits, 50), unit: 'ms' },
        { name: `webrtc_release_to_commit_ms_p50${suffix}`, value: percentile(rtc.commits, 50), unit: 'ms' },
      )
      if (!suffix) results.push({ name: 'websocket_cpu_s_per_min', value: ws.cpuPerMin, unit: 's' }, { name: 'webrtc_cpu_s_per_min', value: rtc.cpuPerMin, unit: 's' })
    }
    return results
  } finally {
    tmp.cleanup()
  }
}

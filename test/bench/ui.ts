/**
 * The voice window's UI figures, in Chromium through the harness (the built app, real main-process
 * handlers, minting against the local OpenAI simulator). The page's WebSocket is replaced by an
 * in-page OpenAI Realtime server, so events arrive through the app's real path (socket ->
 * adapter -> S2SSession -> voice controller -> transcript store -> React) as fast as we push them.
 *
 * - transcript_update_ms_p95_5k: with 5,000 entries on screen, the time from one agent transcript
 *   delta arriving on the socket to the DOM showing it, laid out (p95 of 60 updates).
 * - heap_growth_mb_60min: a 60-minute conversation (a turn every 12 s: user speech, a streamed
 *   reply with audio, a tool call every fifth turn, barge-in on the next turn) pushed through at
 *   accelerated speed; JS heap after CDP HeapProfiler.collectGarbage, minus the same after a
 *   5-minute warm-up.
 */
import { startOpenAISim } from '../../src/main/sim'
import { startHarness } from '../harness/harness'

/** An in-page stand-in for the OpenAI Realtime socket: `window.__fake.emit(event)` delivers a server event. */
const FAKE_SOCKET = `(() => {
  const fake = { socket: null, sent: 0 }
  window.__fake = fake
  class FakeSocket {
    constructor(url, protocols) {
      this.url = url; this.protocol = 'realtime'; this.readyState = 0; this.binaryType = 'blob'
      this.onopen = null; this.onmessage = null; this.onclose = null; this.onerror = null
      fake.socket = this
      setTimeout(() => { this.readyState = 1; this.onopen && this.onopen({}) }, 0)
    }
    send(data) {
      fake.sent++
      if (typeof data !== 'string' || !data.includes('"session.update"')) return
      setTimeout(() => {
        fake.emit({ type: 'session.created', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', interrupt_response: true } } } } })
      }, 0)
    }
    close(code, reason) { this.readyState = 3; setTimeout(() => this.onclose && this.onclose({ code: code || 1000, reason: reason || '', wasClean: true }), 0) }
  }
  FakeSocket.CONNECTING = 0; FakeSocket.OPEN = 1; FakeSocket.CLOSING = 2; FakeSocket.CLOSED = 3
  fake.emit = (event) => { const s = fake.socket; if (s && s.onmessage) s.onmessage({ data: JSON.stringify(event) }) }
  window.WebSocket = FakeSocket
})()`

interface PageApi {
  turns(from: number, count: number, opts: { words: number; audioMs: number; toolEvery: number }): number
  updateTimes(n: number): Promise<number[]>
}

/** Page-side driver (a string: tsx would add helpers to a serialised function that the page lacks). */
const DRIVER = `(() => {
  const audioB64 = (ms) => {
    const samples = Math.round((24000 * ms) / 1000)
    let s = ''
    for (let i = 0; i < samples; i++) {
      const v = Math.round(Math.sin(i / 9) * 3000) & 0xffff
      s += String.fromCharCode(v & 0xff, v >> 8)
    }
    return btoa(s)
  }
  const chunk = audioB64(100)
  window.__driver = {
    turns(from, count, opts) {
      const emit = window.__fake.emit
      for (let t = from; t < from + count; t++) {
        const user = 'item_u' + t, resp = 'resp_' + t, item = 'item_a' + t
        emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: 0, item_id: user })
        emit({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: 1000, item_id: user })
        emit({ type: 'conversation.item.input_audio_transcription.completed', item_id: user, content_index: 0, transcript: 'User turn ' + t + ': what is the weather like tomorrow?' })
        emit({ type: 'response.created', response: { id: resp, status: 'in_progress', output: [] } })
        if (opts.toolEvery > 0 && t % opts.toolEvery === 0) {
          emit({ type: 'response.function_call_arguments.done', response_id: resp, item_id: 'item_f' + t, call_id: 'call_' + t, name: 'get_current_time', arguments: '{}' })
        }
        for (let k = 0; k < opts.audioMs / 100; k++) emit({ type: 'response.output_audio.delta', response_id: resp, item_id: item, delta: chunk })
        let text = ''
        for (let k = 0; k < opts.words; k++) {
          const word = (k === 0 ? '' : ' ') + 'word' + k
          text += word
          emit({ type: 'response.output_audio_transcript.delta', response_id: resp, item_id: item, delta: word })
        }
        emit({ type: 'response.output_audio_transcript.done', response_id: resp, item_id: item, transcript: text })
        emit({ type: 'response.done', response: { id: resp, status: 'completed', output: [] } })
      }
      return from + count
    },
    async updateTimes(n) {
      const emit = window.__fake.emit
      const el = document.querySelector('[data-testid="transcript"]')
      const times = []
      emit({ type: 'response.created', response: { id: 'resp_bench', status: 'in_progress', output: [] } })
      for (let i = 0; i < n; i++) {
        await new Promise((r) => setTimeout(r, 20))
        const changed = new Promise((resolve) => {
          const mo = new MutationObserver(() => { mo.disconnect(); resolve() })
          mo.observe(el, { subtree: true, childList: true, characterData: true })
        })
        const t0 = performance.now()
        emit({ type: 'response.output_audio_transcript.delta', response_id: 'resp_bench', item_id: 'item_bench', delta: ' w' + i })
        await changed
        void el.scrollHeight // style and layout of the update
        times.push(performance.now() - t0)
      }
      return times
    },
  }
})()`

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? NaN
}

export async function run(): Promise<{ name: string; value: number; unit: string }[]> {
  const sim = await startOpenAISim({ turns: [] })
  const harness = await startHarness({
    initScripts: [FAKE_SOCKET, DRIVER],
    beforeLoad: (services) => {
      services.settings.update({ provider: 'openai', providers: { openai: { baseUrl: sim.baseUrl } } })
      services.secrets.set('openai', sim.apiKey)
    },
  })
  try {
    const { page } = harness
    await page.getByTestId('talk').waitFor()
    // Start a session (the button mints through main and opens the in-page socket).
    await page.getByTestId('talk').hover()
    await page.mouse.down()
    await page.waitForTimeout(300)
    await page.mouse.up()
    await page.waitForFunction(() => {
      const s = document.querySelector('[data-testid="status"]')?.getAttribute('data-status')
      return s === 'ready' || s === 'listening'
    })
    const drive = (from: number, count: number, opts: { words: number; audioMs: number; toolEvery: number }) =>
      page.evaluate(([f, c, o]) => (globalThis as unknown as { __driver: PageApi }).__driver.turns(f, c, o), [from, count, opts] as const)
    const cdp = await page.context().newCDPSession(page)
    const heap = async () => {
      await page.waitForTimeout(300)
      await cdp.send('HeapProfiler.collectGarbage')
      await cdp.send('HeapProfiler.collectGarbage')
      const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }
      return usage.usedSize
    }

    // --- heap_growth_mb_60min: 60 minutes at one turn every 12 s = 300 turns; 5-minute warm-up first.
    const opts = { words: 40, audioMs: 2000, toolEvery: 5 }
    let turn = await drive(0, 25, opts)
    await page.waitForTimeout(500)
    const base = await heap()
    while (turn < 325) {
      turn = await drive(turn, 25, opts)
      await page.waitForTimeout(100)
    }
    await page.waitForTimeout(1500) // tool calls answered, renders settled
    const after = await heap()

    // --- transcript_update_ms_p95_5k: fill to 5,000 entries, then time single updates.
    const count = () => page.evaluate(() => document.querySelectorAll('.entry, .tool-card').length)
    while ((await count()) < 5000) {
      turn = await drive(turn, 250, { words: 12, audioMs: 0, toolEvery: 0 })
      await page.waitForTimeout(50)
    }
    const times = await page.evaluate((n) => (globalThis as unknown as { __driver: PageApi }).__driver.updateTimes(n), 60)
    return [
      { name: 'transcript_update_ms_p95_5k', value: Math.round(p95(times.slice(5)) * 100) / 100, unit: 'ms' },
      { name: 'heap_growth_mb_60min', value: Math.round(((after - base) / (1024 * 1024)) * 100) / 100, unit: 'MB' },
    ]
  } finally {
    await harness.close()
    await sim.close()
  }
}

/**
 * SpeechGate: decides when captured audio may leave the machine in always-listening mode.
 *
 *   capture worklet -> AudioEngine -> gate.sink.send(pcm, info)      (main thread, 20 ms frames)
 *        -> copy posted to the VAD worker (vad.worker.ts: Silero VAD, openWakeWord)
 *        <- one verdict per frame (speech probability, phrase score)
 *        -> SpeechGateCore decides (gate-core.ts) -> 'frame' events: what may be sent
 *
 * Frames wait on the main thread only until their verdict is back (the worker's time on one
 * frame, about a millisecond). A gate that failed (models missing, WebAssembly refused, worker
 * died) lets nothing through and says why with a SpeechGateError.
 */
import type { CaptureSink, FrameInfo } from '../engine'
import { bundledAssets, wakeAssets } from './assets'
import { SpeechGateError } from './errors'
import { SpeechGateCore, type GateCloseEvent, type GateOpenEvent, type SpeechGateParams } from './gate-core'
import type { WakePhraseId } from './licences'
import type { VadAssets, VadInMessage, VadOutMessage } from './protocol'

export interface SpeechGateOptions extends Partial<SpeechGateParams> {
  /** Start with this wake phrase on (null / absent: any speech opens the gate). */
  wakePhrase?: WakePhraseId | null
  /** Replaces bundled file URLs (tests use it to make a model go missing); `wake` replaces every phrase's files. */
  assets?: Partial<VadAssets>
  /** How long create() waits for the worker to load its models. Default 30 s. */
  loadTimeoutMs?: number
}

export type SpeechGateState = 'listening' | 'open' | 'failed' | 'disposed'

export interface SpeechGateEvents {
  /** Audio that may leave the machine, in capture order (pre-roll frames marked `preroll`). */
  frame: { pcm: Int16Array; info: FrameInfo }
  /** The gate opened (`at`: Date.now() when it decided). The frames follow at once. */
  open: GateOpenEvent & { at: number }
  /** The gate closed: nothing leaves until the next opening. */
  close: GateCloseEvent & { at: number }
  /** The wake phrase was heard (score >= threshold), whether or not it opened the gate. */
  wake: { score: number; seq: number; at: number }
  /** The gate failed after it had started (it is closed for good; nothing leaves). */
  error: SpeechGateError
  /** Every worker verdict (for meters and benchmarks). */
  verdict: { seq: number; vad: number | null; wake: number | null; workerMs: number }
}

type Listener<T> = (value: T) => void

interface Pending {
  pcm: Int16Array
  info: FrameInfo
}

export class SpeechGate {
  private readonly worker: Worker
  private readonly core: SpeechGateCore
  private readonly listeners = new Map<keyof SpeechGateEvents, Set<Listener<never>>>()
  private readonly pending: Pending[] = []
  private settleWaiters: (() => void)[] = []
  private wakeWaiter: { resolve(): void; reject(e: SpeechGateError): void } | null = null
  private currentState: SpeechGateState = 'listening'
  private failure: SpeechGateError | null = null
  private phrase: WakePhraseId | null
  private readonly overrides: Partial<VadAssets>
  /** Resolves once the models are loaded; rejects with a SpeechGateError. */
  readonly ready: Promise<void>
  /** Milliseconds the worker took to load the runtime and models. */
  loadMs = 0

  /** What the engine sends frames to (always ready: the gate decides what goes on). */
  readonly sink: CaptureSink = { isReady: () => true, send: (pcm, info) => this.push(pcm, info) }

  /** Loads the worker and models; rejects with a SpeechGateError the UI can show. */
  static async create(options: SpeechGateOptions = {}): Promise<SpeechGate> {
    if (typeof Worker === 'undefined' || typeof WebAssembly === 'undefined') {
      throw new SpeechGateError('unsupported', `Worker: ${typeof Worker}, WebAssembly: ${typeof WebAssembly}`)
    }
    const gate = new SpeechGate(options)
    await gate.ready
    return gate
  }

  private constructor(options: SpeechGateOptions) {
    const { wakePhrase = null, assets, loadTimeoutMs = 30_000, ...params } = options
    this.phrase = wakePhrase
    this.core = new SpeechGateCore(params, {
      frame: (pcm, info) => this.emit('frame', { pcm, info }),
      open: (e) => {
        this.currentState = 'open'
        this.emit('open', { ...e, at: Date.now() })
      },
      close: (e) => {
        if (this.currentState === 'open') this.currentState = 'listening'
        this.emit('close', { ...e, at: Date.now() })
      },
      wake: (score, seq) => this.emit('wake', { score, seq, at: Date.now() }),
    })
    this.core.setWakePhrase(wakePhrase !== null)
    this.overrides = assets ?? {}
    const bundled = bundledAssets(null)
    const wake = wakePhrase ? (this.overrides.wake ?? wakeAssets(wakePhrase)) : undefined
    const initial: VadAssets = { wasm: this.overrides.wasm ?? bundled.wasm, vad: this.overrides.vad ?? bundled.vad, ...(wake ? { wake } : {}) }
    this.worker = new Worker(new URL('./vad.worker.ts', import.meta.url), { type: 'module', name: 'earshot-vad' })
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new SpeechGateError('worker-failed', `the speech detector did not load within ${loadTimeoutMs} ms`)), loadTimeoutMs)
      const fail = (error: SpeechGateError) => {
        clearTimeout(timer)
        this.fail(error, false)
        reject(error)
      }
      this.worker.onerror = (event) => {
        event.preventDefault()
        const error = new SpeechGateError('worker-failed', event.message || 'the speech detector worker could not start')
        if (this.loadMs === 0) fail(error)
        else this.fail(error, true)
      }
      this.worker.onmessage = (event: MessageEvent<VadOutMessage>) => {
        const m = event.data
        if (m.type === 'ready') {
          clearTimeout(timer)
          this.loadMs = m.loadMs
          resolve()
        } else if (m.type === 'error' && m.during === 'init') fail(new SpeechGateError(m.code, m.detail))
        else this.onWorker(m)
      }
    })
    // Nobody may be listening to `ready` (create() is); the rejection is reported there.
    this.ready.catch(() => {})
    this.post({ type: 'init', assets: initial })
  }

  get state(): SpeechGateState {
    return this.currentState
  }

  /** Why the gate failed (null while it works). */
  get error(): SpeechGateError | null {
    return this.failure
  }

  get isOpen(): boolean {
    return this.core.open
  }

  /** True while the VAD hears speech (whether or not the gate is open). */
  get speaking(): boolean {
    return this.core.speaking
  }

  get wakePhrase(): WakePhraseId | null {
    return this.phrase
  }

  /** Frames waiting for their verdict. */
  get backlog(): number {
    return this.pending.length
  }

  get params(): SpeechGateParams {
    return { ...this.core.params }
  }

  on<K extends keyof SpeechGateEvents>(type: K, listener: Listener<SpeechGateEvents[K]>): () => void {
    let set = this.listeners.get(type)
    if (!set) this.listeners.set(type, (set = new Set()))
    set.add(listener as Listener<never>)
    return () => set.delete(listener as Listener<never>)
  }

  private emit<K extends keyof SpeechGateEvents>(type: K, value: SpeechGateEvents[K]): void {
    for (const listener of this.listeners.get(type) ?? []) (listener as Listener<SpeechGateEvents[K]>)(value)
  }

  /** One capture frame (the engine's sink calls this). The caller's array is kept, not copied. */
  push(pcm: Int16Array, info: FrameInfo): void {
    if (this.currentState === 'failed' || this.currentState === 'disposed') return
    this.pending.push({ pcm, info })
    const copy = pcm.slice()
    this.post({ type: 'frame', seq: info.seq, rate: info.rate, pcm: copy }, [copy.buffer])
  }

  /** Resolves when every frame pushed so far has been decided. */
  settled(): Promise<void> {
    if (this.pending.length === 0 || this.currentState === 'failed' || this.currentState === 'disposed') return Promise.resolve()
    return new Promise((resolve) => this.settleWaiters.push(resolve))
  }

  setParams(params: Partial<SpeechGateParams>): void {
    this.core.setParams(params)
  }

  /**
   * Turns the wake phrase on (or off with null). While its model loads, and if it fails to load,
   * plain speech does not open the gate; the promise rejects with a SpeechGateError then.
   */
  setWakePhrase(phrase: WakePhraseId | null): Promise<void> {
    if (phrase === this.phrase) return Promise.resolve()
    if (this.currentState === 'failed' || this.currentState === 'disposed') return Promise.reject(this.failure ?? new SpeechGateError('worker-failed', 'the gate was disposed'))
    this.phrase = phrase
    this.core.setWakePhrase(phrase !== null)
    this.wakeWaiter?.reject(new SpeechGateError('model-invalid', 'superseded by another wake-phrase change'))
    const done = new Promise<void>((resolve, reject) => (this.wakeWaiter = { resolve, reject }))
    this.post({ type: 'wake', wake: phrase ? (this.overrides.wake ?? wakeAssets(phrase)) : null })
    return done
  }

  /** After a reply: for `ms` (default `followUpMs`), speech opens the gate without the phrase. */
  armFollowUp(ms?: number): void {
    this.core.armFollowUp(ms)
  }

  endFollowUp(): void {
    this.core.endFollowUp()
  }

  /** Milliseconds of follow-up window left (audio time). */
  get followUpLeftMs(): number {
    return this.core.followUpMs
  }

  /** Closes now (turn ended elsewhere, mode changed). The ongoing speech cannot reopen it. */
  close(): void {
    this.core.close()
  }

  /** Forgets the audio history and state (another microphone, a new session). */
  reset(): void {
    this.core.reset()
    this.post({ type: 'reset' })
  }

  /** Stops the worker. Nothing leaves afterwards. */
  dispose(): void {
    if (this.currentState === 'disposed') return
    if (this.core.open) this.core.close()
    this.currentState = 'disposed'
    this.worker.terminate()
    this.pending.length = 0
    this.flushSettled()
    this.listeners.clear()
  }

  private post(message: VadInMessage, transfer: Transferable[] = []): void {
    if (this.currentState === 'failed' || this.currentState === 'disposed') return
    this.worker.postMessage(message, transfer)
  }

  private onWorker(m: VadOutMessage): void {
    switch (m.type) {
      case 'verdict': {
        const frame = this.pending.shift()
        if (!frame) return
        this.emit('verdict', { seq: m.seq, vad: m.vad, wake: m.wake, workerMs: m.ms })
        this.core.process(frame, { vad: m.vad, wake: m.wake })
        if (this.pending.length === 0) this.flushSettled()
        break
      }
      case 'wake-ready':
        this.wakeWaiter?.resolve()
        this.wakeWaiter = null
        break
      case 'error':
        if (m.during === 'wake') {
          this.wakeWaiter?.reject(new SpeechGateError(m.code, m.detail))
          this.wakeWaiter = null
        } else this.fail(new SpeechGateError(m.code === 'model-invalid' ? 'worker-failed' : m.code, m.detail), true)
        break
      case 'ready':
        break
    }
  }

  private fail(error: SpeechGateError, report: boolean): void {
    if (this.currentState === 'failed' || this.currentState === 'disposed') return
    this.failure = error
    if (this.core.open) this.core.close()
    this.currentState = 'failed'
    this.pending.length = 0
    this.worker.terminate()
    this.wakeWaiter?.reject(error)
    this.wakeWaiter = null
    this.flushSettled()
    if (report) this.emit('error', error)
  }

  private flushSettled(): void {
    const waiters = this.settleWaiters
    this.settleWaiters = []
    for (const w of waiters) w()
  }
}

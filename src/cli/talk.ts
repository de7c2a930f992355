/**
 * `earshot talk`: one conversation from WAV files, headless, on the app's own code: the same
 * Conversation as the voice window (src/shared/conversation) over the S2SSession runtime and
 * adapters, main's minting (mintFor) and the tool registry and executor in src/main/tools. The
 * CLI adds only its ports: IN.wav paced in real time as the room the microphone hears (with a
 * push-to-talk key held during the --ptt ranges), a simulated loudspeaker that records OUT.wav,
 * and EVENTS.jsonl. The contract this follows: docs/cli.md.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { Conversation, parseMaybeJson, type AudioPort, type ConversationEvent } from '../shared/conversation'
import { createAdapter, floatToInt16, int16ToFloat, Resampler, SpekoTelemetry } from '../shared/s2s'
import type { ProtocolId, S2SError, SessionCredential, SocketFactory } from '../shared/s2s/types'
import { isKeyed, providerOf, PROVIDERS } from '../shared/providers'
import { defaultSettings, KEYED_PROVIDERS, type KeyedProvider, type Settings } from '../shared/settings/schema'
import { approvalPolicy, createNodeTools } from '../main/tools'
import type { FetchLike } from '../main/s2s/mint'
import { buildSessionConfig, mintFor } from '../main/s2s/service'
import { EXIT, type PttRange, type TalkOptions } from './args'
import { startCliMcp } from './mcp'
import { createTalkHistory, TalkHistoryError } from './history'
import { EventsWriter } from './events'
import { PacedSender, realClock, type PacerClock } from './pacer'
import { SimulatedPlayer } from './playback'
import { wsSocketFactory } from './socket'
import { encodeWav, parseWav, WavError } from './wav'

/** A local Demo server (no key): speaks one protocol and mints credentials for itself. */
export interface DemoServer {
  protocol: ProtocolId
  credential(): SessionCredential
  close(): Promise<void>
}

export interface TalkDeps {
  env: Readonly<Record<string, string | undefined>>
  /** One line for the user (the failure message). */
  stderr(line: string): void
  socketFactory?: SocketFactory
  fetch?: FetchLike
  startDemo?: () => Promise<DemoServer>
  clock?: PacerClock
  /** Debug lines (EARSHOT_DEBUG=1). */
  debug?: (line: string) => void
  /** The short live transcript (stderr unless --quiet). */
  live?: (line: string) => void
}

type ProviderEnv = NonNullable<(typeof PROVIDERS)[KeyedProvider]['key']>['env']

/** Where the CLI reads each keyed provider's key and endpoint (its descriptor's key.env). */
export const PROVIDER_ENV = Object.fromEntries(KEYED_PROVIDERS.map((id) => [id, PROVIDERS[id].key.env])) as Record<KeyedProvider, ProviderEnv>

/** How long a finished reply must stay quiet before it counts as fully played (late audio). */
const SETTLE_MS = 300
/** Push-to-talk: audio from this long before key-down is sent first (the app's capture pre-roll). */
export const PTT_PREROLL_MS = 600
/** Push-to-talk: audio this long after key-up is still sent (the app's capture tail). */
export const PTT_TAIL_MS = 300
const FRAME_MS = 20

class TalkFailure extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    /** The `code` of the EVENTS.jsonl error line for this failure. */
    readonly code = 'failed',
    /** True when an error line for it is already in EVENTS.jsonl. */
    public logged = false,
  ) {
    super(message)
  }
}

/** A human reason for a failed file write ("the folder … does not exist" rather than a raw ENOENT). */
function writeProblem(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return `the folder ${dirname(resolve(path))} does not exist`
  if (code === 'EISDIR') return 'it is a folder'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  return (error as Error).message
}

function exitCodeFor(code: S2SError['code']): number {
  switch (code) {
    case 'auth_failed':
    case 'token_expired':
      return EXIT.auth
    case 'timeout':
      return EXIT.timeout
    case 'offline':
    case 'provider_unavailable':
    case 'rate_limited':
      return EXIT.unavailable
    default:
      return EXIT.failed
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}


/**
 * The CLI's microphone as the Conversation's audio port. Every paced frame of IN.wav is the room;
 * what reaches the provider is decided like in the app: the open microphone sends everything,
 * push-to-talk sends the pre-roll at key-down, the held audio, and the tail after key-up, then
 * tells the conversation the tail is out. Key edges are frame-exact in IN.wav time.
 */
export class WavMicrophone {
  conversation: Conversation | null = null
  private capturing = false
  private tailLeft = 0
  private ring: Int16Array[] = []
  private rangeIndex = 0
  private held = false

  constructor(
    private readonly ranges: readonly PttRange[] | null,
    private readonly edge: (action: 'down' | 'up') => void,
  ) {}

  /** The pacer produced frame `index` (IN.wav time index * 20 ms). */
  frame(pcm: Int16Array, index: number): void {
    const conversation = this.conversation
    if (!conversation) return
    const ranges = this.ranges
    if (ranges) {
      const t = (index * FRAME_MS) / 1000
      if (this.held) {
        const range = ranges[this.rangeIndex]
        if (range && t >= range.to - 1e-9) {
          this.held = false
          this.rangeIndex++
          this.edge('up')
          conversation.release()
        }
      }
      const next = ranges[this.rangeIndex]
      if (!this.held && next && t >= next.from - 1e-9 && t < next.to - 1e-9) {
        this.held = true
        this.edge('down')
        conversation.press()
      }
    }
    if (this.capturing) {
      conversation.sendAudio(pcm)
      return
    }
    if (this.tailLeft > 0) {
      conversation.sendAudio(pcm)
      this.tailLeft--
      if (this.tailLeft === 0) conversation.captureEnded()
      return
    }
    this.ring.push(pcm)
    if (this.ring.length > PTT_PREROLL_MS / FRAME_MS) this.ring.shift()
  }

  startCapture(): void {
    const conversation = this.conversation
    this.capturing = true
    this.tailLeft = 0
    const preroll = this.ring
    this.ring = []
    for (const pcm of preroll) conversation?.sendAudio(pcm)
  }

  stopCapture(): void {
    if (!this.capturing) return
    this.capturing = false
    this.tailLeft = PTT_TAIL_MS / FRAME_MS
  }
}

export function resampleTo(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return samples
  const resampler = new Resampler(fromRate, toRate)
  const body = resampler.process(int16ToFloat(samples))
  const tail = resampler.flush()
  const all = new Float32Array(body.length + tail.length)
  all.set(body)
  all.set(tail, body.length)
  return floatToInt16(all)
}

function readInput(path: string): { sampleRate: number; samples: Int16Array } {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (error as Error).message
    throw new TalkFailure(EXIT.usage, `Cannot read --in ${path}: ${why}.`)
  }
  try {
    return parseWav(bytes, path)
  } catch (error) {
    if (error instanceof WavError) throw new TalkFailure(EXIT.usage, error.message)
    throw error
  }
}

function baseUrlFrom(env: TalkDeps['env'], spec: ProviderEnv): string {
  const raw = env[spec.baseVar]?.trim()
  const base = raw ? raw : spec.defaultBase
  let url: URL
  try {
    url = new URL(base)
  } catch {
    throw new TalkFailure(EXIT.usage, `${spec.baseVar} is not a valid URL ("${base}").`, 'bad_endpoint')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TalkFailure(EXIT.usage, `${spec.baseVar} must be an http:// or https:// URL ("${base}").`, 'bad_endpoint')
  if (url.username || url.password) throw new TalkFailure(EXIT.usage, `${spec.baseVar} must not contain a user name or password.`, 'bad_endpoint')
  return base
}

/** Runs one conversation; returns the process exit code. Never throws. */
export async function runTalk(options: TalkOptions, deps: TalkDeps): Promise<number> {
  const debug = deps.debug ?? (() => {})
  let events: EventsWriter | null = null
  let demo: DemoServer | null = null
  try {
    return await talk(options, deps, debug, (writer) => (events = writer), (server) => (demo = server))
  } catch (error) {
    const writer = events as EventsWriter | null
    if (error instanceof TalkFailure) {
      // Every failure after EVENTS.jsonl exists is also an error line there (docs/cli.md: each real error).
      if (!error.logged) writer?.write({ type: 'error', code: error.code, message: oneLine(error.message) })
      deps.stderr(`earshot: ${oneLine(error.message)}`)
      return error.exitCode
    }
    const message = oneLine(error instanceof Error ? error.message : String(error))
    writer?.write({ type: 'error', code: 'unexpected', message })
    deps.stderr(`earshot: unexpected failure: ${message}`)
    return EXIT.failed
  } finally {
    ;(events as EventsWriter | null)?.close()
    await (demo as DemoServer | null)?.close().catch(() => undefined)
  }
}

async function talk(
  options: TalkOptions,
  deps: TalkDeps,
  debug: (line: string) => void,
  setEvents: (writer: EventsWriter) => void,
  setDemo: (server: DemoServer) => void,
): Promise<number> {
  const input = readInput(options.inPath)
  const clock = deps.clock ?? realClock
  const live = deps.live ?? (() => {})

  // Outputs: created (and so checked) before anything goes on the network.
  try {
    writeFileSync(options.outPath, encodeWav(new Int16Array(0), 24000))
  } catch (error) {
    throw new TalkFailure(EXIT.usage, `Cannot write --out ${options.outPath}: ${writeProblem(error, options.outPath)}.`)
  }
  let events: EventsWriter
  try {
    events = new EventsWriter(options.transcriptPath, () => clock.now())
  } catch (error) {
    throw new TalkFailure(EXIT.usage, `Cannot write --transcript ${options.transcriptPath}: ${writeProblem(error, options.transcriptPath)}.`)
  }
  setEvents(events)

  let closeHistory: () => void = () => {}
  // Provider, key and endpoint: main's own minting (mintFor) with the endpoint from the environment.
  const tools = createNodeTools({ log: debug })
  const mcp = options.mcpConfig === undefined ? null : await startCliMcp(options.mcpConfig, tools.registry, debug).catch((error: unknown) => {
    tools.dispose()
    throw new TalkFailure(EXIT.usage, (error as Error).message, 'mcp_config')
  })
  for (const problem of mcp?.problems ?? []) deps.stderr(`earshot: ${problem}`)
  const settings: Settings = defaultSettings()
  let protocol: ProtocolId
  let demoProtocol: ProtocolId = 'openai'
  let keyVar = ''
  let apiKey: string | null = null
  let demo: DemoServer | null = null
  if (!isKeyed(options.provider)) {
    if (!deps.startDemo) throw new TalkFailure(EXIT.failed, 'Demo mode is not available in this build.', 'demo_unavailable')
    try {
      demo = await deps.startDemo()
    } catch (error) {
      throw new TalkFailure(EXIT.failed, `The Demo server could not start: ${(error as Error).message}`, 'demo_unavailable')
    }
    setDemo(demo)
    protocol = demo.protocol
    demoProtocol = demo.protocol
  } else {
    const spec = PROVIDER_ENV[options.provider]
    keyVar = spec.keyVar
    apiKey = deps.env[spec.keyVar]?.trim() ?? ''
    if (!apiKey) throw new TalkFailure(EXIT.auth, `${spec.keyVar} is not set; export your ${options.provider} API key (or use --provider demo).`, 'missing_key')
    settings.providers[options.provider].baseUrl = baseUrlFrom(deps.env, spec)
    protocol = providerOf(options.provider).protocol ?? demoProtocol
  }
  const provider = options.provider
  const config = buildSessionConfig(settings, provider, tools.registry.declarations(), { greeting: options.greeting ?? '' }, demoProtocol)
  if (options.historyPath !== undefined) {
    let history: ReturnType<typeof createTalkHistory>
    try {
      history = createTalkHistory(options.historyPath, { provider, model: config.model }, { env: deps.env as NodeJS.ProcessEnv, onError: (message) => deps.stderr(`earshot: ${message}`) })
    } catch (error) {
      tools.dispose()
      throw new TalkFailure(EXIT.usage, error instanceof TalkHistoryError ? error.message : `Cannot open --history ${options.historyPath}: ${(error as Error).message}`, 'history')
    }
    events.tap((line) => history.record(line))
    closeHistory = () => history.close()
  }
  const server = demo as DemoServer | null
  let mints = 0
  const mint = async (): Promise<SessionCredential> => {
    mints++
    debug(`mint #${mints} (${protocol})`)
    // Node has no WebRTC: the CLI reaches OpenAI over a WebSocket whatever the setting says.
    return mintFor({ provider, settings, apiKey, config, transport: 'websocket', fetch: deps.fetch, demo: server ? async () => server.credential() : undefined })
  }

  // The loudspeaker starts when the provider is ready; the microphone is IN.wav, paced from then on.
  let player: SimulatedPlayer | null = null
  let pacer: PacedSender | null = null
  let acceptingAudio = false
  let finishing = false
  let failure: TalkFailure | null = null
  let droppedSamples = 0
  const microphone = new WavMicrophone(options.ptt, (action) => events.write({ type: 'ptt', action }))
  const audio: AudioPort = {
    startCapture: () => microphone.startCapture(),
    stopCapture: () => microphone.stopCapture(),
    setRates: () => {},
    play: (event) => {
      if (!player) player = new SimulatedPlayer(conversation.session?.outputSampleRate ?? 24000, () => clock.now())
      if (!finishing) player.enqueue(event.itemId, event.responseId, event.pcm)
    },
    endReply: () => {},
    flush: async () => {
      droppedSamples += player?.stop() ?? 0
    },
    get isPlaying() {
      return player?.playing ?? false
    },
    reporter: { playedMs: (itemId: string) => player?.playedMs(itemId) ?? 0 },
  }
  const conversation = new Conversation({
    // Speko provider_direct sessions report their usage to Speko (no-op for every other credential).
    telemetry: new SpekoTelemetry({ fetch: deps.fetch ?? globalThis.fetch, log: debug }),
    audio,
    policy: options.ptt ? 'push-to-talk' : 'provider-vad',
    session: {
      socketFactory: deps.socketFactory ?? wsSocketFactory,
      createAdapter,
      open: async () => ({ config, mint, provider, model: config.model }),
    },
    tools: {
      // MCP servers come and go mid-run: the session gets the new list.
      onDeclarationsChanged: (listener) => tools.registry.onChange(() => listener(tools.registry.declarations())),
      run: async (call) => {
        const result = await tools.executeToolCall({ callId: call.callId, name: call.name, arguments: call.arguments }, approvalPolicy(options.approve))
        if (finishing) debug(`tool ${call.name} finished after the run ended`)
        return result
      },
    },
    now: () => clock.now(),
    // No idle close in a scripted run: the run ends the session itself.
    idleCloseMs: 24 * 60 * 60 * 1000,
    log: (line) => debug(line),
  })
  microphone.conversation = conversation

  interface ReplyState {
    /** The provider's response id (the player knows replies by it). */
    responseId: string
    spoke: boolean
    /** The reply called tools: its answer comes in a follow-up reply, which is the one that counts. */
    calledTools: boolean
    done: boolean
    counted: boolean
    lastAudioAt: number
  }
  const replies = new Map<string, ReplyState>()
  const replyOrder: string[] = []
  let currentReply: string | null = null
  let countedReplies = 0
  // Reply ids are per provider session: a fresh session after a failed resume starts them again.
  let connection = 0
  const reply = (id: string | undefined): ReplyState | null => {
    const key = id ? `${connection}:${id}` : currentReply
    if (!key) return null
    let state = replies.get(key)
    if (!state) {
      state = { responseId: key.slice(key.indexOf(':') + 1), spoke: false, calledTools: false, done: false, counted: false, lastAudioAt: -Infinity }
      replies.set(key, state)
      replyOrder.push(key)
    }
    return state
  }

  let resolveEnded: () => void = () => {}
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve))

  const finish = () => {
    if (finishing) return
    finishing = true
    acceptingAudio = false
    pacer?.stop()
    debug('finishing: closing the session')
    const session = conversation.session
    if (session) void session.close()
    else resolveEnded()
  }

  /** `logged`: an error line for this failure is already in EVENTS.jsonl. */
  const fail = (exitCode: number, message: string, code = 'failed', logged = false) => {
    if (failure || finishing) return
    failure = new TalkFailure(exitCode, message, code, logged)
    if (!logged) events.write({ type: 'error', code, message: oneLine(message) })
    failure.logged = true
    finish()
  }

  const checkReplies = () => {
    if (finishing) return
    const now = clock.now()
    for (const id of replyOrder) {
      const state = replies.get(id)
      if (!state || state.counted || !state.done) continue
      if (!state.spoke) {
        // A reply that only calls tools does not count (the reply that speaks the result does).
        // A reply that spoke, even a transition phrase next to a tool call, counts.
        state.counted = true
        continue
      }
      if (player?.isPlayingResponse(state.responseId)) continue
      if (now - state.lastAudioAt < SETTLE_MS) continue
      state.counted = true
      countedReplies++
      events.write({ type: 'turn', count: countedReplies, of: options.turns, responseId: state.responseId, ...(state.calledTools ? { calledTools: true } : {}) })
      if (countedReplies >= options.turns) {
        finish()
        return
      }
    }
  }
  const ticker = setInterval(checkReplies, 20)

  const startPacer = (rate: number) => {
    if (pacer) {
      pacer.poke()
      return
    }
    const samples = resampleTo(input.samples, input.sampleRate, rate)
    debug(`input ${input.samples.length} samples @ ${input.sampleRate} Hz -> ${samples.length} @ ${rate} Hz`)
    let index = 0
    pacer = new PacedSender({
      samples,
      rate,
      send: (frame) => microphone.frame(frame, index++),
      canSend: () => acceptingAudio && !finishing,
      clock,
      onFileEnd: () => events.write({ type: 'input_end', frames: pacer?.framesSent ?? 0 }),
      // Epoch ms (sub-ms precision) at which the stream's audio clock started.
      onStart: (start, frame) => events.write({ type: 'input_start', epochMs: Number((performance.timeOrigin + start).toFixed(3)), frame, rate }),
    })
    pacer.start()
  }

  const handle = (event: ConversationEvent) => {
    switch (event.type) {
      case 'status':
        events.write({ type: 'status', status: event.status })
        if (event.status === 'reconnecting' || event.status === 'connecting' || event.status === 'error' || event.status === 'idle') acceptingAudio = false
        return
      case 'ready': {
        events.write({ type: 'ready', inputSampleRate: event.inputSampleRate, outputSampleRate: event.outputSampleRate, ...(event.sessionId ? { sessionId: event.sessionId } : {}) })
        connection++
        currentReply = null
        if (finishing) return
        acceptingAudio = true
        if (!player) player = new SimulatedPlayer(event.outputSampleRate, () => clock.now())
        else if (player.sampleRate !== event.outputSampleRate) debug(`output rate changed to ${event.outputSampleRate} on reconnect; keeping ${player.sampleRate}`)
        startPacer(event.inputSampleRate)
        return
      }
      case 'user.final':
        events.write({ type: 'user', text: event.text })
        if (event.text.trim()) live(`you: ${oneLine(event.text)}`)
        return
      case 'agent.final': {
        events.write({ type: 'agent', text: event.text, interrupted: event.interrupted })
        if (event.text.trim()) live(`earshot: ${oneLine(event.text)}${event.interrupted ? ' (interrupted)' : ''}`)
        const state = reply(event.responseId)
        if (state && event.text.trim()) state.spoke = true
        return
      }
      case 'reply.started':
        currentReply = `${connection}:${event.responseId}`
        reply(event.responseId)
        return
      case 'audio': {
        const state = reply(event.responseId)
        if (state) {
          state.spoke = true
          state.lastAudioAt = clock.now()
        }
        return
      }
      case 'bargein': {
        const dropped = droppedSamples
        droppedSamples = 0
        events.write({ type: 'bargein', ...(event.responseId ? { responseId: event.responseId } : {}), droppedMs: player ? Math.round((dropped * 1000) / player.sampleRate) : 0 })
        return
      }
      case 'turn.ended':
        events.write(event.committed ? { type: 'commit' } : { type: 'commit_skipped', reason: 'press too short' })
        return
      case 'reply.done': {
        const state = reply(event.responseId)
        if (state) state.done = true
        events.write({ type: 'reply_done', responseId: event.responseId, status: event.status })
        checkReplies()
        return
      }
      case 'tool.call': {
        const state = event.responseId ? reply(event.responseId) : currentReply ? (replies.get(currentReply) ?? null) : null
        if (state && !state.done) state.calledTools = true
        return
      }
      case 'tool.finished':
        events.write({ type: 'tool', name: event.name, arguments: event.arguments, result: parseMaybeJson(event.output), status: event.status, callId: event.callId })
        live(`tool ${event.name}: ${event.status}`)
        return
      case 'tool.result':
        events.write({ type: 'tool_result', callId: event.callId, name: event.name, status: event.status, sent: event.sent })
        return
      case 'usage': {
        const { type: _type, ...counts } = event
        events.write({ type: 'usage', ...counts })
        return
      }
      case 'error': {
        events.write({ type: 'error', code: event.error.code, message: event.error.message, ...(event.error.providerCode ? { providerCode: event.error.providerCode } : {}), fatal: event.error.fatal })
        if (event.error.fatal) {
          let message = event.error.message
          if (event.error.code === 'auth_failed' && keyVar) message = `${message} (check ${keyVar})`
          if (event.error.retryAfterSeconds !== undefined && !/try again in/i.test(message)) message = `${message} Try again in ${event.error.retryAfterSeconds} s.`
          fail(exitCodeFor(event.error.code), message, event.error.code, true)
        }
        return
      }
      case 'closed':
        events.write({ type: 'closed', reason: event.reason })
        if (!finishing) {
          fail(EXIT.failed, `The provider ended the session after ${countedReplies} of ${options.turns} repl${options.turns === 1 ? 'y' : 'ies'}.`, 'session_closed')
        }
        resolveEnded()
        return
      default:
        return
    }
  }

  conversation.on((event) => {
    try {
      handle(event)
    } catch (error) {
      debug(`event handler failed on ${event.type}: ${(error as Error).stack ?? String(error)}`)
    }
  })

  const deadline = performance.now() + options.timeoutSeconds * 1000
  const timeout = setTimeout(() => {
    const message = `Timed out after ${options.timeoutSeconds} s with ${countedReplies} of ${options.turns} repl${options.turns === 1 ? 'y' : 'ies'} finished.`
    events.write({ type: 'error', code: 'timeout', message, fatal: true })
    fail(EXIT.timeout, message, 'timeout', true)
  }, options.timeoutSeconds * 1000)

  const onSignal = () => {
    events.write({ type: 'error', code: 'interrupted', message: 'Stopped by the user (SIGINT).', fatal: true })
    fail(130, 'Stopped by the user.', 'interrupted', true)
  }
  process.once('SIGINT', onSignal)

  try {
    // The session opens at once (IN.wav's clock starts when the provider is ready); with --ptt the
    // key decides what it hears, without it the microphone is open for the whole run.
    if (options.ptt) void conversation.ensureSession()
    else conversation.openMicrophone()
    await ended
    // A tool still running when the session ended still gets its line (within --timeout).
    const running = [...conversation.runningTools]
    if (running.length) {
      let timer: ReturnType<typeof setTimeout> | undefined
      const cap = new Promise<void>((resolveCap) => (timer = setTimeout(resolveCap, Math.max(0, deadline - performance.now()))))
      await Promise.race([Promise.allSettled(running), cap])
      clearTimeout(timer)
    }
  } finally {
    clearTimeout(timeout)
    clearInterval(ticker)
    process.removeListener('SIGINT', onSignal)
    ;(pacer as PacedSender | null)?.stop()
    await conversation.dispose() // Speko's session.closed report goes out before the run ends
    tools.dispose()
    await mcp?.stop()
  }

  // OUT.wav: exactly what was played, at the provider's output rate.
  const finalPlayer = player as SimulatedPlayer | null
  finalPlayer?.stop()
  const out = finalPlayer ? finalPlayer.output() : new Int16Array(0)
  const outRate = finalPlayer?.sampleRate ?? 24000
  try {
    writeFileSync(options.outPath, encodeWav(out, outRate))
  } catch (error) {
    throw new TalkFailure(EXIT.failed, `Cannot write --out ${options.outPath}: ${(error as Error).message}`)
  }
  events.write({ type: 'done', replies: countedReplies, playedMs: Math.round((out.length * 1000) / outRate), mints, ok: failure === null })
  closeHistory()

  const failed = failure as TalkFailure | null
  if (failed) throw failed
  return EXIT.ok
}

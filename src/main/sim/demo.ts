/**
 * Demo mode: a local simulator with a scripted "demo brain", so a newcomer without an account can
 * try the whole pipeline (capture, turn detection, playback, tools and their confirmation). It has
 * no speech recognition and says so: each detected turn plays the next scripted step, in words.
 *
 *   1. it reads the clock with get_current_time (read-only: it runs at once) and says the time;
 *   2. it starts a 2-minute timer with set_timer (it changes something: the user is asked first);
 *   3. it takes a note with take_note (asked first too);
 *   then it says the script is over and how to talk to a real assistant.
 *
 * Each reply's wording follows the tool's real outcome (allowed, denied, failed). A tool the client
 * did not declare is skipped and the reply says so.
 *
 *   const demo = await startDemoServer(APP_DEMO)   // what the app runs (the window speaks the words)
 *   const credential = demo.credential()          // what main's minting returns for provider "demo"
 */
import { randomBytes } from 'node:crypto'
import type { ProtocolId } from '../../shared/s2s/types'
import type { SimHandle, SimOptions } from './common'
import { startAssemblyAISim } from './assemblyai'
import { startOpenAISim, type OpenAISimOptions } from './openai'
import type { SimScript, SimTurn, ToolResultSeen, TurnContext } from './script'
import { startSpekoSim } from './speko'

export const DEMO_LABEL = 'Earshot demo'

/** "14:05" from an ISO-8601 timestamp as the tool wrote it (its own local time), or null. */
export function clockFromIso(iso: string): string | null {
  const m = /T(\d{2}):(\d{2})/.exec(iso)
  return m ? `${m[1]}:${m[2]}` : null
}

/** Reads the time out of a get_current_time result ({"iso": "..."}), tolerating plain strings. */
export function timeFromToolOutput(output: string): string | null {
  try {
    const v: unknown = JSON.parse(output)
    if (v && typeof v === 'object' && typeof (v as { iso?: unknown }).iso === 'string') return clockFromIso((v as { iso: string }).iso)
    if (typeof v === 'string') return clockFromIso(v)
  } catch {
    /* not JSON */
  }
  return clockFromIso(output)
}

function seconds(ms: number): string {
  return (Math.round(ms / 100) / 10).toFixed(1)
}

/** Roughly how long a system voice takes to say the text at its normal rate (about 165 words a minute). */
export function spokenMs(text: string): number {
  const words = text.split(/\s+/).filter(Boolean).length
  const pauses = (text.match(/[.!?;:,](\s|$)/g) ?? []).length
  return Math.max(800, words * 360 + pauses * 200)
}

/** How a tool call ended, read from the output the client sent back (the executor's JSON). */
export function outcomeOf(result: ToolResultSeen | undefined): { kind: 'ok' | 'denied' | 'failed' | 'missing'; error: string | null; value: Record<string, unknown> | null } {
  if (!result) return { kind: 'missing', error: null, value: null }
  try {
    const v: unknown = JSON.parse(result.output)
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>
      if (typeof o.error === 'string') return { kind: o.code === 'denied' ? 'denied' : 'failed', error: o.error, value: o }
      return { kind: 'ok', error: null, value: o }
    }
  } catch {
    /* not JSON: a plain string result */
  }
  return { kind: 'ok', error: null, value: null }
}

const NEXT_TIMER = 'Talk to me again, and I will start a timer.'
const NEXT_NOTE = 'Talk once more, and I will take a note.'
const THE_END = 'That was the whole Demo script. Add an API key in Settings to talk to an assistant that understands you.'
const SCRIPTED = 'I follow a script and do not understand what you say.'
const TIMER_LABEL = 'Earshot demo'
const NOTE = { title: 'Earshot demo', text: 'My first note, taken by the Earshot Demo.' }

function timeReply(ctx: TurnContext): string {
  const r = ctx.toolResults.find((t) => t.name === 'get_current_time')
  const time = r ? timeFromToolOutput(r.output) : null
  const first = time ? `Your clock says it is ${time}.` : 'I tried to read your clock, but the time did not come back.'
  return `${first} I read it with a tool that only looks, so it ran at once. I am the ${DEMO_LABEL}: I follow a script and do not understand what you say. ${NEXT_TIMER}`
}

function timerReply(ctx: TurnContext): string {
  const o = outcomeOf(ctx.toolResults.find((t) => t.name === 'set_timer'))
  if (o.kind === 'ok') return `Done: a 2-minute timer is running, and you will get a notification when it ends. Earshot asked you first, because a timer changes something. ${NEXT_NOTE}`
  if (o.kind === 'denied') return `All right, no timer. Earshot never changes anything without asking you. ${NEXT_NOTE}`
  return `The timer did not start: ${o.error ?? 'no result came back'} ${NEXT_NOTE}`
}

function noteReply(ctx: TurnContext): string {
  const o = outcomeOf(ctx.toolResults.find((t) => t.name === 'take_note'))
  if (o.kind === 'ok') return `I saved a note called ${typeof o.value?.saved === 'string' ? o.value.saved : NOTE.title} in your notes folder. ${THE_END}`
  if (o.kind === 'denied') return `No note, then: nothing was saved. ${THE_END}`
  return `The note was not saved: ${o.error ?? 'no result came back'} ${THE_END}`
}

/** A scripted step that uses a tool when the client declared it, and says so when it did not. */
function toolStep(ctx: TurnContext, user: string, name: string, args: Record<string, unknown>, reply: (c: TurnContext) => string, missing: string): SimTurn {
  if (!ctx.declaredTools.includes(name)) return { user, reply: missing }
  return { user, toolCalls: [{ name, arguments: args }], transition: 'One moment.', reply }
}

/** The demo brain as a script generator. */
export function demoTurn(ctx: TurnContext): SimTurn {
  const user = ctx.userSpeechMs > 0 ? `(${DEMO_LABEL}: ${seconds(ctx.userSpeechMs)} s of speech, no speech recognition)` : `(${DEMO_LABEL})`
  const step = (): SimTurn => {
    if (ctx.index === 0) return toolStep(ctx, user, 'get_current_time', {}, timeReply, `This is the ${DEMO_LABEL}. ${SCRIPTED} I heard about ${seconds(ctx.userSpeechMs)} seconds of speech. ${NEXT_TIMER}`)
    if (ctx.index === 1) return toolStep(ctx, user, 'set_timer', { minutes: 2, label: TIMER_LABEL }, timerReply, `Timers are not available here, so I skip that step. ${NEXT_NOTE}`)
    if (ctx.index === 2) return toolStep(ctx, user, 'take_note', NOTE, noteReply, `Notes are not available here, so I skip that step. ${THE_END}`)
    return { user, reply: `I heard about ${seconds(ctx.userSpeechMs)} seconds of speech, but ${SCRIPTED.charAt(0).toLowerCase()}${SCRIPTED.slice(1)} ${THE_END}` }
  }
  return step()
}

export const DEMO_SCRIPT: SimScript = {
  greeting: `Hi, this is the ${DEMO_LABEL}. ${SCRIPTED} Say something and I will show you what Earshot can do.`,
  turns: demoTurn,
  // The reply audio lasts about as long as a system voice takes to say the words, so "Speaking"
  // lasts as long as the speech the window makes of them.
  replyMsFor: spokenMs,
}

export interface DemoServerOptions extends SimOptions, Pick<OpenAISimOptions, 'replyAudio' | 'transcriptAhead'> {
  /** Which wire protocol the demo speaks (default 'openai'). replyAudio and transcriptAhead need 'openai'. */
  protocol?: ProtocolId
}

/**
 * What the app runs: the OpenAI protocol, silent reply audio and the transcript ahead of it,
 * because the voice window speaks the Demo's words with the system's speech synthesis (Web
 * Speech API) as soon as they arrive. The reply audio still flows, as long as the speech, so
 * playback, "Speaking", barge-in and truncation work as with a real provider. The CLI keeps the
 * default voice-like tone: it has no speech synthesis and OUT.wav should hold audio.
 */
export const APP_DEMO: DemoServerOptions = { protocol: 'openai', replyAudio: 'silence', transcriptAhead: true }

export async function startDemoServer(options: DemoServerOptions = {}): Promise<SimHandle> {
  const { protocol = 'openai', replyAudio, transcriptAhead, ...rest } = options
  // The Demo server lives as long as the app: keep its wire log bounded. Its key is random per
  // run, so nothing else on this machine can mint from it by knowing a fixed value.
  const opts: SimOptions = { apiKey: `earshot-demo-${randomBytes(24).toString('hex')}`, wireLimit: 2000, ...rest }
  if ((replyAudio === 'silence' || transcriptAhead) && protocol !== 'openai') throw new Error('replyAudio and transcriptAhead are options of the OpenAI protocol Demo.')
  if (protocol === 'assemblyai') return startAssemblyAISim(DEMO_SCRIPT, opts)
  if (protocol === 'speko') return startSpekoSim(DEMO_SCRIPT, opts)
  return startOpenAISim(DEMO_SCRIPT, { audioPace: 1, ...opts, replyAudio, transcriptAhead })
}

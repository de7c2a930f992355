/**
 * Demo mode: a local simulator with a "demo brain", so a newcomer without an account can try the
 * whole pipeline (capture, turn detection, playback, tools). It has no speech recognition: each
 * detected turn gets a short spoken reply clearly labelled as the Earshot demo. The first turn asks
 * the client to run `get_current_time` (when the client declared it) and speaks the time; later
 * turns say how long the user spoke ("I heard about 2.1 seconds of speech").
 *
 *   const demo = await startDemoServer()          // OpenAI protocol by default
 *   const credential = demo.credential()          // what main's minting returns for provider "demo"
 */
import { randomBytes } from 'node:crypto'
import type { ProtocolId } from '../../shared/s2s/types'
import type { SimHandle, SimOptions } from './common'
import { startAssemblyAISim } from './assemblyai'
import { startOpenAISim } from './openai'
import type { SimScript, SimTurn, TurnContext } from './script'
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

/** The demo brain as a script generator. */
export function demoTurn(ctx: TurnContext): SimTurn {
  const user = ctx.userSpeechMs > 0 ? `(${DEMO_LABEL}: ${seconds(ctx.userSpeechMs)} s of speech, no speech recognition)` : `(${DEMO_LABEL})`
  if (ctx.index === 0 && ctx.declaredTools.includes('get_current_time')) {
    return {
      user,
      toolCalls: [{ name: 'get_current_time', arguments: {} }],
      transition: 'Let me check the clock.',
      reply: (c) => {
        const r = c.toolResults.find((t) => t.name === 'get_current_time')
        const time = r ? timeFromToolOutput(r.output) : null
        return time
          ? `This is the ${DEMO_LABEL}, running on your computer without an account. Your clock says it is ${time}.`
          : `This is the ${DEMO_LABEL}, running on your computer without an account. I could not read the time.`
      },
      replyMs: 2600,
    }
  }
  if (ctx.index === 0) {
    return { user, reply: `This is the ${DEMO_LABEL}, running on your computer without an account. I heard about ${seconds(ctx.userSpeechMs)} seconds of speech.`, replyMs: 2600 }
  }
  return { user, reply: `${DEMO_LABEL}: I heard about ${seconds(ctx.userSpeechMs)} seconds of speech. Add an API key in Settings to talk to a real assistant.`, replyMs: 2400 }
}

export const DEMO_SCRIPT: SimScript = {
  greeting: `Hi, this is the ${DEMO_LABEL}. Say something and I will answer.`,
  turns: demoTurn,
}

export interface DemoServerOptions extends SimOptions {
  /** Which wire protocol the demo speaks (default 'openai'). */
  protocol?: ProtocolId
}

export async function startDemoServer(options: DemoServerOptions = {}): Promise<SimHandle> {
  const { protocol = 'openai', ...rest } = options
  // The Demo server lives as long as the app: keep its wire log bounded. Its key is random per
  // run, so nothing else on this machine can mint from it by knowing a fixed value.
  const opts: SimOptions = { apiKey: `earshot-demo-${randomBytes(24).toString('hex')}`, wireLimit: 2000, ...rest }
  if (protocol === 'assemblyai') return startAssemblyAISim(DEMO_SCRIPT, opts)
  if (protocol === 'speko') return startSpekoSim(DEMO_SCRIPT, opts)
  return startOpenAISim(DEMO_SCRIPT, { audioPace: 1, ...opts })
}

/**
 * The typed script every simulator follows: what the "model" says per user turn, tool calls,
 * reply audio length, greeting, barge-in, and injected faults.
 */

export interface ToolResultSeen {
  callId: string
  name: string
  /** Output exactly as the client sent it (a string; usually JSON). */
  output: string
}

/** What a reply (or a turn generator) can look at. */
export interface TurnContext {
  /** 0-based index of this user turn in the session (replies to reply.create count too). */
  index: number
  /** Milliseconds of detected speech in this user turn (0 when the turn had no audio). */
  userSpeechMs: number
  /** Names of the tools the client declared in its session config. */
  declaredTools: string[]
  /** Results of this turn's tool calls (empty before they arrive or when there were none). */
  toolResults: ToolResultSeen[]
}

export interface SimToolCall {
  name: string
  arguments: Record<string, unknown>
}

export interface SimTurn {
  /** The user transcript the simulator reports for this turn. */
  user?: string
  /** Tool calls the "model" makes before speaking (in one response / reply). */
  toolCalls?: SimToolCall[]
  /**
   * The spoken reply. A string may contain `{{result}}` (the last tool output) and
   * `{{speechSeconds}}` (the user's speech in seconds, one decimal); a function gets the context.
   */
  reply?: string | ((ctx: TurnContext) => string)
  /** Reply audio length in ms (default: derived from the text, see defaultVoiceMs). */
  replyMs?: number
  /** AssemblyAI: a short phrase spoken before the tool call while the tool runs. */
  transition?: string
}

export type FaultPoint =
  /** Right after the session is ready (OpenAI session.created, AssemblyAI session.ready, Speko ready). */
  | 'ready'
  /** When the user starts speaking (VAD start). */
  | 'user-speech'
  /** In the middle of a spoken reply (after half its audio was sent). */
  | 'mid-reply'
  /** Right after a spoken reply finished (response.done / reply.done / final transcript). */
  | 'after-reply'
  /** Right after a tool call was sent. */
  | 'tool-call'

export type SimFault =
  /** Cut the TCP connection without a close frame (or close with `code` when given). */
  | { kind: 'drop'; at: FaultPoint; turn?: number; connection?: number; code?: number; reason?: string }
  /** Send the protocol's error frame (OpenAI `error`, AssemblyAI `session.error`, Speko `t:error`). */
  | { kind: 'error'; at: FaultPoint; turn?: number; connection?: number; code: string; message?: string; close?: number }
  /** Send malformed frames (default: a selection of broken JSON, binary junk and unknown types). */
  | { kind: 'malformed'; at: FaultPoint; turn?: number; connection?: number; frames?: Array<string | Uint8Array> }

export interface SimScript {
  /** Spoken at session start where the protocol has one (AssemblyAI's session greeting wins there). */
  greeting?: string
  /** The turns in order, or a generator (the demo brain is one). */
  turns: SimTurn[] | ((ctx: TurnContext) => SimTurn)
  /** Used once the list of turns is exhausted (default: a short "(no more scripted turns)" reply). */
  fallback?: SimTurn
  /** A user speaking during a reply interrupts it (default true; OpenAI also honours interrupt_response). */
  bargeIn?: boolean
  /** Default reply audio length in ms when a turn gives none. */
  replyMs?: number
  /** Reply audio length for a reply's text when the turn gives none (wins over replyMs). */
  replyMsFor?: (text: string) => number
  faults?: SimFault[]
}

export const DEFAULT_FALLBACK: SimTurn = { user: '', reply: 'That is all I was scripted to say.' }

export function resolveTurn(script: SimScript, ctx: TurnContext): SimTurn {
  if (typeof script.turns === 'function') return script.turns(ctx)
  return script.turns[ctx.index] ?? script.fallback ?? DEFAULT_FALLBACK
}

export function renderReply(turn: SimTurn, ctx: TurnContext): string {
  const r = turn.reply ?? ''
  if (typeof r === 'function') return r(ctx)
  const last = ctx.toolResults[ctx.toolResults.length - 1]
  return r
    .replaceAll('{{result}}', last ? last.output : '')
    .replaceAll('{{speechSeconds}}', (ctx.userSpeechMs / 1000).toFixed(1))
}

/** Frames used by a `malformed` fault without explicit frames. */
export const DEFAULT_MALFORMED: Array<string | Uint8Array> = [
  '{"type": "response.output_audio.delta", "delta": ',
  'not json at all',
  '[]',
  'null',
  '{"no_type": true}',
  '{"type": "sim.unknown_event", "x": 1}',
  '{"t": 42}',
  new Uint8Array([0xff, 0x00, 0x13]),
]

/** Splits reply text into word deltas (each keeps its leading space) for transcript streaming. */
export function wordDeltas(text: string): string[] {
  const parts = text.match(/\s*\S+/g)
  return parts ?? (text ? [text] : [])
}

/** The part of `text` spoken after `fraction` (0..1) of the reply audio, cut at a word boundary. */
export function spokenPrefix(text: string, fraction: number): string {
  const words = wordDeltas(text)
  const n = Math.floor(words.length * Math.max(0, Math.min(1, fraction)))
  return words.slice(0, n).join('').trim()
}

/** How long a reply's audio lasts: the turn's replyMs, else the script's replyMsFor(text) or replyMs. */
export function replyDurationMs(script: SimScript, turn: SimTurn, text: string): number | undefined {
  return turn.replyMs ?? script.replyMsFor?.(text) ?? script.replyMs
}

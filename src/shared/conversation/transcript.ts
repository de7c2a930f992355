/**
 * The transcript of a conversation as a pure reducer: (state, input) -> (state, changes). The
 * Conversation feeds it the session's events and the tool lifecycle; whoever shows the transcript
 * (the voice window's block store, the companion, a test) applies the changes. No I/O, no timers,
 * no clock of its own: every input that creates an entry carries its time.
 *
 * The state keeps only what can still change: user entries that are not final yet, the last few
 * agent replies (a barge-in or a late final may still mark them), and tool calls that have not
 * finished. Everything else is history and lives only in whatever applied the changes.
 */

export type ToolState = 'running' | 'waiting' | 'done' | 'failed' | 'denied'

/** What fixes an error: focus the key field, try again, pick another microphone, open OS settings. */
export type ErrorAction = 'key' | 'retry' | 'microphone' | 'mic-settings' | 'none'

export type Entry =
  | { kind: 'user'; id: string; text: string; final: boolean; interrupted: boolean; at: number }
  | { kind: 'agent'; id: string; text: string; final: boolean; interrupted: boolean; at: number }
  | {
      kind: 'tool'
      id: string
      callId: string
      name: string
      args: string
      state: ToolState
      summary: string | null
      output: string | null
      expiresAt: number | null
      at: number
    }
  | { kind: 'error'; id: string; message: string; action: ErrorAction; at: number }

export type EntryPatch<K extends Entry['kind']> = Partial<Omit<Extract<Entry, { kind: K }>, 'kind' | 'id'>>

export type ReplyDoneStatus = 'completed' | 'interrupted' | 'cancelled' | 'failed' | 'incomplete'

export type TranscriptInput =
  /** A connection became ready: provider ids (items, replies) start again. */
  | { type: 'ready' }
  | { type: 'speech-started'; at: number }
  | { type: 'user'; itemId?: string; text: string; final: boolean; at: number }
  /** `key`: the provider's item id, else its response id. */
  | { type: 'agent-delta'; key?: string; text: string; at: number }
  | { type: 'agent-final'; key?: string; text: string; interrupted: boolean; at: number }
  /** The provider's barge-in. `playing`: reply audio was still being heard when it came. */
  | { type: 'bargein'; key?: string; playing: boolean }
  /** The user started talking over the reply that is playing. */
  | { type: 'local-bargein' }
  | { type: 'reply-done'; status: ReplyDoneStatus; playing: boolean }
  | { type: 'tool-call'; callId: string; name: string; args: string; at: number }
  | { type: 'tool-waiting'; callId: string; summary: string; expiresAt: number | null }
  /** The call stopped waiting for the user (decided) and runs. */
  | { type: 'tool-resumed'; callId: string }
  | { type: 'tool-finished'; callId: string; status: 'ok' | 'error' | 'denied'; output: string }
  | { type: 'error'; message: string; action: ErrorAction; at: number }
  /** The session closed: a user entry still open is not waited for any more. */
  | { type: 'closed' }

export type TranscriptChange =
  /** A new entry (isNew) or the new value of an existing one. */
  | { type: 'put'; entry: Entry; isNew: boolean }
  /** A line for screen readers (finals only). */
  | { type: 'announce'; text: string }

export interface TranscriptState {
  readonly seq: number
  readonly connection: number
  /** The user entry the provider is filling (speech started, transcript not final yet). */
  readonly pendingUser: string | null
  /** `${connection}:${itemId}` -> user entry id. */
  readonly userFor: Readonly<Record<string, string>>
  /** Entries that may still change, by id. */
  readonly live: Readonly<Record<string, Entry>>
  /** Agent entry ids, newest last (at most RECENT_AGENTS). */
  readonly agents: readonly string[]
}

/** Agent replies that may still be marked (barge-in after the final, late finals). */
const RECENT_AGENTS = 4

export const NO_WORDS = '(no words recognised)'

export function initialTranscript(): TranscriptState {
  return { seq: 0, connection: 0, pendingUser: null, userFor: {}, live: {}, agents: [] }
}

export interface TranscriptStep {
  state: TranscriptState
  changes: TranscriptChange[]
}

/** The id the agent entry of a provider key has on the current connection. */
export function agentEntryId(state: TranscriptState, key: string): string {
  return `a${state.connection}:${key}`
}

export function toolEntryId(callId: string): string {
  return `t:${callId}`
}

class Step {
  state: TranscriptState
  readonly changes: TranscriptChange[] = []
  constructor(state: TranscriptState) {
    this.state = state
  }
  with(patch: Partial<TranscriptState>): void {
    this.state = { ...this.state, ...patch }
  }
  get(id: string | null | undefined): Entry | undefined {
    return id ? this.state.live[id] : undefined
  }
  put(entry: Entry, isNew: boolean, keep: boolean): void {
    const live = { ...this.state.live }
    if (keep) live[entry.id] = entry
    else delete live[entry.id]
    this.state = { ...this.state, live }
    this.changes.push({ type: 'put', entry, isNew })
  }
  announce(text: string): void {
    this.changes.push({ type: 'announce', text })
  }
  nextSeq(): number {
    const seq = this.state.seq + 1
    this.with({ seq })
    return seq
  }
}

function newUser(step: Step, at: number): string {
  const id = `u${step.nextSeq()}`
  step.put({ kind: 'user', id, text: '', final: false, interrupted: false, at }, true, true)
  step.with({ pendingUser: id })
  return id
}

function userEntry(step: Step, itemId: string | undefined, at: number): string {
  const key = itemId ? `${step.state.connection}:${itemId}` : null
  const known = key ? step.state.userFor[key] : undefined
  if (known && step.get(known)) return known
  const id = step.state.pendingUser && step.get(step.state.pendingUser) ? step.state.pendingUser : newUser(step, at)
  if (key) step.with({ userFor: { ...step.state.userFor, [key]: id } })
  return id
}

/** The agent entry for a provider key (created when new); it becomes the newest agent entry. */
function agentEntry(step: Step, key: string | undefined, at: number): Extract<Entry, { kind: 'agent' }> {
  const id = agentEntryId(step.state, key ?? `r${step.state.seq}`)
  const current = step.get(id)
  if (current?.kind === 'agent') {
    if (step.state.agents.at(-1) !== id) step.with({ agents: [...step.state.agents.filter((a) => a !== id), id] })
    return current
  }
  const entry: Entry = { kind: 'agent', id, text: '', final: false, interrupted: false, at }
  step.put(entry, true, true)
  const agents = [...step.state.agents, id]
  const dropped = agents.length > RECENT_AGENTS ? agents.splice(0, agents.length - RECENT_AGENTS) : []
  const live = { ...step.state.live }
  for (const old of dropped) {
    const e = live[old]
    if (e?.kind === 'agent' && e.final) delete live[old]
  }
  step.with({ agents, live })
  return entry
}

function markInterrupted(step: Step, id: string | null | undefined, when: (e: Extract<Entry, { kind: 'agent' }>) => boolean): void {
  const entry = step.get(id)
  if (entry?.kind !== 'agent' || entry.interrupted || !when(entry)) return
  step.put({ ...entry, interrupted: true }, false, true)
}

function finishedState(status: 'ok' | 'error' | 'denied'): ToolState {
  return status === 'ok' ? 'done' : status === 'denied' ? 'denied' : 'failed'
}

/** One step of the transcript. Never throws; an input that means nothing changes nothing. */
export function reduceTranscript(state: TranscriptState, input: TranscriptInput): TranscriptStep {
  const step = new Step(state)
  switch (input.type) {
    case 'ready':
      step.with({ connection: state.connection + 1 })
      break
    case 'speech-started':
      if (!step.get(state.pendingUser)) newUser(step, input.at)
      break
    case 'user': {
      const id = userEntry(step, input.itemId, input.at)
      const current = step.get(id)
      if (current?.kind !== 'user') break
      const text = input.final ? input.text : current.text + input.text
      const shown = input.final && !text.trim() ? NO_WORDS : text
      step.put({ ...current, text: shown, final: input.final }, false, !input.final)
      if (input.final) {
        const userFor = { ...step.state.userFor }
        if (input.itemId) delete userFor[`${step.state.connection}:${input.itemId}`]
        step.with({ userFor, pendingUser: step.state.pendingUser === id ? null : step.state.pendingUser })
        if (text.trim()) step.announce(`You said: ${text}`)
      }
      break
    }
    case 'agent-delta': {
      const entry = agentEntry(step, input.key, input.at)
      if (!entry.final) step.put({ ...entry, text: entry.text + input.text }, false, true)
      break
    }
    case 'agent-final': {
      const entry = agentEntry(step, input.key, input.at)
      const interrupted = input.interrupted || entry.interrupted
      step.put({ ...entry, text: input.text || entry.text, final: true, interrupted }, false, true)
      if (input.text.trim()) step.announce(`Earshot said: ${input.text}${interrupted ? ' (interrupted)' : ''}`)
      break
    }
    case 'bargein': {
      const id = input.key ? agentEntryId(state, input.key) : state.agents.at(-1)
      markInterrupted(step, id, (e) => input.playing || !e.final)
      break
    }
    case 'local-bargein':
      markInterrupted(step, state.agents.at(-1), () => true)
      break
    case 'reply-done':
      if (input.status === 'interrupted' || input.status === 'cancelled') {
        markInterrupted(step, state.agents.at(-1), (e) => !e.final || input.playing)
      }
      break
    case 'tool-call': {
      const id = toolEntryId(input.callId)
      if (step.get(id)) break
      step.put({ kind: 'tool', id, callId: input.callId, name: input.name, args: input.args, state: 'running', summary: null, output: null, expiresAt: null, at: input.at }, true, true)
      break
    }
    case 'tool-waiting': {
      const entry = step.get(toolEntryId(input.callId))
      if (entry?.kind !== 'tool' || (entry.state !== 'running' && entry.state !== 'waiting')) break
      if (entry.state === 'waiting' && entry.summary === input.summary && entry.expiresAt === input.expiresAt) break
      step.put({ ...entry, state: 'waiting', summary: input.summary, expiresAt: input.expiresAt }, false, true)
      break
    }
    case 'tool-resumed': {
      const entry = step.get(toolEntryId(input.callId))
      if (entry?.kind !== 'tool' || entry.state !== 'waiting') break
      step.put({ ...entry, state: 'running' }, false, true)
      break
    }
    case 'tool-finished': {
      const entry = step.get(toolEntryId(input.callId))
      if (entry?.kind !== 'tool') break
      step.put({ ...entry, state: finishedState(input.status), output: input.output, expiresAt: null }, false, false)
      break
    }
    case 'error': {
      const id = `e${step.nextSeq()}`
      step.put({ kind: 'error', id, message: input.message, action: input.action, at: input.at }, true, false)
      step.announce(`Error: ${input.message}`)
      break
    }
    case 'closed':
      step.with({ pendingUser: null })
      break
  }
  return { state: step.state, changes: step.changes }
}

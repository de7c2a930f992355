/**
 * `earshot history ...` and `talk --history DB`: the app's conversation history from the command
 * line (see the History section of the CLI contract). The same SQLite file and store as the app.
 */
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { HIGHLIGHT_END, HIGHLIGHT_START, type ConversationSummary } from '../shared/ipc/channels/history'
import { formatCost } from '../shared/pricing'
import { isCorrupt, isLocked, sqliteCode } from '../main/history/driver'
import { toJson, toMarkdown } from '../main/history/export'
import { HistoryStore } from '../main/history/store'
import { EXIT, type HistoryCommand } from './args'

const APP_FOLDER = 'Earshot'
const HISTORY_FILE = 'history.db'

/** The app's own database: <user-data folder>/history.db, as Electron's app.getPath('userData') names it. */
export function defaultHistoryPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_FOLDER, HISTORY_FILE)
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), APP_FOLDER, HISTORY_FILE)
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), APP_FOLDER, HISTORY_FILE)
}

export interface HistoryIo {
  stdout: (text: string) => void
  stderr: (line: string) => void
  env?: NodeJS.ProcessEnv
}

function describeOpenFailure(path: string, error: unknown): string {
  if (isCorrupt(error)) return `${path} is not a readable Earshot history file (${sqliteCode(error)}). The app moves a damaged file aside when it starts; nothing was changed.`
  if (isLocked(error)) return `${path} is locked by another program; try again in a moment.`
  return `${path} could not be opened: ${error instanceof Error ? error.message : String(error)}`
}

const summaryJson = (c: ConversationSummary) => ({
  id: c.id,
  startedAt: new Date(c.startedAt).toISOString(),
  endedAt: c.endedAt === null ? null : new Date(c.endedAt).toISOString(),
  provider: c.provider,
  model: c.model,
  title: c.title,
  turns: c.turns,
  costUsd: c.costUsd,
})

const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ')
const marked = (text: string) => text.split(HIGHLIGHT_START).join('**').split(HIGHLIGHT_END).join('**')

export function runHistory(command: HistoryCommand, io: HistoryIo): number {
  const path = command.dbPath ?? defaultHistoryPath(io.env)
  const reads = command.action === 'list' || command.action === 'search'
  if (!existsSync(path)) {
    // Reading a history that was never written is an empty history, and creates nothing.
    if (reads) {
      if ('json' in command && command.json) io.stdout('[]\n')
      else io.stdout(`No conversations in ${path}.\n`)
      return EXIT.ok
    }
    io.stderr(`earshot: there is no history file at ${path}.`)
    return EXIT.usage
  }
  let store: HistoryStore
  try {
    store = new HistoryStore({ path })
  } catch (error) {
    io.stderr(`earshot: ${describeOpenFailure(path, error)}`)
    return EXIT.failed
  }
  try {
    switch (command.action) {
      case 'list': {
        const list = store.list(1_000_000)
        if (command.json) io.stdout(`${JSON.stringify(list.map(summaryJson), null, 2)}\n`)
        else if (list.length === 0) io.stdout(`No conversations in ${path}.\n`)
        else for (const c of list) io.stdout(`${c.id}  ${stamp(c.startedAt)}  ${c.provider}  ${c.turns} turns  ${formatCost(c.costUsd)}  ${c.title ?? '(no words)'}\n`)
        return EXIT.ok
      }
      case 'search': {
        const hits = store.search(command.query, 200)
        if (command.json) {
          io.stdout(`${JSON.stringify(hits.map((h) => ({ ...summaryJson(h), snippets: h.snippets.map((s) => ({ role: s.role, text: marked(s.text) })) })), null, 2)}\n`)
        } else if (hits.length === 0) io.stdout(`No conversation matches "${command.query}".\n`)
        else {
          for (const h of hits) {
            io.stdout(`${h.id}  ${stamp(h.startedAt)}  ${h.provider}  ${h.title ?? '(no words)'}\n`)
            for (const s of h.snippets) io.stdout(`    ${s.role === 'user' ? 'You' : 'Earshot'}: ${marked(s.text)}\n`)
          }
        }
        return EXIT.ok
      }
      case 'export': {
        const c = store.get(command.id)
        if (!c) {
          io.stderr(`earshot: no conversation "${command.id}" in ${path} (see "history list").`)
          return EXIT.usage
        }
        io.stdout(command.format === 'md' ? `${toMarkdown(c)}\n` : toJson(c))
        return EXIT.ok
      }
      case 'delete': {
        if (!store.delete(command.id)) {
          io.stderr(`earshot: no conversation "${command.id}" in ${path} (see "history list").`)
          return EXIT.usage
        }
        io.stdout(`Deleted conversation ${command.id}.\n`)
        return EXIT.ok
      }
    }
  } catch (error) {
    io.stderr(`earshot: the history in ${path} could not be read: ${error instanceof Error ? error.message : String(error)}`)
    return EXIT.failed
  } finally {
    store.close()
  }
}

export interface TalkHistory {
  /** One EVENTS.jsonl object, exactly as talk writes it (user, agent, tool, usage, closed, done, ...). Never throws. */
  record(line: Record<string, unknown>): void
  /** Ends the conversation and closes the file. */
  close(): void
}

export class TalkHistoryError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TalkHistoryError'
  }
}

const KEY_VARIABLES = ['OPENAI_API_KEY', 'ASSEMBLYAI_API_KEY', 'SPEKO_API_KEY']
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined)

/**
 * Records the conversation `talk` holds into the history file at dbPath (created if needed).
 * Throws TalkHistoryError (a one-line human message) when the file cannot be opened; after that,
 * record() never throws: a failed write goes to onError once and recording stops.
 */
export function createTalkHistory(
  dbPath: string,
  meta: { provider: string; model: string },
  options: { env?: NodeJS.ProcessEnv; onError?: (message: string) => void; now?: () => number } = {},
): TalkHistory {
  const env = options.env ?? process.env
  const secrets = KEY_VARIABLES.map((name) => env[name]?.trim() ?? '').filter((v) => v.length >= 6)
  const redact = (text: string) => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text)
  let store: HistoryStore | null
  let id: string
  try {
    store = new HistoryStore({ path: dbPath, now: options.now })
    id = store.begin(meta)
  } catch (error) {
    throw new TalkHistoryError(`--history: ${describeOpenFailure(dbPath, error)}`)
  }
  let ended = false
  const guard = (fn: (s: HistoryStore) => void) => {
    if (!store) return
    try {
      fn(store)
    } catch (error) {
      options.onError?.(`history: writes to ${dbPath} stopped (${error instanceof Error ? error.message : String(error)}); the conversation goes on.`)
      try {
        store.close()
      } catch {
        // already failing
      }
      store = null
    }
  }
  const end = () => {
    if (ended) return
    ended = true
    guard((s) => s.end(id))
  }
  return {
    record(line) {
      if (ended || typeof line !== 'object' || line === null) return
      switch (line.type) {
        case 'user':
        case 'agent':
          if (typeof line.text === 'string') {
            const text = line.text
            guard((s) => s.turn(id, { role: line.type === 'user' ? 'user' : 'assistant', text: redact(text), interrupted: line.interrupted === true }))
          }
          return
        case 'tool': {
          if (typeof line.name !== 'string') return
          const name = line.name
          const result = line.result === undefined ? null : typeof line.result === 'string' ? line.result : JSON.stringify(line.result)
          let args: unknown = line.arguments ?? null
          try {
            args = JSON.parse(redact(JSON.stringify(args)))
          } catch {
            args = null
          }
          const status = line.status === 'ok' || line.status === 'error' || line.status === 'denied' ? line.status : null
          const callId = typeof line.callId === 'string' ? line.callId : ''
          guard((s) => s.tool(id, { callId, name, arguments: args, result: result === null ? null : redact(result), status, decision: null }))
          return
        }
        case 'usage':
          guard((s) =>
            s.usage(id, {
              inputTokens: num(line.inputTokens),
              outputTokens: num(line.outputTokens),
              inputAudioTokens: num(line.inputAudioTokens),
              outputAudioTokens: num(line.outputAudioTokens),
              inputTextTokens: num(line.inputTextTokens),
              outputTextTokens: num(line.outputTextTokens),
              cachedTokens: num(line.cachedTokens),
              cachedAudioTokens: num(line.cachedAudioTokens),
              cachedTextTokens: num(line.cachedTextTokens),
            }),
          )
          return
        case 'closed':
        case 'done':
          end()
          return
        default:
          return
      }
    },
    close() {
      end()
      store?.close()
      store = null
    },
  }
}

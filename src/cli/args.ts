/** Command-line parsing for `earshot` (the contract: docs/cli.md). */
import { PROVIDER_IDS } from '../shared/settings/schema'

/** Every provider the app has (src/shared/providers). */
export const CLI_PROVIDERS = PROVIDER_IDS
export type CliProvider = (typeof CLI_PROVIDERS)[number]
export const APPROVE_MODES = ['read-only', 'all', 'none'] as const
export type ApproveMode = (typeof APPROVE_MODES)[number]

export interface TalkOptions {
  provider: CliProvider
  inPath: string
  outPath: string
  transcriptPath: string
  turns: number
  timeoutSeconds: number
  approve: ApproveMode
  /** undefined = the agent waits for the user. */
  greeting: string | undefined
  /** Push-to-talk: the key is held during each range (seconds of IN.wav time); null = open microphone. */
  ptt: PttRange[] | null
  /** No live transcript on stderr. */
  quiet: boolean
  /** --history DB: record this conversation in that SQLite file (see createTalkHistory); undefined = not recorded. */
  historyPath?: string
  /** --mcp-config: a Claude Desktop `claude_desktop_config.json` whose MCP servers' tools the agent may use. */
  mcpConfig?: string
}

/** A held push-to-talk key, in seconds of IN.wav time. */
export interface PttRange {
  from: number
  to: number
}

export const HISTORY_FORMATS = ['md', 'json'] as const
export type HistoryCommand =
  | { action: 'list'; json: boolean; dbPath: string | undefined }
  | { action: 'search'; query: string; json: boolean; dbPath: string | undefined }
  | { action: 'export'; id: string; format: (typeof HISTORY_FORMATS)[number]; dbPath: string | undefined }
  | { action: 'delete'; id: string; dbPath: string | undefined }

export type Command =
  | { kind: 'talk'; options: TalkOptions }
  | { kind: 'tools'; json: boolean; mcpConfig?: string }
  | { kind: 'history'; command: HistoryCommand }
  | { kind: 'help' }

/** Exit codes. */
export const EXIT = {
  ok: 0,
  /** The session failed (provider error, dropped connection, protocol error). */
  failed: 1,
  /** Bad command line or unreadable input file. */
  usage: 2,
  /** The key was rejected or missing. */
  auth: 3,
  /** --timeout passed before the conversation finished. */
  timeout: 4,
  /** The provider could not be reached, is down, or is rate limiting. */
  unavailable: 5,
} as const

export const USAGE = `Usage:
  earshot talk --provider openai|assemblyai|speko|demo --in IN.wav --out OUT.wav --transcript EVENTS.jsonl
               [--turns N] [--timeout SECONDS] [--approve read-only|all|none] [--greeting TEXT]
               [--ptt RANGES] [--quiet] [--history DB] [--mcp-config FILE]
  earshot tools --json [--mcp-config FILE]
  earshot history list [--json] [--history DB]
  earshot history search TEXT [--json] [--history DB]
  earshot history export ID --format md|json [--history DB]
  earshot history delete ID [--history DB]

--ptt 0.7-3.6,5.2-6.4 holds a push-to-talk key during each range (seconds of IN.wav time): audio
goes out only for a held key (with a short pre-roll and tail) and each release ends the turn.
--turns defaults to the number of ranges. --quiet: no live transcript on stderr.
--mcp-config FILE: MCP servers in Claude Desktop's format ({"mcpServers": {NAME: {command, args, env} | {url}}});
their tools are called NAME__TOOL.

Keys and endpoints come from the environment: OPENAI_API_KEY / OPENAI_BASE_URL,
ASSEMBLYAI_API_KEY / ASSEMBLYAI_AGENTS_URL, SPEKO_API_KEY / SPEKO_BASE_URL (demo needs none).
Exit codes: 0 done, 1 session failed, 2 bad usage or input, 3 key rejected, 4 timeout, 5 provider unreachable.`

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** Splits `--name=value` and `--name value`; returns [name, value|undefined, consumedNext]. */
function takeFlags(argv: string[]): { flags: Map<string, string | true>; positionals: string[] } {
  const flags = new Map<string, string | true>()
  const positionals: string[] = []
  const VALUELESS = new Set(['json', 'help', 'quiet'])
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '-h') {
      flags.set('help', true)
      continue
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2)
    if (!name) throw new UsageError(`"${arg}" is not an option.`)
    if (flags.has(name)) throw new UsageError(`--${name} is given more than once.`)
    if (VALUELESS.has(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value.`)
      flags.set(name, true)
      continue
    }
    if (eq >= 0) {
      flags.set(name, arg.slice(eq + 1))
      continue
    }
    const next = argv[i + 1]
    if (next === undefined || (next.startsWith('--') && next.length > 2)) {
      // No value: recorded as valueless, so an unknown option is reported as unknown first and a
      // known one as needing a value (see parseArgs).
      flags.set(name, true)
      continue
    }
    flags.set(name, next)
    i++
  }
  return { flags, positionals }
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got "${value}").`)
}

export function parseArgs(argv: string[]): Command {
  const [command, ...rest] = argv
  if (command === undefined) throw new UsageError('No command given.')
  if (command === 'help' || command === '--help' || command === '-h') return { kind: 'help' }
  const { flags, positionals } = takeFlags(rest)
  if (flags.has('help')) return { kind: 'help' }
  if (command === 'history') return { kind: 'history', command: parseHistory(flags, positionals) }
  if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}".`)
  const known = (names: string[]) => {
    for (const name of flags.keys()) if (!names.includes(name)) throw new UsageError(`Unknown option --${name} for "${command}".`)
  }
  const str = (name: string): string | undefined => {
    const value = flags.get(name)
    if (value === true) throw new UsageError(`--${name} needs a value.`)
    return value
  }

  const mcpConfigOf = (): string | undefined => {
    const value = str('mcp-config')
    if (value === '') throw new UsageError('--mcp-config needs a file.')
    return value
  }

  if (command === 'tools') {
    known(['json', 'mcp-config'])
    const mcpConfig = mcpConfigOf()
    return { kind: 'tools', json: flags.has('json'), ...(mcpConfig !== undefined ? { mcpConfig } : {}) }
  }
  if (command !== 'talk') throw new UsageError(`Unknown command "${command}". Commands: talk, tools, history.`)

  known(['provider', 'in', 'out', 'transcript', 'turns', 'timeout', 'approve', 'greeting', 'ptt', 'quiet', 'history', 'mcp-config'])
  const required = (name: string) => {
    const value = str(name)
    if (value === undefined || value === '') throw new UsageError(`--${name} is required.`)
    return value
  }
  const provider = oneOf('provider', required('provider'), CLI_PROVIDERS)
  const inPath = required('in')
  const outPath = required('out')
  const transcriptPath = required('transcript')

  const pttText = str('ptt')
  const ptt = pttText === undefined ? null : parsePttRanges(pttText)
  let turns = ptt ? ptt.length : 1
  const turnsText = str('turns')
  if (turnsText !== undefined) {
    if (!/^\d+$/.test(turnsText) || Number(turnsText) < 1 || Number(turnsText) > 1000) {
      throw new UsageError(`--turns must be a whole number from 1 to 1000 (got "${turnsText}").`)
    }
    turns = Number(turnsText)
  }
  let timeoutSeconds = 60
  const timeoutText = str('timeout')
  if (timeoutText !== undefined) {
    const value = Number(timeoutText)
    if (!/^\d+(\.\d+)?$/.test(timeoutText) || !(value > 0) || value > 86400) {
      throw new UsageError(`--timeout must be a number of seconds greater than 0 (got "${timeoutText}").`)
    }
    timeoutSeconds = value
  }
  const approveText = str('approve')
  const approve = approveText === undefined ? 'read-only' : oneOf('approve', approveText, APPROVE_MODES)
  const greeting = str('greeting')
  if (greeting !== undefined && greeting.length > 2000) throw new UsageError('--greeting is longer than 2000 characters.')
  const mcpConfig = mcpConfigOf()
  if (new Set([inPath, outPath, transcriptPath]).size !== 3) throw new UsageError('--in, --out and --transcript must be three different files.')
  const historyPath = str('history')
  if (historyPath === '') throw new UsageError('--history needs a file name.')
  if (historyPath !== undefined && [inPath, outPath, transcriptPath].includes(historyPath)) {
    throw new UsageError('--history must be a file of its own, not --in, --out or --transcript.')
  }

  return {
    kind: 'talk',
    options: {
      provider,
      inPath,
      outPath,
      transcriptPath,
      turns,
      timeoutSeconds,
      approve,
      greeting: greeting === '' ? undefined : greeting,
      ptt,
      quiet: flags.has('quiet'),
      ...(historyPath !== undefined ? { historyPath } : {}),
      ...(mcpConfig !== undefined ? { mcpConfig } : {}),
    },
  }
}

const HISTORY_ACTIONS = ['list', 'search', 'export', 'delete'] as const

function parseHistory(flags: Map<string, string | true>, positionals: string[]): HistoryCommand {
  const [action, ...args] = positionals
  if (action === undefined) throw new UsageError(`"history" needs one of ${HISTORY_ACTIONS.join(', ')}.`)
  if (!(HISTORY_ACTIONS as readonly string[]).includes(action)) throw new UsageError(`Unknown history action "${action}". Actions: ${HISTORY_ACTIONS.join(', ')}.`)
  const allowed: Record<(typeof HISTORY_ACTIONS)[number], string[]> = {
    list: ['json', 'history'],
    search: ['json', 'history'],
    export: ['format', 'history'],
    delete: ['history'],
  }
  for (const name of flags.keys()) {
    if (!allowed[action as (typeof HISTORY_ACTIONS)[number]].includes(name)) throw new UsageError(`Unknown option --${name} for "history ${action}".`)
  }
  const value = (name: string): string | undefined => {
    const v = flags.get(name)
    if (v === true || v === '') throw new UsageError(`--${name} needs a value.`)
    return v
  }
  const dbPath = value('history')
  const json = flags.has('json')
  const one = (what: string): string => {
    if (args.length === 0) throw new UsageError(`"history ${action}" needs ${what}.`)
    if (args.length > 1) throw new UsageError(`Unexpected argument "${args[1]}" (quote ${what} if it has spaces).`)
    return args[0] as string
  }
  switch (action) {
    case 'list':
      if (args.length) throw new UsageError(`Unexpected argument "${args[0]}".`)
      return { action, json, dbPath }
    case 'search': {
      const query = args.join(' ').trim()
      if (!query) throw new UsageError('"history search" needs the words to look for.')
      if (query.length > 500) throw new UsageError('The search text is longer than 500 characters.')
      return { action, query, json, dbPath }
    }
    case 'export': {
      const id = one('a conversation ID')
      const format = value('format')
      if (format === undefined) throw new UsageError('--format is required (md or json).')
      return { action, id, format: oneOf('format', format, HISTORY_FORMATS), dbPath }
    }
    default:
      return { action: 'delete', id: one('a conversation ID'), dbPath }
  }
}

/** `0.7-3.6,5.2-6.4`: ranges in seconds, in order, not overlapping, each longer than nothing. */
export function parsePttRanges(text: string): PttRange[] {
  const ranges: PttRange[] = []
  const bad = (why: string) => new UsageError(`--ptt ${why} (got "${text}"; expected ranges in seconds like 0.7-3.6,5.2-6.4).`)
  if (!text.trim()) throw bad('needs at least one range')
  for (const part of text.split(',')) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$/.exec(part)
    if (!m) throw bad(`has a range that is not FROM-TO: "${part.trim()}"`)
    const from = Number(m[1])
    const to = Number(m[2])
    if (!(to > from)) throw bad(`has a range that ends before it starts: "${part.trim()}"`)
    const last = ranges.at(-1)
    if (last && from < last.to) throw bad('ranges must be in order and must not overlap')
    if (to > 86400) throw bad('has a range past 24 hours')
    ranges.push({ from, to })
  }
  if (ranges.length > 1000) throw bad('has more than 1000 ranges')
  return ranges
}

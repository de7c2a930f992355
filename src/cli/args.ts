/** Command-line parsing for `earshot` (the contract: docs/cli.md). */

export const CLI_PROVIDERS = ['openai', 'assemblyai', 'speko', 'demo'] as const
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
}

/** A held push-to-talk key, in seconds of IN.wav time. */
export interface PttRange {
  from: number
  to: number
}

export type Command = { kind: 'talk'; options: TalkOptions } | { kind: 'tools'; json: boolean } | { kind: 'help' }

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
               [--ptt RANGES] [--quiet]
  earshot tools --json

--ptt 0.7-3.6,5.2-6.4 holds a push-to-talk key during each range (seconds of IN.wav time): audio
goes out only for a held key (with a short pre-roll and tail) and each release ends the turn.
--turns defaults to the number of ranges. --quiet: no live transcript on stderr.

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
  if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}".`)
  const known = (names: string[]) => {
    for (const name of flags.keys()) if (!names.includes(name)) throw new UsageError(`Unknown option --${name} for "${command}".`)
  }
  const str = (name: string): string | undefined => {
    const value = flags.get(name)
    if (value === true) throw new UsageError(`--${name} needs a value.`)
    return value
  }

  if (command === 'tools') {
    known(['json'])
    return { kind: 'tools', json: flags.has('json') }
  }
  if (command !== 'talk') throw new UsageError(`Unknown command "${command}". Commands: talk, tools.`)

  known(['provider', 'in', 'out', 'transcript', 'turns', 'timeout', 'approve', 'greeting', 'ptt', 'quiet'])
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
  if (new Set([inPath, outPath, transcriptPath]).size !== 3) throw new UsageError('--in, --out and --transcript must be three different files.')

  return {
    kind: 'talk',
    options: { provider, inPath, outPath, transcriptPath, turns, timeoutSeconds, approve, greeting: greeting === '' ? undefined : greeting, ptt, quiet: flags.has('quiet') },
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

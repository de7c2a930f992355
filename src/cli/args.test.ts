import { describe, expect, it } from 'vitest'
import { parseArgs, UsageError } from './args'

const base = ['talk', '--provider', 'openai', '--in', 'a.wav', '--out', 'b.wav', '--transcript', 'e.jsonl']

describe('parseArgs', () => {
  it('parses talk with defaults', () => {
    expect(parseArgs(base)).toEqual({
      kind: 'talk',
      options: { provider: 'openai', inPath: 'a.wav', outPath: 'b.wav', transcriptPath: 'e.jsonl', turns: 1, timeoutSeconds: 60, approve: 'read-only', greeting: undefined, ptt: null, quiet: false },
    })
  })

  it('parses --ptt ranges (seconds of IN.wav time); --turns defaults to their number; --quiet', () => {
    const command = parseArgs([...base, '--ptt', '0.7-3.6,5.2-6.4', '--quiet'])
    expect(command).toMatchObject({ kind: 'talk', options: { ptt: [{ from: 0.7, to: 3.6 }, { from: 5.2, to: 6.4 }], turns: 2, quiet: true } })
    expect(parseArgs([...base, '--ptt=1-2', '--turns', '3'])).toMatchObject({ options: { ptt: [{ from: 1, to: 2 }], turns: 3 } })
    for (const [text, why] of [
      ['', /at least one range/],
      ['1', /not FROM-TO/],
      ['2-1', /ends before it starts/],
      ['1-1', /ends before it starts/],
      ['1-3,2-4', /must not overlap/],
      ['3-4,1-2', /in order/],
      ['a-b', /not FROM-TO/],
      ['-1-2', /not FROM-TO/],
    ] as const) {
      expect(() => parseArgs([...base, '--ptt', text]), text).toThrow(why)
    }
  })

  it('parses every option, in both --x v and --x=v forms', () => {
    const command = parseArgs([...base.slice(0, 1), '--provider=demo', ...base.slice(3), '--turns', '3', '--timeout=12.5', '--approve', 'none', '--greeting', 'Hello there'])
    expect(command).toMatchObject({ kind: 'talk', options: { provider: 'demo', turns: 3, timeoutSeconds: 12.5, approve: 'none', greeting: 'Hello there' } })
  })

  it('parses tools --json and help', () => {
    expect(parseArgs(['tools', '--json'])).toEqual({ kind: 'tools', json: true })
    expect(parseArgs(['help'])).toEqual({ kind: 'help' })
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' })
    expect(parseArgs(['talk', '--help'])).toEqual({ kind: 'help' })
  })

  it('rejects bad input with a clear message', () => {
    const bad: [string[], RegExp][] = [
      [['fly'], /Unknown command "fly"/],
      [['talk', '--provider', 'openai'], /--in is required/],
      [[...base.slice(0, 2), 'google', ...base.slice(3)], /--provider must be one of openai, assemblyai, speko, demo/],
      [[...base, '--turns', '0'], /--turns must be a whole number/],
      [[...base, '--turns', '1.5'], /--turns must be a whole number/],
      [[...base, '--timeout', '-3'], /--timeout must be a number/],
      [[...base, '--timeout', 'abc'], /--timeout must be a number/],
      [[...base, '--approve', 'some'], /--approve must be one of read-only, all, none/],
      [[...base, '--colour', 'red'], /Unknown option --colour/],
      [[...base, '--turns'], /--turns needs a value/],
      [[...base, '--turns', '2', '--turns', '3'], /more than once/],
      [['talk', '--provider', 'demo', '--in', 'x.wav', '--out', 'x.wav', '--transcript', 'e'], /three different files/],
      [['tools', 'extra'], /Unexpected argument/],
      // An empty command line is a wrong one (usage on stderr, non-zero), not a request for help.
      [[], /No command given/],
      // An unknown option is reported as unknown, even when it has no value.
      [['tools', '--json', '--x'], /Unknown option --x for "tools"/],
      [[...base, '--colour'], /Unknown option --colour/],
      [['talk', '--provider'], /--provider needs a value/],
      [['talk', '--provider', 'demo', '--in', '--out', 'o.wav', '--transcript', 'e'], /--in needs a value/],
    ]
    for (const [argv, message] of bad) {
      expect(() => parseArgs(argv), argv.join(' ')).toThrow(UsageError)
      expect(() => parseArgs(argv), argv.join(' ')).toThrow(message)
    }
  })
})

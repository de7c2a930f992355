/**
 * The command line itself: `tools --json`, usage errors, and Demo mode (no key) end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeTools } from '../main/tools'
import { runCli, speechWav, talkArgs, workdir, type Workdir } from './talk-harness'

let work: Workdir
beforeAll(() => {
  work = workdir()
})
afterAll(() => work?.cleanup())

describe('earshot CLI', () => {
  it('tools --json prints the registry descriptors as a JSON array', async () => {
    const result = await runCli(['tools', '--json'], {})
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    const tools = JSON.parse(result.stdout) as Array<{ name: string; description: string; risk: string; parameters: Record<string, unknown> }>
    expect(tools).toEqual(describeTools())
    for (const tool of tools) expect(Object.keys(tool).sort()).toEqual(['description', 'name', 'parameters', 'risk'])
    const time = tools.find((t) => t.name === 'get_current_time')!
    expect(time.risk).toBe('read')
    expect(time.parameters.type).toBe('object')
    expect(time.parameters.required ?? []).toEqual([])
  }, 20_000)

  it('explains bad usage and exits 2 without touching the network', async () => {
    const result = await runCli(['talk', '--provider', 'openai', '--in', 'x.wav'], {})
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^earshot: --out is required\.\nUsage:/)
    const missingKey = talkArgs('openai', work.path('missing.wav'), work)
    const noFile = await runCli(missingKey.args, { OPENAI_API_KEY: 'sk-not-used-000000' }, missingKey.files)
    expect(noFile.code).toBe(2)
    expect(noFile.stderr.trim()).toBe(`earshot: Cannot read --in ${work.path('missing.wav')}: no such file.`)
  }, 20_000)

  it('an empty command line prints the usage on stderr and exits 2', async () => {
    const result = await runCli([], {})
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^earshot: No command given\.\nUsage:\n {2}earshot talk --provider/)
    const help = await runCli(['--help'], {})
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage:/)
  }, 20_000)

  it('exits 3 with the variable name when the key is not set', async () => {
    const input = speechWav(work, 'hi', 'Hi.')
    const { args, files } = talkArgs('assemblyai', input, work)
    const result = await runCli(args, {}, files)
    expect(result.code).toBe(3)
    expect(result.stderr.trim()).toBe('earshot: ASSEMBLYAI_API_KEY is not set; export your assemblyai API key (or use --provider demo).')
  }, 20_000)

  it('talks to the local Demo server without any key', async () => {
    const input = speechWav(work, 'demo', 'Hello, what can you do?')
    const { args, files } = talkArgs('demo', input, work, ['--timeout', '30'])
    const result = await runCli(args.filter((a) => a !== '--quiet'), {}, files)
    expect(result.code).toBe(0)
    // The short live transcript on stderr (--quiet turns it off): the tool and the reply, one line each.
    expect(result.stderr).toMatch(/^tool get_current_time: ok$/m)
    expect(result.stderr).toMatch(/^earshot: .*Earshot demo/m)
    expect(result.events.find((l) => l.type === 'tool')).toMatchObject({ name: 'get_current_time', status: 'ok' })
    const agent = result.events.find((l) => l.type === 'agent')!
    expect(agent.text).toMatch(/Earshot demo/)
    expect(result.out?.sampleRate).toBe(24000)
    expect(result.out!.samples.length).toBeGreaterThan(24000)
    expect(result.events.at(-1)).toMatchObject({ type: 'done', replies: 1, ok: true })
  }, 40_000)
})

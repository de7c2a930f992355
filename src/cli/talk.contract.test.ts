/**
 * `runTalk` in-process against the simulators, for docs/cli.md rules that the end-to-end files do not
 * pin down: which replies count toward --turns, an EVENTS.jsonl error line for every failure, a
 * line for a tool call still running when the run ends, and clear messages for unwritable outputs.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startAssemblyAISim } from '../main/sim/assemblyai'
import type { SimScript } from '../main/sim/script'
import type { TalkOptions } from './args'
import { speechWav, workdir, type Workdir } from './talk-harness'
import { runTalk } from './talk'

// A slow get_current_time (when `slowTools.ms` > 0), so a run can end while a tool is running.
const slowTools = vi.hoisted(() => ({ ms: 0 }))
vi.mock('../main/tools', async (importOriginal) => {
  const real = await importOriginal<typeof import('../main/tools')>()
  return {
    ...real,
    createNodeTools: (...args: Parameters<typeof real.createNodeTools>) => {
      const kit = real.createNodeTools(...args)
      const execute = kit.executeToolCall.bind(kit)
      kit.executeToolCall = async (...callArgs: Parameters<typeof execute>) => {
        if (slowTools.ms > 0) await new Promise((resolve) => setTimeout(resolve, slowTools.ms))
        return execute(...callArgs)
      }
      return kit
    },
  }
})

let work: Workdir
let question: string
beforeAll(() => {
  work = workdir()
  question = speechWav(work, 'question', 'What time is it?')
})
afterAll(() => work?.cleanup())

function options(name: string, extra: Partial<TalkOptions> = {}): TalkOptions {
  return {
    provider: 'assemblyai',
    inPath: question,
    outPath: work.path(`${name}.wav`),
    transcriptPath: work.path(`${name}.jsonl`),
    turns: 1,
    timeoutSeconds: 20,
    approve: 'read-only',
    greeting: undefined,
    ptt: null,
    quiet: true,
    ...extra,
  }
}

function lines(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

async function talk(opts: TalkOptions, env: Record<string, string>) {
  const stderr: string[] = []
  const code = await runTalk(opts, { env, stderr: (line) => stderr.push(line) })
  return { code, stderr, events: existsSync(opts.transcriptPath) ? lines(opts.transcriptPath) : [] }
}

const transitionScript: SimScript = {
  turns: [{ user: 'What time is it?', transition: 'One moment.', toolCalls: [{ name: 'get_current_time', arguments: {} }], reply: 'It is late.', replyMs: 800 }],
}

describe('runTalk against docs/cli.md', () => {
  it('a reply that spoke and called a tool counts toward --turns (only tool-only replies do not)', async () => {
    const sim = await startAssemblyAISim(transitionScript)
    try {
      const opts = options('transition')
      const result = await talk(opts, sim.env)
      expect(result.stderr).toEqual([])
      expect(result.code).toBe(0)
      const turns = result.events.filter((l) => l.type === 'turn')
      expect(turns).toEqual([expect.objectContaining({ count: 1, of: 1, responseId: 'reply_1', calledTools: true })])
      expect(result.events.find((l) => l.type === 'agent')).toMatchObject({ text: 'One moment.', interrupted: false })
      expect(result.events.find((l) => l.type === 'tool')).toMatchObject({ name: 'get_current_time', status: 'ok' })
      expect(result.events.at(-1)).toMatchObject({ type: 'done', replies: 1, ok: true })
    } finally {
      await sim.close()
    }
  }, 30_000)

  it('a tool still running when the run ends gets its EVENTS.jsonl line before the CLI exits', async () => {
    const sim = await startAssemblyAISim(transitionScript)
    slowTools.ms = 1500 // longer than "One moment." plus the settle time
    try {
      const opts = options('slow-tool')
      const result = await talk(opts, sim.env)
      expect(result.code).toBe(0)
      const turn = result.events.findIndex((l) => l.type === 'turn')
      const tool = result.events.findIndex((l) => l.type === 'tool')
      expect(turn).toBeGreaterThanOrEqual(0)
      expect(tool).toBeGreaterThan(turn) // the run had ended; the line still came
      expect(result.events[tool]).toMatchObject({ name: 'get_current_time', arguments: {}, status: 'ok' })
      expect((result.events[tool]!.result as { iso: string }).iso).toMatch(/^\d{4}-\d{2}-\d{2}T/)
      expect(result.events.at(-1)).toMatchObject({ type: 'done', ok: true })
    } finally {
      slowTools.ms = 0
      await sim.close()
    }
  }, 30_000)

  it('a missing key is one stderr line, a non-zero exit and an error line in EVENTS.jsonl', async () => {
    const opts = options('nokey')
    const result = await talk(opts, {})
    expect(result.code).toBe(3)
    expect(result.stderr).toEqual(['earshot: ASSEMBLYAI_API_KEY is not set; export your assemblyai API key (or use --provider demo).'])
    expect(result.events).toEqual([expect.objectContaining({ type: 'error', code: 'missing_key', message: expect.stringContaining('ASSEMBLYAI_API_KEY') })])
  })

  it('a provider that ends the session early is an error line too, not just a stderr line', async () => {
    const sim = await startAssemblyAISim({ turns: [{ user: 'x', reply: 'y' }], faults: [{ kind: 'drop', at: 'ready', code: 1000, reason: 'bye' }] })
    try {
      const opts = options('closed', { timeoutSeconds: 15 })
      const result = await talk(opts, sim.env)
      expect(result.code).not.toBe(0)
      expect(result.stderr).toHaveLength(1)
      const errors = result.events.filter((l) => l.type === 'error')
      expect(errors.length).toBeGreaterThanOrEqual(1)
      for (const error of errors) {
        expect(typeof error.code).toBe('string')
        expect(typeof error.message).toBe('string')
      }
      expect(result.stderr[0]).toContain(String(errors.at(-1)!.message).slice(0, 20))
    } finally {
      await sim.close()
    }
  }, 30_000)

  it('an output in a missing folder fails at once with a plain message', async () => {
    const missing = join(work.dir, 'no-such-folder')
    const out = await talk(options('x', { outPath: join(missing, 'o.wav') }), {})
    expect(out.code).toBe(2)
    expect(out.stderr).toEqual([`earshot: Cannot write --out ${join(missing, 'o.wav')}: the folder ${missing} does not exist.`])
    const transcript = await talk(options('y', { transcriptPath: join(missing, 'e.jsonl') }), {})
    expect(transcript.code).toBe(2)
    expect(transcript.stderr).toEqual([`earshot: Cannot write --transcript ${join(missing, 'e.jsonl')}: the folder ${missing} does not exist.`])
  })
})

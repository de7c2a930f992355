import { describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { approvalPolicy } from '../../shared/tools/policy'
import type { AuditEntry } from '../../shared/tools/types'
import { createToolExecutor } from './executor'
import { createToolRegistry } from './registry'
import { defineTool, ToolError } from './tool'

function fixture() {
  const runs: string[] = []
  const echo = defineTool({
    name: 'echo',
    description: 'Echo',
    risk: 'read',
    timeoutMs: 1000,
    schema: z.strictObject({ text: z.string().max(10) }),
    run: ({ text }) => {
      runs.push(text)
      return { text }
    },
  })
  const write = defineTool({
    name: 'write_thing',
    description: 'Writes',
    risk: 'write',
    timeoutMs: 1000,
    schema: z.strictObject({ value: z.number() }),
    summarize: ({ value }) => `Write ${value}`,
    run: ({ value }) => {
      runs.push(`write ${value}`)
      return { written: value }
    },
  })
  const slow = defineTool({
    name: 'slow',
    description: 'Never finishes in time',
    risk: 'read',
    timeoutMs: 30,
    schema: z.strictObject({}),
    run: (_args, { signal }) =>
      new Promise<Record<string, unknown>>((resolve) => {
        signal.addEventListener('abort', () => runs.push('aborted'))
        setTimeout(() => resolve({ late: true }), 500)
      }),
  })
  const broken = defineTool({
    name: 'broken',
    description: 'Throws',
    risk: 'read',
    timeoutMs: 1000,
    schema: z.strictObject({ expected: z.boolean().default(false) }),
    run: ({ expected }) => {
      if (expected) throw new ToolError('not_found', 'There is nothing called that.')
      throw new Error('disk on fire')
    },
  })
  const huge = defineTool({
    name: 'huge',
    description: 'Too big',
    risk: 'read',
    timeoutMs: 1000,
    schema: z.strictObject({}),
    run: () => ({ text: 'x'.repeat(100) }),
  })
  const audit: AuditEntry[] = []
  const registry = createToolRegistry([echo, write, slow, broken, huge])
  const executor = createToolExecutor({ registry, audit: { record: (e) => audit.push(e) }, rememberCalls: 3, maxOutputChars: 80 })
  return { runs, audit, executor }
}

const parse = (output: string) => JSON.parse(output) as Record<string, unknown>

describe('tool executor', () => {
  it('runs a read tool at once and returns JSON', async () => {
    const { executor, runs, audit } = fixture()
    const approve = vi.fn()
    const r = await executor.executeToolCall({ callId: 'a', name: 'echo', arguments: { text: 'hi' } }, { approve })
    expect(r).toEqual({ status: 'ok', output: '{"text":"hi"}' })
    expect(approve).not.toHaveBeenCalled()
    expect(runs).toEqual(['hi'])
    expect(audit[0]).toMatchObject({ callId: 'a', tool: 'echo', risk: 'read', decision: 'allowed', decidedBy: 'auto', outcome: 'ok', arguments: { text: 'hi' } })
  })

  it('accepts arguments as a JSON string, and missing arguments as {}', async () => {
    const { executor } = fixture()
    expect((await executor.executeToolCall({ callId: 'a', name: 'echo', arguments: '{"text":"yo"}' })).output).toBe('{"text":"yo"}')
    const r = await executor.executeToolCall({ callId: 'b', name: 'broken', arguments: undefined })
    expect(parse(r.output).error).toMatch(/disk on fire/)
  })

  it('answers an unknown tool with an error naming the tools that exist', async () => {
    const { executor, audit } = fixture()
    const r = await executor.executeToolCall({ callId: 'a', name: 'rm_rf', arguments: {} })
    expect(r.status).toBe('error')
    expect(parse(r.output)).toMatchObject({ code: 'unknown_tool' })
    expect(parse(r.output).error).toMatch(/rm_rf.*echo, write_thing/)
    expect(audit[0]).toMatchObject({ tool: 'rm_rf', risk: null, outcome: 'error', decision: 'not_asked' })
  })

  it('answers invalid JSON and invalid arguments with the validation message', async () => {
    const { executor, runs } = fixture()
    const bad = await executor.executeToolCall({ callId: 'a', name: 'echo', arguments: '{text:' })
    expect(parse(bad.output)).toMatchObject({ code: 'invalid_arguments', error: 'Invalid arguments for echo: The arguments are not valid JSON.' })
    const long = await executor.executeToolCall({ callId: 'b', name: 'echo', arguments: { text: 'much too long text' } })
    expect(parse(long.output).error).toMatch(/^Invalid arguments for echo: text: Too big/)
    const notObject = await executor.executeToolCall({ callId: 'c', name: 'echo', arguments: [1] })
    expect(parse(notObject.output).code).toBe('invalid_arguments')
    expect(runs).toEqual([])
  })

  it('asks before a write tool, runs it when allowed and reports who decided', async () => {
    const { executor, runs, audit } = fixture()
    const approve = vi.fn().mockResolvedValue({ decision: 'allow', via: 'always' })
    const r = await executor.executeToolCall({ callId: 'w', name: 'write_thing', arguments: { value: 3 } }, { approve })
    expect(r.status).toBe('ok')
    expect(approve).toHaveBeenCalledWith({ callId: 'w', name: 'write_thing', risk: 'write', description: 'Write 3', arguments: { value: 3 }, alwaysAllowable: true, details: [] })
    expect(runs).toEqual(['write 3'])
    expect(audit[0]).toMatchObject({ decision: 'allowed', decidedBy: 'always' })
  })

  it('turns a refusal, a timeout decision, a failing approver and no approver into denied results', async () => {
    const { executor, runs, audit } = fixture()
    const denied = await executor.executeToolCall({ callId: '1', name: 'write_thing', arguments: { value: 1 } }, { approve: () => 'deny' })
    expect(denied.status).toBe('denied')
    expect(parse(denied.output)).toMatchObject({ code: 'denied' })
    expect(parse(denied.output).error).toMatch(/declined/)
    const timedOut = await executor.executeToolCall({ callId: '2', name: 'write_thing', arguments: { value: 2 } }, { approve: () => ({ decision: 'deny', via: 'timeout' }) })
    expect(parse(timedOut.output).error).toMatch(/did not answer/)
    const throwing = await executor.executeToolCall({ callId: '3', name: 'write_thing', arguments: { value: 3 } }, { approve: () => Promise.reject(new Error('window gone')) })
    expect(throwing.status).toBe('denied')
    const none = await executor.executeToolCall({ callId: '4', name: 'write_thing', arguments: { value: 4 } })
    expect(none.status).toBe('denied')
    expect(runs).toEqual([])
    expect(audit.map((e) => e.decidedBy)).toEqual(['user', 'timeout', 'none', 'policy'])
  })

  it('stops a tool at its timeout, aborts its signal and says so', async () => {
    const { executor, runs } = fixture()
    const r = await executor.executeToolCall({ callId: 's', name: 'slow', arguments: {} })
    expect(r.status).toBe('error')
    expect(parse(r.output)).toMatchObject({ code: 'timeout' })
    expect(parse(r.output).error).toMatch(/slow took longer than 0.03 seconds/)
    expect(runs).toEqual(['aborted'])
  })

  it('turns exceptions into error results, keeping a ToolError code', async () => {
    const { executor } = fixture()
    const unexpected = await executor.executeToolCall({ callId: 'x', name: 'broken', arguments: {} })
    expect(parse(unexpected.output)).toEqual({ code: 'failed', error: 'broken failed: disk on fire' })
    const expected = await executor.executeToolCall({ callId: 'y', name: 'broken', arguments: { expected: true } })
    expect(parse(expected.output)).toEqual({ code: 'not_found', error: 'There is nothing called that.' })
  })

  it('refuses to return an output larger than the limit', async () => {
    const { executor } = fixture()
    const r = await executor.executeToolCall({ callId: 'h', name: 'huge', arguments: {} })
    expect(parse(r.output).error).toMatch(/too large/)
  })

  it('never runs the same call id twice, even concurrently, and returns the first result', async () => {
    const { executor, runs } = fixture()
    const approve = vi.fn().mockResolvedValue('allow')
    const call = { callId: 'dup', name: 'write_thing', arguments: { value: 7 } }
    const [a, b] = await Promise.all([executor.executeToolCall(call, { approve }), executor.executeToolCall(call, { approve })])
    const c = await executor.executeToolCall({ ...call, arguments: { value: 8 } }, { approve })
    expect(a).toEqual(b)
    expect(c).toEqual(a)
    expect(runs).toEqual(['write 7'])
    expect(approve).toHaveBeenCalledTimes(1)
  })

  it('remembers a bounded number of call ids', async () => {
    const { executor, runs } = fixture()
    for (const id of ['1', '2', '3', '4']) await executor.executeToolCall({ callId: id, name: 'echo', arguments: { text: id } })
    await executor.executeToolCall({ callId: '4', name: 'echo', arguments: { text: 'again' } })
    await executor.executeToolCall({ callId: '1', name: 'echo', arguments: { text: 'again' } })
    expect(runs).toEqual(['1', '2', '3', '4', 'again'])
  })

  it('follows the CLI policies', async () => {
    const { executor, runs } = fixture()
    const readOnly = approvalPolicy('read-only')
    expect((await executor.executeToolCall({ callId: 'r1', name: 'echo', arguments: { text: 'a' } }, readOnly)).status).toBe('ok')
    expect((await executor.executeToolCall({ callId: 'r2', name: 'write_thing', arguments: { value: 1 } }, readOnly)).status).toBe('denied')
    const all = approvalPolicy('all')
    expect((await executor.executeToolCall({ callId: 'a1', name: 'write_thing', arguments: { value: 2 } }, all)).status).toBe('ok')
    const none = approvalPolicy('none')
    const r = await executor.executeToolCall({ callId: 'n1', name: 'echo', arguments: { text: 'b' } }, none)
    expect(r.status).toBe('denied')
    expect(parse(r.output).error).toMatch(/not allowed in this mode/)
    expect(runs).toEqual(['a', 'write 2'])
  })

  it('survives a throwing audit sink', async () => {
    const registry = createToolRegistry([defineTool({ name: 'ok', description: '', risk: 'read', timeoutMs: 100, schema: z.strictObject({}), run: () => ({}) })])
    const executor = createToolExecutor({ registry, audit: { record: () => { throw new Error('disk full') } } })
    expect(await executor.executeToolCall({ callId: 'z', name: 'ok', arguments: {} })).toEqual({ status: 'ok', output: '{}' })
  })
})

describe('tool registry', () => {
  it('refuses duplicate and non-snake_case names', () => {
    const tool = (name: string) => defineTool({ name, description: '', risk: 'read', timeoutMs: 1, schema: z.strictObject({}), run: () => ({}) })
    expect(() => createToolRegistry([tool('a'), tool('a')])).toThrow(/Two tools/)
    expect(() => createToolRegistry([tool('OpenUrl')])).toThrow(/snake_case/)
  })
})

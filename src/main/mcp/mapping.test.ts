import { describe, expect, it } from 'vitest'
import { describeServerTarget, parseClaudeDesktopConfig } from '../../shared/mcp/types'
import { PROVIDER_TOOL_NAME_PATTERN } from '../../shared/tools/types'
import { assignToolNames, baseToolName } from './naming'
import { renderCallResult } from './results'
import { riskFromAnnotations } from './risk'
import { checkInputSchema } from './schema'

describe('MCP tool names', () => {
  it('are <server>__<tool>, cleaned to what every provider takes', () => {
    expect(baseToolName('files', 'read_file')).toBe('files__read_file')
    expect(baseToolName('My Server!', 'get.thing/now')).toBe('My_Server__get_thing_now')
    expect(baseToolName('9lives', 'x')).toBe('s9lives__x')
    expect(baseToolName('日本', 'ツール')).toBe('server__tool')
  })

  it('stay within 64 characters, shortened with a hash that keeps them distinct', () => {
    const a = baseToolName('a-very-long-server-name-that-goes-on-and-on', 'an_equally_long_tool_name_that_keeps_going_and_going_a')
    const b = baseToolName('a-very-long-server-name-that-goes-on-and-on', 'an_equally_long_tool_name_that_keeps_going_and_going_b')
    for (const n of [a, b]) {
      expect(n.length).toBeLessThanOrEqual(64)
      expect(n).toMatch(PROVIDER_TOOL_NAME_PATTERN)
    }
    expect(a).not.toBe(b)
  })

  it('resolve collisions the same way whatever order the servers answer in', () => {
    const tools = [
      { server: 'a', tool: 'x.y' },
      { server: 'a', tool: 'x/y' },
      { server: 'b', tool: 'get_current_time' },
    ]
    const one = assignToolNames(tools, ['a__x_y_taken'])
    const two = assignToolNames([...tools].reverse(), ['a__x_y_taken'])
    expect([...one.entries()].sort()).toEqual([...two.entries()].sort())
    expect(one.get('a\u0000x.y')).toBe('a__x_y')
    expect(one.get('a\u0000x/y')).toBe('a__x_y_2')
    // Names differing only in case count as taken too (a provider may not tell them apart).
    expect(assignToolNames([{ server: 'A', tool: 'T' }], ['a__t']).get('A\u0000T')).toBe('A__T_2')
  })
})

describe('MCP risk from annotations', () => {
  it('maps the hints (with the MCP defaults for absent ones)', () => {
    expect(riskFromAnnotations({ readOnlyHint: true })).toEqual({ risk: 'read', allowAlways: true, destructive: false })
    expect(riskFromAnnotations(undefined)).toEqual({ risk: 'external', allowAlways: false, destructive: true })
    expect(riskFromAnnotations({ readOnlyHint: false, destructiveHint: true, openWorldHint: false })).toEqual({ risk: 'write', allowAlways: false, destructive: true })
    expect(riskFromAnnotations({ readOnlyHint: false, destructiveHint: false, openWorldHint: false })).toEqual({ risk: 'write', allowAlways: true, destructive: false })
    expect(riskFromAnnotations({ destructiveHint: false, openWorldHint: true }).risk).toBe('external')
  })

  it('lets the user override the risk, never the destructive flag', () => {
    expect(riskFromAnnotations({ destructiveHint: true }, 'read')).toEqual({ risk: 'read', allowAlways: false, destructive: true })
    expect(riskFromAnnotations({ readOnlyHint: true }, 'write').risk).toBe('write')
  })
})

describe('MCP input schemas', () => {
  it('pass through without $schema and validate arguments', () => {
    const check = checkInputSchema({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { n: { type: 'number' } }, required: ['n'] })
    if (!check.ok) throw new Error(check.reason)
    expect(check.parameters).toEqual({ type: 'object', properties: { n: { type: 'number' } }, required: ['n'] })
    expect(check.validate({ n: 1 })).toBe(true)
    expect(check.validate({ n: 'x' })).toBe(false)
  })

  it('takes draft 2020-12 schemas too', () => {
    const check = checkInputSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', $defs: { day: { type: 'string', format: 'date' } }, properties: { d: { $ref: '#/$defs/day' } } })
    if (!check.ok) throw new Error(check.reason)
    expect(check.validate({ d: '2026-12-02' })).toBe(true)
    expect(check.validate({ d: 'soon' })).toBe(false)
  })

  it('reports what a provider cannot take', () => {
    expect(checkInputSchema({ type: 'array' })).toEqual({ ok: false, reason: 'its inputSchema has type "array"; providers take only "object"' })
    expect(checkInputSchema('x')).toMatchObject({ ok: false })
    expect(checkInputSchema({ type: 'object', properties: { a: { $ref: 'https://example.com/a.json' } } })).toMatchObject({ ok: false, reason: expect.stringMatching(/refers to other documents/) })
    expect(checkInputSchema({ type: 'object', properties: { a: { type: 'nonsense' } } })).toMatchObject({ ok: false, reason: expect.stringMatching(/not valid JSON Schema/) })
    expect(checkInputSchema({ type: 'object', description: 'x'.repeat(20_000) })).toMatchObject({ ok: false, reason: expect.stringMatching(/limit is 16000/) })
  })
})

describe('MCP results', () => {
  it('describes what is not text and keeps resource text', () => {
    const view = renderCallResult({
      content: [
        { type: 'text', text: 'one' },
        { type: 'image', mimeType: 'image/png', data: 'AAAA' },
        { type: 'resource', resource: { uri: 'file:///a.txt', text: 'inside' } },
        { type: 'resource', resource: { uri: 'file:///b.bin', mimeType: 'application/zip', blob: 'AAAAAAAA' } },
        { type: 'resource_link', uri: 'file:///c', name: 'c' },
      ],
    })
    expect(view.text).toBe('one\n[resource file:///a.txt]\ninside')
    expect(view.attachments).toEqual([
      '[image image/png, 3 bytes: not shown to the voice model]',
      '[resource file:///b.bin (application/zip, 6 bytes): binary, not shown]',
      '[resource link c: file:///c]',
    ])
  })

  it('uses structuredContent when there is no text, and flags isError', () => {
    expect(renderCallResult({ content: [], structuredContent: { t: 21 } }).text).toBe('{"t":21}')
    expect(renderCallResult({ content: [{ type: 'text', text: 'no' }], isError: true }).isError).toBe(true)
  })
})

describe('claude_desktop_config.json', () => {
  it('imports stdio and HTTP servers and reports what it cannot', () => {
    const { servers, problems } = parseClaudeDesktopConfig(
      JSON.stringify({
        mcpServers: {
          filesystem: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/Users/me/Desktop'], env: { A: '1' } },
          remote: { url: 'https://mcp.example.com/mcp' },
          broken: { args: ['x'] },
          ftp: { url: 'ftp://x' },
        },
      }),
    )
    expect(servers).toEqual([
      { name: 'filesystem', enabled: true, transport: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/Users/me/Desktop'], env: { A: '1' }, cwd: null },
      { name: 'remote', enabled: true, transport: 'http', url: 'https://mcp.example.com/mcp' },
    ])
    expect(problems).toEqual(['broken: A stdio server needs a command.', 'ftp: The URL must be an http:// or https:// address.'])
    expect(describeServerTarget(servers[0]!)).toBe('npx -y @modelcontextprotocol/server-filesystem /Users/me/Desktop')
  })

  it('says what is wrong with a file that is not one', () => {
    expect(() => parseClaudeDesktopConfig('{')).toThrow(/not valid JSON/)
    expect(() => parseClaudeDesktopConfig('{"servers": {}}')).toThrow('The file has no "mcpServers" object.')
  })
})

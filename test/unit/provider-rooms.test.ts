/**
 * Each provider is one room: what differs between providers lives in src/shared/providers/<id>/
 * and src/main/providers/<id>.ts (and the adapters in src/shared/s2s/adapters), and everything
 * else looks the provider up there (docs/providers.md). This test keeps it so: outside those
 * places, no code compares a value with a provider or protocol id literal (`p === 'speko'`,
 * `case 'openai':`). It also checks that the shared and the main tables describe the same
 * providers.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { MAIN_PROVIDERS } from '../../src/main/providers'
import { isKeyed, PROVIDERS, protocolDescriptor, protocolOf, providerOf } from '../../src/shared/providers'
import { PROTOCOL_IDS } from '../../src/shared/s2s/types'
import { KEYED_PROVIDERS, PROVIDER_IDS } from '../../src/shared/settings/schema'

const ROOT = resolve(import.meta.dirname, '../..')
const IDS = new Set<string>([...PROVIDER_IDS, ...PROTOCOL_IDS])

/** Where provider ids may be compared: the rooms themselves, the simulators and the adapters. */
const EXCLUDED_DIRS = ['src/shared/providers', 'src/main/providers', 'src/main/sim', 'src/shared/s2s/adapters']
const isTest = (path: string) => /\.test\.tsx?$/.test(path)

/**
 * Comparisons that stay, each with the reason: `file` and the comparison's text. A literal that is
 * data (a default value, a list) is not a comparison and needs no entry.
 */
const ALLOWED: readonly { file: string; text: string; reason: string }[] = []

const EQUALITY = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
])

function idLiteral(node: ts.Node): boolean {
  return (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && IDS.has(node.text)
}

/** Every comparison with, and every `case` of, a provider or protocol id literal in a source text. */
export function idComparisons(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS)
  const found: string[] = []
  const visit = (node: ts.Node) => {
    if (ts.isBinaryExpression(node) && EQUALITY.has(node.operatorToken.kind) && (idLiteral(node.left) || idLiteral(node.right))) found.push(node.getText(source))
    else if (ts.isCaseClause(node) && idLiteral(node.expression)) found.push(`case ${node.expression.getText(source)}:`)
    node.forEachChild(visit)
  }
  visit(source)
  return found
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = `${dir}/${name}`
    if (statSync(join(ROOT, path)).isDirectory()) {
      if (!EXCLUDED_DIRS.includes(path)) out.push(...sourceFiles(path))
    } else if (/\.tsx?$/.test(name) && !isTest(path)) out.push(path)
  }
  return out
}

describe('each provider is one room', () => {
  it.each([
    ["if (provider === 'speko') x()", ["provider === 'speko'"]],
    ["const a = 'demo' !== settings.provider", ["'demo' !== settings.provider"]],
    ['switch (p) {\n  case `xai`:\n    break\n}', ['case `xai`:']],
    ["switch (p) { case 'assemblyai': case 'openai': break }", ["case 'assemblyai':", "case 'openai':"]],
    ["const ok = [settings.provider === other, 'openai', { provider: 'speko' }, transport === 'webrtc']", []],
  ])('the scan finds the comparisons in %j', (code, expected) => {
    expect(idComparisons('src/x.ts', code)).toEqual(expected)
  })

  it('no code outside the rooms compares a provider or protocol id', () => {
    const files = sourceFiles('src')
    expect(files.length).toBeGreaterThan(50)
    expect(files).toContain('src/main/s2s/service.ts')
    const offending: string[] = []
    for (const file of files) {
      for (const text of idComparisons(file, readFileSync(join(ROOT, file), 'utf8'))) {
        if (!ALLOWED.some((entry) => entry.file === file && entry.text === text)) offending.push(`${file}: ${text}`)
      }
    }
    expect(offending, 'look the provider up in src/shared/providers or src/main/providers instead (docs/providers.md)').toEqual([])
  })

  it('the shared and the main tables describe exactly the settings providers, in order', () => {
    expect(Object.keys(PROVIDERS)).toEqual([...PROVIDER_IDS])
    expect(Object.keys(MAIN_PROVIDERS)).toEqual([...PROVIDER_IDS])
    for (const id of PROVIDER_IDS) {
      expect(PROVIDERS[id].id).toBe(id)
      expect(MAIN_PROVIDERS[id].id).toBe(id)
      expect(isKeyed(id)).toBe((KEYED_PROVIDERS as readonly string[]).includes(id))
      const { protocol, protocols } = providerOf(id)
      if (protocol !== null) expect(protocols.map((p) => p.id)).toContain(protocol)
    }
  })

  it('every protocol has one descriptor, and unknown ids get a clear error', () => {
    for (const id of PROTOCOL_IDS) expect(protocolDescriptor(id).id).toBe(id)
    expect(() => protocolDescriptor('carrier-pigeon' as never)).toThrow('Unknown speech-to-speech protocol: carrier-pigeon')
    expect(() => providerOf('carrier-pigeon' as never)).toThrow('Unknown speech-to-speech provider: carrier-pigeon')
    expect(protocolOf('demo', 'speko')).toBe('speko')
    expect(protocolOf('assemblyai', 'speko')).toBe('assemblyai')
  })
})


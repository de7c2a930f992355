/**
 * The repository must not point outside itself: comments and docs under src/, test/, scripts/ and
 * docs/ (and README.md) may not name notes that exist only on a developer's machine. What the code
 * relies on from a protocol or API lives in docs/protocols/ and docs/cli.md instead.
 *
 * Three rules, each proven by the examples below before the real scan:
 *   1. machine path: an absolute `/work/...` path, anywhere (comment, string or markdown);
 *   2. notes: a path to `shared/protocols`, `shared/seeds`, `shared/hooks`, or a file named
 *      CLI.md / DESIGN.md / TESTING.md, anywhere, unless that path exists in the repository (so a
 *      real module under src/shared stays legal);
 *   3. escape: in a comment or in markdown, a `../` path that climbs out of the repository
 *      (the TypeScript parser tells comments from strings, templates and regexes).
 * Module imports such as `'../../shared/ipc/api'` resolve inside the repository and match none of
 * the rules; rule 3 looks at comments only, so path-traversal strings in tests are not flagged.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const SCANNED_DIRS = ['src', 'test', 'scripts', 'docs']
const SCANNED_FILES = ['README.md']
const TEXT_EXTENSIONS = /\.(ts|tsx|mts|cts|js|mjs|cjs|md|json|sh|html|css|ya?ml|txt)$/
const CODE_EXTENSIONS = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/
/** This file: its examples are the very references the rules exist to catch. */
const SELF = relative(ROOT, import.meta.filename).split(sep).join('/')

/** Does a repository path exist (as written, or as a module specifier without its extension)? */
export type Exists = (repoPath: string) => boolean

const realExists: Exists = (repoPath) =>
  ['', '.ts', '.tsx', '.d.ts', '.js', '/index.ts'].some((suffix) => existsSync(join(ROOT, repoPath + suffix)))

/** Where a path written in `file` points, as a repository path ('..' first when it leaves the repository). */
function target(file: string, written: string): string {
  const base = written.startsWith('./') || written.startsWith('../') ? dirname(file) : '.'
  return relative(ROOT, resolve(ROOT, base, written)).split(sep).join('/')
}

function leaves(repoPath: string): boolean {
  return repoPath === '..' || repoPath.startsWith('../')
}

const LITERAL_KINDS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral,
  ts.SyntaxKind.TemplateHead,
  ts.SyntaxKind.TemplateMiddle,
  ts.SyntaxKind.TemplateTail,
  ts.SyntaxKind.RegularExpressionLiteral,
  ts.SyntaxKind.JsxText,
])

/**
 * Whether offset `pos` of a JS/TS file is inside a comment, by the TypeScript parser. A `../` path
 * can only stand in a literal (string, template, regex, JSX text) or in a comment, so: the deepest
 * node around `pos` is a literal that starts before it, or else `pos` is in trivia, a comment.
 */
function inComment(source: ts.SourceFile, pos: number): boolean {
  let node: ts.Node = source
  for (;;) {
    const next = node.forEachChild((child) => (child.pos <= pos && pos < child.end ? child : undefined))
    if (!next) break
    node = next
  }
  return !(LITERAL_KINDS.has(node.kind) && pos >= node.getStart(source))
}

function parse(file: string, text: string): ts.SourceFile {
  const kind = file.endsWith('.tsx') ? ts.ScriptKind.TSX : /\.[mc]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind)
}

const PATH_CHAR = String.raw`[\w@.~/-]`
/** Rule 1: `/work/` not inside a longer path or a URL (`example.com/work/` is fine). */
const MACHINE_PATH = /(?<![\w.-])\/work\//g
/** Rule 2: a written path ending in a notes location or a notes file name. */
const NOTES = new RegExp(
  String.raw`(?<!${PATH_CHAR})(?:\.{1,2}\/)*(?:[\w.-]+\/)*(?:shared\/(?:protocols|seeds|hooks)\b(?:\/[\w.-]+)*|(?:CLI|DESIGN|TESTING)\.md\b)`,
  'g',
)
/** Rule 3: a relative path that starts by climbing. */
const CLIMB = new RegExp(String.raw`(?<!${PATH_CHAR})(?:\.\.\/)+[\w@.-]+(?:\/[\w@.-]+)*`, 'g')

function lineOf(text: string, pos: number): number {
  let line = 1
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

/** The outside references in one file's text, as "file:line: problem: snippet". */
export function outsideReferences(file: string, text: string, exists: Exists = realExists): string[] {
  const found: string[] = []
  const report = (pos: number, problem: string, snippet: string) => found.push(`${file}:${lineOf(text, pos)}: ${problem}: ${snippet}`)

  for (const m of text.matchAll(MACHINE_PATH)) report(m.index, 'machine path', text.slice(m.index, m.index + 60).split('\n')[0] ?? '')
  for (const m of text.matchAll(NOTES)) {
    const written = m[0]
    const where = target(file, written)
    if (leaves(where) || !exists(where)) report(m.index, 'notes outside the repository', written)
  }
  const isCode = CODE_EXTENSIONS.test(file)
  if (!isCode && !file.endsWith('.md')) return found
  let source: ts.SourceFile | undefined
  for (const m of text.matchAll(CLIMB)) {
    if (!leaves(target(file, m[0]))) continue
    // Only a path that does leave the repository costs a parse (imports never do).
    if (isCode && !inComment((source ??= parse(file, text)), m.index)) continue
    report(m.index, 'path out of the repository', m[0])
  }
  return found
}

function scannedFiles(): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const name of readdirSync(join(ROOT, dir))) {
      if (name === 'node_modules' || name.startsWith('.')) continue
      const rel = `${dir}/${name}`
      if (statSync(join(ROOT, rel)).isDirectory()) walk(rel)
      else if (TEXT_EXTENSIONS.test(name)) out.push(rel)
    }
  }
  for (const dir of SCANNED_DIRS) if (existsSync(join(ROOT, dir))) walk(dir)
  for (const file of SCANNED_FILES) if (existsSync(join(ROOT, file))) out.push(file)
  return out
}

describe('the rules', () => {
  const none: Exists = () => false
  const only =
    (...paths: string[]): Exists =>
    (p) =>
      paths.includes(p)

  it.each([
    ['src/shared/s2s/adapters/openai.ts', ' * Protocol facts: /work/shared/protocols/openai-realtime.md.\n', 'machine path'],
    ['src/main/sim/x.ts', "const notes = readFileSync('/work/shared/CLI.md', 'utf8')\n", 'machine path'],
    ['README.md', 'See [the notes](file:///work/shared/DESIGN.md).\n', 'machine path'],
    ['src/shared/s2s/adapters/openai.ts', ' * Protocol facts: shared/protocols/openai-realtime.md.\n', 'notes outside the repository'],
    ['src/cli/args.ts', '/** see ../shared/CLI.md for the contract */\n', 'notes outside the repository'],
    ['src/cli/talk.ts', '// the contract (CLI.md: each real error)\n', 'notes outside the repository'],
    ['test/harness/browser.ts', '/** flags that work here (see TESTING.md) */\n', 'notes outside the repository'],
    ['docs/x.md', 'Read ../../shared/protocols/assemblyai-and-speko.md first.\n', 'notes outside the repository'],
    ['src/cli/main.ts', '// notes: ../../../notes/speko.md\n', 'path out of the repository'],
    ['src/cli/main.ts', 'function f() {\n  g()\n  // ../../../../elsewhere/x.md\n}\n', 'path out of the repository'],
    ['README.md', 'Details in [notes](../shared/README-notes.md).\n', 'path out of the repository'],
  ])('%s: %j is flagged (%s)', (file, text, problem) => {
    const found = outsideReferences(file, text, none)
    expect(found.length).toBeGreaterThan(0)
    expect(found.some((f) => f.includes(problem))).toBe(true)
  })

  it.each([
    ['src/renderer/src/env.d.ts', "import type { EarshotApi } from '../../shared/ipc/api'\n"],
    ['src/preload/index.ts', "import '../shared/jitless'\nimport { createEarshotApi } from '../shared/ipc/api'\n"],
    ['src/main/s2s/x.ts', "// the contract is '../../shared/ipc/api' (see its schemas)\n"],
    ['src/main/security/static.test.ts', "const paths = ['/../secret.txt', '/assets/../../secret.txt', '../../../../../../etc/passwd']\n"],
    ['src/main/x.ts', "const s = '// ../../../../outside/x'\nconst t = `/* ../../../../outside/${s} */`\nconst re = /..\\/..\\/..\\/..\\/x/\n"],
    ['src/shared/s2s/adapters/openai.ts', ' * Protocol facts: docs/protocols/openai-realtime.md.\n'],
    ['src/cli/args.ts', '/** Command-line parsing (see docs/cli.md for the contract). */\n'],
    ['docs/protocols/openai-realtime.md', 'See [the CLI contract](../cli.md) and https://example.com/work/notes.\n'],
    ['src/main/x.ts', '// homework/ and network/ and src/work/ are not machine paths\n'],
  ])('%s: %j is fine', (file, text) => {
    expect(outsideReferences(file, text, none)).toEqual([])
  })

  it('allows a notes-like path that exists in the repository (a real module under src/shared)', () => {
    const text = "import { x } from '../shared/protocols/registry'\n// see src/shared/protocols/registry.ts\n"
    expect(outsideReferences('src/main/x.ts', text, only('src/shared/protocols/registry', 'src/shared/protocols/registry.ts'))).toEqual([])
    expect(outsideReferences('src/main/x.ts', text, none)).toHaveLength(2)
  })
})

describe('the repository', () => {
  it('points nowhere outside itself', () => {
    const files = scannedFiles().filter((f) => f !== SELF)
    expect(files.length).toBeGreaterThan(100)
    expect(files).toContain('docs/cli.md')
    const found = files.flatMap((file) => outsideReferences(file, readFileSync(join(ROOT, file), 'utf8')))
    expect(found).toEqual([])
  })
})

import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openSqlite } from './driver'

const ROOT = join(import.meta.dirname, '../../..')

describe('the SQLite driver (libsql)', () => {
  it('is a real SQLite with FTS5', () => {
    const db = openSqlite(':memory:')
    const options = (db.prepare('PRAGMA compile_options').all() as { compile_options: string }[]).map((r) => r.compile_options)
    expect(options).toContain('ENABLE_FTS5')
    const version = (db.prepare('SELECT sqlite_version() AS v').all()[0] as { v: string }).v
    expect(version).toMatch(/^3\./)
    db.close()
  })

  it('loads a prebuilt N-API module (ABI-stable: the same binary loads in Electron, no rebuild)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules/libsql/package.json'), 'utf8')) as { optionalDependencies: Record<string, string> }
    const platforms = Object.keys(pkg.optionalDependencies).filter((name) => name.startsWith('@libsql/'))
    expect(platforms).toEqual(expect.arrayContaining(['@libsql/darwin-arm64', '@libsql/darwin-x64', '@libsql/win32-x64-msvc', '@libsql/linux-x64-gnu']))
    const here = platforms.find((name) => existsSync(join(ROOT, 'node_modules', name, 'index.node')))
    expect(here).toBeDefined()
    const binary = readFileSync(join(ROOT, 'node_modules', here as string, 'index.node'))
    // N-API modules register through napi_register_module_v1; V8-ABI modules (better-sqlite3)
    // export node_register_module_v<ABI> and need a rebuild per Electron version.
    expect(binary.includes('napi_register_module_v1')).toBe(true)
    expect(binary.includes('node_register_module_v')).toBe(false)
  })

  it('is unpacked from the asar archive by the packager', () => {
    const yml = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')
    const unpack = yml.slice(yml.indexOf('asarUnpack:'), yml.indexOf('\n\n', yml.indexOf('asarUnpack:')))
    expect(unpack).toContain('"**/node_modules/@libsql/**"')
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    expect(manifest.dependencies.libsql).toBeDefined()
  })
})

/**
 * The SQLite driver: libsql, a real SQLite (3.45 with FTS5) with a better-sqlite3-compatible
 * synchronous API. Its native module is N-API (ABI-stable), published as prebuilt npm packages per
 * platform (@libsql/linux-x64-gnu, @libsql/darwin-arm64, ...), so the same binary loads in plain
 * Node (tests, CLI) and in Electron's main process without a rebuild or a download at install
 * time. Packaging unpacks it from the asar archive (electron-builder.yml asarUnpack).
 */
import { createRequire } from 'node:module'
import type Database from 'libsql'

export type SqliteDatabase = InstanceType<typeof Database>

let driver: typeof Database | null = null

/**
 * Loaded on first use, not at import: a platform without a prebuilt binary (libsql publishes none
 * for Windows on Arm) gets "history unavailable" instead of a main process that cannot start.
 */
function loadDriver(): typeof Database {
  driver ??= createRequire(import.meta.url)('libsql') as typeof Database
  return driver
}

/** Opens (creating if needed) a database file; waits up to busyMs for another writer's lock. */
export function openSqlite(path: string, busyMs = 1000): SqliteDatabase {
  const Driver = loadDriver()
  return new Driver(path, { timeout: busyMs })
}

/** SQLite's error code (SQLITE_BUSY, SQLITE_CORRUPT, ...) of a driver error, or ''. */
export function sqliteCode(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' ? code : ''
}

/** The file is not a database or is damaged. */
export const isCorrupt = (error: unknown): boolean => /^SQLITE_(CORRUPT|NOTADB)/.test(sqliteCode(error))
/** Another program holds the file's lock. */
export const isLocked = (error: unknown): boolean => /^SQLITE_(BUSY|LOCKED)/.test(sqliteCode(error))
/** The disk is full, read-only or failing: writes cannot go on for now. */
export const isUnwritable = (error: unknown): boolean => /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|PERM)/.test(sqliteCode(error))

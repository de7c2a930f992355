import { CURRENT_SCHEMA_VERSION } from '../../shared/settings/schema'

/**
 * Migrations from one settings schema version to the next. MIGRATIONS[n] turns a version-n file
 * into version n+1. A file without schemaVersion is version 1 (the first released format).
 * When a later release changes the schema, it bumps CURRENT_SCHEMA_VERSION and adds one entry.
 */
export type Migration = (raw: Record<string, unknown>) => Record<string, unknown>
export const MIGRATIONS: Record<number, Migration> = {}

export type MigrationResult =
  | { ok: true; value: Record<string, unknown>; from: number }
  | { ok: false; reason: string }

export function migrate(
  raw: Record<string, unknown>,
  migrations: Record<number, Migration> = MIGRATIONS,
  current: number = CURRENT_SCHEMA_VERSION,
): MigrationResult {
  const declared = raw.schemaVersion
  const from = declared === undefined ? 1 : declared
  if (typeof from !== 'number' || !Number.isInteger(from) || from < 0) {
    return { ok: false, reason: `its schemaVersion (${JSON.stringify(declared)}) is not a version number` }
  }
  if (from > current) {
    return { ok: false, reason: `it was written by a newer Earshot (settings version ${from}; this one reads ${current})` }
  }
  let value = { ...raw }
  for (let version = from; version < current; version += 1) {
    const step = migrations[version]
    if (!step) return { ok: false, reason: `there is no migration from settings version ${version}` }
    value = { ...step(value), schemaVersion: version + 1 }
  }
  return { ok: true, value, from }
}

/**
 * The history database's schema, as forward migrations. MIGRATIONS[n] turns a version-n database
 * into version n+1 (version 0 = an empty file); PRAGMA user_version holds the version. A released
 * migration is never edited: a schema change appends one.
 */
import type { SqliteDatabase } from './driver'

export const MIGRATIONS: readonly string[] = [
  // 0 -> 1: conversations and their turns, with full-text search over both sides.
  `
  CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    title TEXT
  );
  CREATE INDEX conversations_started ON conversations(started_at);
  CREATE TABLE turns (
    id INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    text TEXT NOT NULL,
    interrupted INTEGER NOT NULL DEFAULT 0,
    at INTEGER NOT NULL
  );
  CREATE INDEX turns_conversation ON turns(conversation_id, id);
  CREATE VIRTUAL TABLE turns_fts USING fts5(text, content='turns', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
  CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns BEGIN
    INSERT INTO turns_fts(rowid, text) VALUES (new.id, new.text);
  END;
  CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns BEGIN
    INSERT INTO turns_fts(turns_fts, rowid, text) VALUES ('delete', old.id, old.text);
  END;
  `,
  // 1 -> 2: the model each conversation used, and the tool calls the agent made.
  `
  ALTER TABLE conversations ADD COLUMN model TEXT NOT NULL DEFAULT '';
  CREATE TABLE tool_calls (
    id INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    call_id TEXT NOT NULL,
    name TEXT NOT NULL,
    arguments TEXT NOT NULL,
    result TEXT,
    status TEXT,
    decision TEXT,
    at INTEGER NOT NULL
  );
  CREATE INDEX tool_calls_conversation ON tool_calls(conversation_id, id);
  `,
  // 2 -> 3: token usage per response (what the cost estimate is made of).
  `
  CREATE TABLE usage (
    id INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    input_text_tokens INTEGER NOT NULL DEFAULT 0,
    input_audio_tokens INTEGER NOT NULL DEFAULT 0,
    output_text_tokens INTEGER NOT NULL DEFAULT 0,
    output_audio_tokens INTEGER NOT NULL DEFAULT 0,
    cached_text_tokens INTEGER NOT NULL DEFAULT 0,
    cached_audio_tokens INTEGER NOT NULL DEFAULT 0,
    at INTEGER NOT NULL
  );
  CREATE INDEX usage_conversation ON usage(conversation_id);
  `,
]

export const SCHEMA_VERSION = MIGRATIONS.length

export function schemaVersion(db: SqliteDatabase): number {
  const row = db.prepare('PRAGMA user_version').all()[0] as { user_version?: unknown } | undefined
  return typeof row?.user_version === 'number' ? row.user_version : 0
}

export class NewerSchemaError extends Error {
  constructor(readonly found: number) {
    super(`the history file was written by a newer Earshot (schema ${found}; this one reads up to ${SCHEMA_VERSION})`)
    this.name = 'NewerSchemaError'
  }
}

/** Brings a database to `target` (default: the current version), one transaction per step. */
export function migrate(db: SqliteDatabase, target: number = SCHEMA_VERSION): { from: number; to: number } {
  const from = schemaVersion(db)
  if (from > SCHEMA_VERSION) throw new NewerSchemaError(from)
  for (let version = from; version < target; version++) {
    const step = MIGRATIONS[version] as string
    db.transaction(() => {
      db.exec(step)
      // PRAGMA takes no bound parameters; the value is this loop's own integer.
      db.exec(`PRAGMA user_version = ${Number(version + 1)}`)
    })()
  }
  return { from, to: Math.max(from, target) }
}

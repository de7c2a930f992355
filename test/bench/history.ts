/**
 * Conversation history figures, on a real SQLite file (libsql, WAL) through the app's store and
 * service:
 * - history_append_ms_p95: one final turn appended through HistoryService (redaction, one
 *   committed write), p95 of 2,000 appends into the 10k-conversation file.
 * - history_search_ms_p95_10k: a search over 10,000 conversations of 20 turns (FTS5, highlighted
 *   snippets, summaries with cost), p95 of 200 queries of one or two words, the last a prefix.
 * - history_db_mb_10k: that file's size on disk (main file plus write-ahead log).
 * - history_open_ms_10k: opening it at start-up (migration check and quick_check).
 * - history_delete_ms_10k: deleting one conversation, including the FTS merge that makes its words
 *   leave the file.
 * - history_list_ms_10k: the newest 200 conversations with turn counts and cost.
 */
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HistoryService } from '../../src/main/history/service'
import { HistoryStore } from '../../src/main/history/store'

const WORDS =
  'time weather lisbon tomatoes garden reminder timer music playlist coffee meeting calendar email draft note project budget invoice flight hotel train ticket ' +
  'birthday gift recipe pasta dinner lunch doctor appointment dentist pharmacy battery laptop screen keyboard printer network router password backup folder ' +
  'document report slides summary question answer translate french spanish german japanese distance kilometres weekend holiday beach mountain hiking running ' +
  'workout stretch sleep alarm morning evening tonight tomorrow yesterday monday friday january december penguins volcano planet telescope history museum'
const VOCAB = WORDS.split(' ')

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] as number
}

export async function run(): Promise<{ name: string; value: number; unit: string }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'earshot-bench-history-'))
  const path = join(dir, 'history.db')
  const random = rng(7)
  const word = () => VOCAB[Math.floor(random() * VOCAB.length)] as string
  const sentence = (n: number) => Array.from({ length: n }, word).join(' ')
  try {
    const start = Date.UTC(2026, 0, 1)
    const store = new HistoryStore({ path, now: () => start })
    const fill = store.handle.transaction((from: number, to: number) => {
      for (let c = from; c < to; c++) {
        const id = store.begin({ provider: 'openai', model: 'gpt-realtime', startedAt: start + c * 60_000 })
        for (let t = 0; t < 20; t++) store.turn(id, { role: t % 2 ? 'assistant' : 'user', text: sentence(t % 2 ? 24 : 10), at: start + c * 60_000 + t * 5000 })
        store.usage(id, { inputTokens: 3000, inputAudioTokens: 2500, outputTokens: 1200, outputAudioTokens: 1000 })
        store.end(id, start + c * 60_000 + 120_000)
      }
    })
    for (let c = 0; c < 10_000; c += 500) fill(c, c + 500)
    store.handle.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    store.close()
    const size = statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0)

    let t0 = performance.now()
    const service = new HistoryService({ path, settings: () => ({ keep: true, retention: 'forever' }), notify: () => {}, redact: (text) => text.split('sk-not-a-real-key-000').join('[redacted]') })
    service.start()
    const openMs = performance.now() - t0

    const append: number[] = []
    const id = service.begin({ provider: 'openai', model: 'gpt-realtime' }) as string
    for (let i = 0; i < 2000; i++) {
      const text = sentence(i % 2 ? 24 : 10)
      t0 = performance.now()
      service.turn(id, { role: i % 2 ? 'assistant' : 'user', text })
      append.push(performance.now() - t0)
    }

    const search: number[] = []
    for (let i = 0; i < 200; i++) {
      const q = i % 3 === 0 ? `${word()} ${word().slice(0, 4)}` : i % 3 === 1 ? word() : word().slice(0, 3)
      t0 = performance.now()
      service.search(q, 50)
      search.push(performance.now() - t0)
    }

    const list: number[] = []
    for (let i = 0; i < 20; i++) {
      t0 = performance.now()
      service.list(200)
      list.push(performance.now() - t0)
    }

    const victim = service.list(1, 500)[0]?.id as string
    t0 = performance.now()
    service.delete(victim)
    const deleteMs = performance.now() - t0
    service.dispose()

    return [
      { name: 'history_append_ms_p95', value: p95(append), unit: 'ms' },
      { name: 'history_search_ms_p95_10k', value: p95(search), unit: 'ms' },
      { name: 'history_db_mb_10k', value: size / (1024 * 1024), unit: 'MB' },
      { name: 'history_open_ms_10k', value: openMs, unit: 'ms' },
      { name: 'history_list_ms_10k', value: p95(list), unit: 'ms' },
      { name: 'history_delete_ms_10k', value: deleteMs, unit: 'ms' },
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

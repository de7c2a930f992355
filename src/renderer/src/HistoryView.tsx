/**
 * The history view: every kept conversation (date, title, provider, duration, cost), search as you
 * type with the matched words highlighted, a conversation opened read-only (copy, export Markdown
 * or JSON, delete, Continue), delete all, and the history settings (keep, retention, where the
 * file is). Everything goes through the history channels; the renderer keeps no copy.
 */
import { Fragment, useCallback, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react'
import {
  HIGHLIGHT_END,
  HIGHLIGHT_START,
  type Conversation,
  type ConversationSummary,
  type HistoryStatus,
  type SearchHit,
} from '../../shared/ipc/channels/history'
import { formatCost } from '../../shared/pricing'
import { PROVIDER_LABELS } from '../../shared/providers'
import type { ProviderId, Settings } from '../../shared/settings/schema'
import { copyText } from './Conversation'
import type { HistorySink } from './history-sink'
import './history.css'

const RETENTION_LABELS: Record<Settings['history']['retention'], string> = {
  forever: 'Forever',
  '90': '90 days',
  '30': '30 days',
  '7': '7 days',
}

export function providerLabel(provider: string): string {
  return Object.prototype.hasOwnProperty.call(PROVIDER_LABELS, provider) ? PROVIDER_LABELS[provider as ProviderId].replace(' (no account needed)', '') : provider
}

export function durationText(c: { startedAt: number; endedAt: number | null }): string {
  if (c.endedAt === null) return 'open'
  const s = Math.max(0, Math.round((c.endedAt - c.startedAt) / 1000))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`
}

const dateText = (ms: number) => new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** Text with HIGHLIGHT_START/END markers as React nodes with <mark>; never HTML. */
export function Highlighted({ text }: { text: string }) {
  const parts: ReactNode[] = []
  let rest = text
  let key = 0
  while (rest) {
    const start = rest.indexOf(HIGHLIGHT_START)
    if (start < 0) {
      parts.push(rest)
      break
    }
    if (start > 0) parts.push(rest.slice(0, start))
    const end = rest.indexOf(HIGHLIGHT_END, start + 1)
    const word = end < 0 ? rest.slice(start + 1) : rest.slice(start + 1, end)
    parts.push(<mark key={key++}>{word}</mark>)
    rest = end < 0 ? '' : rest.slice(end + 1)
  }
  return <>{parts}</>
}

function download(filename: string, mime: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }))
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

export interface HistoryViewProps {
  settings: Settings
  sink: HistorySink
  /** Back to the conversation (after Continue too). */
  onClose: () => void
}

export function HistoryView({ settings, sink, onClose }: HistoryViewProps) {
  const api = window.earshot
  const [status, setStatus] = useState<HistoryStatus | null>(null)
  const [list, setList] = useState<ConversationSummary[] | null>(null)
  const [query, setQuery] = useState('')
  const [hits, setHits] = useState<SearchHit[] | null>(null)
  const [openId, setOpenId] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [refresh, setRefresh] = useState(0)
  const [confirmAll, setConfirmAll] = useState(false)

  useEffect(() => {
    let live = true
    api.history
      .status()
      .then((s) => live && setStatus(s))
      .catch(() => {})
    const offs = [api.on('history:status', setStatus), api.on('history:changed', () => setRefresh((n) => n + 1))]
    return () => {
      live = false
      offs.forEach((off) => off())
    }
  }, [api])

  useEffect(() => {
    let live = true
    api.history
      .list({ limit: 500, offset: 0 })
      .then((l) => live && setList(l))
      .catch((e: unknown) => live && setError(message(e)))
    return () => {
      live = false
    }
  }, [api, refresh])

  // Search as you type: each keystroke asks main; an older answer never replaces a newer one.
  useEffect(() => {
    const q = query.trim()
    if (!q) {
      setHits(null)
      return
    }
    let live = true
    api.history
      .search({ query: q, limit: 50 })
      .then((h) => live && setHits(h))
      .catch((e: unknown) => live && setError(message(e)))
    return () => {
      live = false
    }
  }, [api, query, refresh])

  const deleteAll = async () => {
    try {
      await api.history.deleteAll()
      setConfirmAll(false)
      setOpenId(null)
      setRefresh((n) => n + 1)
    } catch (e) {
      setError(message(e))
    }
  }

  const rows: (ConversationSummary & { snippets?: SearchHit['snippets'] })[] | null = hits ?? list

  if (openId) {
    return (
      <section className="history" aria-labelledby="history-heading" data-testid="history">
        <ConversationDetail
          id={openId}
          sink={sink}
          onBack={() => setOpenId(null)}
          onDeleted={() => {
            setOpenId(null)
            setRefresh((n) => n + 1)
          }}
          onContinued={onClose}
        />
      </section>
    )
  }

  return (
    <section className="history" aria-labelledby="history-heading" data-testid="history">
      <div className="history-head">
        <h2 id="history-heading">History</h2>
        <input
          type="search"
          className="history-search"
          placeholder="Search both sides of every conversation"
          aria-label="Search history"
          data-testid="history-search"
          value={query}
          maxLength={500}
          onChange={(e) => setQuery(e.target.value)}
        />
        <button type="button" className="secondary" onClick={onClose}>
          Back to the conversation
        </button>
      </div>
      {status && status.state !== 'on' && status.state !== 'off' && (
        <p className="notice warning" role="status" data-testid="history-status">
          {status.reason}
        </p>
      )}
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {rows === null ? (
        <p className="history-empty">Loading…</p>
      ) : rows.length === 0 ? (
        <p className="history-empty" data-testid="history-empty">
          {hits ? `No conversation mentions “${query.trim()}”.` : 'No conversations yet. Everything you say to Earshot, and its answers, will be listed here.'}
        </p>
      ) : (
        <ul className="history-list" aria-label={hits ? 'Search results' : 'Conversations'} data-testid="history-list">
          {rows.map((c) => (
            <li key={c.id} className="history-item" data-testid="history-item" data-id={c.id}>
              <button type="button" className="history-open" onClick={() => setOpenId(c.id)}>
                <span className="history-date">{dateText(c.startedAt)}</span>
                <span className="history-title">{c.title ?? 'Nothing said yet'}</span>
                <span className="history-meta">
                  {providerLabel(c.provider)} · {durationText(c)} · {formatCost(c.costUsd)}
                </span>
                {c.snippets && c.snippets.length > 0 && (
                  <ul className="history-snippets" data-testid="history-snippets">
                    {c.snippets.map((s, i) => (
                      <li key={i}>
                        <strong>{s.role === 'user' ? 'You' : 'Earshot'}:</strong> <Highlighted text={s.text} />
                      </li>
                    ))}
                  </ul>
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
      <HistorySettings settings={settings} status={status} />
      <div className="row">
        {confirmAll ? (
          <>
            <span>Delete every conversation in the history? This cannot be undone.</span>
            <button type="button" className="danger" data-testid="history-delete-all-confirm" onClick={() => void deleteAll()}>
              Delete all
            </button>
            <button type="button" className="secondary" onClick={() => setConfirmAll(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" className="danger" data-testid="history-delete-all" disabled={!list || list.length === 0} onClick={() => setConfirmAll(true)}>
            Delete all history…
          </button>
        )}
      </div>
    </section>
  )
}

function HistorySettings({ settings, status }: { settings: Settings; status: HistoryStatus | null }) {
  const update = (patch: Partial<Settings['history']>) => void window.earshot.settings.update({ patch: { history: patch } }).catch(() => {})
  return (
    <div className="history-settings">
      <label className="check">
        <input type="checkbox" data-testid="history-keep" checked={settings.history.keep} onChange={(e) => update({ keep: e.target.checked })} />
        <span>
          Keep conversation history
          <span className="small muted" style={{ display: 'block', margin: 0 }}>
            Earshot saves what both sides said, tool calls and token usage in a file on this computer only
            {status ? (
              <>
                : <code className="path">{status.path}</code>
              </>
            ) : null}
            . Nothing from it is sent to a provider unless you continue that conversation.
          </span>
        </span>
      </label>
      <label className="row small">
        Keep conversations for
        <select value={settings.history.retention} aria-label="Keep conversations for" onChange={(e) => update({ retention: e.target.value as Settings['history']['retention'] })}>
          {Object.entries(RETENTION_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
    </div>
  )
}

function ConversationDetail({ id, sink, onBack, onDeleted, onContinued }: { id: string; sink: HistorySink; onBack: () => void; onDeleted: () => void; onContinued: () => void }) {
  const api = window.earshot
  const [conversation, setConversation] = useState<Conversation | null | undefined>(undefined)
  const [note, setNote] = useState<string | null>(null)
  const [confirm, setConfirm] = useState(false)
  const canContinue = useSyncExternalStore(sink.subscribe, () => sink.canContinue())

  useEffect(() => {
    let live = true
    api.history
      .get({ id })
      .then((c) => live && setConversation(c))
      .catch((e: unknown) => live && setNote(message(e)))
    return () => {
      live = false
    }
  }, [api, id])

  const exportAs = useCallback(
    async (format: 'md' | 'json') => {
      try {
        const out = await api.history.export({ id, format })
        download(out.filename, out.mime, out.text)
        setNote(`Exported ${out.filename}.`)
      } catch (e) {
        setNote(message(e))
      }
    },
    [api, id],
  )
  const copy = useCallback(async () => {
    try {
      const out = await api.history.export({ id, format: 'md' })
      setNote((await copyText(out.text)) ? 'Copied to the clipboard.' : 'Copying failed: export the conversation instead.')
    } catch (e) {
      setNote(message(e))
    }
  }, [api, id])
  const remove = useCallback(async () => {
    try {
      await api.history.delete({ id })
      onDeleted()
    } catch (e) {
      setNote(message(e))
    }
  }, [api, id, onDeleted])
  const resume = useCallback(async () => {
    try {
      await sink.continueConversation(id)
      onContinued()
    } catch (e) {
      setNote(message(e))
    }
  }, [sink, id, onContinued])

  const entries = useMemo(() => conversation?.entries ?? [], [conversation])
  if (conversation === undefined) return <p className="history-empty">Loading…</p>
  if (conversation === null) {
    return (
      <>
        <p className="history-empty">This conversation is no longer in the history.</p>
        <button type="button" className="secondary" onClick={onBack}>
          Back to the list
        </button>
      </>
    )
  }
  return (
    <>
      <div className="history-head">
        <button type="button" className="secondary" onClick={onBack} data-testid="history-back">
          ← All conversations
        </button>
        <h2 id="history-heading" data-testid="history-detail-title">
          {conversation.title ?? 'Conversation'}
        </h2>
      </div>
      <ul className="history-facts">
        <li>{dateText(conversation.startedAt)}</li>
        <li>{providerLabel(conversation.provider)}</li>
        <li>{durationText(conversation)}</li>
        <li>{formatCost(conversation.costUsd)}</li>
      </ul>
      <div className="history-detail" data-testid="history-detail" aria-label="Conversation, read-only">
        {entries.length === 0 && <p className="history-empty">Nothing was said in this conversation.</p>}
        {entries.map((e, i) => (
          <Fragment key={i}>
            {e.kind === 'turn' ? (
              <div className={`entry history-entry ${e.role === 'user' ? 'entry-user' : 'entry-agent'}${e.interrupted ? ' interrupted' : ''}`}>
                <div className="entry-head">
                  <span className="who">{e.role === 'user' ? 'You' : 'Earshot'}</span>
                  {e.interrupted && <span className="badge badge-interrupted">interrupted</span>}
                </div>
                <p className="entry-text">{e.text}</p>
              </div>
            ) : (
              <div className={`tool-card tool-${e.status === 'ok' ? 'done' : e.status === 'denied' ? 'denied' : e.status === 'error' ? 'failed' : 'running'}`}>
                <div className="tool-head">
                  <strong>{e.name}</strong>
                  <span className="badge">{e.status ?? 'no result'}</span>
                  {e.decision && <span className="small muted">{e.decision}</span>}
                </div>
                <code className="tool-args">{JSON.stringify(e.arguments)}</code>
                {e.result && <p className="tool-summary small">{e.result.length > 400 ? `${e.result.slice(0, 399)}…` : e.result}</p>}
              </div>
            )}
          </Fragment>
        ))}
      </div>
      <div className="row">
        {canContinue && (
          <button type="button" data-testid="history-continue" onClick={() => void resume()}>
            Continue this conversation
          </button>
        )}
        <button type="button" className="secondary" data-testid="history-copy" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="secondary" data-testid="history-export-md" onClick={() => void exportAs('md')}>
          Export Markdown
        </button>
        <button type="button" className="secondary" data-testid="history-export-json" onClick={() => void exportAs('json')}>
          Export JSON
        </button>
        {confirm ? (
          <>
            <button type="button" className="danger" data-testid="history-delete-confirm" onClick={() => void remove()}>
              Delete for good
            </button>
            <button type="button" className="secondary" onClick={() => setConfirm(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" className="danger" data-testid="history-delete" onClick={() => setConfirm(true)}>
            Delete…
          </button>
        )}
      </div>
      {note && (
        <p className="small muted" role="status">
          {note}
        </p>
      )}
    </>
  )
}

/** The voice window's live cost line: "about $0.04 so far", or "cost not reported". */
export function CostLine({ sink }: { sink: HistorySink }) {
  const cost = useSyncExternalStore(sink.subscribe, sink.cost)
  if (!cost.active && cost.usd === null) return null
  const phrase = formatCost(cost.usd)
  const text = cost.usd === null ? 'Cost not reported by this provider.' : `${phrase.charAt(0).toUpperCase()}${phrase.slice(1)} so far${cost.usd > 0 ? ' (estimate)' : ''}.`
  return (
    <p className="cost-line" data-testid="cost-line" aria-live="off">
      {text}
    </p>
  )
}

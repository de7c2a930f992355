import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore, type KeyboardEvent, type PointerEvent } from 'react'
import { TOOL_STATE_LABEL, toMarkdown, type Entry, type ErrorAction, type TranscriptStore } from './transcript'
import type { UiStatus, VoiceController } from './voice'

export const STATUS_LABEL: Record<UiStatus, string> = {
  idle: 'Ready when you are',
  connecting: 'Connecting…',
  ready: 'Connected',
  listening: 'Listening',
  thinking: 'Thinking…',
  speaking: 'Speaking',
  reconnecting: 'Reconnecting…',
  error: 'Something went wrong',
}

export interface EntryActions {
  onAction(action: ErrorAction): void
  /**
   * The card's buttons. The voice window cannot allow a call: 'allow_once' asks main to show and
   * focus its own confirmation window on this call; 'deny' denies (always safe).
   */
  onDecide(callId: string, choice: 'allow_once' | 'deny'): void
  onCopy(entry: Entry): void
}

/** Copies text: the async clipboard API where the window may use it, else a selection copy. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    const area = document.createElement('textarea')
    area.value = text
    area.setAttribute('readonly', '')
    area.className = 'offscreen'
    document.body.appendChild(area)
    area.select()
    const ok = document.execCommand('copy')
    area.remove()
    return ok
  }
}

/** Saves the conversation as a Markdown file (a blob: download; the CSP restricts fetches, not downloads). */
export function exportMarkdown(store: TranscriptStore, now = new Date()): string {
  const markdown = toMarkdown(store.entries(), 'Earshot conversation', now)
  const url = URL.createObjectURL(new Blob([markdown], { type: 'text/markdown' }))
  const a = document.createElement('a')
  a.href = url
  a.download = `earshot-conversation-${now.toISOString().slice(0, 19).replace(/[:T]/g, '-')}.md`
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
  return markdown
}

const ACTION_LABEL: Record<ErrorAction, string> = {
  key: 'Re-enter the API key',
  retry: 'Retry',
  microphone: 'Pick another microphone',
  'mic-settings': 'Open microphone settings',
  none: '',
}

function secondsLeft(expiresAt: number | null): number | null {
  return expiresAt === null ? null : Math.max(0, Math.round((expiresAt - Date.now()) / 1000))
}

/** The latest progress an MCP call reported (`mcp:progress`), while it runs. */
function useMcpProgress(callId: string, active: boolean): { progress: number; total?: number; message?: string } | null {
  const [progress, setProgress] = useState<{ progress: number; total?: number; message?: string } | null>(null)
  useEffect(() => {
    if (!active) return
    return window.earshot.on('mcp:progress', (p) => {
      if (p.callId === callId) setProgress({ progress: p.progress, ...(p.total !== undefined ? { total: p.total } : {}), ...(p.message !== undefined ? { message: p.message } : {}) })
    })
  }, [callId, active])
  return active ? progress : null
}

const ToolCard = memo(function ToolCard({ entry, actions }: { entry: Extract<Entry, { kind: 'tool' }>; actions: EntryActions }) {
  const [, tick] = useState(0)
  useEffect(() => {
    if (entry.state !== 'waiting') return
    const t = setInterval(() => tick((n) => n + 1), 1000)
    return () => clearInterval(t)
  }, [entry.state])
  const left = secondsLeft(entry.expiresAt)
  const server = entry.source?.startsWith('mcp:') ? entry.source.slice(4) : null
  const progress = useMcpProgress(entry.callId, entry.state === 'running')
  return (
    <div className={`tool-card tool-${entry.state}`} role="group" aria-label={`Tool ${entry.name}: ${TOOL_STATE_LABEL[entry.state]}`} data-testid="tool-card" data-state={entry.state} data-call={entry.callId}>
      <div className="tool-head">
        <span className="tool-icon" aria-hidden="true">⚙</span>
        <code className="tool-name">{entry.name}</code>
        <span className={`badge badge-${entry.state}`}>{TOOL_STATE_LABEL[entry.state]}</span>
      </div>
      {server !== null && (
        <p className="muted small" data-testid="tool-server">
          From the MCP server <strong>{server}</strong>
        </p>
      )}
      {entry.summary && <p className="tool-summary">{entry.summary}</p>}
      {progress && (
        <p className="muted small" data-testid="tool-progress" role="status">
          {progress.total ? `Step ${progress.progress} of ${progress.total}` : `Progress ${progress.progress}`}
          {progress.message ? `: ${progress.message}` : ''}
        </p>
      )}
      {entry.args && entry.args !== '{}' && <code className="tool-args">{entry.args}</code>}
      {entry.state === 'waiting' && (
        <>
          <div className="row tool-actions">
            <button type="button" onClick={() => actions.onDecide(entry.callId, 'allow_once')} aria-label="Review and allow in Earshot's confirmation window">
              Review and allow…
            </button>
            <button type="button" className="danger" onClick={() => actions.onDecide(entry.callId, 'deny')}>
              Deny
            </button>
            {left !== null && <span className="muted small">Denied automatically in {left} s</span>}
          </div>
          <p className="muted small tool-confirm-note" data-testid="tool-confirm-note">
            Earshot&apos;s confirmation window decides: Enter there allows once, Escape denies. You can also say &ldquo;no&rdquo;, or &ldquo;yes&rdquo; for changes on this computer.
          </p>
        </>
      )}
      {entry.output && (entry.state === 'done' || entry.state === 'failed' || entry.state === 'denied') && (
        <details className="tool-output">
          <summary>{entry.state === 'done' ? 'Result' : 'Why'}</summary>
          <pre>{entry.output}</pre>
        </details>
      )}
    </div>
  )
})

const EntryView = memo(function EntryView({ entry, actions }: { entry: Entry; actions: EntryActions }) {
  if (entry.kind === 'tool') return <ToolCard entry={entry} actions={actions} />
  if (entry.kind === 'error') {
    return (
      <div className="entry entry-error" data-testid="error-entry" data-action={entry.action}>
        <p>
          <span aria-hidden="true">⚠ </span>
          {entry.message}
        </p>
        {entry.action !== 'none' && (
          <button type="button" className="secondary" onClick={() => actions.onAction(entry.action)}>
            {ACTION_LABEL[entry.action]}
          </button>
        )}
      </div>
    )
  }
  const who = entry.kind === 'user' ? 'You' : 'Earshot'
  return (
    <div className={`entry entry-${entry.kind}${entry.final ? '' : ' partial'}${entry.interrupted ? ' interrupted' : ''}`} data-testid={`${entry.kind}-entry`} data-final={entry.final} data-interrupted={entry.interrupted}>
      <div className="entry-head">
        <span className="who">{who}</span>
        {entry.interrupted && <span className="badge badge-interrupted">interrupted</span>}
        {!entry.final && <span className="muted small">{entry.kind === 'user' ? 'hearing…' : 'speaking…'}</span>}
        {entry.final && entry.text && (
          <button type="button" className="icon-button" aria-label={`Copy ${who === 'You' ? 'your' : "Earshot's"} message`} onClick={() => actions.onCopy(entry)}>
            Copy
          </button>
        )}
      </div>
      <p className="entry-text">{entry.text || (entry.final ? '' : '…')}</p>
    </div>
  )
})

const Block = memo(function Block({ entries, actions }: { entries: readonly Entry[]; actions: EntryActions }) {
  return (
    <div className="block">
      {entries.map((entry) => (
        <EntryView key={entry.id} entry={entry} actions={actions} />
      ))}
    </div>
  )
})

/** The transcript: blocks of entries (only the changed block re-renders) and a polite live region for finals. */
export function Transcript({ store, actions, emptyText }: { store: TranscriptStore; actions: EntryActions; emptyText: string }) {
  const snap = useSyncExternalStore(store.subscribe, store.getSnapshot)
  const scroller = useRef<HTMLDivElement>(null)
  const stick = useRef(true)
  useLayoutEffect(() => {
    const el = scroller.current
    if (el && stick.current) el.scrollTop = el.scrollHeight
  }, [snap.version])
  return (
    <>
      <div
        className="transcript"
        ref={scroller}
        tabIndex={0}
        aria-label="Conversation transcript"
        data-testid="transcript"
        onScroll={(e) => {
          const el = e.currentTarget
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40
        }}
      >
        {snap.count === 0 && <p className="muted empty">{emptyText}</p>}
        {snap.blocks.map((block, i) => (
          <Block key={i} entries={block} actions={actions} />
        ))}
      </div>
      <div className="sr-only" aria-live="polite" aria-atomic="true" data-testid="live-region">
        {snap.announcement}
      </div>
    </>
  )
}

/** The live input level, drawn without re-rendering React (20 updates a second). */
export function LevelMeter({ voice, active }: { voice: VoiceController; active: boolean }) {
  const bar = useRef<HTMLDivElement>(null)
  const wrap = useRef<HTMLDivElement>(null)
  useEffect(
    () =>
      voice.onLevel((rms) => {
        const level = Math.min(1, Math.sqrt(Math.max(0, rms)) * 2.2)
        if (bar.current) bar.current.style.transform = `scaleX(${level.toFixed(3)})`
        wrap.current?.setAttribute('aria-valuenow', String(Math.round(level * 100)))
      }),
    [voice],
  )
  return (
    <div className={`level${active ? ' active' : ''}`} ref={wrap} role="meter" aria-label={active ? 'Microphone level (sending)' : 'Microphone level (not sending)'} aria-valuemin={0} aria-valuemax={100} aria-valuenow={0} data-testid="level">
      <div className="level-bar" ref={bar} />
    </div>
  )
}

/** Hold to talk: pointer down/up, or Space/Enter held while the button has focus. */
export function TalkButton({
  onDown,
  onUp,
  capturing,
  disabled,
  hands,
  mode = 'auto',
}: {
  onDown: () => void
  onUp: () => void
  capturing: boolean
  disabled: boolean
  hands?: boolean
  mode?: 'hold' | 'toggle' | 'auto'
}) {
  const held = useRef(false)
  const [pressed, setPressed] = useState(false)
  const down = useCallback(() => {
    if (held.current) return
    held.current = true
    setPressed(true)
    onDown()
  }, [onDown])
  const up = useCallback(() => {
    if (!held.current) return
    held.current = false
    setPressed(false)
    onUp()
  }, [onUp])
  const label = hands
    ? 'Listening (always on)'
    : capturing
      ? pressed && mode !== 'toggle'
        ? 'Listening… release to send'
        : 'Listening… press to stop'
      : mode === 'toggle'
        ? 'Press to talk'
        : 'Hold to talk'
  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (e.key !== ' ' && e.key !== 'Enter') return
    e.preventDefault()
    if (!e.repeat) down()
  }
  const onKeyUp = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (e.key !== ' ' && e.key !== 'Enter') return
    e.preventDefault()
    up()
  }
  const onPointerDown = (e: PointerEvent<HTMLButtonElement>) => {
    if (e.button !== 0) return
    e.currentTarget.setPointerCapture?.(e.pointerId)
    down()
  }
  return (
    <button
      type="button"
      className={`talk${capturing ? ' talking' : ''}`}
      aria-pressed={capturing}
      disabled={disabled}
      data-testid="talk"
      onKeyDown={onKeyDown}
      onKeyUp={onKeyUp}
      onPointerDown={onPointerDown}
      onPointerUp={up}
      onPointerCancel={up}
      onBlur={up}
      onContextMenu={(e) => e.preventDefault()}
    >
      <span className="talk-dot" aria-hidden="true" />
      {label}
    </button>
  )
}

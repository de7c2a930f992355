/**
 * The companion pill (#companion): state, input level and the last line; grown, a tool request
 * with its buttons. Everything it shows comes from main (companion:view); it has no microphone and
 * no socket. Main places, sizes and hides its window (src/main/companion).
 */
import { useEffect, useState } from 'react'
import type { CompanionView } from '../../shared/ipc/channels/companion'
import { STATUS_LABEL } from './Conversation'
import { shownStatus } from './status'

const INITIAL: CompanionView = { visible: false, size: 'compact', status: 'idle', error: null, capturing: false, level: 0, line: null, pending: [] }

function useSecondsLeft(expiresAt: number | null): number | null {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (expiresAt === null) return
    const t = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(t)
  }, [expiresAt])
  return expiresAt === null ? null : Math.max(0, Math.round((expiresAt - now) / 1000))
}

export function Pill() {
  const [view, setView] = useState<CompanionView>(INITIAL)
  const [problem, setProblem] = useState<string | null>(null)
  useEffect(() => {
    const api = window.earshot
    let live = true
    const off = api.on('companion:view', setView)
    api.companion
      .view()
      .then((v) => live && setView(v))
      .catch(() => {})
    // The window is transparent around the pill.
    document.documentElement.classList.add('pill-page')
    return () => {
      live = false
      off()
      document.documentElement.classList.remove('pill-page')
    }
  }, [])

  const shown = shownStatus(view.status, view.capturing)
  const request = view.pending[0] ?? null
  const left = useSecondsLeft(request?.expiresAt ?? null)
  const act = (action: 'hide' | 'open-main') => void window.earshot.companion.action({ action }).catch(() => {})
  const decide = (choice: 'allow_once' | 'deny') => {
    if (!request) return
    setProblem(null)
    // Like the voice window's card: the pill can deny, and "allow" brings up main's confirmation window.
    const answer = choice === 'deny' ? window.earshot.tools.deny({ callId: request.callId }) : window.earshot.tools.review({ callId: request.callId })
    answer.catch((error: unknown) => setProblem(error instanceof Error ? error.message : String(error)))
  }
  const level = Math.round(view.level * 100)

  return (
    <main className={`pill pill-${view.size} status-${shown}`} data-testid="pill" data-size={view.size} data-status={shown} data-visible={view.visible} aria-label="Earshot companion">
      <div className="pill-row">
        <span className="status-dot" aria-hidden="true" />
        <p className="pill-label" role="status" aria-live="off" data-testid="pill-status">
          {STATUS_LABEL[shown]}
        </p>
        <div className={`level pill-level${view.capturing ? ' active' : ''}`} role="meter" aria-label={view.capturing ? 'Microphone level (sending)' : 'Microphone level (not sending)'} aria-valuemin={0} aria-valuemax={100} aria-valuenow={level} data-testid="pill-level">
          <div className="level-bar" style={{ transform: `scaleX(${view.level.toFixed(3)})` }} />
        </div>
        <button type="button" className="pill-button" onClick={() => act('open-main')} aria-label="Open the Earshot window" title="Open the Earshot window">
          <span aria-hidden="true">⤢</span>
        </button>
        <button type="button" className="pill-button" onClick={() => act('hide')} aria-label="Hide the companion" title="Hide">
          <span aria-hidden="true">×</span>
        </button>
      </div>
      {view.status === 'error' && view.error ? (
        <p className="pill-line pill-error" data-testid="pill-line">
          {view.error}
        </p>
      ) : (
        <p className="pill-line" data-testid="pill-line" data-speaker={view.line?.speaker ?? ''}>
          {view.line ? (
            <>
              <span className="who">{view.line.speaker === 'user' ? 'You' : 'Earshot'}</span> {view.line.text}
            </>
          ) : (
            <span className="muted">{view.capturing ? 'Speak now.' : 'Nothing said yet.'}</span>
          )}
        </p>
      )}
      {request && (
        <section className="pill-request" aria-labelledby="pill-request-text" data-testid="pill-request" data-call={request.callId}>
          <p id="pill-request-text" className="pill-request-text">
            <strong>Earshot wants to:</strong> {request.summary}
          </p>
          <div className="row">
            <button type="button" onClick={() => decide('allow_once')}>
              Review and allow…
            </button>
            <button type="button" className="danger" onClick={() => decide('deny')}>
              Deny
            </button>
            {left !== null && <span className="muted small">Denied automatically in {left} s</span>}
            {view.pending.length > 1 && <span className="muted small">and {view.pending.length - 1} more in the Earshot window</span>}
          </div>
          {problem && (
            <p className="small error-text" role="alert">
              {problem}
            </p>
          )}
        </section>
      )}
    </main>
  )
}

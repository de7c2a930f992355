import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react'
import type { Notice } from '../../shared/ipc/channels/app'
import type { KeyStatus } from '../../shared/ipc/channels/keys'
import type { SettingsSection } from '../../shared/ipc/channels/app'
import { formatAccelerator, hotkeyPlatform, spokenAccelerator } from '../../shared/ptt/format'
import { isOnboarding } from '../../shared/settings/onboarding'
import { PROVIDER_LABELS, providerOf } from '../../shared/providers'
import type { Settings } from '../../shared/settings/schema'
import { reportToCompanion } from './companion'
import { Pill } from './Pill'
import { DemoIntro, useDemoSpeech } from './Demo'
import { shownStatus } from './status'
import { copyText, exportMarkdown, LevelMeter, STATUS_LABEL, TalkButton, Transcript, type EntryActions } from './Conversation'
import { startEarconCues } from './earcon-cues'
import { errorText, KEY_INPUT_ID, ProviderCard, SettingsWindow } from './Settings'
import { shortError } from './status-text'
import { entryText, TranscriptStore, type ErrorAction } from './transcript'
import { VoiceController, type UiStatus } from './voice'
import { sharedHistorySink } from './history-sink'
import { CostLine, HistoryView } from './HistoryView'

let controller: VoiceController | null = null
/** One controller per window, created on first use and kept for the window's life. */
function voiceController(): VoiceController {
  controller ??= new VoiceController(window.earshot, undefined, { history: sharedHistorySink(window.earshot) })
  return controller
}

function useRoute(): string {
  const [hash, setHash] = useState(() => location.hash)
  useEffect(() => {
    const on = () => setHash(location.hash)
    window.addEventListener('hashchange', on)
    return () => window.removeEventListener('hashchange', on)
  }, [])
  return hash
}

export function App() {
  const route = useRoute()
  if (route === '#companion') return <Pill />
  if (route.startsWith('#settings')) return <SettingsWindow />
  return <MainWindow />
}

function focusById(id: string): void {
  const el = document.getElementById(id)
  if (!el) return
  el.scrollIntoView({ block: 'center' })
  el.focus()
}

function StatusPill({ status, capturing, error }: { status: UiStatus; capturing: boolean; error?: string | null }) {
  // An error says what went wrong in a few words (the transcript has it all).
  const shown = shownStatus(status, capturing)
  const label = shown === 'error' ? shortError(error) : STATUS_LABEL[shown]
  return (
    <p className={`status status-${shown}`} data-testid="status" data-status={status} role="status" aria-live="off" title={shown === 'error' && error ? error : undefined}>
      <span className="status-dot" aria-hidden="true" />
      {label}
    </p>
  )
}

/** The newest error the transcript shows (the status pill names it in a few words). */
function useLastError(store: TranscriptStore): string | null {
  const [message, setMessage] = useState<string | null>(null)
  useEffect(
    () =>
      store.watch((entry) => {
        if (entry.kind === 'error') setMessage(entry.message)
      }),
    [store],
  )
  return message
}

const openSettings = (section?: SettingsSection) => void window.earshot.app.openSettings(section ? { section } : {}).catch(() => {})

function MainWindow() {
  const [settings, setSettings] = useState<Settings | null>(null)
  const [keys, setKeys] = useState<KeyStatus | null>(null)
  const [notices, setNotices] = useState<Notice[]>([])
  const [platform, setPlatform] = useState('other')
  const [loadError, setLoadError] = useState<string | null>(null)
  const [copied, setCopied] = useState<string | null>(null)
  const [showHistory, setShowHistory] = useState(false)
  const voice = voiceController()
  const historySink = sharedHistorySink(window.earshot)
  // History's "Continue" starts a new session carrying the stored conversation.
  useEffect(() => historySink.onContinue((request) => voice.continueConversation(request)), [historySink, voice])
  const state = useSyncExternalStore(voice.subscribe, voice.getState)
  const lastError = useLastError(voice.transcript)
  const os = hotkeyPlatform(platform)

  useEffect(() => {
    const api = window.earshot
    let live = true
    Promise.all([api.settings.get(), api.keys.status(), api.app.notices()])
      .then(([s, k, n]) => {
        if (!live) return
        setSettings(s)
        setKeys(k)
        setNotices(n)
      })
      .catch((error: unknown) => live && setLoadError(errorText(error)))
    api.app
      .info()
      .then((info) => live && setPlatform(info.platform))
      .catch(() => {})
    const offs = [
      api.on('settings:changed', setSettings),
      api.on('keys:changed', setKeys),
      api.on('app:notice', (notice) => setNotices((list) => [...list.filter((n) => n.id !== notice.id), notice])),
      reportToCompanion(voice, api),
    ]
    return () => {
      live = false
      offs.forEach((off) => off())
    }
  }, [voice])

  const onboarding = !!settings && !!keys && isOnboarding(settings, keys)
  const ready = !!settings && !!keys && !onboarding

  // Sounds for capture start and end, a tool request and an error, through the engine's output.
  const audioSettings = settings?.audio
  const cues = useRef<ReturnType<typeof startEarconCues> | null>(null)
  useEffect(() => {
    const started = startEarconCues(voice)
    cues.current = started
    return () => {
      started.stop()
      cues.current = null
    }
  }, [voice])
  useEffect(() => {
    if (audioSettings) cues.current?.earcons.configure(audioSettings.earcons)
  }, [audioSettings])

  // Cmd+, (macOS) or Ctrl+, opens the settings window, as the app menu does.
  useEffect(() => {
    if (onboarding) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key === ',' && (os === 'darwin' ? e.metaKey : e.ctrlKey) && !e.altKey && !e.shiftKey) {
        e.preventDefault()
        openSettings()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onboarding, os])

  // Choosing Demo on the welcome card: the card goes away, and focus lands on the talk button
  // (not on the page body) so the keyboard user is where the next step is.
  const demoChosen = useRef(false)
  useEffect(() => {
    if (ready && demoChosen.current) {
      demoChosen.current = false
      document.querySelector<HTMLElement>('[data-testid="talk"]')?.focus()
    }
  }, [ready])

  // The microphone and push-to-talk come alive once there is something to talk to.
  const [started, setStarted] = useState(false)
  useEffect(() => {
    if (ready && settings && !started) {
      voice.start(settings)
      setStarted(true)
    }
  }, [ready, settings, started, voice])

  const onAction = useCallback(
    (action: ErrorAction) => {
      if (action === 'key') {
        if (document.getElementById(KEY_INPUT_ID)) focusById(KEY_INPUT_ID)
        else openSettings('provider')
      } else if (action === 'microphone') openSettings('audio')
      else if (action === 'mic-settings') void window.earshot.desktop.openMicrophoneSettings().catch(() => {})
      else if (action === 'retry') voice.retry()
    },
    [voice],
  )
  const actions = useMemo<EntryActions>(
    () => ({
      onAction,
      onDecide: (callId, choice) => void voice.decide(callId, choice),
      onCopy: (entry) =>
        void copyText(entryText(entry)).then((ok) => {
          setCopied(ok ? 'Copied to the clipboard.' : 'Copying failed: select the text and copy it yourself.')
          setTimeout(() => setCopied(null), 2500)
        }),
    }),
    [onAction, voice],
  )
  const speech = useDemoSpeech(voice, ready && !!settings && providerOf(settings.provider).local)
  const hotkey = settings ? <kbd aria-label={spokenAccelerator(settings.hotkey.accelerator, os)}>{formatAccelerator(settings.hotkey.accelerator, os)}</kbd> : null
  const talkDown = useCallback(() => voice.talkDown(), [voice])
  const talkUp = useCallback(() => voice.talkUp(), [voice])

  if (loadError) {
    return (
      <main className="shell">
        <p role="alert" className="notice error">
          Earshot could not start its window: {loadError}
        </p>
      </main>
    )
  }
  if (!settings || !keys) {
    return (
      <main className="shell" aria-busy="true">
        <p className="muted">Starting Earshot…</p>
      </main>
    )
  }

  const mic = state.micError
  return (
    <div className="app">
      <header className="top">
        <div>
          <h1>Earshot</h1>
          <p className="muted" data-testid="mode">
            {PROVIDER_LABELS[settings.provider]} ·{' '}
            {state.alwaysListening ? (
              'always listening'
            ) : settings.hotkey.mode === 'toggle' ? (
              <>press {hotkey} to start and again to stop</>
            ) : (
              <>
                hold {hotkey}
                {settings.hotkey.mode === 'auto' ? ' (a tap keeps listening)' : ''} or the button below
              </>
            )}
          </p>
        </div>
        <div className="row top-tail">
          <StatusPill status={state.status} capturing={state.capturing} error={lastError} />
          {!onboarding && (
            <button type="button" className="secondary" data-testid="history-toggle" aria-pressed={showHistory} onClick={() => setShowHistory((v) => !v)}>
              History
            </button>
          )}
          {!onboarding && (
            <button type="button" className="secondary" data-testid="open-settings" onClick={() => openSettings()} aria-keyshortcuts={os === 'darwin' ? 'Meta+,' : 'Control+,'}>
              Settings
            </button>
          )}
        </div>
      </header>

      {notices.length > 0 && (
        <section aria-label="Notices" className="notices">
          {notices.map((notice) => (
            <div key={notice.id} className={`notice ${notice.level}`} role={notice.level === 'error' ? 'alert' : 'status'}>
              <strong>{notice.title}</strong>
              <p>{notice.message}</p>
              <button type="button" className="secondary" onClick={() => void window.earshot.app.dismissNotice({ id: notice.id }).then(setNotices)}>
                Dismiss
              </button>
            </div>
          ))}
        </section>
      )}

      {mic && (
        <div className="notice error" role="alert" data-testid="mic-error">
          <strong>The microphone is not available</strong>
          <p>{mic.message}</p>
          {mic.fix && <p className="small">{mic.fix}</p>}
          <div className="row">
            <button type="button" onClick={() => voice.retry()}>
              Try again
            </button>
            <button type="button" className="secondary" onClick={() => openSettings('audio')}>
              Pick another microphone
            </button>
            {mic.action === 'mic-settings' && (
              <button type="button" className="secondary" onClick={() => void window.earshot.desktop.openMicrophoneSettings().catch(() => {})}>
                Open microphone settings
              </button>
            )}
          </div>
        </div>
      )}
      {state.outputNote && <p className="notice warning">{state.outputNote}</p>}
      {state.micFallback && <p className="notice warning">The chosen microphone is not connected; Earshot is using the system default.</p>}

      <div className="layout">
        <main className="conversation" aria-labelledby="conversation-heading">
          <h2 id="conversation-heading" className="sr-only">
            Conversation
          </h2>
          {onboarding ? (
            <>
              <section className="card onboarding" aria-labelledby="welcome">
                <h2 id="welcome">Welcome</h2>
                <p>
                  Earshot needs an API key for a speech-to-speech provider: OpenAI Realtime, AssemblyAI Voice Agent or Speko. Enter one below. It is stored{' '}
                  {keys.encryptionAvailable ? 'encrypted by your system keyring' : 'only for this run (your system has no keyring)'} and never leaves Earshot&apos;s background
                  process.
                </p>
                <div className="row demo-offer">
                  <button
                    type="button"
                    data-testid="try-demo"
                    onClick={() => {
                      demoChosen.current = true
                      void window.earshot.settings.update({ patch: { provider: 'demo' } })
                    }}
                  >
                    Try Demo mode
                  </button>
                  <span className="muted">No account yet? A local simulator that needs no key.</span>
                </div>
              </section>
              <ProviderCard settings={settings} keys={keys} />
            </>
          ) : showHistory ? (
            <HistoryView settings={settings} sink={historySink} onClose={() => setShowHistory(false)} />
          ) : (
            <>
              {providerOf(settings.provider).local && <DemoIntro speech={speech} />}
              <Transcript store={voice.transcript} actions={actions} emptyText="Hold the button (or your hotkey) and speak. Your conversation appears here." />
              <div className="controls" aria-label="Talk controls" role="group">
                <TalkButton onDown={talkDown} onUp={talkUp} capturing={state.capturing} disabled={state.muted} hands={state.alwaysListening && state.capturing} mode={settings.hotkey.mode} />
                <LevelMeter voice={voice} active={state.capturing} />
                <button
                  type="button"
                  role="switch"
                  aria-checked={state.alwaysListening}
                  className={`switch${state.alwaysListening ? ' on' : ''}`}
                  data-testid="always-listening"
                  onClick={() => void voice.setAlwaysListening(!state.alwaysListening).catch(() => {})}
                >
                  <span className="switch-track" aria-hidden="true" />
                  Always listening
                </button>
                <div className="row tail">
                  <button type="button" className="secondary" data-testid="export" onClick={() => exportMarkdown(voice.transcript)}>
                    Export Markdown
                  </button>
                  {state.status !== 'idle' && state.status !== 'error' && (
                    <button type="button" className="secondary" onClick={() => void voice.hangUp()}>
                      End session
                    </button>
                  )}
                  <button type="button" className="secondary" onClick={() => void window.earshot.desktop.showCompanion({ show: true }).catch(() => {})}>
                    Companion
                  </button>
                </div>
              </div>
              <CostLine sink={historySink} />
              {copied && (
                <p className="small muted" role="status">
                  {copied}
                </p>
              )}
            </>
          )}
        </main>
      </div>
    </div>
  )
}

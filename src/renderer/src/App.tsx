import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react'
import type { Notice } from '../../shared/ipc/channels/app'
import type { DesktopStatus } from '../../shared/ipc/channels/desktop'
import type { KeyStatus } from '../../shared/ipc/channels/keys'
import { KEYED_PROVIDERS, PROVIDER_LABELS, type Settings } from '../../shared/settings/schema'
import { reportToCompanion } from './companion'
import { Pill } from './Pill'
import { DemoIntro, useDemoSpeech } from './Demo'
import { shownStatus } from './status'
import { copyText, exportMarkdown, LevelMeter, STATUS_LABEL, TalkButton, Transcript, type EntryActions } from './Conversation'
import { errorText, KEY_INPUT_ID, MIC_SELECT_ID, ProviderCard, SettingsPanel } from './Settings'
import { entryText, type ErrorAction } from './transcript'
import { VoiceController, type UiStatus } from './voice'

let controller: VoiceController | null = null
/** One controller per window, created on first use and kept for the window's life. */
function voiceController(): VoiceController {
  controller ??= new VoiceController(window.earshot)
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
  return route === '#companion' ? <Pill /> : <MainWindow />
}

function focusById(id: string): void {
  const el = document.getElementById(id)
  if (!el) return
  el.scrollIntoView({ block: 'center' })
  el.focus()
}

function StatusPill({ status, capturing }: { status: UiStatus; capturing: boolean }) {
  const shown = shownStatus(status, capturing)
  return (
    <p className={`status status-${shown}`} data-testid="status" data-status={status} role="status" aria-live="off">
      <span className="status-dot" aria-hidden="true" />
      {STATUS_LABEL[shown]}
    </p>
  )
}

function MainWindow() {
  const [settings, setSettings] = useState<Settings | null>(null)
  const [keys, setKeys] = useState<KeyStatus | null>(null)
  const [notices, setNotices] = useState<Notice[]>([])
  const [desktop, setDesktop] = useState<DesktopStatus | null>(null)
  const [platform, setPlatform] = useState('other')
  const [loadError, setLoadError] = useState<string | null>(null)
  const [copied, setCopied] = useState<string | null>(null)
  const [toolsRefresh, setToolsRefresh] = useState(0)
  const voice = voiceController()
  const state = useSyncExternalStore(voice.subscribe, voice.getState)

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
    api.desktop
      .status()
      .then((d) => live && setDesktop(d))
      .catch(() => {})
    const offs = [
      api.on('settings:changed', setSettings),
      api.on('keys:changed', setKeys),
      api.on('desktop:status', setDesktop),
      api.on('app:notice', (notice) => setNotices((list) => [...list.filter((n) => n.id !== notice.id), notice])),
      reportToCompanion(voice, api),
    ]
    return () => {
      live = false
      offs.forEach((off) => off())
    }
  }, [voice])

  const anyKey = keys ? KEYED_PROVIDERS.some((p) => keys.providers[p].set) : false
  const onboarding = !!settings && !!keys && !anyKey && settings.provider !== 'demo'
  const ready = !!settings && !!keys && !onboarding

  // The microphone and push-to-talk come alive once there is something to talk to.
  const [started, setStarted] = useState(false)
  useEffect(() => {
    if (ready && settings && !started) {
      voice.start(settings)
      setStarted(true)
    }
  }, [ready, settings, started, voice])

  // Tool cards finishing refresh the permissions and the audit log.
  useEffect(
    () =>
      voice.transcript.watch((entry) => {
        if (entry.kind === 'tool' && entry.state !== 'running' && entry.state !== 'waiting') setToolsRefresh((n) => n + 1)
      }),
    [voice],
  )

  const onAction = useCallback(
    (action: ErrorAction) => {
      if (action === 'key') focusById(KEY_INPUT_ID)
      else if (action === 'microphone') focusById(MIC_SELECT_ID)
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
  const speech = useDemoSpeech(voice, ready && settings?.provider === 'demo')
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
              <>
                press <kbd>{settings.hotkey.accelerator}</kbd> to start and again to stop
              </>
            ) : (
              <>
                hold <kbd>{settings.hotkey.accelerator}</kbd>
                {settings.hotkey.mode === 'auto' ? ' (a tap keeps listening)' : ''} or the button below
              </>
            )}
          </p>
        </div>
        <StatusPill status={state.status} capturing={state.capturing} />
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
            <button type="button" className="secondary" onClick={() => focusById(MIC_SELECT_ID)}>
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
                <p>
                  No account yet?{' '}
                  <button type="button" className="link" onClick={() => void window.earshot.settings.update({ patch: { provider: 'demo' } })}>
                    Try Demo mode
                  </button>
                  : a local simulator that needs no key.
                </p>
              </section>
              <ProviderCard settings={settings} keys={keys} />
            </>
          ) : (
            <>
              {settings.provider === 'demo' && <DemoIntro speech={speech} />}
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
              {copied && (
                <p className="small muted" role="status">
                  {copied}
                </p>
              )}
            </>
          )}
        </main>
        <aside className="side" aria-label="Settings">
          <SettingsPanel settings={settings} keys={keys} desktop={desktop} voice={voice} platform={platform} showProvider={!onboarding} refreshKey={toolsRefresh} />
        </aside>
      </div>
    </div>
  )
}

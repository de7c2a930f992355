import { useCallback, useEffect, useState } from 'react'
import type { Notice } from '../../shared/ipc/channels/app'
import type { KeyStatus } from '../../shared/ipc/channels/keys'
import { KEYED_PROVIDERS, PROVIDER_IDS, PROVIDER_LABELS, type KeyedProvider, type ProviderId, type Settings } from '../../shared/settings/schema'

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function isKeyed(provider: ProviderId): provider is KeyedProvider {
  return (KEYED_PROVIDERS as readonly string[]).includes(provider)
}

export function App() {
  const [settings, setSettings] = useState<Settings | null>(null)
  const [keys, setKeys] = useState<KeyStatus | null>(null)
  const [notices, setNotices] = useState<Notice[]>([])
  const [loadError, setLoadError] = useState<string | null>(null)

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
    const offs = [
      api.on('settings:changed', setSettings),
      api.on('keys:changed', setKeys),
      api.on('app:notice', (notice) => setNotices((list) => [...list.filter((n) => n.id !== notice.id), notice])),
    ]
    return () => {
      live = false
      offs.forEach((off) => off())
    }
  }, [])

  if (loadError) {
    return (
      <main className="shell">
        <p role="alert" className="notice error">Earshot could not start its window: {loadError}</p>
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

  const provider = settings.provider
  const anyKey = KEYED_PROVIDERS.some((p) => keys.providers[p].set)

  return (
    <main className="shell">
      <header className="top">
        <h1>Earshot</h1>
        <p className="muted">Talk to your computer. It answers aloud.</p>
      </header>

      {notices.length > 0 && (
        <section aria-label="Notices" className="notices">
          {notices.map((notice) => (
            <div key={notice.id} className={`notice ${notice.level}`} role={notice.level === 'error' ? 'alert' : 'status'}>
              <strong>{notice.title}</strong>
              <p>{notice.message}</p>
              <button type="button" onClick={() => window.earshot.app.dismissNotice({ id: notice.id }).then(setNotices)}>
                Dismiss
              </button>
            </div>
          ))}
        </section>
      )}

      {!anyKey && provider !== 'demo' && (
        <section className="card onboarding" aria-labelledby="welcome">
          <h2 id="welcome">Welcome</h2>
          <p>
            Earshot needs an API key for a speech-to-speech provider: OpenAI Realtime, AssemblyAI Voice Agent or Speko. Enter one
            below. It is stored {keys.encryptionAvailable ? 'encrypted by your system keyring' : 'only for this run (your system has no keyring)'} and
            never leaves Earshot&apos;s background process.
          </p>
          <p>
            No account yet?{' '}
            <button type="button" className="link" onClick={() => window.earshot.settings.update({ patch: { provider: 'demo' } })}>
              Try Demo mode
            </button>
            : a local simulator that needs no key.
          </p>
        </section>
      )}

      <ProviderCard settings={settings} keys={keys} />
    </main>
  )
}

function ProviderCard({ settings, keys }: { settings: Settings; keys: KeyStatus }) {
  const provider = settings.provider
  const [draft, setDraft] = useState('')
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null)
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    setDraft('')
    setMessage(null)
  }, [provider])

  const choose = useCallback((value: ProviderId) => {
    window.earshot.settings.update({ patch: { provider: value } }).catch((error: unknown) => setMessage({ kind: 'error', text: errorText(error) }))
  }, [])

  const save = async () => {
    if (!isKeyed(provider)) return
    setBusy(true)
    try {
      await window.earshot.keys.set({ provider, key: draft })
      setDraft('')
      setMessage({ kind: 'ok', text: 'Key saved.' })
    } catch (error) {
      setMessage({ kind: 'error', text: errorText(error) })
    } finally {
      setBusy(false)
    }
  }

  const clear = async () => {
    if (!isKeyed(provider)) return
    await window.earshot.keys.clear({ provider })
    setMessage({ kind: 'ok', text: 'Key removed.' })
  }

  const status = isKeyed(provider) ? keys.providers[provider] : null
  const storageText: Record<string, string> = {
    encrypted: 'stored encrypted',
    plaintext: 'stored in a plain file (you opted in)',
    memory: 'kept in memory until Earshot quits',
    none: '',
  }

  return (
    <section className="card" aria-labelledby="provider-heading">
      <h2 id="provider-heading">Provider</h2>
      <label className="field">
        <span>Speech-to-speech provider</span>
        <select value={provider} onChange={(event) => choose(event.target.value as ProviderId)} data-testid="provider-select">
          {PROVIDER_IDS.map((id) => (
            <option key={id} value={id}>
              {PROVIDER_LABELS[id]}
            </option>
          ))}
        </select>
      </label>

      {status ? (
        <>
          <p data-testid="key-status" className={status.set ? 'ok' : 'warn'}>
            {status.set ? `A ${PROVIDER_LABELS[provider]} key is set (${storageText[status.storage]}).` : `No ${PROVIDER_LABELS[provider]} key is set.`}
          </p>
          <form
            className="key-form"
            onSubmit={(event) => {
              event.preventDefault()
              void save()
            }}
          >
            <label className="field">
              <span>{status.set ? 'Replace the API key' : 'API key'}</span>
              <input
                type="password"
                autoComplete="off"
                spellCheck={false}
                value={draft}
                onChange={(event) => setDraft(event.target.value)}
                placeholder="Paste your key"
                data-testid="key-input"
              />
            </label>
            <div className="row">
              <button type="submit" disabled={busy || draft.trim().length === 0}>
                Save key
              </button>
              {status.set && (
                <button type="button" className="secondary" onClick={() => void clear()}>
                  Remove key
                </button>
              )}
            </div>
          </form>
          {!keys.encryptionAvailable && (
            <label className="check">
              <input
                type="checkbox"
                checked={keys.plaintextAllowed}
                onChange={(event) => window.earshot.keys.allowPlaintext({ allow: event.target.checked })}
              />
              <span>Keep keys in a plain file so they survive a restart (your system has no keyring to encrypt them).</span>
            </label>
          )}
        </>
      ) : (
        <p data-testid="key-status" className="ok">
          Demo mode runs a local simulator on this computer. It needs no key and sends nothing over the internet.
        </p>
      )}
      {message && (
        <p role={message.kind === 'error' ? 'alert' : 'status'} className={message.kind === 'error' ? 'error-text' : 'ok'}>
          {message.text}
        </p>
      )}
    </section>
  )
}

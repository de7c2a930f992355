import { useCallback, useEffect, useId, useState, type KeyboardEvent } from 'react'
import type { DesktopStatus } from '../../shared/ipc/channels/desktop'
import type { KeyStatus } from '../../shared/ipc/channels/keys'
import type { ToolSettingsView } from '../../shared/ipc/channels/tools'
import { KEYED_PROVIDERS, PROVIDER_IDS, PROVIDER_LABELS, type KeyedProvider, type ProviderId, type Settings } from '../../shared/settings/schema'
import type { AuditEntry } from '../../shared/tools/types'
import type { VoiceController } from './voice'

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export function isKeyed(provider: ProviderId): provider is KeyedProvider {
  return (KEYED_PROVIDERS as readonly string[]).includes(provider)
}

function patchAt(path: readonly string[], value: unknown): Record<string, unknown> {
  let out: unknown = value
  for (let i = path.length - 1; i >= 0; i--) out = { [path[i] as string]: out }
  return out as Record<string, unknown>
}

async function update(path: readonly string[], value: unknown): Promise<string | null> {
  try {
    await window.earshot.settings.update({ patch: patchAt(path, value) })
    return null
  } catch (error) {
    return errorText(error)
  }
}

export const KEY_INPUT_ID = 'api-key'
export const MIC_SELECT_ID = 'mic-select'

export function ProviderCard({ settings, keys }: { settings: Settings; keys: KeyStatus }) {
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
    try {
      await window.earshot.keys.clear({ provider })
      setMessage({ kind: 'ok', text: 'Key removed.' })
    } catch (error) {
      setMessage({ kind: 'error', text: errorText(error) })
    }
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
                id={KEY_INPUT_ID}
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
              <input type="checkbox" checked={keys.plaintextAllowed} onChange={(event) => void window.earshot.keys.allowPlaintext({ allow: event.target.checked })} />
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

/** A text setting saved when it loses focus (or Enter in one-line fields); main validates it. */
function TextSetting({ label, path, value, multiline, hint }: { label: string; path: readonly string[]; value: string; multiline?: boolean; hint?: string }) {
  const [draft, setDraft] = useState(value)
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState(false)
  const id = useId()
  useEffect(() => setDraft(value), [value])
  const commit = async () => {
    if (draft === value) return
    let problem = await update(path, draft)
    if (problem && !draft.trim() && /too small|at least|>=\s*1/i.test(problem)) problem = `${label} cannot be empty.`
    setError(problem)
    setSaved(!problem)
    if (problem) return
    setTimeout(() => setSaved(false), 1500)
  }
  const common = {
    id,
    value: draft,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': error ? `${id}-error` : hint ? `${id}-hint` : undefined,
    onBlur: () => void commit(),
  }
  return (
    <div className="field">
      <label htmlFor={id}>
        {label} {saved && <span className="ok small">saved</span>}
      </label>
      {multiline ? (
        <textarea {...common} rows={3} onChange={(e) => setDraft(e.target.value)} />
      ) : (
        <input
          {...common}
          type="text"
          spellCheck={false}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void commit()
          }}
        />
      )}
      {hint && !error && (
        <span id={`${id}-hint`} className="muted small">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="error-text small" role="alert">
          {error}
        </span>
      )}
    </div>
  )
}

function VoiceSettings({ settings }: { settings: Settings }) {
  const p = settings.provider
  const s = settings.providers
  return (
    <section className="card" aria-labelledby="voice-heading">
      <h2 id="voice-heading">Assistant</h2>
      {p === 'openai' && (
        <>
          <TextSetting label="Model" path={['providers', 'openai', 'model']} value={s.openai.model} />
          <TextSetting label="Voice" path={['providers', 'openai', 'voice']} value={s.openai.voice} hint="For example marin, cedar, alloy." />
          <TextSetting label="Instructions" path={['providers', 'openai', 'instructions']} value={s.openai.instructions} multiline hint="Empty: Earshot's default personality." />
          <TextSetting label="Greeting" path={['providers', 'openai', 'greeting']} value={s.openai.greeting} hint="Spoken first when a conversation starts; empty: the assistant waits for you." />
        </>
      )}
      {p === 'assemblyai' && (
        <>
          <TextSetting label="Voice" path={['providers', 'assemblyai', 'voice']} value={s.assemblyai.voice} />
          <TextSetting label="Instructions" path={['providers', 'assemblyai', 'instructions']} value={s.assemblyai.instructions} multiline />
          <TextSetting label="Greeting" path={['providers', 'assemblyai', 'greeting']} value={s.assemblyai.greeting} />
        </>
      )}
      {p === 'speko' && (
        <>
          <TextSetting label="Model" path={['providers', 'speko', 'model']} value={s.speko.model} />
          <TextSetting label="Voice" path={['providers', 'speko', 'voice']} value={s.speko.voice} />
          <TextSetting label="Instructions" path={['providers', 'speko', 'instructions']} value={s.speko.instructions} multiline />
          <TextSetting label="Greeting" path={['providers', 'speko', 'greeting']} value={s.speko.greeting} hint="Spoken first on Speko's direct xAI sessions; Speko's older proxied sessions cannot speak one and start silent." />
        </>
      )}
      {p === 'demo' && <TextSetting label="Greeting" path={['providers', 'demo', 'greeting']} value={s.demo.greeting} hint="The demo speaks a fixed greeting when this is empty." />}
    </section>
  )
}

interface DeviceOption {
  deviceId: string
  label: string
}

function useDevices(kind: 'audioinput' | 'audiooutput'): DeviceOption[] {
  const [devices, setDevices] = useState<DeviceOption[]>([])
  useEffect(() => {
    const media = navigator.mediaDevices
    if (!media) return
    let live = true
    const load = () =>
      media
        .enumerateDevices()
        .then((list) => {
          if (!live) return
          const seen = new Set<string>()
          const out: DeviceOption[] = []
          let n = 0
          for (const d of list) {
            if (d.kind !== kind || !d.deviceId || d.deviceId === 'default' || d.deviceId === 'communications' || seen.has(d.deviceId)) continue
            seen.add(d.deviceId)
            n++
            out.push({ deviceId: d.deviceId, label: d.label || `${kind === 'audioinput' ? 'Microphone' : 'Speaker'} ${n}` })
          }
          setDevices(out)
        })
        .catch(() => {})
    void load()
    media.addEventListener('devicechange', load)
    return () => {
      live = false
      media.removeEventListener('devicechange', load)
    }
  }, [kind])
  return devices
}

function AudioSettings({ settings, voice }: { settings: Settings; voice: VoiceController }) {
  const inputs = useDevices('audioinput')
  const outputs = useDevices('audiooutput')
  const [error, setError] = useState<string | null>(null)
  const a = settings.audio
  const inputMissing = a.inputDeviceId !== null && inputs.length > 0 && !inputs.some((d) => d.deviceId === a.inputDeviceId)
  return (
    <section className="card" aria-labelledby="audio-heading">
      <h2 id="audio-heading">Microphone and speaker</h2>
      <label className="field">
        <span>Microphone</span>
        <select
          id={MIC_SELECT_ID}
          data-testid="mic-select"
          value={a.inputDeviceId ?? ''}
          onChange={(e) => voice.setInputDevice(e.target.value || null).catch((err: unknown) => setError(errorText(err)))}
        >
          <option value="">System default</option>
          {inputs.map((d) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label}
            </option>
          ))}
          {inputMissing && <option value={a.inputDeviceId ?? ''}>Unavailable microphone (using the default)</option>}
        </select>
      </label>
      <label className="field">
        <span>Speaker</span>
        <select value={a.outputDeviceId ?? ''} onChange={(e) => void update(['audio', 'outputDeviceId'], e.target.value || null).then(setError)}>
          <option value="">System default</option>
          {outputs.map((d) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Volume ({Math.round(a.volume * 100)}%)</span>
        <input type="range" min={0} max={1} step={0.05} value={a.volume} onChange={(e) => void update(['audio', 'volume'], Number(e.target.value)).then(setError)} />
      </label>
      {(
        [
          ['echoCancellation', 'Echo cancellation'],
          ['noiseSuppression', 'Noise suppression'],
          ['autoGainControl', 'Automatic gain'],
        ] as const
      ).map(([key, label]) => (
        <label className="check" key={key}>
          <input type="checkbox" checked={a[key]} onChange={(e) => void update(['audio', key], e.target.checked).then(setError)} />
          <span>
            {label}
            {key !== 'autoGainControl' && settings.alwaysListening ? ' (always on while always-listening)' : ''}
          </span>
        </label>
      ))}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}

const CODE_KEYS: Record<string, string> = {
  Space: 'Space',
  Enter: 'Enter',
  Tab: 'Tab',
  Backspace: 'Backspace',
  Delete: 'Delete',
  Insert: 'Insert',
  Home: 'Home',
  End: 'End',
  PageUp: 'PageUp',
  PageDown: 'PageDown',
  ArrowUp: 'Up',
  ArrowDown: 'Down',
  ArrowLeft: 'Left',
  ArrowRight: 'Right',
  Minus: '-',
  Equal: '=',
  BracketLeft: '[',
  BracketRight: ']',
  Backslash: '\\',
  Semicolon: ';',
  Quote: "'",
  Comma: ',',
  Period: '.',
  Slash: '/',
  Backquote: '`',
  Pause: 'Pause',
  ScrollLock: 'Scrolllock',
  PrintScreen: 'PrintScreen',
}

/** An Electron accelerator from a key press, or null while only modifiers are down. */
export function acceleratorFrom(e: { code: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }, platform: string): string | null {
  let key: string | null = null
  const code = e.code
  if (/^Key[A-Z]$/.test(code)) key = code.slice(3)
  else if (/^Digit[0-9]$/.test(code)) key = code.slice(5)
  else if (/^F([1-9]|1[0-9]|2[0-4])$/.test(code)) key = code
  else if (/^Numpad[0-9]$/.test(code)) key = `num${code.slice(6)}`
  else key = CODE_KEYS[code] ?? null
  if (!key) return null
  const parts: string[] = []
  if (e.ctrlKey) parts.push(platform === 'darwin' ? 'Control' : 'CommandOrControl')
  if (e.metaKey) parts.push(platform === 'darwin' ? 'CommandOrControl' : 'Super')
  if (e.altKey) parts.push('Alt')
  if (e.shiftKey) parts.push('Shift')
  parts.push(key)
  return parts.join('+')
}

function HotkeySettings({ settings, desktop, platform }: { settings: Settings; desktop: DesktopStatus | null; platform: string }) {
  const [capturing, setCapturing] = useState(false)
  const [candidate, setCandidate] = useState<string | null>(null)
  const [check, setCheck] = useState<{ ok: boolean; reason: string | null; warnings: string[] } | null>(null)
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null)
  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (!capturing) return
    if (e.key === 'Tab') return
    e.preventDefault()
    if (e.key === 'Escape') {
      setCapturing(false)
      return
    }
    const accelerator = acceleratorFrom(e, platform)
    if (!accelerator) return
    setCandidate(accelerator)
    setCapturing(false)
    setResult(null)
    window.earshot.desktop
      .checkHotkey({ accelerator })
      .then(setCheck)
      .catch((err: unknown) => setCheck({ ok: false, reason: errorText(err), warnings: [] }))
  }
  const apply = async (accelerator: string, mode = settings.hotkey.mode) => {
    try {
      const r = await window.earshot.desktop.setHotkey({ accelerator, mode })
      setResult(r.ok ? { ok: true, text: `Saved: ${accelerator}` } : { ok: false, text: r.reason ?? 'The hotkey was refused.' })
      if (r.ok) setCandidate(null)
    } catch (err) {
      setResult({ ok: false, text: errorText(err) })
    }
  }
  const hk = desktop?.hotkey
  return (
    <section className="card" aria-labelledby="ptt-heading">
      <h2 id="ptt-heading">Push to talk</h2>
      <label className="field">
        <span>Mode</span>
        <select value={settings.hotkey.mode} onChange={(e) => void apply(settings.hotkey.accelerator, e.target.value as Settings['hotkey']['mode'])} data-testid="ptt-mode">
          <option value="auto">Auto: hold to talk, tap to start and stop</option>
          <option value="hold">Hold: talk while the key is down</option>
          <option value="toggle">Toggle: press to start, press again to stop</option>
        </select>
      </label>
      <div className="field">
        <span id="hotkey-label">Hotkey</span>
        <div className="row">
          <kbd data-testid="hotkey-current">{settings.hotkey.accelerator}</kbd>
          <button
            type="button"
            className="secondary"
            aria-describedby="hotkey-label"
            data-testid="hotkey-capture"
            onClick={() => {
              setCapturing(true)
              setCheck(null)
              setCandidate(null)
            }}
            onKeyDown={onKeyDown}
            onBlur={() => setCapturing(false)}
          >
            {capturing ? 'Press the new hotkey… (Esc cancels)' : 'Change hotkey'}
          </button>
        </div>
        {candidate && (
          <div className="hotkey-check" data-testid="hotkey-check">
            <p>
              <kbd>{candidate}</kbd>{' '}
              {check ? (check.ok ? <span className="ok">can be used</span> : <span className="error-text">{check.reason}</span>) : <span className="muted">checking…</span>}
            </p>
            {check?.warnings.map((w) => (
              <p key={w} className="warn small">
                {w}
              </p>
            ))}
            {check?.ok && (
              <button type="button" onClick={() => void apply(candidate)}>
                Use this hotkey
              </button>
            )}
          </div>
        )}
        {result && (
          <p className={result.ok ? 'ok' : 'error-text'} role={result.ok ? 'status' : 'alert'}>
            {result.text}
          </p>
        )}
        {hk && hk.problems.length > 0 && (
          <div className="warn small">
            {hk.problems.map((p) => (
              <p key={p.code}>{p.message}</p>
            ))}
            {!hk.holdAvailable && (
              <p>
                Bind <code>{hk.commands.toggle}</code> in your desktop&apos;s keyboard settings to toggle talking.
              </p>
            )}
          </div>
        )}
      </div>
    </section>
  )
}

function GeneralSettings({ settings, desktop, voice }: { settings: Settings; desktop: DesktopStatus | null; voice: VoiceController }) {
  const [error, setError] = useState<string | null>(null)
  const login = desktop?.launchAtLogin
  return (
    <section className="card" aria-labelledby="general-heading">
      <h2 id="general-heading">General</h2>
      <label className="check">
        <input type="checkbox" checked={settings.alwaysListening} onChange={(e) => voice.setAlwaysListening(e.target.checked).catch((err: unknown) => setError(errorText(err)))} />
        <span>Always listening (no hotkey needed; echo cancellation stays on)</span>
      </label>
      <label className="check">
        <input type="checkbox" checked={settings.launchAtLogin} disabled={login ? !login.supported : false} onChange={(e) => void update(['launchAtLogin'], e.target.checked).then(setError)} />
        <span>Launch Earshot when I log in{login && !login.supported ? ' (not available on this system)' : ''}</span>
      </label>
      {login?.error && <p className="warn small">{login.error}</p>}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}

function ToolSettings({ refreshKey }: { refreshKey: number }) {
  const [view, setView] = useState<ToolSettingsView | null>(null)
  const [error, setError] = useState<string | null>(null)
  const run = (p: Promise<ToolSettingsView>) =>
    p.then(
      (v) => {
        setView(v)
        setError(null)
      },
      (err: unknown) => setError(errorText(err)),
    )
  useEffect(() => {
    void run(window.earshot.tools.settings())
  }, [refreshKey])
  if (!view) return null
  return (
    <section className="card" aria-labelledby="tools-heading">
      <h2 id="tools-heading">Tool permissions</h2>
      <h3>Always allowed</h3>
      {view.alwaysAllow.length === 0 ? (
        <p className="muted small">None. Earshot asks before anything that changes your computer or leaves it.</p>
      ) : (
        <ul className="plain" data-testid="always-allowed">
          {view.alwaysAllow.map((name) => (
            <li key={name} className="row">
              <code>{name}</code>
              <button type="button" className="secondary" onClick={() => void run(window.earshot.tools.revokeAlwaysAllow({ name }))}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      <h3>Folders Earshot may search</h3>
      {view.searchFolders.length === 0 && <p className="muted small">None yet.</p>}
      <ul className="plain">
        {view.searchFolders.map((path) => (
          <li key={path} className="row">
            <code className="path">{path}</code>
            <button type="button" className="secondary" aria-label={`Remove ${path}`} onClick={() => void run(window.earshot.tools.removeSearchFolder({ path }))}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="secondary" onClick={() => void run(window.earshot.tools.addSearchFolder())}>
        Add a folder…
      </button>
      <h3>Notes folder</h3>
      <p>
        <code className="path">{view.notesFolderInUse}</code>
      </p>
      <div className="row">
        <button type="button" className="secondary" onClick={() => void run(window.earshot.tools.chooseNotesFolder())}>
          Choose…
        </button>
        {view.notesFolder !== null && (
          <button type="button" className="secondary" onClick={() => void run(window.earshot.tools.resetNotesFolder())}>
            Use the default
          </button>
        )}
      </div>
      <p className="muted small">Requests you do not answer are denied after {view.confirmTimeoutSeconds} seconds.</p>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}

function AuditLog({ refreshKey }: { refreshKey: number }) {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const load = useCallback(() => {
    window.earshot.tools.audit({ limit: 50 }).then(setEntries, (err: unknown) => setError(errorText(err)))
  }, [])
  useEffect(() => load(), [load, refreshKey])
  return (
    <section className="card" aria-labelledby="audit-heading">
      <div className="row spread">
        <h2 id="audit-heading">Tool activity</h2>
        <button type="button" className="secondary" onClick={load}>
          Refresh
        </button>
      </div>
      {error && <p className="error-text">{error}</p>}
      {entries && entries.length === 0 && <p className="muted small">No tool has run yet.</p>}
      {entries && entries.length > 0 && (
        <ul className="audit plain" data-testid="audit-log">
          {entries.map((e) => (
            <li key={`${e.callId}-${e.time}`}>
              <span className="muted small">{new Date(e.time).toLocaleTimeString()}</span> <code>{e.tool}</code>{' '}
              <span className={`badge badge-${e.outcome === 'ok' ? 'done' : e.outcome === 'denied' ? 'denied' : 'failed'}`}>{e.outcome}</span>{' '}
              <span className="muted small">
                {e.decision === 'not_asked' ? 'ran without asking (read-only)' : `${e.decision} by ${e.decidedBy}`}
                {e.error ? `: ${e.error}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

export function SettingsPanel({
  settings,
  keys,
  desktop,
  voice,
  platform,
  showProvider,
  refreshKey,
}: {
  settings: Settings
  keys: KeyStatus
  desktop: DesktopStatus | null
  voice: VoiceController
  platform: string
  showProvider: boolean
  refreshKey: number
}) {
  return (
    <div className="settings" data-testid="settings">
      {showProvider && <ProviderCard settings={settings} keys={keys} />}
      <VoiceSettings settings={settings} />
      <AudioSettings settings={settings} voice={voice} />
      <HotkeySettings settings={settings} desktop={desktop} platform={platform} />
      <GeneralSettings settings={settings} desktop={desktop} voice={voice} />
      <ToolSettings refreshKey={refreshKey} />
      <AuditLog refreshKey={refreshKey} />
    </div>
  )
}

/**
 * Settings: a window of its own (route #settings/<section>, same origin and bridge as the voice
 * window), with one section at a time: Provider, Voice, Audio, Push-to-talk, Tools, Privacy,
 * About. Everything here talks to main through window.earshot; the voice window follows the
 * changes through settings:changed and desktop:status (it owns the microphone and the session).
 * The key card (ProviderCard) is also the voice window's onboarding.
 */
import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'
import { SETTINGS_SECTIONS, type AppInfo, type SettingsSection } from '../../shared/ipc/channels/app'
import { McpServers } from './settings/McpServers'
import type { DesktopStatus } from '../../shared/ipc/channels/desktop'
import type { KeyStatus } from '../../shared/ipc/channels/keys'
import type { ToolSettingsView } from '../../shared/ipc/channels/tools'
import { acceleratorFromKeyPress } from '../../shared/ptt/accelerator'
import { formatAccelerator, formatHotkeysIn, hotkeyPlatform, spokenAccelerator } from '../../shared/ptt/format'
import type { CatalogEntry } from '../../shared/settings/catalog'
import { isKeyed, modelsFor, PROVIDER_LABELS, providerOf, voicesFor, type ProviderTextField } from '../../shared/providers'
import { takesReasoningEffort } from '../../shared/s2s/adapters/openai'
import { PROVIDER_IDS, type KeyedProvider, type ProviderId, type Settings } from '../../shared/settings/schema'
import type { AuditEntry, ToolDescriptor, ToolRisk } from '../../shared/tools/types'
import { Earcons } from '../audio/earcons'
import { SILERO_VAD, WAKE_PHRASES, isWakePhraseId } from '../audio/vad/licences'

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export { isKeyed }

/** A provider's text setting (settings.providers.<id>.<field>); '' when it has none. */
function providerText(settings: Settings, provider: ProviderId, field: ProviderTextField): string {
  const value = (settings.providers[provider] as Partial<Record<ProviderTextField, unknown>>)[field]
  return typeof value === 'string' ? value : ''
}

/** Extra cards a provider has in the Provider section (its own tuning). */
const TUNING_CARDS: Partial<Record<ProviderId, (props: { settings: Settings }) => React.JSX.Element>> = {
  openai: OpenAITuning,
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

export const SECTION_LABELS: Record<SettingsSection, string> = {
  provider: 'Provider',
  voice: 'Voice',
  audio: 'Audio',
  ptt: 'Push-to-talk',
  tools: 'Tools',
  privacy: 'Privacy',
  about: 'About',
}

/** The company whose key it is, for sentences ("An OpenAI key is set"). */
const keyOwner = (provider: ProviderId): string => providerOf(provider).name

/** "An OpenAI key", "An AssemblyAI key", "A Speko key". */
export function aKey(provider: KeyedProvider): string {
  const owner = keyOwner(provider)
  return `${/^[AEIOU]/i.test(owner) ? 'An' : 'A'} ${owner} key`
}

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
  const rejected = !!status?.set && !!status.rejected
  const storageText: Record<string, string> = {
    encrypted: 'stored encrypted',
    plaintext: 'stored in a plain file (you opted in)',
    memory: 'kept in memory until Earshot quits',
    none: '',
  }

  return (
    <section className={`card key-card${rejected ? ' rejected' : ''}`} aria-labelledby="provider-heading" data-testid="key-card" data-rejected={rejected ? 'true' : 'false'}>
      <h2 id="provider-heading">Provider and key</h2>
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

      {status && isKeyed(provider) ? (
        <>
          {rejected ? (
            <p data-testid="key-status" className="error-text" role="alert">
              {keyOwner(provider)} refused this key (it may be mistyped, revoked or out of credit). Paste a working key below.
            </p>
          ) : (
            <p data-testid="key-status" className={status.set ? 'ok' : 'warn'}>
              {status.set ? `${aKey(provider)} is set (${storageText[status.storage]}).` : `No ${keyOwner(provider)} key is set.`}
            </p>
          )}
          <form
            className="key-form"
            onSubmit={(event) => {
              event.preventDefault()
              void save()
            }}
          >
            <label className="field">
              <span>{status.set ? 'Replace the API key' : `${aKey(provider).replace(/ key$/, ' API key')}`}</span>
              <input
                id={KEY_INPUT_ID}
                type="password"
                autoComplete="off"
                spellCheck={false}
                value={draft}
                aria-invalid={rejected ? true : undefined}
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

const OTHER = '__other__'

/**
 * A list of the provider's current names, with free text behind "Other…" (and the current value
 * kept when it is not in the list).
 */
function CatalogSetting({ label, path, value, entries, hint }: { label: string; path: readonly string[]; value: string; entries: readonly CatalogEntry[]; hint?: string }) {
  const listed = entries.some((e) => e.id === value)
  const [other, setOther] = useState(!listed)
  const [error, setError] = useState<string | null>(null)
  const id = useId()
  useEffect(() => {
    if (!entries.some((e) => e.id === value)) setOther(true)
  }, [value, entries])
  return (
    <div className="catalog-setting">
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <select
          id={id}
          value={other ? OTHER : value}
          aria-describedby={hint ? `${id}-hint` : undefined}
          onChange={(e) => {
            const next = e.target.value
            if (next === OTHER) {
              setOther(true)
              return
            }
            setOther(false)
            void update(path, next).then(setError)
          }}
        >
          {entries.map((e) => (
            <option key={e.id} value={e.id}>
              {e.note ? `${e.id} (${e.note})` : e.id}
            </option>
          ))}
          <option value={OTHER}>Other…</option>
        </select>
        <FieldNotes id={id} hint={hint} error={error} />
      </div>
      {other && <TextSetting label={`${label} name`} path={path} value={value} hint="As the provider spells it." />}
    </div>
  )
}

/** A field's hint (its id is what aria-describedby names) and the error main gave for the last change. */
function FieldNotes({ id, hint, error }: { id: string; hint?: string | undefined; error: string | null }) {
  return (
    <>
      {hint && (
        <span id={`${id}-hint`} className="muted small">
          {hint}
        </span>
      )}
      {error && (
        <span className="error-text small" role="alert">
          {error}
        </span>
      )}
    </>
  )
}

/** A fixed list of choices (values may be numbers or null); main validates the choice. */
function ChoiceSetting<T extends string | number | null>({ label, path, value, choices, hint, testId }: { label: string; path: readonly string[]; value: T; choices: readonly { value: T; label: string }[]; hint?: string; testId?: string }) {
  const [error, setError] = useState<string | null>(null)
  const id = useId()
  const key = (v: T) => (v === null ? 'null' : String(v))
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        data-testid={testId}
        value={key(value)}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(e) => {
          const chosen = choices.find((c) => key(c.value) === e.target.value)
          if (chosen) void update(path, chosen.value).then(setError)
        }}
      >
        {choices.map((c) => (
          <option key={key(c.value)} value={key(c.value)}>
            {c.label}
          </option>
        ))}
      </select>
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  )
}

/** OpenAI's session tuning: noise reduction, turn detection and its timing, reasoning effort, context truncation. */
function OpenAITuning({ settings }: { settings: Settings }) {
  const o = settings.providers.openai
  const at = (key: string) => ['providers', 'openai', key] as const
  return (
    <section className="card" aria-labelledby="openai-tuning-heading" data-testid="openai-tuning">
      <h2 id="openai-tuning-heading">Listening and thinking</h2>
      <ChoiceSetting
        label="Noise reduction"
        path={at('noiseReduction')}
        value={o.noiseReduction}
        testId="openai-noise-reduction"
        choices={[
          { value: 'near_field', label: 'Near microphone (desk or headset)' },
          { value: 'far_field', label: 'Far microphone (laptop or room)' },
          { value: 'off', label: 'Off' },
        ]}
        hint="OpenAI filters your audio before it detects speech. Takes effect from the next conversation."
      />
      <ChoiceSetting
        label="End of turn"
        path={at('turnDetection')}
        value={o.turnDetection}
        testId="openai-turn-detection"
        choices={[
          { value: 'server_vad', label: 'After a pause (silence detection)' },
          { value: 'semantic_vad', label: 'When you sound finished (semantic)' },
        ]}
      />
      {o.turnDetection === 'server_vad' ? (
        <>
          <ChoiceSetting
            label="Pause that ends your turn"
            path={at('silenceDurationMs')}
            value={o.silenceDurationMs}
            testId="openai-silence"
            choices={[300, 500, 700, 1000, 1500].map((ms) => ({ value: ms, label: `${ms} ms${ms === 500 ? ' (default)' : ''}` }))}
            hint="Shorter answers sooner but may cut in on a short pause."
          />
          <ChoiceSetting
            label="When you stay silent after a reply"
            path={at('idleTimeoutMs')}
            value={o.idleTimeoutMs}
            testId="openai-idle"
            choices={[
              { value: null, label: 'Wait' },
              { value: 10_000, label: 'Check in after 10 s' },
              { value: 20_000, label: 'Check in after 20 s' },
              { value: 30_000, label: 'Check in after 30 s' },
            ]}
          />
        </>
      ) : (
        <ChoiceSetting
          label="Eagerness"
          path={at('eagerness')}
          value={o.eagerness}
          testId="openai-eagerness"
          choices={[
            { value: 'auto', label: 'Auto' },
            { value: 'low', label: 'Low (lets you think)' },
            { value: 'medium', label: 'Medium' },
            { value: 'high', label: 'High (answers quickly)' },
          ]}
        />
      )}
      {takesReasoningEffort(o.model) ? (
        <ChoiceSetting
          label="Reasoning effort"
          path={at('reasoningEffort')}
          value={o.reasoningEffort}
          testId="openai-reasoning"
          choices={(['minimal', 'low', 'medium', 'high', 'xhigh'] as const).map((e) => ({ value: e, label: e === 'low' ? 'low (default)' : e }))}
          hint="More effort answers hard questions better, but later."
        />
      ) : (
        <p className="muted small" data-testid="openai-reasoning-note">
          Reasoning effort applies to the gpt-realtime-2 models only.
        </p>
      )}
      <ChoiceSetting
        label="When a long conversation fills the context"
        path={at('retentionRatio')}
        value={o.retentionRatio}
        testId="openai-retention"
        choices={[
          { value: 0.8, label: 'Drop the oldest 20% (keeps the prompt cache)' },
          { value: 0.5, label: 'Drop the oldest half' },
          { value: 1, label: 'Drop only what does not fit' },
        ]}
      />
      <ChoiceSetting
        label="Connection"
        path={at('transport')}
        value={o.transport}
        testId="openai-transport"
        choices={[
          { value: 'websocket', label: 'WebSocket (default)' },
          { value: 'webrtc', label: 'WebRTC (audio as a call)' },
        ]}
        hint={
          o.transport === 'webrtc'
            ? 'The voice window reopens with WebRTC allowed. Your voice and the reply travel as a call; the system echo canceller hears the reply, which helps always-listening on speakers.'
            : 'WebRTC sends your voice and the reply as a call instead; the voice window reopens to allow it.'
        }
      />
    </section>
  )
}

function ProviderSection({ settings, keys }: { settings: Settings; keys: KeyStatus }) {
  const p = settings.provider
  const models = modelsFor(settings, p)
  const fields = providerOf(p).fields
  const Tuning = TUNING_CARDS[p]
  return (
    <>
      <ProviderCard settings={settings} keys={keys} />
      {fields.includes('model') && (
        <section className="card" aria-labelledby="model-heading">
          <h2 id="model-heading">Model</h2>
          {models ? (
            <CatalogSetting label="Model" path={['providers', p, 'model']} value={providerText(settings, p, 'model')} entries={models} hint="Takes effect from the next conversation." />
          ) : (
            <TextSetting label="Model" path={['providers', p, 'model']} value={providerText(settings, p, 'model')} />
          )}
        </section>
      )}
      {Tuning && <Tuning settings={settings} />}
    </>
  )
}

function VoiceSection({ settings }: { settings: Settings }) {
  const p = settings.provider
  const voices = voicesFor(settings, p)
  const provider = providerOf(p)
  const has = (field: ProviderTextField) => provider.fields.includes(field)
  return (
    <section className="card" aria-labelledby="assistant-heading">
      <h2 id="assistant-heading">How {PROVIDER_LABELS[p].replace(/ \(.*\)$/, '')} sounds</h2>
      {has('voice') &&
        (voices ? (
          <CatalogSetting label="Voice" path={['providers', p, 'voice']} value={providerText(settings, p, 'voice')} entries={voices} hint="Used from the next conversation (a provider cannot change the voice mid-conversation)." />
        ) : (
          <TextSetting label="Voice" path={['providers', p, 'voice']} value={providerText(settings, p, 'voice')} />
        ))}
      {has('voice') && (
        <p className="muted small" data-testid="voice-preview-note">
          No preview: {provider.name} offers no voice samples Earshot can play without starting a paid conversation. You hear the voice when you next talk.
        </p>
      )}
      {has('instructions') && <TextSetting label="Instructions" path={['providers', p, 'instructions']} value={providerText(settings, p, 'instructions')} multiline hint="Empty: Earshot's default personality." />}
      {has('greeting') && <TextSetting label="Greeting" path={['providers', p, 'greeting']} value={providerText(settings, p, 'greeting')} hint={provider.greetingHint} />}
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

function Switch({ checked, onChange, label, testId, describedBy }: { checked: boolean; onChange: (next: boolean) => void; label: string; testId?: string; describedBy?: string }) {
  return (
    <button type="button" role="switch" aria-checked={checked} aria-describedby={describedBy} className={`switch${checked ? ' on' : ''}`} data-testid={testId} onClick={() => onChange(!checked)}>
      <span className="switch-track" aria-hidden="true" />
      {label}
    </button>
  )
}

let previewEarcons: { sink: string | null; earcons: Earcons } | null = null

function AudioSection({ settings }: { settings: Settings }) {
  const inputs = useDevices('audioinput')
  const outputs = useDevices('audiooutput')
  const [error, setError] = useState<string | null>(null)
  const a = settings.audio
  const inputMissing = a.inputDeviceId !== null && inputs.length > 0 && !inputs.some((d) => d.deviceId === a.inputDeviceId)
  const sounds = a.earcons
  const preview = () => {
    if (previewEarcons?.sink !== a.outputDeviceId) previewEarcons = { sink: a.outputDeviceId, earcons: Earcons.standalone(a.outputDeviceId) }
    const { earcons } = previewEarcons
    earcons.configure({ enabled: true, volume: sounds.volume * a.volume })
    void earcons.play('tool-request').catch((err: unknown) => setError(errorText(err)))
  }
  return (
    <>
      <section className="card" aria-labelledby="devices-heading">
        <h2 id="devices-heading">Microphone and speaker</h2>
        <label className="field">
          <span>Microphone</span>
          <select id={MIC_SELECT_ID} data-testid="mic-select" value={a.inputDeviceId ?? ''} onChange={(e) => void update(['audio', 'inputDeviceId'], e.target.value || null).then(setError)}>
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
        <label className="check">
          <input type="checkbox" data-testid="keep-mic-ready" checked={a.keepMicReady} aria-describedby="keep-mic-hint" onChange={(e) => void update(['audio', 'keepMicReady'], e.target.checked).then(setError)} />
          <span>Keep the microphone ready</span>
        </label>
        <p className="muted small" id="keep-mic-hint">
          Keeping it ready is what keeps your first word when you press the hotkey: Earshot hears the moment before the press. Your system shows the microphone as in use
          while it is ready, but nothing leaves this computer until you press (or always-listening hears you). Off: the microphone opens at your first press and closes
          when the conversation ends.
        </p>
      </section>
      <section className="card" aria-labelledby="sounds-heading">
        <h2 id="sounds-heading">Sounds</h2>
        <p className="muted small" id="sounds-hint">
          Short sounds when Earshot starts and stops listening, when a tool asks for your permission, and when something goes wrong, so you know without looking, even
          from another app.
        </p>
        <Switch checked={sounds.enabled} onChange={(on) => void update(['audio', 'earcons', 'enabled'], on).then(setError)} label="Play sounds" testId="earcons-switch" describedBy="sounds-hint" />
        <label className="field">
          <span>Sound volume ({Math.round(sounds.volume * 100)}%)</span>
          <input
            type="range"
            data-testid="earcons-volume"
            min={0}
            max={1}
            step={0.05}
            value={sounds.volume}
            disabled={!sounds.enabled}
            onChange={(e) => void update(['audio', 'earcons', 'volume'], Number(e.target.value)).then(setError)}
          />
        </label>
        <button type="button" className="secondary" disabled={!sounds.enabled} onClick={preview}>
          Play a sample
        </button>
      </section>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </>
  )
}

/**
 * The wake phrase for always-listening, with the licence of the model that hears it shown where it
 * is chosen (the openWakeWord phrase models are non-commercial) and the speech detector's beside it.
 */
function WakePhraseSetting({ value, onError }: { value: Settings['wakePhrase']; onError: (error: string | null) => void }) {
  const phrase = value ? WAKE_PHRASES[value] : null
  return (
    <>
      <label className="field">
        <span>Wake phrase</span>
        <select
          data-testid="wake-phrase"
          value={value ?? ''}
          aria-describedby="wake-hint"
          onChange={(e) => void update(['wakePhrase'], isWakePhraseId(e.target.value) ? e.target.value : null).then(onError)}
        >
          <option value="">None: any speech starts a turn</option>
          {Object.values(WAKE_PHRASES).map((p) => (
            <option key={p.id} value={p.id}>
              “{p.label}”
            </option>
          ))}
        </select>
      </label>
      <p className="muted small" id="wake-hint" data-testid="wake-hint">
        {phrase
          ? `A turn starts only after “${phrase.label}”. For a few seconds after each reply you can go on without it.`
          : 'Without a wake phrase, anything said near the computer starts a turn while always-listening is on.'}
      </p>
      <details className="small" data-testid="model-licences">
        <summary>Speech models and their licences</summary>
        <ul>
          {[SILERO_VAD, ...(phrase ? [phrase] : [])].map((m) => (
            <li key={m.file}>
              {m.title}: <a href={m.licence.url} target="_blank" rel="noreferrer">{m.licence.name}</a>. {m.licence.notice}
            </li>
          ))}
        </ul>
      </details>
      {phrase && phrase.licence.spdx.includes('NC') && (
        <p className="warn small" data-testid="wake-licence">
          The “{phrase.label}” model is licensed {phrase.licence.name}: free for personal, non-commercial use only.
        </p>
      )}
    </>
  )
}

function PttSection({ settings, desktop, platform }: { settings: Settings; desktop: DesktopStatus | null; platform: AppInfo['platform'] }) {
  const os = hotkeyPlatform(platform)
  const [capturing, setCapturing] = useState(false)
  const [candidate, setCandidate] = useState<string | null>(null)
  const [check, setCheck] = useState<{ ok: boolean; reason: string | null; warnings: string[] } | null>(null)
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const alwaysListening = desktop?.alwaysListening.enabled ?? settings.alwaysListening
  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (!capturing) return
    if (e.key === 'Tab') return
    e.preventDefault()
    if (e.key === 'Escape') {
      setCapturing(false)
      return
    }
    const accelerator = acceleratorFromKeyPress(e, os)
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
      setResult(r.ok ? { ok: true, text: `Saved: ${formatAccelerator(accelerator, os)}` } : { ok: false, text: formatHotkeysIn(r.reason ?? 'The hotkey was refused.', os) })
      if (r.ok) setCandidate(null)
    } catch (err) {
      setResult({ ok: false, text: formatHotkeysIn(errorText(err), os) })
    }
  }
  const hk = desktop?.hotkey
  const current = settings.hotkey.accelerator
  return (
    <>
      <section className="card" aria-labelledby="listening-heading">
        <h2 id="listening-heading">How Earshot listens</h2>
        <Switch
          checked={alwaysListening}
          onChange={(on) => void window.earshot.desktop.setAlwaysListening({ enabled: on }).catch((err: unknown) => setError(errorText(err)))}
          label="Always listening"
          testId="always-listening"
          describedBy="always-hint"
        />
        <p className="muted small" id="always-hint">
          Off: Earshot listens only while you use the hotkey. On: a speech detector on this computer listens all the time (with echo cancellation on), and only when
          someone speaks{settings.wakePhrase ? ` the wake phrase` : ''} does Earshot send what it hears to {PROVIDER_LABELS[settings.provider].replace(/ \(.*\)$/, '')}.
        </p>
        {desktop?.alwaysListening.offReason && <p className="warn small">{desktop.alwaysListening.offReason}</p>}
        <WakePhraseSetting value={settings.wakePhrase} onError={setError} />
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
      </section>
      <section className="card" aria-labelledby="ptt-heading">
        <h2 id="ptt-heading">The hotkey</h2>
        <label className="field">
          <span>Mode</span>
          <select value={settings.hotkey.mode} onChange={(e) => void apply(current, e.target.value as Settings['hotkey']['mode'])} data-testid="ptt-mode">
            <option value="auto">Auto: hold to talk, tap to start and stop</option>
            <option value="hold">Hold: talk while the key is down</option>
            <option value="toggle">Toggle: press to start, press again to stop</option>
          </select>
        </label>
        <div className="field">
          <span id="hotkey-label">Hotkey</span>
          <div className="row">
            <kbd data-testid="hotkey-current" aria-label={spokenAccelerator(current, os)}>
              {formatAccelerator(current, os)}
            </kbd>
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
                <kbd aria-label={spokenAccelerator(candidate, os)}>{formatAccelerator(candidate, os)}</kbd>{' '}
                {check ? check.ok ? <span className="ok">can be used</span> : <span className="error-text">{formatHotkeysIn(check.reason ?? '', os)}</span> : <span className="muted">checking…</span>}
              </p>
              {check?.warnings.map((w) => (
                <p key={w} className="warn small">
                  {formatHotkeysIn(w, os)}
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
            <p className={result.ok ? 'ok' : 'error-text'} role={result.ok ? 'status' : 'alert'} data-testid="hotkey-result">
              {result.text}
            </p>
          )}
          {hk && hk.problems.length > 0 && (
            <div className="warn small">
              {hk.problems.map((p) => (
                <p key={p.code}>
                  <CommandText text={formatHotkeysIn(p.message, os)} />
                </p>
              ))}
              {!hk.holdAvailable && (
                <p>
                  Bind <code className="command">{hk.commands.toggle}</code> in your desktop&apos;s keyboard settings to toggle talking.
                </p>
              )}
            </div>
          )}
        </div>
      </section>
    </>
  )
}

const COMMAND_IN_TEXT = /("?)((?:[^\s"]*earshot[^\s"]*\s)?--(?:toggle|ptt-down|ptt-up|show))\1/gi

/**
 * Help text with the commands a user types (`earshot --toggle`) kept whole: each one is a <code>
 * that never breaks across lines (and scrolls rather than being cut off in a narrow window).
 */
export function CommandText({ text }: { text: string }) {
  const parts: Array<string | { command: string }> = []
  let last = 0
  for (const match of text.matchAll(COMMAND_IN_TEXT)) {
    const at = match.index ?? 0
    if (at > last) parts.push(text.slice(last, at))
    parts.push({ command: match[2] as string })
    last = at + match[0].length
  }
  if (last < text.length) parts.push(text.slice(last))
  return (
    <>
      {parts.map((part, i) =>
        typeof part === 'string' ? (
          part
        ) : (
          <code key={i} className="command">
            {part.command}
          </code>
        ),
      )}
    </>
  )
}

const RISK_LABEL: Record<ToolRisk, string> = {
  read: 'Reads only',
  write: 'Changes your computer',
  external: 'Reaches outside your computer',
}

/** Names people read, for the built-in tools; other tools (MCP servers) show their own name. */
const TOOL_TITLE: Record<string, string> = {
  get_current_time: 'Tell the time',
  set_timer: 'Set a timer',
  cancel_timer: 'Cancel a timer',
  list_timers: 'List timers',
  take_note: 'Take a note',
  list_notes: 'List notes',
  read_note: 'Read a note',
  search_files: 'Search files',
  open_url: 'Open a web page',
  launch_application: 'Open an app',
  read_clipboard: 'Read the clipboard',
  write_clipboard: 'Copy to the clipboard',
  get_system_info: 'Describe this computer',
}

export function toolTitle(name: string): string {
  return TOOL_TITLE[name] ?? name.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase())
}

type Permission = 'ask' | 'always' | 'off'

function ToolPermissions({ view, tools, run }: { view: ToolSettingsView; tools: ToolDescriptor[]; run: (p: Promise<ToolSettingsView>) => void }) {
  return (
    <ul className="plain tool-list" data-testid="tool-permissions">
      {tools.map((tool) => {
        const value: Permission = view.disabled.includes(tool.name) ? 'off' : view.alwaysAllow.includes(tool.name) ? 'always' : 'ask'
        const id = `perm-${tool.name}`
        const askLabel = tool.risk === 'read' ? 'Allowed' : 'Ask every time'
        const hint =
          value === 'always'
            ? 'Runs without asking (you chose "Always allow" on a request). "Ask every time" withdraws it.'
            : tool.risk === 'read'
              ? 'Runs without asking: it only reads.'
              : tool.risk === 'external'
                ? 'Always asks: it reaches outside your computer.'
                : '"Always allow" is chosen on a request, not here.'
        return (
          <li key={tool.name} className="tool-row" data-tool={tool.name}>
            <div className="tool-row-text">
              <label htmlFor={id} className="tool-title">
                {toolTitle(tool.name)}
              </label>
              <span className={`badge risk-${tool.risk}`}>{RISK_LABEL[tool.risk]}</span>
              <span className="muted small" id={`${id}-hint`}>
                {hint}
              </span>
            </div>
            <select
              id={id}
              value={value}
              aria-describedby={`${id}-hint`}
              data-testid="tool-permission"
              onChange={(e) => {
                const next = e.target.value as Permission
                if (next === 'ask' || next === 'off') run(window.earshot.tools.setPermission({ name: tool.name, permission: next }))
              }}
            >
              <option value="ask">{askLabel}</option>
              {(tool.risk === 'write' || value === 'always') && (
                <option value="always" disabled={value !== 'always'}>
                  Always allow
                </option>
              )}
              <option value="off">Off</option>
            </select>
          </li>
        )
      })}
    </ul>
  )
}

function ToolsSection({ settings }: { settings: Settings }) {
  const [view, setView] = useState<ToolSettingsView | null>(null)
  const [tools, setTools] = useState<ToolDescriptor[]>([])
  const [error, setError] = useState<string | null>(null)
  const run = useCallback((p: Promise<ToolSettingsView>) => {
    p.then(
      (v) => {
        setView(v)
        setError(null)
      },
      (err: unknown) => setError(errorText(err)),
    )
  }, [])
  // The permissions live in settings, so a change from anywhere (a card's "Always allow") shows here.
  useEffect(() => run(window.earshot.tools.settings()), [run, settings.tools])
  useEffect(() => {
    window.earshot.tools.list().then(setTools, (err: unknown) => setError(errorText(err)))
  }, [])
  if (!view) return null
  return (
    <>
      <section className="card" aria-labelledby="tools-heading">
        <h2 id="tools-heading">What Earshot may do</h2>
        <p className="muted small">Requests you do not answer are denied after {view.confirmTimeoutSeconds} seconds.</p>
        <ToolPermissions view={view} tools={tools} run={run} />
      </section>
      {/*
        SLOT (MCP servers): the mcp helper's <McpServers /> from ./settings/McpServers.tsx mounts
        here, inside this element, as its own <section className="card">. Nothing renders here
        until it lands.
      */}
      <div data-slot="mcp-servers">
        <McpServers />
      </div>
      <section className="card" aria-labelledby="folders-heading">
        <h2 id="folders-heading">Folders Earshot may search</h2>
        {view.searchFolders.length === 0 && <p className="muted small">None yet.</p>}
        <ul className="plain">
          {view.searchFolders.map((path) => (
            <li key={path} className="row">
              <code className="path">{path}</code>
              <button type="button" className="secondary" aria-label={`Remove ${path}`} onClick={() => run(window.earshot.tools.removeSearchFolder({ path }))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
        <button type="button" className="secondary" onClick={() => run(window.earshot.tools.addSearchFolder())}>
          Add a folder…
        </button>
        <h3>Notes folder</h3>
        <p>
          <code className="path">{view.notesFolderInUse}</code>
        </p>
        <div className="row">
          <button type="button" className="secondary" onClick={() => run(window.earshot.tools.chooseNotesFolder())}>
            Choose…
          </button>
          {view.notesFolder !== null && (
            <button type="button" className="secondary" onClick={() => run(window.earshot.tools.resetNotesFolder())}>
              Use the default
            </button>
          )}
        </div>
      </section>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </>
  )
}

function AuditLog() {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const load = useCallback(() => {
    window.earshot.tools.audit({ limit: 50 }).then(setEntries, (err: unknown) => setError(errorText(err)))
  }, [])
  useEffect(() => load(), [load])
  useEffect(() => window.earshot.on('tools:pending', () => load()), [load])
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

function PrivacySection({ settings, keys }: { settings: Settings; keys: KeyStatus }) {
  return (
    <>
      <section className="card" aria-labelledby="leaves-heading">
        <h2 id="leaves-heading">What leaves this computer</h2>
        <ul className="bullets">
          <li>
            Your voice goes to {PROVIDER_LABELS[settings.provider].replace(/ \(.*\)$/, '')}
            {providerOf(settings.provider).local ? ' (a simulator on this computer: nothing leaves it)' : ''}, and only while Earshot listens:{' '}
            {settings.alwaysListening ? 'always listening is on' : 'while you use the hotkey or the talk button'}.
          </li>
          <li>
            API keys stay in Earshot&apos;s background process, {keys.encryptionAvailable ? 'encrypted by your system keyring' : 'in memory (your system has no keyring)'}; the windows never
            see them.
          </li>
          <li>Tools that change your computer or reach outside it ask you first; every tool call is kept in the activity log below, on this computer.</li>
        </ul>
      </section>
      {/*
        SLOT (history): the history helper's conversation-history settings mount here, inside
        this element, as their own <section className="card">. Nothing renders here until then.
      */}
      <div data-slot="history-settings" />
      <AuditLog />
    </>
  )
}

function AboutSection({ settings, desktop, info }: { settings: Settings; desktop: DesktopStatus | null; info: AppInfo | null }) {
  const [error, setError] = useState<string | null>(null)
  const login = desktop?.launchAtLogin
  return (
    <section className="card" aria-labelledby="app-heading">
      <h2 id="app-heading">Earshot {info ? info.version : ''}</h2>
      <p className="muted">A voice assistant for your desktop: hold a hotkey in any app, talk, and it answers aloud and acts on your computer when you allow it.</p>
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

/** The control that fixes what a section is opened for. */
const SECTION_FOCUS: Partial<Record<SettingsSection, string>> = { provider: KEY_INPUT_ID, audio: MIC_SELECT_ID }

/** The section a #settings/<section> route names (Provider when it names none). */
export function sectionFromHash(hash: string): SettingsSection {
  const name = hash.replace(/^#settings\/?/, '')
  return (SETTINGS_SECTIONS as readonly string[]).includes(name) ? (name as SettingsSection) : 'provider'
}

/** The settings window (route #settings). */
export function SettingsWindow() {
  const [settings, setSettings] = useState<Settings | null>(null)
  const [keys, setKeys] = useState<KeyStatus | null>(null)
  const [desktop, setDesktop] = useState<DesktopStatus | null>(null)
  const [info, setInfo] = useState<AppInfo | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [section, setSection] = useState<SettingsSection>(() => sectionFromHash(location.hash))
  // Opened at a named section (a fix from the voice window: "Re-enter the API key", "Pick another
  // microphone"): focus goes to the control that fixes it, or else the section's heading.
  const [focusRequest, setFocusRequest] = useState(() => (/^#settings\/./.test(location.hash) ? 1 : 0))
  const heading = useRef<HTMLHeadingElement>(null)

  useEffect(() => {
    const api = window.earshot
    let live = true
    document.title = 'Earshot Settings'
    Promise.all([api.settings.get(), api.keys.status()])
      .then(([s, k]) => {
        if (!live) return
        setSettings(s)
        setKeys(k)
      })
      .catch((error: unknown) => live && setLoadError(errorText(error)))
    api.app.info().then((i) => live && setInfo(i), () => {})
    api.desktop.status().then((d) => live && setDesktop(d), () => {})
    const offs = [
      api.on('settings:changed', setSettings),
      api.on('keys:changed', setKeys),
      api.on('desktop:status', setDesktop),
      api.on('app:settingsSection', ({ section: next }) => {
        setSection(next)
        setFocusRequest((n) => n + 1)
      }),
    ]
    return () => {
      live = false
      offs.forEach((off) => off())
    }
  }, [])

  useEffect(() => history.replaceState(null, '', `#settings/${section}`), [section])
  const loaded = settings !== null && keys !== null
  useEffect(() => {
    if (!loaded || focusRequest === 0) return
    const target = SECTION_FOCUS[section]
    ;(document.getElementById(target ?? '') ?? heading.current)?.focus()
    // Only a new request moves focus (not every change of section from the sidebar).
  }, [loaded, focusRequest])

  if (loadError) {
    return (
      <main className="shell">
        <p role="alert" className="notice error">
          Earshot could not open its settings: {loadError}
        </p>
      </main>
    )
  }
  if (!settings || !keys) {
    return (
      <main className="shell" aria-busy="true">
        <p className="muted">Opening settings…</p>
      </main>
    )
  }
  const platform = info?.platform ?? 'other'
  return (
    <div className="settings-window" data-testid="settings-window">
      <nav className="settings-nav" aria-label="Settings sections">
        <ul className="plain">
          {SETTINGS_SECTIONS.map((id) => (
            <li key={id}>
              <button type="button" className={`nav-item${id === section ? ' current' : ''}`} aria-current={id === section ? 'page' : undefined} data-section={id} onClick={() => setSection(id)}>
                {SECTION_LABELS[id]}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main className="settings-main" aria-labelledby="section-heading" data-testid="settings" data-section={section}>
        <h1 id="section-heading" ref={heading} tabIndex={-1}>
          {SECTION_LABELS[section]}
        </h1>
        {section === 'provider' && <ProviderSection settings={settings} keys={keys} />}
        {section === 'voice' && <VoiceSection settings={settings} />}
        {section === 'audio' && <AudioSection settings={settings} />}
        {section === 'ptt' && <PttSection settings={settings} desktop={desktop} platform={platform} />}
        {section === 'tools' && <ToolsSection settings={settings} />}
        {section === 'privacy' && <PrivacySection settings={settings} keys={keys} />}
        {section === 'about' && <AboutSection settings={settings} desktop={desktop} info={info} />}
      </main>
    </div>
  )
}


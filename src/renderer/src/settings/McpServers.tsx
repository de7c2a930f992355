import { useEffect, useRef, useState, type FormEvent } from 'react'
import type { McpServerConfig, McpServerState } from '../../../shared/mcp/types'
import type { ToolRisk } from '../../../shared/tools/types'

/**
 * Settings: MCP servers. The page proposes; main decides: adding, changing or importing a server
 * (and letting a tool run without asking) opens a dialog in the main process, so nothing here can
 * make Earshot run a command on its own. Tokens go to main and never come back.
 */

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

const STATUS_TEXT: Record<McpServerState['status'], string> = {
  disabled: 'Off',
  starting: 'Starting…',
  running: 'Running',
  failed: 'Not running',
  restarting: 'Restarting…',
  stopped: 'Stopped',
}

const RISK_TEXT: Record<ToolRisk, string> = { read: 'Runs at once', write: 'Asks first', external: 'Asks first (leaves this computer)' }

interface Draft {
  transport: 'stdio' | 'http'
  name: string
  command: string
  args: string
  env: string
  cwd: string
  url: string
  token: string
}

const EMPTY: Draft = { transport: 'stdio', name: '', command: '', args: '', env: '', cwd: '', url: '', token: '' }

function draftOf(config: McpServerConfig): Draft {
  if (config.transport === 'http') return { ...EMPTY, transport: 'http', name: config.name, url: config.url }
  return {
    ...EMPTY,
    name: config.name,
    command: config.command,
    args: config.args.join('\n'),
    env: Object.entries(config.env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    cwd: config.cwd ?? '',
  }
}

/** The form as a proposal main validates again; one argument / one KEY=VALUE per line. */
function proposalOf(d: Draft) {
  if (d.transport === 'http') return { name: d.name.trim(), transport: 'http' as const, url: d.url.trim() }
  const env: Record<string, string> = {}
  for (const line of d.env.split('\n')) {
    if (!line.trim()) continue
    const eq = line.indexOf('=')
    if (eq <= 0) throw new Error(`"${line}" is not KEY=VALUE.`)
    env[line.slice(0, eq).trim()] = line.slice(eq + 1)
  }
  return {
    name: d.name.trim(),
    transport: 'stdio' as const,
    command: d.command.trim(),
    args: d.args.split('\n').filter((a) => a !== ''),
    env,
    cwd: d.cwd.trim() === '' ? null : d.cwd.trim(),
  }
}

function ServerForm({ initial, editing, onDone }: { initial: Draft; editing: string | null; onDone: (states: McpServerState[] | null) => void }) {
  const [d, setD] = useState<Draft>(initial)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const set = (k: keyof Draft) => (e: { target: { value: string } }) => setD({ ...d, [k]: e.target.value })
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    try {
      const server = proposalOf(d)
      const token = d.transport === 'http' && d.token.trim() ? d.token.trim() : undefined
      const states = editing === null ? await window.earshot.mcp.add({ server, ...(token ? { token } : {}) }) : await window.earshot.mcp.update({ name: editing, server, ...(token ? { token } : {}) })
      onDone(states)
    } catch (err) {
      setError(message(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className="mcp-form" onSubmit={(e) => void submit(e)} aria-label={editing === null ? 'Add an MCP server' : `Edit ${editing}`}>
      <label>
        Name <input value={d.name} onChange={set('name')} required maxLength={64} />
      </label>
      <label>
        Kind{' '}
        <select value={d.transport} onChange={set('transport')}>
          <option value="stdio">Program (stdio)</option>
          <option value="http">Web address (Streamable HTTP)</option>
        </select>
      </label>
      {d.transport === 'stdio' ? (
        <>
          <label>
            Command <input value={d.command} onChange={set('command')} required placeholder="npx" />
          </label>
          <label>
            Arguments, one per line <textarea value={d.args} onChange={set('args')} rows={3} />
          </label>
          <label>
            Environment, KEY=VALUE per line <textarea value={d.env} onChange={set('env')} rows={2} />
          </label>
          <label>
            Working folder (optional) <input value={d.cwd} onChange={set('cwd')} />
          </label>
        </>
      ) : (
        <>
          <label>
            URL <input value={d.url} onChange={set('url')} required placeholder="https://…/mcp" />
          </label>
          <label>
            Bearer token (optional, kept with your keys) <input type="password" value={d.token} onChange={set('token')} autoComplete="off" />
          </label>
        </>
      )}
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={busy}>
          {editing === null ? 'Add…' : 'Save…'}
        </button>
        <button type="button" className="secondary" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
      <p className="muted small">Earshot asks you to confirm in a system dialog before it runs or connects to anything.</p>
    </form>
  )
}

function ServerCard({ state, config, onStates, onError }: { state: McpServerState; config: McpServerConfig | undefined; onStates: (s: McpServerState[]) => void; onError: (e: string) => void }) {
  const [editing, setEditing] = useState(false)
  const act = (p: Promise<McpServerState[]>) => p.then(onStates, (err: unknown) => onError(message(err)))
  // The On box shows the click at once, while main stops or starts the server (which takes a
  // while), and then main's answer: the states it sends back, or, when it refused, what was before.
  // Only the answer to the last click settles it.
  const [wantOn, setWantOn] = useState<boolean | null>(null)
  const clicks = useRef(0)
  const on = wantOn ?? state.enabled
  const setEnabled = (enabled: boolean) => {
    const click = ++clicks.current
    setWantOn(enabled)
    const settle = () => {
      if (clicks.current === click) setWantOn(null)
    }
    void window.earshot.mcp.setEnabled({ name: state.name, enabled }).then(
      (states) => {
        settle()
        onStates(states)
      },
      (err: unknown) => {
        settle()
        onError(message(err))
      },
    )
  }
  return (
    <li className="mcp-server" data-testid="mcp-server" data-name={state.name} data-status={state.status}>
      <div className="row">
        <strong>{state.name}</strong>
        <span className={`badge badge-${state.status}`} data-testid="mcp-status">
          {STATUS_TEXT[state.status]}
        </span>
        <code className="small">{state.target}</code>
      </div>
      {state.error && (
        <p className="error small" data-testid="mcp-error">
          {state.error}
        </p>
      )}
      {state.stderrTail && (
        <details>
          <summary className="small">Server output</summary>
          <pre className="small" data-testid="mcp-stderr">
            {state.stderrTail}
          </pre>
        </details>
      )}
      <div className="row">
        <label className="small">
          <input type="checkbox" checked={on} aria-busy={wantOn !== null} onChange={(e) => setEnabled(e.target.checked)} /> On
        </label>
        <button type="button" className="secondary" onClick={() => void act(window.earshot.mcp.restart({ name: state.name }))} disabled={!on || wantOn !== null}>
          Restart
        </button>
        <button type="button" className="secondary" onClick={() => setEditing(!editing)} disabled={!config}>
          Edit
        </button>
        <button type="button" className="danger" onClick={() => void act(window.earshot.mcp.remove({ name: state.name }))}>
          Remove
        </button>
      </div>
      {editing && config && (
        <ServerForm
          initial={draftOf(config)}
          editing={state.name}
          onDone={(s) => {
            setEditing(false)
            if (s) onStates(s)
          }}
        />
      )}
      {state.tools.length > 0 && (
        <ul className="plain mcp-tools" data-testid="mcp-tools">
          {state.tools.map((tool) => (
            <li key={tool.name} data-testid="mcp-tool" data-name={tool.name}>
              <code>{tool.name}</code> <span className="muted small">{tool.description.slice(0, 140)}</span>{' '}
              <select
                aria-label={`When ${tool.name} runs`}
                value={tool.overridden ? tool.risk : ''}
                onChange={(e) => void act(window.earshot.mcp.setRisk({ tool: tool.name, risk: e.target.value === '' ? null : (e.target.value as ToolRisk) }))}
              >
                <option value="">{`As the server says: ${RISK_TEXT[tool.annotatedRisk]}`}</option>
                <option value="read">{RISK_TEXT.read}</option>
                <option value="write">{RISK_TEXT.write}</option>
                <option value="external">{RISK_TEXT.external}</option>
              </select>
              {!tool.allowAlways && <span className="muted small"> (may change or delete things: asked every time)</span>}
            </li>
          ))}
        </ul>
      )}
      {state.skipped.length > 0 && (
        <ul className="plain small" data-testid="mcp-skipped">
          {state.skipped.map((s) => (
            <li key={s.tool}>
              Left out: <code>{s.tool}</code>: {s.reason}
            </li>
          ))}
        </ul>
      )}
    </li>
  )
}

export function McpServers() {
  const [states, setStates] = useState<McpServerState[] | null>(null)
  const [configs, setConfigs] = useState<McpServerConfig[]>([])
  const [adding, setAdding] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [note, setNote] = useState<string | null>(null)
  useEffect(() => {
    void window.earshot.mcp.servers().then(setStates, (err: unknown) => setError(message(err)))
    void window.earshot.settings.get().then((s) => setConfigs(s.mcp.servers), () => {})
    const offStates = window.earshot.on('mcp:servers', setStates)
    const offSettings = window.earshot.on('settings:changed', (s) => setConfigs(s.mcp.servers))
    return () => {
      offStates()
      offSettings()
    }
  }, [])
  const importConfig = async () => {
    try {
      const result = await window.earshot.mcp.import()
      setStates(result.servers)
      setNote([result.added.length ? `Added ${result.added.join(', ')}.` : '', ...result.problems].filter(Boolean).join(' ') || null)
      setError(null)
    } catch (err) {
      setError(message(err))
    }
  }
  if (!states) return null
  return (
    <section className="card" aria-labelledby="mcp-heading" data-testid="mcp-servers">
      <h2 id="mcp-heading">MCP servers</h2>
      <p className="muted small">
        Tools from Model Context Protocol servers, with the same confirmations as Earshot&apos;s own. OpenAI and AssemblyAI get a changed tool list at once; Speko from the next
        conversation.
      </p>
      {states.length === 0 ? (
        <p className="muted small">No MCP servers yet.</p>
      ) : (
        <ul className="plain">
          {states.map((s) => (
            <ServerCard key={s.name} state={s} config={configs.find((c) => c.name === s.name)} onStates={setStates} onError={setError} />
          ))}
        </ul>
      )}
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
      {note && <p className="small">{note}</p>}
      {adding ? (
        <ServerForm
          initial={EMPTY}
          editing={null}
          onDone={(s) => {
            setAdding(false)
            if (s) setStates(s)
          }}
        />
      ) : (
        <div className="row">
          <button type="button" className="secondary" onClick={() => setAdding(true)}>
            Add a server…
          </button>
          <button type="button" className="secondary" onClick={() => void importConfig()}>
            Import from Claude Desktop…
          </button>
        </div>
      )}
    </section>
  )
}

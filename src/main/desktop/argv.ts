/**
 * Commands for the running instance: `earshot --toggle`, `--ptt-down`, `--ptt-up` (and `--show`).
 * The user binds them in the desktop's own shortcut settings where apps cannot watch global keys
 * (Wayland); a second launch hands its argv to the first through the single-instance lock.
 */
export type InstanceCommand = 'toggle' | 'ptt-down' | 'ptt-up' | 'show'

const FLAGS: Record<string, InstanceCommand> = {
  '--toggle': 'toggle',
  '--ptt-down': 'ptt-down',
  '--ptt-up': 'ptt-up',
  '--show': 'show',
}

export type ParsedArgv = { ok: true; command: InstanceCommand | null } | { ok: false; error: string }

/**
 * Finds the one Earshot command in an argv. Chromium and the OS add their own switches
 * (`--allow-file-access-from-files`, `--original-process-start-time=...`, a `-psn_...` on old
 * macOS, the app path), so unknown `--` switches are ignored; two different Earshot commands
 * in one argv are an error, and no command means "just show the window".
 */
export function parseInstanceArgv(argv: readonly unknown[]): ParsedArgv {
  if (!Array.isArray(argv) || argv.length > 200) return { ok: false, error: 'argv is not a short list' }
  const found = new Set<InstanceCommand>()
  for (const arg of argv) {
    if (typeof arg !== 'string' || arg.length > 4096) continue
    const command = FLAGS[arg.trim().toLowerCase()]
    if (command) found.add(command)
  }
  if (found.size > 1) return { ok: false, error: `conflicting commands: ${[...found].map((c) => `--${c}`).join(' ')}` }
  const [command] = found
  return { ok: true, command: command ?? null }
}

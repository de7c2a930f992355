import type { TrayState } from '../../shared/ipc/channels/desktop'
import { formatAccelerator, hotkeyPlatform } from '../../shared/ptt/format'

/** What the tray shows, from what is going on. Pure. */
export interface TrayInputs {
  /** The renderer's session status (normalised S2S statuses). */
  session: 'idle' | 'connecting' | 'ready' | 'listening' | 'thinking' | 'speaking' | 'reconnecting' | 'error'
  sessionError: string | null
  /** Push-to-talk has the microphone open. */
  capturing: boolean
  alwaysListening: { enabled: boolean; active: boolean; pausedFor: 'suspend' | 'lock-screen' | null }
  /** Always-listening's speech gate is open (audio streams to the provider); closed, nothing leaves. */
  gateOpen?: boolean
  /** A wake phrase is required before always-listening streams anything. */
  wakePhrase?: boolean
  muted: boolean
  /** The microphone is denied or missing. */
  microphoneProblem: boolean
}

/**
 * Precedence: error > muted > speaking > listening (audio is streaming: a press, or always-
 * listening's gate open) > standby (always-listening hears locally; nothing leaves) > idle.
 */
export function trayState(inputs: TrayInputs): TrayState {
  if (inputs.session === 'error' || inputs.microphoneProblem) return 'error'
  if (inputs.muted) return 'muted'
  if (inputs.session === 'speaking') return 'speaking'
  if (inputs.capturing || inputs.session === 'listening' || (inputs.alwaysListening.active && inputs.gateOpen === true)) return 'listening'
  if (inputs.alwaysListening.active) return 'standby'
  return 'idle'
}

export function trayTooltip(inputs: TrayInputs): string {
  const state = trayState(inputs)
  const always = inputs.alwaysListening
  const suffix = always.pausedFor ? ' (always listening paused while the computer is locked or asleep)' : always.enabled && always.active ? ' (always listening)' : ''
  switch (state) {
    case 'error':
      return inputs.microphoneProblem ? 'Earshot: the microphone is not available' : `Earshot: ${inputs.sessionError ?? 'something went wrong'}`
    case 'muted':
      return 'Earshot: microphone muted'
    case 'speaking':
      return `Earshot: speaking${suffix}`
    case 'listening':
      return `Earshot: hearing you${suffix}`
    case 'standby':
      return `Earshot: listening locally; nothing leaves this computer until ${inputs.wakePhrase ? 'you say the wake phrase' : 'someone speaks'}`
    case 'idle':
      return `Earshot${suffix}`
  }
}

/** Icon file names in resources/icons for a state (see resources/make-icons.mjs). */
export function trayIconFile(state: TrayState, platform: NodeJS.Platform): string {
  // macOS menu-bar icons are template images (black + alpha; the system tints them), and the file
  // name must end in "Template" for Electron to treat it so. The @2x sibling is picked up by
  // nativeImage automatically. Error keeps its colour on macOS so it stands out.
  if (platform === 'darwin') return state === 'error' ? 'tray-error-16.png' : `tray-${state}Template.png`
  // Windows draws tray icons at 16 px (32 px at 200 %); GNOME/KDE at 22-24 px and scale up fine from 32.
  return platform === 'win32' ? `tray-${state}-16.png` : `tray-${state}-32.png`
}

export type MenuAction = 'talk' | 'toggle-always-listening' | 'toggle-mute' | 'show-window' | 'show-companion' | 'open-settings' | 'quit'

export type MenuItemModel =
  | { type: 'item'; id: MenuAction; label: string; enabled: boolean }
  | { type: 'checkbox'; id: MenuAction; label: string; checked: boolean; enabled: boolean }
  | { type: 'separator' }
  | { type: 'status'; label: string }

/**
 * The tray menu as data; the Electron adapter only renders it and routes clicks by id. The hotkey
 * is shown the way the OS writes it (⌘⇧Space, Ctrl+Shift+Space), never as an accelerator.
 */
export function trayMenu(inputs: TrayInputs & { accelerator: string; platform?: string }): MenuItemModel[] {
  const talking = inputs.capturing
  const state = trayState(inputs)
  const hotkey = inputs.accelerator ? formatAccelerator(inputs.accelerator, hotkeyPlatform(inputs.platform ?? process.platform)) : ''
  return [
    { type: 'status', label: trayTooltip(inputs) },
    { type: 'separator' },
    {
      type: 'item',
      id: 'talk',
      label: talking ? 'Stop talking' : `Talk${hotkey ? ` (${hotkey})` : ''}`,
      enabled: talking || (!inputs.muted && !inputs.microphoneProblem),
    },
    { type: 'checkbox', id: 'toggle-always-listening', label: 'Always listening', checked: inputs.alwaysListening.enabled, enabled: !inputs.microphoneProblem || inputs.alwaysListening.enabled },
    { type: 'checkbox', id: 'toggle-mute', label: 'Mute microphone', checked: inputs.muted, enabled: true },
    { type: 'separator' },
    { type: 'item', id: 'show-window', label: 'Show Earshot', enabled: true },
    { type: 'item', id: 'show-companion', label: 'Show live transcript', enabled: true },
    { type: 'item', id: 'open-settings', label: state === 'error' ? 'Settings (fix the problem)…' : 'Settings…', enabled: true },
    { type: 'separator' },
    { type: 'item', id: 'quit', label: 'Quit Earshot', enabled: true },
  ]
}

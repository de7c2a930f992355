import { z } from 'zod'
import { PushToTalkModeSchema } from '../../settings/schema'

/**
 * Desktop integration: push-to-talk, the hotkey, the tray state, always-listening, the microphone
 * permission, launch at login and updates. Main owns all of it; the renderer reports the session
 * status (the session runs in the renderer) and receives push-to-talk commands.
 */

/**
 * What the tray shows. `standby`: always-listening hears locally and nothing leaves the computer;
 * `listening`: audio is streaming to the provider (push-to-talk held, or the speech gate open).
 */
export const TrayStateSchema = z.enum(['idle', 'standby', 'listening', 'speaking', 'muted', 'error'])
export type TrayState = z.infer<typeof TrayStateSchema>

export const PttPhaseSchema = z.enum(['idle', 'pressed', 'latched', 'releasing'])

/** Main's push-to-talk machine reports capture edges only; the renderer's Conversation does the rest. */
export const PttCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start-capture') }),
  z.object({ type: z.literal('stop-capture'), reason: z.enum(['key-up', 'toggle', 'watchdog', 'mode-change', 'hand-over', 'muted', 'session-ended', 'cancel']) }),
  z.object({ type: z.literal('blocked'), reason: z.literal('muted') }),
])
export type PttCommand = z.infer<typeof PttCommandSchema>

export const PttStatusSchema = z.object({
  phase: PttPhaseSchema,
  capturing: z.boolean(),
  mode: PushToTalkModeSchema,
})
export type PttStatus = z.infer<typeof PttStatusSchema>

export const HotkeyProblemSchema = z.object({
  code: z.enum([
    'invalid', 'no-display', 'wayland', 'unreachable', 'refused', 'no-record-extension', 'accessibility',
    'unsupported-key', 'conflict', 'load-failed', 'unsupported-platform',
  ]),
  message: z.string(),
})
export type HotkeyProblem = z.infer<typeof HotkeyProblemSchema>

export const HotkeyStatusSchema = z.object({
  accelerator: z.string(),
  mode: PushToTalkModeSchema,
  /** The backend that watches the hotkey now; 'none' when no backend could take it. */
  backend: z.enum(['uiohook', 'globalShortcut', 'none']),
  /** Key-up is reported, so Hold and Auto work; otherwise the hotkey toggles. */
  holdAvailable: z.boolean(),
  problems: z.array(HotkeyProblemSchema),
  warnings: z.array(z.string()),
  /** The commands a user can bind in the desktop's own shortcut settings. */
  commands: z.object({ toggle: z.string(), down: z.string(), up: z.string() }),
})
export type HotkeyStatus = z.infer<typeof HotkeyStatusSchema>

export const MicrophoneStatusSchema = z.object({
  state: z.enum(['granted', 'denied', 'restricted', 'not-determined', 'missing', 'unknown']),
  /** What is wrong, for the user; null when the microphone is usable. */
  message: z.string().nullable(),
  /** How to fix it on this OS; null when there is nothing to fix. */
  fix: z.string().nullable(),
  /** A settings page Earshot can open (macOS privacy pane, Windows ms-settings URI). */
  settingsUrl: z.string().nullable(),
})
export type MicrophoneStatus = z.infer<typeof MicrophoneStatusSchema>

export const AlwaysListeningStatusSchema = z.object({
  /** The user turned it on (and it was not switched off by an error). */
  enabled: z.boolean(),
  /** The microphone is open for it right now (enabled, not paused, not muted). */
  active: z.boolean(),
  pausedFor: z.enum(['suspend', 'lock-screen']).nullable(),
  /** Why it was switched off, when it was switched off for the user. */
  offReason: z.string().nullable(),
})
export type AlwaysListeningStatus = z.infer<typeof AlwaysListeningStatusSchema>

export const LoginItemStatusSchema = z.object({
  enabled: z.boolean(),
  supported: z.boolean(),
  error: z.string().nullable(),
})

export const UpdateStatusSchema = z.object({
  state: z.enum(['idle', 'checking', 'available', 'downloading', 'ready', 'up-to-date', 'error', 'disabled']),
  version: z.string().nullable(),
  progress: z.number().min(0).max(100).nullable(),
  message: z.string().nullable(),
})
export type UpdateStatus = z.infer<typeof UpdateStatusSchema>

export const DesktopStatusSchema = z.object({
  ptt: PttStatusSchema,
  hotkey: HotkeyStatusSchema,
  tray: z.object({ state: TrayStateSchema, tooltip: z.string() }),
  alwaysListening: AlwaysListeningStatusSchema,
  muted: z.boolean(),
  microphone: MicrophoneStatusSchema,
  launchAtLogin: LoginItemStatusSchema,
})
export type DesktopStatus = z.infer<typeof DesktopStatusSchema>

/** Session status as the renderer reports it (the normalised S2S model's statuses). */
export const ReportedSessionSchema = z.object({
  status: z.enum(['idle', 'connecting', 'ready', 'listening', 'thinking', 'speaking', 'reconnecting', 'error']),
  error: z.string().max(500).nullable().default(null),
  /** Always-listening's speech gate is open: what the microphone hears is streaming to the provider. */
  gateOpen: z.boolean().default(false),
})

export const HotkeyCheckSchema = z.object({
  ok: z.boolean(),
  accelerator: z.string().nullable(),
  reason: z.string().nullable(),
  warnings: z.array(z.string()),
})

export const desktopChannels = {
  'desktop:status': { input: z.undefined(), output: DesktopStatusSchema },
  /** Validates a captured hotkey without applying it (the settings UI's live check). */
  'desktop:checkHotkey': { input: z.object({ accelerator: z.string().max(100) }), output: HotkeyCheckSchema },
  /** Applies and saves a hotkey and mode; an invalid hotkey is refused and the old one kept. */
  'desktop:setHotkey': {
    input: z.object({ accelerator: z.string().max(100), mode: PushToTalkModeSchema.optional() }),
    output: z.object({ ok: z.boolean(), reason: z.string().nullable(), status: DesktopStatusSchema }),
  },
  /** Tries the hold-to-talk backend again (after granting Accessibility, say). */
  'desktop:retryHotkey': { input: z.undefined(), output: DesktopStatusSchema },
  /** The window's talk button: press and release, or a toggle. */
  'desktop:talk': { input: z.object({ action: z.enum(['down', 'up', 'toggle', 'cancel']) }), output: PttStatusSchema },
  /** The renderer's session status (drives the tray icon and push-to-talk's buffering). */
  'desktop:reportSession': { input: ReportedSessionSchema, output: z.undefined() },
  'desktop:setAlwaysListening': { input: z.object({ enabled: z.boolean() }), output: DesktopStatusSchema },
  'desktop:setMuted': { input: z.object({ muted: z.boolean() }), output: DesktopStatusSchema },
  /** Asks the OS for microphone access where it has a prompt (macOS); returns the outcome. */
  'desktop:requestMicrophone': { input: z.undefined(), output: MicrophoneStatusSchema },
  /** The renderer could not open a microphone (getUserMedia failed): main turns it into help. */
  'desktop:reportMicrophoneError': { input: z.object({ name: z.string().max(100) }), output: MicrophoneStatusSchema },
  /** Opens the OS page that fixes the current microphone problem (the URL is main's, never the renderer's). */
  'desktop:openMicrophoneSettings': { input: z.undefined(), output: z.undefined() },
  'desktop:showCompanion': { input: z.object({ show: z.boolean() }), output: z.undefined() },
  'desktop:updateStatus': { input: z.undefined(), output: UpdateStatusSchema },
  /** Update steps happen only when the user asks: check, download (after confirming), install. */
  'desktop:update': { input: z.object({ action: z.enum(['check', 'download', 'install', 'dismiss']) }), output: UpdateStatusSchema },
} as const

export const desktopEvents = {
  /** Push-to-talk commands for the capture pipeline and the session runtime. */
  'desktop:ptt': z.object({ commands: z.array(PttCommandSchema), status: PttStatusSchema }),
  'desktop:status': DesktopStatusSchema,
  'desktop:update': UpdateStatusSchema,
} as const

import { z } from 'zod'

export const NoticeSchema = z.object({
  id: z.string(),
  level: z.enum(['info', 'warning', 'error']),
  title: z.string(),
  message: z.string(),
})
export type Notice = z.infer<typeof NoticeSchema>

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  platform: z.enum(['darwin', 'win32', 'linux', 'other']),
})
export type AppInfo = z.infer<typeof AppInfoSchema>

/** The settings window's sections, in the order its sidebar lists them. */
export const SETTINGS_SECTIONS = ['provider', 'voice', 'audio', 'ptt', 'tools', 'privacy', 'about'] as const
export const SettingsSectionSchema = z.enum(SETTINGS_SECTIONS)
export type SettingsSection = z.infer<typeof SettingsSectionSchema>

export const appChannels = {
  'app:info': { input: z.undefined(), output: AppInfoSchema },
  /** Notices waiting for the user (a reset settings file, unavailable encryption, ...). */
  'app:notices': { input: z.undefined(), output: z.array(NoticeSchema) },
  'app:dismissNotice': { input: z.object({ id: z.string().max(200) }), output: z.array(NoticeSchema) },
  /** Opens an http(s) link in the user's browser, after validation in main. */
  'app:openExternal': { input: z.object({ url: z.string().max(2048) }), output: z.undefined() },
  /**
   * Opens (or brings forward) the settings window, at a section. During onboarding (no key and no
   * Demo) main shows the voice window instead: its key card is the one setting that matters then.
   */
  'app:openSettings': { input: z.object({ section: SettingsSectionSchema.optional() }).optional(), output: z.undefined() },
} as const

export const appEvents = {
  'app:notice': NoticeSchema,
  /** The settings window is asked to show a section (it was opened again at another one). */
  'app:settingsSection': z.object({ section: SettingsSectionSchema }),
} as const

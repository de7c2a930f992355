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

export const appChannels = {
  'app:info': { input: z.undefined(), output: AppInfoSchema },
  /** Notices waiting for the user (a reset settings file, unavailable encryption, ...). */
  'app:notices': { input: z.undefined(), output: z.array(NoticeSchema) },
  'app:dismissNotice': { input: z.object({ id: z.string().max(200) }), output: z.array(NoticeSchema) },
  /** Opens an http(s) link in the user's browser, after validation in main. */
  'app:openExternal': { input: z.object({ url: z.string().max(2048) }), output: z.undefined() },
} as const

export const appEvents = {
  'app:notice': NoticeSchema,
} as const

import type { z } from 'zod'
import { appChannels, appEvents } from './channels/app'
import { keysChannels, keysEvents } from './channels/keys'
import { settingsChannels, settingsEvents } from './channels/settings'
import { toolsChannels, toolsEvents } from './channels/tools'
import { sessionChannels } from './channels/session'
import { desktopChannels, desktopEvents } from './channels/desktop'
import { historyChannels, historyEvents } from './channels/history'
import { mcpChannels, mcpEvents } from './channels/mcp'
import { confirmChannels, confirmEvents } from './channels/confirm'
import { companionChannels, companionEvents } from './channels/companion'

/**
 * The IPC contract: every invoke channel maps to { input, output } zod schemas, every main-to-
 * renderer event to a payload schema. Channel names are `domain:action`; each domain lives in
 * ./channels/<domain>.ts and is merged here.
 */
export const channels = {
  ...appChannels,
  ...settingsChannels,
  ...keysChannels,
  ...toolsChannels,
  ...sessionChannels,
  ...desktopChannels,
  ...historyChannels,
  ...mcpChannels,
  ...confirmChannels,
  ...companionChannels,
} as const

export const events = {
  ...appEvents,
  ...settingsEvents,
  ...keysEvents,
  ...toolsEvents,
  ...desktopEvents,
  ...historyEvents,
  ...mcpEvents,
  ...confirmEvents,
  ...companionEvents,
} as const

export type Channels = typeof channels
export type ChannelName = keyof Channels
export type EventName = keyof typeof events

export type ChannelInput<C extends ChannelName> = z.input<Channels[C]['input']>
export type ChannelOutput<C extends ChannelName> = z.output<Channels[C]['output']>
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>

export function isChannelName(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name)
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name)
}

/** The IPC channel names used on the wire (namespaced so they cannot collide with Electron's). */
export const wireInvokeChannel = (name: ChannelName) => `earshot:${name}`
export const wireEventChannel = (name: EventName) => `earshot-event:${name}`

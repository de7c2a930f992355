import type { z } from 'zod'
import { channels, isChannelName, type ChannelName, type Channels } from '../../shared/ipc/contract'
import { IpcFailure, type Envelope } from '../../shared/ipc/envelope'
import { originOf } from '../../shared/security/urls'
import { isConfirmSurfaceChannel } from '../../shared/ipc/channels/confirm'

/** What main knows about the sender of an IPC message (built from Electron's IpcMainInvokeEvent). */
export interface SenderInfo {
  /** URL of the sending frame; null when the frame is gone. */
  frameUrl: string | null
  /** The message came from the top-level frame, not an iframe. */
  isMainFrame: boolean
  /** The sending webContents belongs to a window Earshot created. */
  isOwnWindow: boolean
  /** The window or frame was destroyed before the message was handled. */
  destroyed: boolean
  /**
   * Which of Earshot's surfaces sent it: the voice window and its companion ('app', the default)
   * or main's confirmation window ('confirm'), told apart by the webContents id main registered
   * when it created the window. Only 'confirm' may answer a prompt, and it may do nothing else.
   */
  surface?: 'app' | 'confirm'
}

export interface HandlerContext {
  sender: SenderInfo
}

type HandlerFor<C extends ChannelName> = (
  input: z.output<Channels[C]['input']>,
  context: HandlerContext,
) => z.input<Channels[C]['output']> | Promise<z.input<Channels[C]['output']>>

export type Handlers = { [C in ChannelName]: HandlerFor<C> }
export type PartialHandlers<K extends ChannelName> = { [C in K]: HandlerFor<C> }

export interface RouterOptions {
  handlers: Handlers
  /** Origins our renderer is served from (app://earshot in production, the dev server in dev). */
  trustedOrigins: () => readonly string[]
  log?: (line: string) => void
}

export interface IpcRouter {
  invoke(channel: unknown, sender: SenderInfo, rawInput: unknown): Promise<Envelope>
}

/** Why a sender is refused, or null when it is trusted. */
export function senderProblem(sender: SenderInfo, trustedOrigins: readonly string[]): string | null {
  if (sender.destroyed) return 'the sending window is gone'
  if (!sender.isOwnWindow) return 'the sender is not an Earshot window'
  if (!sender.isMainFrame) return 'the sender is a subframe'
  if (!sender.frameUrl) return 'the sender has no URL'
  const origin = originOf(sender.frameUrl)
  if (origin === null || !trustedOrigins.includes(origin)) return `origin ${origin ?? 'null'} is not trusted`
  return null
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ')
}

/**
 * The one door into main. Every channel goes through the same three checks: the sender is the
 * main frame of our own window on our own origin; the input parses; the output parses. Failures
 * become envelopes with a stable code; nothing throws across the bridge.
 */
export function createIpcRouter(options: RouterOptions): IpcRouter {
  const log = options.log ?? (() => {})
  return {
    async invoke(channel, sender, rawInput) {
      const problem = senderProblem(sender, options.trustedOrigins())
      if (problem) {
        log(`ipc: refused ${String(channel).slice(0, 60)}: ${problem}`)
        return { ok: false, error: { code: 'forbidden_sender', message: 'This request did not come from an Earshot window.' } }
      }
      const fromConfirm = sender.surface === 'confirm'
      if (fromConfirm !== (typeof channel === 'string' && isConfirmSurfaceChannel(channel))) {
        log(`ipc: refused ${String(channel).slice(0, 60)}: ${fromConfirm ? 'the confirmation window may only answer prompts' : 'only the confirmation window answers prompts'}`)
        return { ok: false, error: { code: 'forbidden_sender', message: 'This request did not come from the right Earshot window.' } }
      }
      if (!isChannelName(channel)) {
        return { ok: false, error: { code: 'unknown_channel', message: `There is no channel called ${String(channel).slice(0, 60)}.` } }
      }
      const contract = channels[channel]
      const input = contract.input.safeParse(rawInput)
      if (!input.success) {
        return { ok: false, error: { code: 'invalid_input', message: describe(input.error) } }
      }
      let result: unknown
      try {
        const handler = options.handlers[channel] as (input: unknown, context: HandlerContext) => unknown
        result = await handler(input.data, { sender })
      } catch (error) {
        if (error instanceof IpcFailure) return { ok: false, error: { code: error.code, message: error.message } }
        log(`ipc: ${channel} failed: ${error instanceof Error ? error.message : String(error)}`)
        return { ok: false, error: { code: 'failed', message: 'Something went wrong in Earshot. Details are in the log.' } }
      }
      const output = contract.output.safeParse(result)
      if (!output.success) {
        log(`ipc: ${channel} produced an invalid reply: ${describe(output.error)}`)
        return { ok: false, error: { code: 'invalid_output', message: 'Earshot produced an invalid reply. Details are in the log.' } }
      }
      return { ok: true, value: output.data }
    },
  }
}

import { z } from 'zod'

/**
 * Every IPC reply is an envelope, so errors cross the bridge as data with a stable code and a
 * human message, never as Electron's "Error invoking remote method" strings.
 */
export const IPC_ERROR_CODES = [
  'forbidden_sender',
  'unknown_channel',
  'invalid_input',
  'invalid_output',
  'not_found',
  'unavailable',
  'failed',
] as const
export type IpcErrorCode = (typeof IPC_ERROR_CODES)[number] | (string & {})

export const IpcErrorSchema = z.object({ code: z.string(), message: z.string() })
export type IpcError = z.infer<typeof IpcErrorSchema>

export const EnvelopeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: IpcErrorSchema }),
])
export type Envelope<T = unknown> = { ok: true; value: T } | { ok: false; error: IpcError }

/** An error a handler throws on purpose: its code and message reach the renderer as they are. */
export class IpcFailure extends Error {
  constructor(
    readonly code: IpcErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'IpcFailure'
  }
}

/** The renderer-side error thrown by bridge calls that failed. */
export class BridgeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'BridgeError'
  }
}

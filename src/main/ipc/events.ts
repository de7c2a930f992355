import { events, type EventName, type EventPayload } from '../../shared/ipc/contract'

/** Sends one event to the renderer(s). */
export type EventSend = <E extends EventName>(event: E, payload: EventPayload<E>) => void

/**
 * Main-to-renderer events go through the contract's payload schemas before they leave main, as
 * invoke replies do: keys the schema does not name are stripped, and a payload that does not fit
 * is dropped (and logged) rather than sent. The preload parses again on arrival; this side keeps
 * anything extra out of the renderer process in the first place.
 */
export function validatedEventSink(send: EventSend, log: (line: string) => void = () => {}): EventSend {
  return (event, payload) => {
    const schema = events[event]
    if (!schema) {
      log(`ipc: no event called ${String(event).slice(0, 60)}; not sent`)
      return
    }
    const parsed = schema.safeParse(payload)
    if (!parsed.success) {
      log(`ipc: event ${event} did not fit its schema; not sent`)
      return
    }
    send(event, parsed.data as EventPayload<typeof event>)
  }
}

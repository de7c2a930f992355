import '../jitless'
import { BridgeError, EnvelopeSchema } from './envelope'
import {
  channels,
  events,
  isEventName,
  type ChannelInput,
  type ChannelName,
  type ChannelOutput,
  type Channels,
  type EventName,
  type EventPayload,
} from './contract'

/**
 * The renderer's API (window.earshot), built from the contract. The preload builds it over
 * ipcRenderer; the browser test harness builds the very same object over page.exposeBinding.
 * Named functions only: no ipcRenderer, no event objects, and subscriptions return unsubscribe.
 */
export interface BridgeTransport {
  invoke(channel: ChannelName, input: unknown): Promise<unknown>
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void
}

type Namespace<C extends string> = C extends `${infer NS}:${string}` ? NS : never
type Action<C extends string, NS extends string> = C extends `${NS}:${infer A}` ? A : never
type Call<C extends ChannelName> = undefined extends ChannelInput<C>
  ? (input?: ChannelInput<C>) => Promise<ChannelOutput<C>>
  : (input: ChannelInput<C>) => Promise<ChannelOutput<C>>

export type EarshotApi = {
  [NS in Namespace<ChannelName>]: {
    [C in ChannelName as C extends `${NS}:${string}` ? Action<C, NS> : never]: Call<C>
  }
} & {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
}

export function createEarshotApi(transport: BridgeTransport): EarshotApi {
  const api: Record<string, Record<string, unknown>> = {}
  for (const name of Object.keys(channels) as ChannelName[]) {
    const [ns, action] = name.split(':') as [string, string]
    const schema = (channels as Channels)[name].input
    api[ns] ??= {}
    api[ns][action] = async (input?: unknown) => {
      const parsed = schema.safeParse(input)
      if (!parsed.success) {
        throw new BridgeError('invalid_input', parsed.error.issues.map((i) => i.message).join('; '))
      }
      const reply = EnvelopeSchema.safeParse(await transport.invoke(name, parsed.data))
      if (!reply.success) throw new BridgeError('invalid_reply', `Main sent a malformed reply on ${name}.`)
      if (!reply.data.ok) throw new BridgeError(reply.data.error.code, reply.data.error.message)
      return reply.data.value
    }
  }
  const on = (event: EventName, listener: (payload: unknown) => void) => {
    if (!isEventName(event)) throw new BridgeError('unknown_event', `There is no event called ${String(event)}.`)
    if (typeof listener !== 'function') throw new BridgeError('invalid_input', 'The listener must be a function.')
    const schema = events[event]
    return transport.subscribe(event, (payload) => {
      const parsed = schema.safeParse(payload)
      if (parsed.success) listener(parsed.data)
    })
  }
  return Object.freeze({ ...api, on }) as unknown as EarshotApi
}

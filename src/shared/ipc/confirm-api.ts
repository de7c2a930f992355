import '../jitless'
import { BridgeError, EnvelopeSchema } from './envelope'
import { confirmChannels, confirmEvents, type ConfirmChoice, type ConfirmPrompt } from './channels/confirm'

/**
 * The confirmation window's whole API (window.earshotConfirm): read the prompts, answer one,
 * hear about changes. Its preload (src/preload/index.ts with the confirmation window's argument) exposes this and nothing else; the
 * browser harness builds the same object for its confirmation page.
 */
export interface ConfirmTransport {
  invoke(channel: keyof typeof confirmChannels, input: unknown): Promise<unknown>
  subscribe(event: keyof typeof confirmEvents, listener: (payload: unknown) => void): () => void
}

export interface ConfirmApi {
  prompts(): Promise<ConfirmPrompt[]>
  answer(input: { id: string; choice: ConfirmChoice }): Promise<ConfirmPrompt[]>
  onPrompts(listener: (prompts: ConfirmPrompt[]) => void): () => void
}

export function createConfirmApi(transport: ConfirmTransport): ConfirmApi {
  const call = async <C extends keyof typeof confirmChannels>(channel: C, input: unknown): Promise<ConfirmPrompt[]> => {
    const parsed = confirmChannels[channel].input.safeParse(input)
    if (!parsed.success) throw new BridgeError('invalid_input', parsed.error.issues.map((i) => i.message).join('; '))
    const reply = EnvelopeSchema.safeParse(await transport.invoke(channel, parsed.data))
    if (!reply.success) throw new BridgeError('invalid_reply', `Main sent a malformed reply on ${channel}.`)
    if (!reply.data.ok) throw new BridgeError(reply.data.error.code, reply.data.error.message)
    const value = confirmChannels[channel].output.safeParse(reply.data.value)
    if (!value.success) throw new BridgeError('invalid_reply', `Main sent a malformed reply on ${channel}.`)
    return value.data
  }
  return Object.freeze({
    prompts: () => call('confirm:prompts', undefined),
    answer: (input: { id: string; choice: ConfirmChoice }) => call('confirm:answer', input),
    onPrompts: (listener: (prompts: ConfirmPrompt[]) => void) => {
      if (typeof listener !== 'function') throw new BridgeError('invalid_input', 'The listener must be a function.')
      return transport.subscribe('confirm:prompts', (payload) => {
        const parsed = confirmEvents['confirm:prompts'].safeParse(payload)
        if (parsed.success) listener(parsed.data)
      })
    },
  })
}

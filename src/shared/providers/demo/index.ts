/**
 * Demo: no account and no key. Main starts a local simulator (src/main/sim) that speaks one of
 * the real protocols (OpenAI unless told otherwise) on ws://127.0.0.1:<port>; nothing leaves the
 * computer and it costs nothing.
 */
import { ASSEMBLYAI_PROTOCOL } from '../assemblyai'
import { OPENAI_PROTOCOL } from '../openai'
import { SPEKO_PROTOCOL } from '../speko'
import type { ProviderDescriptor } from '../types'

export const DEMO: ProviderDescriptor<'demo'> = {
  id: 'demo',
  label: 'Demo (no account needed)',
  name: 'the Demo server',
  key: null,
  protocol: null,
  /** The protocols the local Demo server can speak (the CLI's EARSHOT_DEMO_PROTOCOL picks one). */
  protocols: [OPENAI_PROTOCOL, ASSEMBLYAI_PROTOCOL, SPEKO_PROTOCOL],
  local: true,
  models: () => null,
  voices: () => null,
  fields: ['greeting'],
  greetingHint: 'The demo speaks a fixed greeting when this is empty.',
  webrtc: () => false,
}

/**
 * Demo mode for the CLI: the local Demo server from src/main/sim (no account, no key). It speaks
 * the OpenAI protocol unless EARSHOT_DEMO_PROTOCOL names another one it speaks (the Demo
 * provider's protocols, src/shared/providers/demo).
 */
import { providerOf } from '../shared/providers'
import type { ProtocolId } from '../shared/s2s/types'
import { startDemoServer } from '../main/sim'
import type { DemoServer } from './talk'

export async function startDemo(env: Readonly<Record<string, string | undefined>> = process.env): Promise<DemoServer> {
  const wanted = env.EARSHOT_DEMO_PROTOCOL?.trim() || 'openai'
  const spoken: readonly string[] = providerOf('demo').protocols.map((protocol) => protocol.id)
  if (!spoken.includes(wanted)) {
    throw new Error(`EARSHOT_DEMO_PROTOCOL must be ${spoken.slice(0, -1).join(', ')} or ${spoken.at(-1)} (got "${wanted}")`)
  }
  const handle = await startDemoServer({ protocol: wanted as ProtocolId })
  return { protocol: handle.protocol, credential: () => handle.credential(), close: () => handle.close() }
}

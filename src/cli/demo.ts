/**
 * Demo mode for the CLI: the local Demo server from src/main/sim (no account, no key). It speaks
 * the OpenAI protocol unless EARSHOT_DEMO_PROTOCOL says assemblyai or speko.
 */
import type { ProtocolId } from '../shared/s2s/types'
import { startDemoServer } from '../main/sim'
import type { DemoServer } from './talk'

export async function startDemo(env: Readonly<Record<string, string | undefined>> = process.env): Promise<DemoServer> {
  const wanted = env.EARSHOT_DEMO_PROTOCOL?.trim() || 'openai'
  if (wanted !== 'openai' && wanted !== 'assemblyai' && wanted !== 'speko') {
    throw new Error(`EARSHOT_DEMO_PROTOCOL must be openai, assemblyai or speko (got "${wanted}")`)
  }
  const handle = await startDemoServer({ protocol: wanted as ProtocolId })
  return { protocol: handle.protocol, credential: () => handle.credential(), close: () => handle.close() }
}

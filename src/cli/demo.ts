/** Demo mode for the CLI: the local Demo server from src/main/sim, no key needed. */
import type { DemoServer } from './talk'

export async function startDemo(): Promise<DemoServer> {
  throw new Error('the Demo server is not part of this build yet')
}

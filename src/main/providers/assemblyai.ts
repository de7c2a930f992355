/** AssemblyAI Voice Agent in main: the one-time token mint (src/main/s2s/mint.ts: mintAssemblyAI) and the socket on the REST host. */
import { mintAssemblyAI } from '../s2s/mint'
import { socketOrigin } from '../s2s/socket-origin'
import type { MainProvider } from './types'

export const ASSEMBLYAI_MAIN: MainProvider<'assemblyai'> = {
  id: 'assemblyai',
  sessionConfig(settings, base) {
    const s = settings.providers.assemblyai
    return { ...base, instructions: s.instructions, greeting: s.greeting, voice: s.voice, model: '' }
  },
  mint: ({ settings, apiKey, fetch, timeoutMs }) => mintAssemblyAI({ apiKey, fetch, timeoutMs, baseUrl: settings.providers.assemblyai.baseUrl }),
  socketOrigins(settings) {
    const socket = socketOrigin(settings.providers.assemblyai.baseUrl)
    return socket ? [socket.origin] : []
  },
}

/**
 * Demo in main: no key and no mint request; the local Demo server (src/main/sim, started once by
 * lazyDemoLauncher) hands out its own credential. Its socket is allowed only while Demo is the
 * chosen provider, and only at the server's exact origin (ws://127.0.0.1:<its port>); main starts
 * the server before the page loads, so the port is known.
 */
import { MintError } from '../s2s/mint'
import type { MainProvider } from './types'

export const DEMO_MAIN: MainProvider<'demo'> = {
  id: 'demo',
  // The voice (and model) of the real provider that speaks the Demo server's protocol; the
  // simulator follows no instructions, so Earshot's default ones go with it.
  sessionConfig(settings, base, demoProtocol) {
    const voice =
      demoProtocol === 'assemblyai' ? settings.providers.assemblyai.voice : demoProtocol === 'speko' ? settings.providers.speko.voice : settings.providers.openai.voice
    return { ...base, instructions: '', greeting: settings.providers.demo.greeting, voice, model: demoProtocol === 'assemblyai' ? '' : settings.providers.openai.model }
  },
  async mint({ demo }) {
    if (!demo) throw new MintError('internal', 'Demo mode is not available in this build.')
    return demo()
  },
  socketOrigins(_settings, { chosen, demoOrigin }) {
    return chosen && demoOrigin && /^ws:\/\/127\.0\.0\.1:\d{1,5}$/.test(demoOrigin) ? [demoOrigin] : []
  },
}

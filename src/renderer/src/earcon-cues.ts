/**
 * When the voice window plays its earcons: on the edges of the voice controller's state (capture
 * starts and ends, a tool call starts waiting for the user, a session or microphone error). This
 * runs from state, so it works the same whether the press came from the window, the tray or the
 * global hotkey pressed in another app (the window need not be focused or visible: the engine's
 * AudioContext plays without a gesture).
 *
 * The conversation layer can call the API directly instead (see Earcons.play in
 * src/renderer/audio/earcons.ts); this module is the wiring until it does.
 */
import { Earcons, type EarconName } from '../audio/earcons'
import type { VoiceController, VoiceState } from './voice'

export interface EarconCues {
  readonly earcons: Earcons
  stop(): void
}

export function cuesFor(prev: VoiceState, next: VoiceState): EarconName[] {
  const out: EarconName[] = []
  if (!prev.capturing && next.capturing) out.push('capture-start')
  if (prev.capturing && !next.capturing) out.push('capture-end')
  if (next.pending.some((p) => !prev.pending.some((q) => q.callId === p.callId))) out.push('tool-request')
  if ((next.status === 'error' && prev.status !== 'error') || (next.micError && !prev.micError)) out.push('error')
  return out
}

export function startEarconCues(voice: VoiceController): EarconCues {
  const earcons = new Earcons(voice.audio)
  let prev = voice.getState()
  const off = voice.subscribe(() => {
    const next = voice.getState()
    for (const name of cuesFor(prev, next)) void earcons.play(name).catch(() => {})
    prev = next
  })
  return { earcons, stop: off }
}

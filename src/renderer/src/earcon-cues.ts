/**
 * When the voice window plays its earcons: on the edges of the voice controller's state (capture
 * starts and ends, a tool call starts waiting for the user, a session or microphone error). This
 * runs from state, so it works the same whether the press came from the window, the tray or the
 * global hotkey pressed in another app (the window need not be focused or visible: the engine's
 * AudioContext plays without a gesture).
 *
 * One step is everything that changed in one go (one task: a failed session start ends the
 * capture and sets the error together, as separate state updates). A capture that ends in the
 * same step as an error starts is heard as the error alone: the user did not end it and nothing
 * was sent, so "capture end" would say the wrong thing. So a press whose session fails at once
 * sounds capture start, then the error; a press whose microphone never opened, the error alone.
 * Earcons then play in the order cued, one after another (Earcons.play).
 *
 * The conversation layer can call the API directly instead (see Earcons.play in
 * src/renderer/audio/earcons.ts); this module is the wiring until it does.
 */
import { Earcons, type EarconName, type EarconTarget } from '../audio/earcons'
import type { VoiceController, VoiceState } from './voice'

export interface EarconCues {
  readonly earcons: Earcons
  stop(): void
}

/** The earcons for one step from prev to next, in the order they play. */
export function cuesFor(prev: VoiceState, next: VoiceState): EarconName[] {
  const out: EarconName[] = []
  const failed = (next.status === 'error' && prev.status !== 'error') || (!!next.micError && !prev.micError)
  if (!prev.capturing && next.capturing) out.push('capture-start')
  if (prev.capturing && !next.capturing && !failed) out.push('capture-end')
  if (next.pending.some((p) => !prev.pending.some((q) => q.callId === p.callId))) out.push('tool-request')
  if (failed) out.push('error')
  return out
}

/** Cues earcons from the voice controller's state until stop() (earcons: the engine's, unless given). */
export function startEarconCues(voice: Pick<VoiceController, 'getState' | 'subscribe'> & { readonly audio: EarconTarget }, earcons: Earcons = new Earcons(voice.audio)): EarconCues {
  // The state before this step; the step is read once the code that changed it has run.
  let prev = voice.getState()
  let queued = false
  let stopped = false
  const step = () => {
    queued = false
    if (stopped) return
    const next = voice.getState()
    for (const name of cuesFor(prev, next)) void earcons.play(name).catch(() => {})
    prev = next
  }
  const off = voice.subscribe(() => {
    if (queued) return
    queued = true
    queueMicrotask(step)
  })
  return {
    earcons,
    stop: () => {
      stopped = true
      off()
    },
  }
}

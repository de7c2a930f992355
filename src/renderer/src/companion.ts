/**
 * The main window's half of the companion pill. The session (microphone, socket, transcript) runs
 * in the main window; main owns the pill and shows it. This reports to main what only the main
 * window knows: the input level (while the pill is on screen and the microphone sends) and the
 * newest transcript line. The pill itself has no microphone and no socket.
 */
import type { EarshotApi } from '../../shared/ipc/api'
import type { CompanionLine } from '../../shared/ipc/channels/companion'
import type { Entry } from './transcript'
import type { VoiceController } from './voice'

/** At most this many level reports a second (the pill's meter is small). */
export const LEVEL_INTERVAL_MS = 80
/** The pill shows one line: its tail, at most this long. */
export const LINE_MAX = 200

/** The meter's shape: the same curve as the main window's LevelMeter. */
export function meterLevel(rms: number): number {
  return Math.min(1, Math.sqrt(Math.max(0, rms)) * 2.2)
}

/** The pill's line for a transcript entry, or null when the entry is not a line of words. */
export function lineFor(entry: Entry): CompanionLine | null {
  if (entry.kind !== 'user' && entry.kind !== 'agent') return null
  const text = entry.text.replace(/\s+/g, ' ').trim()
  if (!text) return null
  return { speaker: entry.kind, text: text.length > LINE_MAX ? `…${text.slice(-(LINE_MAX - 1))}` : text }
}

export function reportToCompanion(voice: VoiceController, api: Pick<EarshotApi, 'companion' | 'on'>, now: () => number = () => performance.now()): () => void {
  let pillVisible = false
  let lastLevelAt = -Infinity
  let lastLevel = -1
  let lastLine = ''
  const send = (report: Parameters<EarshotApi['companion']['report']>[0]) => void api.companion.report(report).catch(() => {})
  const offs = [
    api.on('companion:view', (view) => (pillVisible = view.visible)),
    voice.onLevel((rms) => {
      if (!pillVisible || !voice.getState().capturing) return
      const t = now()
      const level = Math.round(meterLevel(rms) * 100) / 100
      if (t - lastLevelAt < LEVEL_INTERVAL_MS || level === lastLevel) return
      lastLevelAt = t
      lastLevel = level
      send({ level })
    }),
    voice.transcript.watch((entry) => {
      const line = lineFor(entry)
      if (!line) return
      const key = `${line.speaker}:${line.text}`
      if (key === lastLine) return
      lastLine = key
      send({ line })
    }),
  ]
  api.companion
    .view()
    .then((view) => (pillVisible = view.visible))
    .catch(() => {})
  return () => offs.forEach((off) => off())
}

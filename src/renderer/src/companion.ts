/**
 * The companion window (a small always-on-top view) mirrors the main window's status and
 * transcript over a BroadcastChannel: both windows load the same origin in the same session, so
 * nothing passes through main and no new IPC channel is needed. The main window owns the session;
 * the companion only shows it (its talk button goes through main's push-to-talk like the hotkey).
 */
import { TranscriptStore, type Entry } from './transcript'
import type { UiStatus, VoiceController } from './voice'

export const CHANNEL = 'earshot-voice'
/** The companion shows the recent part of the conversation. */
export const COMPANION_HISTORY = 200

type Message =
  | { type: 'hello' }
  | { type: 'state'; status: UiStatus; capturing: boolean }
  | { type: 'entry'; entry: Entry }
  | { type: 'sync'; entries: Entry[]; status: UiStatus; capturing: boolean }

/** In the main window: answers companions and streams changes to them. */
export function publishToCompanion(voice: VoiceController): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => {}
  const channel = new BroadcastChannel(CHANNEL)
  let last = ''
  const state = () => {
    const s = voice.getState()
    return { status: s.status, capturing: s.capturing }
  }
  channel.onmessage = (e: MessageEvent<Message>) => {
    if (e.data?.type === 'hello') {
      const entries = voice.transcript.entries().slice(-COMPANION_HISTORY)
      channel.postMessage({ type: 'sync', entries, ...state() } satisfies Message)
    }
  }
  const offEntry = voice.transcript.watch((entry) => channel.postMessage({ type: 'entry', entry } satisfies Message))
  const offState = voice.subscribe(() => {
    const s = state()
    const key = `${s.status}:${s.capturing}`
    if (key === last) return
    last = key
    channel.postMessage({ type: 'state', ...s } satisfies Message)
  })
  return () => {
    offEntry()
    offState()
    channel.close()
  }
}

export interface CompanionState {
  status: UiStatus
  capturing: boolean
  connected: boolean
}

/** In the companion: a transcript store and status fed by the main window. */
export function subscribeToMain(store: TranscriptStore, onState: (s: CompanionState) => void): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => {}
  const channel = new BroadcastChannel(CHANNEL)
  channel.onmessage = (e: MessageEvent<Message>) => {
    const m = e.data
    if (!m || typeof m !== 'object') return
    if (m.type === 'sync') {
      store.clear()
      for (const entry of m.entries) store.append(entry)
      onState({ status: m.status, capturing: m.capturing, connected: true })
    } else if (m.type === 'entry') {
      store.append(m.entry)
    } else if (m.type === 'state') {
      onState({ status: m.status, capturing: m.capturing, connected: true })
    }
  }
  channel.postMessage({ type: 'hello' } satisfies Message)
  return () => channel.close()
}

/**
 * The push-to-talk state machine. Pure: every input carries its own time, and the machine answers
 * with a new state and the capture edges it decided (start, stop with a reason, blocked) for
 * whoever wires it: main sends them to the voice window, whose Conversation opens the session,
 * buffers while it connects and ends the turn. No timers, no I/O; `PushToTalk` (./controller) adds
 * the one timer the watchdog needs.
 *
 * Modes:
 *  - hold:   talk while the key is down.
 *  - toggle: press to start, press again to stop.
 *  - auto:   hold = talk; a short tap (< tapMs) latches like toggle, and the next press stops.
 *
 * Rules that are easy to get wrong, all covered by the tests:
 *  - OS auto-repeat sends key-down after key-down while a key is held: only the first one counts.
 *  - A key-up can be lost (focus change, secure input, a grab). A hold that lasts longer than
 *    maxHoldMs is ended by the watchdog, and a stray key-up after that is ignored. A key-down
 *    after a gap longer than any auto-repeat delay is a new press, whatever the machine believed.
 *  - A press keeps the mode it began with; switching to Hold while latched stops the capture.
 *  - Capture starts the moment the key goes down, whatever the session is doing.
 */

export type PttMode = 'hold' | 'toggle' | 'auto'

export type PttPhase =
  /** Not capturing. */
  | 'idle'
  /** Key down, capturing; the press has not finished yet. */
  | 'pressed'
  /** Capturing hands-free after a toggle press or an auto tap; the key is up. */
  | 'latched'
  /** Capture was stopped by a key-down; waiting for its key-up so it does not start again. */
  | 'releasing'

export type StopReason = 'key-up' | 'toggle' | 'watchdog' | 'mode-change' | 'hand-over' | 'muted' | 'session-ended' | 'cancel'

export type PttCommand =
  /** A press began: capture now (the voice window opens the session if none is up). */
  | { type: 'start-capture' }
  /**
   * The press ended. key-up, toggle, watchdog, mode-change and hand-over (always-listening took
   * the microphone) end the user's turn (after the capture tail); muted, session-ended and cancel
   * drop it.
   */
  | { type: 'stop-capture'; reason: StopReason }
  /** A press was refused (for example while the microphone is muted). */
  | { type: 'blocked'; reason: 'muted' }

export type PttInput =
  | { type: 'key-down'; at: number }
  | { type: 'key-up'; at: number }
  /** A press-only source (globalShortcut, `--toggle`, the tray's Talk item, the window's button). */
  | { type: 'toggle'; at: number }
  /** Time passes; the watchdog looks at held keys. */
  | { type: 'tick'; at: number }
  | { type: 'set-mode'; mode: PttMode; at: number }
  /** The session failed or closed: a capture in progress is dropped. */
  | { type: 'session-ended'; at: number }
  | { type: 'set-muted'; muted: boolean; at: number }
  /** Stop whatever is going on (window closed, quit). */
  | { type: 'cancel'; at: number }
  /** Always-listening took the microphone: a press in progress ends as a turn, not dropped. */
  | { type: 'hand-over'; at: number }

export interface PttOptions {
  /** A press shorter than this is a tap (auto mode). */
  tapMs: number
  /** A hold longer than this is ended: its key-up was probably lost. */
  maxHoldMs: number
  /**
   * A key-down within this long of the previous one is auto-repeat. Operating systems repeat a held
   * key every few tens of milliseconds after an initial delay of at most about two seconds, and
   * never send a fresh key-down for a key that is still held, so a key-down after a longer gap is a
   * new press whose key-up before it was lost.
   */
  repeatGapMs: number
}

export const DEFAULT_PTT_OPTIONS: PttOptions = { tapMs: 300, maxHoldMs: 120_000, repeatGapMs: 2_000 }

export interface PttState {
  mode: PttMode
  phase: PttPhase
  muted: boolean
  /** When the current press went down (phase 'pressed'), else null. */
  downAt: number | null
  /** The mode the current press began with. */
  pressMode: PttMode | null
  /** The last key-down seen, auto-repeats included (to tell a repeat from a new press). */
  lastDownAt: number | null
}

export function initialPttState(mode: PttMode = 'auto'): PttState {
  return { mode, phase: 'idle', muted: false, downAt: null, pressMode: null, lastDownAt: null }
}

export interface PttStep {
  state: PttState
  commands: PttCommand[]
}

/** Whether the microphone is open for push-to-talk in this state. */
export function isCapturing(state: PttState): boolean {
  return state.phase === 'pressed' || state.phase === 'latched'
}

/** The time at which the watchdog must look again, or null when nothing is held. */
export function watchdogDeadline(state: PttState, options: PttOptions = DEFAULT_PTT_OPTIONS): number | null {
  return state.phase === 'pressed' && state.downAt !== null ? state.downAt + options.maxHoldMs : null
}

function start(state: PttState, phase: 'pressed' | 'latched', at: number, pressMode: PttMode | null): PttStep {
  if (state.muted) return { state: { ...state, phase: pressMode ? 'releasing' : 'idle', downAt: null, pressMode: null }, commands: [{ type: 'blocked', reason: 'muted' }] }
  const next: PttState = { ...state, phase, downAt: phase === 'pressed' ? at : null, pressMode }
  return { state: next, commands: [{ type: 'start-capture' }] }
}

function stop(state: PttState, reason: StopReason, phase: 'idle' | 'releasing' = 'idle'): PttStep {
  return {
    state: { ...state, phase, downAt: null, pressMode: null, lastDownAt: phase === 'idle' ? null : state.lastDownAt },
    commands: [{ type: 'stop-capture', reason }],
  }
}

function same(state: PttState): PttStep {
  return { state, commands: [] }
}

/** One step of the machine. Never throws; an input that means nothing in a state changes nothing. */
export function pttStep(state: PttState, input: PttInput, options: PttOptions = DEFAULT_PTT_OPTIONS): PttStep {
  switch (input.type) {
    case 'key-down': {
      const repeat = state.lastDownAt !== null && input.at - state.lastDownAt <= options.repeatGapMs
      const seen = { ...state, lastDownAt: input.at }
      if (state.phase === 'pressed') {
        // Auto-repeat: the press goes on. A fresh press means the key-up before it was lost: the
        // capture goes on and the press starts again (so the watchdog counts from now).
        return same(repeat ? seen : { ...seen, downAt: input.at })
      }
      if (state.phase === 'releasing') {
        if (repeat) return same(seen) // auto-repeat of the press that stopped the capture
        return start({ ...seen, phase: 'idle' }, 'pressed', input.at, state.mode) // its key-up was lost
      }
      if (state.phase === 'latched') return stop(seen, 'toggle', 'releasing')
      return start(seen, 'pressed', input.at, state.mode)
    }
    case 'key-up': {
      if (state.phase === 'releasing') return { state: { ...state, phase: 'idle', lastDownAt: null }, commands: [] }
      if (state.phase !== 'pressed') return same(state) // stray key-up (after the watchdog, or never pressed)
      const mode = state.pressMode ?? state.mode
      const held = input.at - (state.downAt ?? input.at)
      if (mode === 'hold') return stop(state, 'key-up')
      if (mode === 'auto' && held >= options.tapMs) return stop(state, 'key-up')
      // toggle press, or an auto tap: keep capturing hands-free (unless the mode is now Hold)
      if (state.mode === 'hold') return stop(state, 'mode-change')
      return { state: { ...state, phase: 'latched', downAt: null, pressMode: null, lastDownAt: null }, commands: [] }
    }
    case 'toggle': {
      if (state.phase === 'pressed' || state.phase === 'latched') return stop(state, 'toggle')
      return start({ ...state, phase: 'idle' }, 'latched', input.at, null)
    }
    case 'tick': {
      const deadline = watchdogDeadline(state, options)
      // 'releasing': if the key really is still down, its auto-repeats must not start a new capture.
      if (deadline !== null && input.at >= deadline) return stop(state, 'watchdog', 'releasing')
      return same(state)
    }
    case 'set-mode': {
      if (input.mode === state.mode) return same(state)
      const next = { ...state, mode: input.mode }
      // Hold mode has no hands-free latch: leaving the microphone open would surprise the user.
      if (state.phase === 'latched' && input.mode === 'hold') return stop(next, 'mode-change')
      return same(next)
    }
    case 'session-ended': {
      if (!isCapturing(state)) return same(state)
      return stop(state, 'session-ended', state.phase === 'pressed' ? 'releasing' : 'idle')
    }
    case 'set-muted': {
      if (input.muted === state.muted) return same(state)
      const next = { ...state, muted: input.muted }
      if (input.muted && isCapturing(state)) return stop(next, 'muted', state.phase === 'pressed' ? 'releasing' : 'idle')
      return same(next)
    }
    case 'cancel':
    case 'hand-over': {
      if (isCapturing(state)) return stop(state, input.type, state.phase === 'pressed' ? 'releasing' : 'idle')
      return same(state)
    }
  }
}

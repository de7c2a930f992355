import {
  DEFAULT_PTT_OPTIONS,
  initialPttState,
  isCapturing,
  pttStep,
  watchdogDeadline,
  type PttCommand,
  type PttInput,
  type PttMode,
  type PttOptions,

  type PttState,
} from './machine'

export interface PttClock {
  now(): number
  /** Runs fn after ms; returns a cancel function. */
  schedule(fn: () => void, ms: number): () => void
}

export const realClock: PttClock = {
  now: () => performance.now(),
  schedule: (fn, ms) => {
    const handle = setTimeout(fn, ms)
    return () => clearTimeout(handle)
  },
}

export type PttListener = (commands: PttCommand[], state: PttState) => void

/**
 * The machine with a clock: it stamps inputs with the time, arms the watchdog timer while a key is
 * held, and tells listeners about every command. Time and timers are injected, so tests drive it
 * with a fake clock.
 */
export class PushToTalk {
  private current: PttState
  private cancelTimer: (() => void) | null = null
  private readonly listeners = new Set<PttListener>()

  constructor(
    mode: PttMode = 'auto',
    private readonly clock: PttClock = realClock,
    private readonly options: PttOptions = DEFAULT_PTT_OPTIONS,
  ) {
    this.current = initialPttState(mode)
  }

  get state(): PttState {
    return this.current
  }

  get capturing(): boolean {
    return isCapturing(this.current)
  }

  onCommands(listener: PttListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  keyDown(): PttCommand[] {
    return this.send({ type: 'key-down', at: this.clock.now() })
  }
  keyUp(): PttCommand[] {
    return this.send({ type: 'key-up', at: this.clock.now() })
  }
  toggle(): PttCommand[] {
    return this.send({ type: 'toggle', at: this.clock.now() })
  }
  setMode(mode: PttMode): PttCommand[] {
    return this.send({ type: 'set-mode', mode, at: this.clock.now() })
  }
  /** The session failed: a capture in progress is dropped. */
  sessionEnded(): PttCommand[] {
    return this.send({ type: 'session-ended', at: this.clock.now() })
  }
  setMuted(muted: boolean): PttCommand[] {
    return this.send({ type: 'set-muted', muted, at: this.clock.now() })
  }
  cancel(): PttCommand[] {
    return this.send({ type: 'cancel', at: this.clock.now() })
  }
  /** Always-listening took the microphone: a press in progress ends as a turn. */
  handOver(): PttCommand[] {
    return this.send({ type: 'hand-over', at: this.clock.now() })
  }

  dispose(): void {
    this.cancelTimer?.()
    this.cancelTimer = null
    this.listeners.clear()
  }

  private send(input: PttInput): PttCommand[] {
    const before = this.current
    const { state, commands } = pttStep(this.current, input, this.options)
    this.current = state
    this.armWatchdog(before)
    if (commands.length > 0 || state !== before) {
      for (const listener of [...this.listeners]) listener(commands, state)
    }
    return commands
  }

  private armWatchdog(before: PttState): void {
    const deadline = watchdogDeadline(this.current, this.options)
    if (deadline === watchdogDeadline(before, this.options) && (deadline === null || this.cancelTimer)) return
    this.cancelTimer?.()
    this.cancelTimer = null
    if (deadline === null) return
    const wait = Math.max(0, deadline - this.clock.now())
    this.cancelTimer = this.clock.schedule(() => {
      this.cancelTimer = null
      this.send({ type: 'tick', at: this.clock.now() })
    }, wait)
  }
}

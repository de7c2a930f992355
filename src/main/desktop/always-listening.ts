import type { AlwaysListeningStatus } from '../../shared/ipc/channels/desktop'

/** The part of Electron's powerMonitor this controller uses. */
export interface PowerMonitorLike {
  on(event: 'suspend' | 'resume' | 'lock-screen' | 'unlock-screen', listener: () => void): unknown
  removeListener(event: 'suspend' | 'resume' | 'lock-screen' | 'unlock-screen', listener: () => void): unknown
}

export interface AlwaysListeningOptions {
  power?: PowerMonitorLike
  /** Opens or closes the always-listening microphone (the renderer does the work). */
  setMicrophone: (open: boolean) => void
  /** Keeps settings.alwaysListening in step. */
  persist: (enabled: boolean) => void
  /** Tells the user something happened (it was switched off after an error). */
  notify?: (message: string) => void
}

/**
 * Always-listening on and off, from the tray or the window. The microphone is open only while it
 * is enabled, not muted, and the computer is neither asleep nor locked; it reopens on resume and
 * unlock. A session error switches it off for good (and says so): never silently left on.
 */
export class AlwaysListeningController {
  private enabled = false
  private muted = false
  private readonly paused = new Set<'suspend' | 'lock-screen'>()
  private offReason: string | null = null
  private open = false
  private readonly listeners = new Set<(status: AlwaysListeningStatus) => void>()
  private readonly handlers: [Parameters<PowerMonitorLike['on']>[0], () => void][]

  constructor(private readonly options: AlwaysListeningOptions) {
    this.handlers = [
      ['suspend', () => this.pause('suspend', true)],
      ['resume', () => this.pause('suspend', false)],
      ['lock-screen', () => this.pause('lock-screen', true)],
      ['unlock-screen', () => this.pause('lock-screen', false)],
    ]
    for (const [event, handler] of this.handlers) options.power?.on(event, handler)
  }

  status(): AlwaysListeningStatus {
    const pausedFor = this.paused.has('suspend') ? 'suspend' : this.paused.has('lock-screen') ? 'lock-screen' : null
    return { enabled: this.enabled, active: this.open, pausedFor: this.enabled ? pausedFor : null, offReason: this.offReason }
  }

  onChange(listener: (status: AlwaysListeningStatus) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  setEnabled(enabled: boolean): AlwaysListeningStatus {
    if (enabled) this.offReason = null
    if (enabled !== this.enabled) {
      this.enabled = enabled
      this.options.persist(enabled)
    }
    return this.update()
  }

  toggle(): AlwaysListeningStatus {
    return this.setEnabled(!this.enabled)
  }

  setMuted(muted: boolean): AlwaysListeningStatus {
    this.muted = muted
    return this.update()
  }

  /** The session failed: switch off, tell the user, and keep it off until they turn it on again. */
  sessionFailed(reason: string): AlwaysListeningStatus {
    if (!this.enabled) return this.status()
    this.offReason = `Always listening was switched off because the session failed: ${reason}`
    this.enabled = false
    this.options.persist(false)
    this.options.notify?.(this.offReason)
    return this.update()
  }

  dispose(): void {
    for (const [event, handler] of this.handlers) this.options.power?.removeListener(event, handler)
    if (this.open) this.options.setMicrophone(false)
    this.open = false
    this.listeners.clear()
  }

  private pause(reason: 'suspend' | 'lock-screen', on: boolean): void {
    if (on) this.paused.add(reason)
    else this.paused.delete(reason)
    // resume after suspend implies the lock that came with it may still be on; unlock clears it
    this.update()
  }

  private update(): AlwaysListeningStatus {
    const shouldOpen = this.enabled && !this.muted && this.paused.size === 0
    if (shouldOpen !== this.open) {
      this.open = shouldOpen
      this.options.setMicrophone(shouldOpen)
    }
    const status = this.status()
    for (const listener of this.listeners) listener(status)
    return status
  }
}

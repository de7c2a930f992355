import type { UpdateStatus } from '../../shared/ipc/channels/desktop'

/** The part of electron-updater's autoUpdater this flow uses (autoDownload must be false). */
export interface UpdaterLike {
  autoDownload: boolean
  autoInstallOnAppQuit: boolean
  checkForUpdates(): Promise<unknown>
  downloadUpdate(): Promise<unknown>
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean): void
  on(event: 'update-available', listener: (info: { version: string }) => void): unknown
  on(event: 'update-not-available', listener: () => void): unknown
  on(event: 'download-progress', listener: (progress: { percent: number }) => void): unknown
  on(event: 'update-downloaded', listener: (info: { version: string }) => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
}

/**
 * Updates the user confirms: a check finds a version and stops there; only the user's "download"
 * downloads it, and only their "install" restarts into it. Nothing downloads or installs on its
 * own (autoDownload and autoInstallOnAppQuit are switched off).
 */
export class UpdateFlow {
  private current: UpdateStatus
  private readonly listeners = new Set<(status: UpdateStatus) => void>()

  constructor(private readonly updater: UpdaterLike | null, private readonly log?: (line: string) => void) {
    this.current = updater
      ? { state: 'idle', version: null, progress: null, message: null }
      : { state: 'disabled', version: null, progress: null, message: 'Updates are available only in the installed app.' }
    if (!updater) return
    updater.autoDownload = false
    updater.autoInstallOnAppQuit = false
    updater.on('update-available', (info) => this.set({ state: 'available', version: info.version, progress: null, message: `Earshot ${info.version} is available.` }))
    updater.on('update-not-available', () => this.set({ state: 'up-to-date', version: null, progress: null, message: 'Earshot is up to date.' }))
    updater.on('download-progress', (p) => this.set({ ...this.current, state: 'downloading', progress: Math.max(0, Math.min(100, p.percent)) }))
    updater.on('update-downloaded', (info) => this.set({ state: 'ready', version: info.version, progress: 100, message: `Earshot ${info.version} is ready. Restart to install it.` }))
    updater.on('error', (error) => {
      this.log?.(`update: ${error.message}`)
      this.set({ state: 'error', version: this.current.version, progress: null, message: 'The update could not be completed. Details are in the log.' })
    })
  }

  status(): UpdateStatus {
    return this.current
  }

  onChange(listener: (status: UpdateStatus) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async act(action: 'check' | 'download' | 'install' | 'dismiss'): Promise<UpdateStatus> {
    const updater = this.updater
    if (!updater) return this.current
    const { state } = this.current
    try {
      if (action === 'check') {
        if (state === 'downloading' || state === 'ready' || state === 'checking') return this.current
        this.set({ state: 'checking', version: null, progress: null, message: null })
        await updater.checkForUpdates()
      } else if (action === 'download') {
        if (state !== 'available') return this.current // only after the user saw what is available
        this.set({ ...this.current, state: 'downloading', progress: 0 })
        await updater.downloadUpdate()
      } else if (action === 'install') {
        if (state !== 'ready') return this.current
        updater.quitAndInstall(false, true)
      } else if (action === 'dismiss') {
        if (state === 'available' || state === 'up-to-date' || state === 'error') this.set({ state: 'idle', version: null, progress: null, message: null })
      }
    } catch (error) {
      this.log?.(`update: ${action} failed: ${error instanceof Error ? error.message : String(error)}`)
      this.set({ state: 'error', version: this.current.version, progress: null, message: 'The update could not be completed. Details are in the log.' })
    }
    return this.current
  }

  private set(status: UpdateStatus): void {
    this.current = status
    for (const listener of this.listeners) listener(status)
  }
}

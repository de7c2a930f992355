import { checkHotkey } from '../../shared/ptt/accelerator'
import type { desktopChannels } from '../../shared/ipc/channels/desktop'
import type { PartialHandlers } from '../ipc/router'
import type { DesktopService } from './service'

export type DesktopChannel = keyof typeof desktopChannels

/** The desktop domain's IPC handlers (registered through the router's guard like every other). */
export function createDesktopHandlers(desktop: DesktopService): PartialHandlers<DesktopChannel> {
  return {
    'desktop:status': () => desktop.status(),
    'desktop:checkHotkey': ({ accelerator }) => {
      const platform = desktop.platform === 'darwin' || desktop.platform === 'win32' || desktop.platform === 'linux' ? desktop.platform : 'other'
      const check = checkHotkey(accelerator, platform)
      return check.ok
        ? { ok: true, accelerator: check.hotkey.accelerator, reason: null, warnings: check.warnings }
        : { ok: false, accelerator: null, reason: check.reason, warnings: [] }
    },
    'desktop:setHotkey': ({ accelerator, mode }) => desktop.setHotkey(accelerator, mode),
    'desktop:retryHotkey': () => desktop.retryHotkey(),
    'desktop:talk': ({ action }) => {
      if (action === 'down') desktop.ptt.keyDown()
      else if (action === 'up') desktop.ptt.keyUp()
      else if (action === 'toggle') desktop.ptt.toggle()
      else desktop.ptt.cancel()
      return desktop.pttStatus()
    },
    'desktop:reportSession': ({ status, error, gateOpen }) => {
      desktop.reportSession(status, error, gateOpen)
      return undefined
    },
    'desktop:setAlwaysListening': ({ enabled }) => {
      desktop.alwaysListening.setEnabled(enabled)
      return desktop.status()
    },
    'desktop:setMuted': ({ muted }) => desktop.setMuted(muted),
    'desktop:requestMicrophone': () => desktop.microphone.request(),
    'desktop:reportMicrophoneError': ({ name }) => desktop.microphone.captureFailed(name),
    'desktop:openMicrophoneSettings': async () => {
      await desktop.openMicrophoneSettings()
      return undefined
    },
    'desktop:showCompanion': ({ show }) => {
      desktop.showCompanion(show)
      return undefined
    },
    'desktop:updateStatus': () => desktop.updates.status(),
    'desktop:update': ({ action }) => desktop.updates.act(action),
  }
}

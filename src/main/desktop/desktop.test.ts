import { TrayStateSchema } from '../../shared/ipc/channels/desktop'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseInstanceArgv } from './argv'
import { AlwaysListeningController, type PowerMonitorLike } from './always-listening'
import { autostartEntry, HIDDEN_FLAG, LoginItemService, quoteExecArg, type LoginItemsLike } from './login-item'
import { describeMicrophone, MicrophonePermission, type MediaAccessState } from './microphone'
import { trayIconFile, trayMenu, trayState, type TrayInputs } from './tray-model'
import { UpdateFlow, type UpdaterLike } from './updates'

describe('second-instance argv', () => {
  it('finds the one Earshot command among Chromium and OS switches', () => {
    expect(parseInstanceArgv(['/opt/Earshot/earshot', '--toggle'])).toEqual({ ok: true, command: 'toggle' })
    expect(parseInstanceArgv(['C:\\Earshot.exe', '--allow-file-access-from-files', '--original-process-start-time=1', '--PTT-DOWN'])).toEqual({ ok: true, command: 'ptt-down' })
    expect(parseInstanceArgv(['earshot', '--ptt-up'])).toEqual({ ok: true, command: 'ptt-up' })
    expect(parseInstanceArgv(['earshot'])).toEqual({ ok: true, command: null })
    expect(parseInstanceArgv(['earshot', '--toggle', '--toggle'])).toEqual({ ok: true, command: 'toggle' })
  })

  it('refuses conflicting commands and junk', () => {
    expect(parseInstanceArgv(['earshot', '--ptt-down', '--ptt-up'])).toMatchObject({ ok: false })
    expect(parseInstanceArgv('--toggle' as unknown as string[])).toMatchObject({ ok: false })
    expect(parseInstanceArgv(new Array(500).fill('--toggle'))).toMatchObject({ ok: false })
    expect(parseInstanceArgv([42, null, { toggle: true }, '--togglex', 'toggle'])).toEqual({ ok: true, command: null })
  })
})

const baseInputs: TrayInputs = {
  session: 'idle',
  sessionError: null,
  capturing: false,
  alwaysListening: { enabled: false, active: false, pausedFor: null },
  muted: false,
  microphoneProblem: false,
}

describe('tray state and menu', () => {
  it('maps what is going on to one of six states, error first', () => {
    expect(trayState(baseInputs)).toBe('idle')
    expect(trayState({ ...baseInputs, capturing: true })).toBe('listening')
    // Always-listening: locally (nothing leaves) until the speech gate opens, then hearing you.
    expect(trayState({ ...baseInputs, alwaysListening: { enabled: true, active: true, pausedFor: null } })).toBe('standby')
    expect(trayState({ ...baseInputs, alwaysListening: { enabled: true, active: true, pausedFor: null }, gateOpen: true })).toBe('listening')
    expect(trayState({ ...baseInputs, alwaysListening: { enabled: true, active: true, pausedFor: null }, gateOpen: true, session: 'speaking' })).toBe('speaking')
    expect(trayState({ ...baseInputs, alwaysListening: { enabled: true, active: false, pausedFor: 'lock-screen' } })).toBe('idle')
    expect(trayState({ ...baseInputs, session: 'speaking', capturing: true })).toBe('speaking')
    expect(trayState({ ...baseInputs, session: 'speaking', muted: true })).toBe('muted')
    expect(trayState({ ...baseInputs, session: 'error', muted: true })).toBe('error')
    expect(trayState({ ...baseInputs, microphoneProblem: true })).toBe('error')
  })

  it('uses template images on macOS and sized PNGs elsewhere, all of which exist in resources/icons', () => {
    const dir = join(import.meta.dirname, '../../../resources/icons')
    for (const state of TrayStateSchema.options) {
      for (const platform of ['darwin', 'win32', 'linux'] as const) {
        const file = trayIconFile(state, platform)
        expect(existsSync(join(dir, file)), `${platform} ${file}`).toBe(true)
        if (platform === 'darwin' && state !== 'error') {
          expect(file).toMatch(/Template\.png$/)
          expect(existsSync(join(dir, file.replace('.png', '@2x.png')))).toBe(true)
        }
      }
    }
  })

  it('the menu has talk/stop, always listening, mute, show window, settings and quit', () => {
    const menu = trayMenu({ ...baseInputs, accelerator: 'Control+Shift+Space', platform: 'linux' })
    const byId = Object.fromEntries(menu.flatMap((item) => ('id' in item ? [[item.id, item]] : [])))
    expect(Object.keys(byId)).toEqual(['talk', 'toggle-always-listening', 'toggle-mute', 'show-window', 'show-companion', 'open-settings', 'quit'])
    expect(byId.talk).toMatchObject({ label: 'Talk (Ctrl+Shift+Space)', enabled: true })
    expect(byId['toggle-always-listening']).toMatchObject({ type: 'checkbox', checked: false })
    const talking = trayMenu({ ...baseInputs, capturing: true, accelerator: '' })
    // The hotkey the way each OS writes it; no Electron accelerator words anywhere in the menu or tooltip.
    expect(trayMenu({ ...baseInputs, accelerator: 'CommandOrControl+Shift+Space', platform: 'darwin' }).find((i) => 'id' in i && i.id === 'talk')).toMatchObject({ label: 'Talk (⌘⇧Space)' })
    for (const platform of ['darwin', 'win32', 'linux']) {
      for (const inputs of [baseInputs, { ...baseInputs, capturing: true }, { ...baseInputs, session: 'error' as const, sessionError: 'The provider rejected the API key' }]) {
        const shown = JSON.stringify(trayMenu({ ...inputs, accelerator: 'CommandOrControl+Shift+Space', platform }))
        expect(shown).not.toMatch(/CommandOrControl|CmdOrCtrl/)
      }
    }
    expect(talking.find((i) => 'id' in i && i.id === 'talk')).toMatchObject({ label: 'Stop talking' })
    const muted = trayMenu({ ...baseInputs, muted: true, alwaysListening: { enabled: true, active: false, pausedFor: null }, accelerator: '' })
    expect(muted.find((i) => 'id' in i && i.id === 'talk')).toMatchObject({ enabled: false })
    expect(muted.find((i) => 'id' in i && i.id === 'toggle-mute')).toMatchObject({ checked: true })
    expect(muted.find((i) => 'id' in i && i.id === 'toggle-always-listening')).toMatchObject({ checked: true })
  })
})

class FakePower implements PowerMonitorLike {
  readonly listeners = new Map<string, Set<() => void>>()
  on(event: string, l: () => void) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set())
    this.listeners.get(event)?.add(l)
  }
  removeListener(event: string, l: () => void) {
    this.listeners.get(event)?.delete(l)
  }
  fire(event: string) {
    for (const l of this.listeners.get(event) ?? []) l()
  }
}

describe('always listening', () => {
  function make() {
    const power = new FakePower()
    const mic: boolean[] = []
    const saved: boolean[] = []
    const notices: string[] = []
    const controller = new AlwaysListeningController({ power, setMicrophone: (o) => mic.push(o), persist: (e) => saved.push(e), notify: (m) => notices.push(m) })
    return { power, mic, saved, notices, controller }
  }

  it('opens and closes the microphone and persists the choice', () => {
    const { controller, mic, saved } = make()
    expect(controller.setEnabled(true)).toMatchObject({ enabled: true, active: true })
    controller.toggle()
    expect(mic).toEqual([true, false])
    expect(saved).toEqual([true, false])
  })

  it('pauses on suspend and screen lock and resumes only when both are over', () => {
    const { controller, mic, power } = make()
    controller.setEnabled(true)
    power.fire('lock-screen')
    expect(controller.status()).toMatchObject({ enabled: true, active: false, pausedFor: 'lock-screen' })
    power.fire('suspend')
    expect(controller.status().pausedFor).toBe('suspend')
    power.fire('resume')
    expect(controller.status()).toMatchObject({ active: false, pausedFor: 'lock-screen' })
    power.fire('unlock-screen')
    expect(controller.status()).toMatchObject({ active: true, pausedFor: null })
    expect(mic).toEqual([true, false, true])
  })

  it('a session error switches it off, says so, and it stays off through resume', () => {
    const { controller, mic, saved, notices, power } = make()
    controller.setEnabled(true)
    controller.sessionFailed('the connection was lost')
    expect(controller.status()).toMatchObject({ enabled: false, active: false, offReason: expect.stringMatching(/connection was lost/) })
    expect(saved).toEqual([true, false])
    expect(notices).toHaveLength(1)
    power.fire('suspend')
    power.fire('resume')
    expect(mic).toEqual([true, false])
    controller.setEnabled(true)
    expect(controller.status().offReason).toBeNull()
  })

  it('mute closes the microphone without turning the mode off; dispose unhooks power events', () => {
    const { controller, mic, power } = make()
    controller.setEnabled(true)
    controller.setMuted(true)
    expect(controller.status()).toMatchObject({ enabled: true, active: false })
    controller.dispose()
    expect([...power.listeners.values()].every((s) => s.size === 0)).toBe(true)
    expect(mic).toEqual([true, false])
  })
})

describe('microphone permission', () => {
  it('maps denied, restricted and missing to a message and an OS-specific fix', () => {
    expect(describeMicrophone('denied', 'darwin')).toMatchObject({ fix: expect.stringMatching(/Privacy & Security > Microphone/), settingsUrl: expect.stringMatching(/^x-apple\.systempreferences:.*Privacy_Microphone/) })
    expect(describeMicrophone('denied', 'win32')).toMatchObject({ fix: expect.stringMatching(/Let desktop apps access your microphone/), settingsUrl: 'ms-settings:privacy-microphone' })
    expect(describeMicrophone('denied', 'linux')).toMatchObject({ fix: expect.stringMatching(/PipeWire|PulseAudio/), settingsUrl: null })
    expect(describeMicrophone('missing', 'win32').fix).toMatch(/Settings > System > Sound > Input/)
    expect(describeMicrophone('restricted', 'darwin').message).toMatch(/restricted/)
    expect(describeMicrophone('granted', 'darwin')).toEqual({ state: 'granted', message: null, fix: null, settingsUrl: null })
  })

  it('on macOS asks once when undetermined and reports the answer', async () => {
    let state: MediaAccessState = 'not-determined'
    const asked: string[] = []
    const access = {
      getMediaAccessStatus: () => state,
      askForMediaAccess: async (t: 'microphone') => {
        asked.push(t)
        state = 'denied'
        return false
      },
    }
    const mic = new MicrophonePermission('darwin', access)
    expect(mic.status().state).toBe('not-determined')
    expect(await mic.request()).toMatchObject({ state: 'denied', fix: expect.stringMatching(/quit and reopen/) })
    expect(await mic.request()).toMatchObject({ state: 'denied' })
    expect(asked).toEqual(['microphone'])
  })

  it('on Linux there is no OS state: capture errors decide', () => {
    const mic = new MicrophonePermission('linux')
    expect(mic.status().state).toBe('unknown')
    expect(mic.captureFailed('NotFoundError')).toMatchObject({ state: 'missing' })
    expect(mic.captureFailed('NotAllowedError')).toMatchObject({ state: 'denied' })
    expect(mic.captureFailed('NotReadableError')).toMatchObject({ state: 'unknown', message: expect.stringMatching(/another app/) })
    expect(mic.captureSucceeded().state).toBe('granted')
  })
})

describe('launch at login', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('Linux: writes and removes an XDG autostart entry in a real directory', () => {
    const configHome = mkdtempSync(join(tmpdir(), 'earshot-xdg-'))
    dirs.push(configHome)
    const service = new LoginItemService({ platform: 'linux', executable: '/home/me/Apps/Earshot 1.0.AppImage', configHome })
    const file = join(configHome, 'autostart', 'earshot.desktop')
    expect(service.status()).toEqual({ enabled: false, supported: true, error: null })
    expect(service.sync(true)).toEqual({ enabled: true, supported: true, error: null })
    const text = readFileSync(file, 'utf8')
    expect(text).toMatch(/^\[Desktop Entry\]\n/)
    expect(text).toContain('Type=Application')
    expect(text).toContain(`Exec="/home/me/Apps/Earshot 1.0.AppImage" ${HIDDEN_FLAG}`)
    expect(statSync(file).mode & 0o777).toBe(0o644)
    expect(service.sync(false)).toEqual({ enabled: false, supported: true, error: null })
    expect(existsSync(file)).toBe(false)
    expect(service.sync(false).error).toBeNull() // removing twice is fine
  })

  it('Linux: reports a failure to write instead of throwing', () => {
    const configHome = mkdtempSync(join(tmpdir(), 'earshot-xdg-'))
    dirs.push(configHome)
    const blocker = join(configHome, 'autostart')
    // a file where the autostart folder should be
    rmSync(blocker, { force: true })
    writeFileSync(blocker, 'not a folder')
    const service = new LoginItemService({ platform: 'linux', executable: '/usr/bin/earshot', configHome })
    expect(service.sync(true)).toMatchObject({ enabled: false, error: expect.stringMatching(/could not be turned on/) })
  })

  it('quotes Exec arguments per the Desktop Entry spec', () => {
    expect(quoteExecArg('/usr/bin/earshot')).toBe('/usr/bin/earshot')
    expect(quoteExecArg('/opt/My App/earshot')).toBe('"/opt/My App/earshot"')
    expect(quoteExecArg('/opt/$HOME`x`"q"\\')).toBe('"/opt/\\$HOME\\`x\\`\\"q\\"\\\\"')
    expect(quoteExecArg('/opt/100%/earshot')).toBe('/opt/100%%/earshot')
    expect(autostartEntry('/usr/bin/earshot')).toContain('Exec=/usr/bin/earshot --hidden')
  })

  it('macOS and Windows: goes through the login-item adapter (Windows with --hidden)', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      let on = false
      const calls: unknown[] = []
      const loginItems: LoginItemsLike = {
        getLoginItemSettings: () => ({ openAtLogin: on }),
        setLoginItemSettings: (s) => {
          calls.push(s)
          on = s.openAtLogin
        },
      }
      const service = new LoginItemService({ platform, loginItems, executable: '' })
      expect(service.sync(true)).toEqual({ enabled: true, supported: true, error: null })
      expect(calls[0]).toEqual(platform === 'win32' ? { openAtLogin: true, args: ['--hidden'] } : { openAtLogin: true, openAsHidden: true })
      expect(service.sync(false).enabled).toBe(false)
    }
  })

  it('says so when the system ignores the change', () => {
    const service = new LoginItemService({ platform: 'darwin', executable: '', loginItems: { getLoginItemSettings: () => ({ openAtLogin: false }), setLoginItemSettings: () => {} } })
    expect(service.sync(true).error).toMatch(/did not accept/)
  })
})

describe('update flow', () => {
  function fakeUpdater() {
    const handlers = new Map<string, (arg?: unknown) => void>()
    const calls: string[] = []
    const updater = {
      autoDownload: true,
      autoInstallOnAppQuit: true,
      checkForUpdates: async () => {
        calls.push('check')
        handlers.get('update-available')?.({ version: '1.2.0' })
      },
      downloadUpdate: async () => {
        calls.push('download')
        handlers.get('download-progress')?.({ percent: 50 })
        handlers.get('update-downloaded')?.({ version: '1.2.0' })
      },
      quitAndInstall: () => calls.push('install'),
      on: (event: string, listener: (arg?: unknown) => void) => handlers.set(event, listener),
    }
    return { updater: updater as unknown as UpdaterLike, calls, handlers, raw: updater }
  }

  it('never downloads or installs without the user: check stops at "available"', async () => {
    const { updater, calls, raw } = fakeUpdater()
    const flow = new UpdateFlow(updater)
    expect(raw.autoDownload).toBe(false)
    expect(raw.autoInstallOnAppQuit).toBe(false)
    expect(await flow.act('install')).toMatchObject({ state: 'idle' })
    expect(await flow.act('download')).toMatchObject({ state: 'idle' })
    expect(calls).toEqual([])
    expect(await flow.act('check')).toMatchObject({ state: 'available', version: '1.2.0' })
    expect(calls).toEqual(['check'])
    expect(await flow.act('install')).toMatchObject({ state: 'available' })
    expect(await flow.act('download')).toMatchObject({ state: 'ready', progress: 100 })
    expect(await flow.act('install')).toMatchObject({ state: 'ready' })
    expect(calls).toEqual(['check', 'download', 'install'])
  })

  it('dismiss forgets an offered update; errors are reported, not thrown', async () => {
    const { updater, handlers } = fakeUpdater()
    const flow = new UpdateFlow(updater)
    await flow.act('check')
    expect(await flow.act('dismiss')).toMatchObject({ state: 'idle', version: null })
    handlers.get('error')?.(new Error('404'))
    expect(flow.status()).toMatchObject({ state: 'error', message: expect.stringMatching(/could not be completed/) })
  })

  it('without an updater (development, the harness) it is disabled', async () => {
    const flow = new UpdateFlow(null)
    expect(await flow.act('check')).toMatchObject({ state: 'disabled' })
  })
})

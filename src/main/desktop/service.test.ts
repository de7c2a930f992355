import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { PttClock } from '../../shared/ptt/controller'
import type { ParsedHotkey } from '../../shared/ptt/accelerator'
import { SettingsSchema, defaultSettings, mergeSettings, type Settings } from '../../shared/settings/schema'
import type { Notice } from '../../shared/ipc/channels/app'
import type { Handlers, PartialHandlers, SenderInfo } from '../ipc/router'
import { createIpcRouter } from '../ipc/router'
import type { HotkeySink, HotkeySource } from './hotkey-source'
import { createDesktopDomain, TRAY_NOTICE } from './index'
import type { DesktopChannel } from './handlers'
import type { PowerMonitorLike } from './always-listening'

class FakeSettings {
  value: Settings = defaultSettings()
  private readonly listeners = new Set<(s: Settings) => void>()
  get = () => this.value
  update = (patch: unknown) => {
    this.value = SettingsSchema.parse(mergeSettings(this.value, patch))
    for (const l of this.listeners) l(this.value)
    return this.value
  }
  onChange = (l: (s: Settings) => void) => this.listeners.add(l)
}

class HoldSource implements HotkeySource {
  readonly kind = 'uiohook' as const
  readonly sendsKeyUp = true
  sink: HotkeySink | null = null
  bound: string | null = null
  async start(hotkey: ParsedHotkey, sink: HotkeySink) {
    this.sink = sink
    this.bound = hotkey.accelerator
    return { ok: true as const }
  }
  stop() {
    this.sink = null
  }
}

class FakePower implements PowerMonitorLike {
  readonly listeners = new Map<string, () => void>()
  on(event: string, l: () => void) {
    this.listeners.set(event, l)
  }
  removeListener() {}
  fire(event: string) {
    this.listeners.get(event)?.()
  }
}

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function make() {
  const settings = new FakeSettings()
  const events: { event: string; payload: unknown }[] = []
  const notices: Notice[] = []
  const hold = new HoldSource()
  const power = new FakePower()
  const configHome = mkdtempSync(join(tmpdir(), 'earshot-desktop-'))
  dirs.push(configHome)
  let now = 0
  const clock: PttClock = { now: () => now, schedule: () => () => {} }
  const domain = createDesktopDomain({
    platform: 'linux',
    settings,
    emit: (event, payload) => events.push({ event, payload }),
    notify: (n) => notices.push(n),
    holdSource: hold,
    power,
    autostartExecutable: '/usr/bin/earshot',
    configHome,
    clock,
  })
  return { settings, events, notices, hold, power, configHome, domain, desktop: domain.service, tick: (ms: number) => (now += ms) }
}

const ptt = (events: { event: string; payload: unknown }[]) =>
  events.filter((e) => e.event === 'desktop:ptt').map((e) => (e.payload as { commands: unknown[] }).commands)

describe('DesktopService', () => {
  it('binds the hotkey from settings; key events become capture edges for the renderer, whatever the session does', async () => {
    const { desktop, hold, events, tick } = make()
    const status = await desktop.start()
    expect(hold.bound).toBe('CommandOrControl+Shift+Space')
    expect(status.hotkey).toMatchObject({ backend: 'uiohook', holdAvailable: true, mode: 'auto' })
    hold.sink?.down()
    tick(1000)
    desktop.reportSession('connecting', null)
    desktop.reportSession('ready', null)
    hold.sink?.up()
    expect(ptt(events)).toEqual([[{ type: 'start-capture' }], [{ type: 'stop-capture', reason: 'key-up' }]])
    expect(events.some((e) => e.event === 'desktop:status')).toBe(true)
  })

  it('a session error switches always-listening off, persists it, tells the user and shows the error in the tray', async () => {
    const { desktop, settings, notices } = make()
    await desktop.start()
    desktop.alwaysListening.setEnabled(true)
    expect(settings.value.alwaysListening).toBe(true)
    // Hearing locally, nothing leaves: standby; the speech gate opens: hearing you (streaming).
    expect(desktop.status().tray).toMatchObject({ state: 'standby', tooltip: expect.stringMatching(/listening locally; nothing leaves this computer until someone speaks/) })
    desktop.reportSession('connecting', null, true)
    expect(desktop.status().tray).toMatchObject({ state: 'listening', tooltip: 'Earshot: hearing you (always listening)' })
    desktop.reportSession('speaking', null, false)
    expect(desktop.status().tray.state).toBe('speaking')
    desktop.reportSession('ready', null, false)
    expect(desktop.status().tray.state).toBe('standby')
    settings.update({ wakePhrase: 'hey_jarvis' })
    expect(desktop.status().tray.tooltip).toMatch(/until you say the wake phrase/)
    desktop.reportSession('error', 'the provider closed the connection')
    const status = desktop.status()
    expect(status.alwaysListening).toMatchObject({ enabled: false, active: false, offReason: expect.stringMatching(/provider closed/) })
    expect(settings.value.alwaysListening).toBe(false)
    expect(notices.map((n) => n.id)).toContain('always-listening-off')
    expect(status.tray).toMatchObject({ state: 'error', tooltip: expect.stringMatching(/provider closed/) })
  })

  it('turning always-listening on mid-press hands the press over as a turn (ended, not dropped)', async () => {
    const { desktop, hold, events, tick } = make()
    await desktop.start()
    hold.sink?.down()
    tick(800)
    desktop.alwaysListening.setEnabled(true)
    expect(ptt(events)).toEqual([[{ type: 'start-capture' }], [{ type: 'stop-capture', reason: 'hand-over' }]])
  })

  it('always-listening from settings at start, paused by screen lock (tray shows it), resumed on unlock', async () => {
    const { desktop, settings, power } = make()
    settings.value = { ...settings.value, alwaysListening: true }
    await desktop.start()
    expect(desktop.status().alwaysListening.active).toBe(true)
    power.fire('lock-screen')
    expect(desktop.status().alwaysListening).toMatchObject({ active: false, pausedFor: 'lock-screen' })
    expect(desktop.status().tray.state).toBe('idle')
    power.fire('unlock-screen')
    expect(desktop.status().alwaysListening.active).toBe(true)
  })

  it('keeps launch-at-login in step with the setting (XDG autostart file in a real directory)', async () => {
    const { desktop, settings, configHome } = make()
    await desktop.start()
    const file = join(configHome, 'autostart', 'earshot.desktop')
    expect(existsSync(file)).toBe(false)
    settings.update({ launchAtLogin: true })
    expect(readFileSync(file, 'utf8')).toContain('Exec=/usr/bin/earshot --hidden')
    expect(desktop.status().launchAtLogin).toEqual({ enabled: true, supported: true, error: null })
    settings.update({ launchAtLogin: false })
    expect(existsSync(file)).toBe(false)
  })

  it('setHotkey validates, saves the canonical form, and refuses typing keys without touching settings', async () => {
    const { desktop, settings, hold } = make()
    await desktop.start()
    const bad = await desktop.setHotkey('Shift+A', 'hold')
    expect(bad).toMatchObject({ ok: false, reason: expect.stringMatching(/types a character/) })
    expect(settings.value.hotkey).toEqual({ accelerator: 'CommandOrControl+Shift+Space', mode: 'auto' })
    let starts = 0
    const start = hold.start.bind(hold)
    hold.start = (h, sink) => ((starts += 1), start(h, sink))
    const good = await desktop.setHotkey('ctrl+alt+k', 'hold')
    await new Promise((r) => setTimeout(r, 0))
    expect(good.ok).toBe(true)
    expect(starts).toBe(1) // saving it does not bind it a second time
    expect(settings.value.hotkey).toEqual({ accelerator: 'Control+Alt+K', mode: 'hold' })
    expect(hold.bound).toBe('Control+Alt+K')
  })

  it('an invalid hotkey arriving through settings:update keeps the old binding and raises a notice', async () => {
    const { desktop, settings, notices, hold } = make()
    await desktop.start()
    settings.update({ hotkey: { accelerator: 'Space' } })
    await new Promise((r) => setTimeout(r, 0))
    expect(hold.bound).toBe('CommandOrControl+Shift+Space')
    expect(notices.find((n) => n.id === 'hotkey-invalid')?.message).toMatch(/Space: Space on its own/)
  })

  it('tells the user about the tray only the first time the window closes', () => {
    const { desktop, settings } = make()
    expect(desktop.windowClosedToTray()).toBe(TRAY_NOTICE)
    expect(settings.value.ui.trayNoticeShown).toBe(true)
    expect(desktop.windowClosedToTray()).toBeNull()
  })

  it('second-instance commands drive push-to-talk; a bare launch or --show asks for the window', () => {
    const { desktop, tick } = make()
    desktop.reportSession('ready', null)
    expect(desktop.secondInstance(['/usr/bin/earshot', '--ptt-down'])).toBe('ptt-down')
    expect(desktop.pttStatus()).toMatchObject({ capturing: true, phase: 'pressed' })
    tick(1500) // held: in auto mode a hold (not a tap) ends on --ptt-up
    expect(desktop.secondInstance(['/usr/bin/earshot', '--ptt-up'])).toBe('ptt-up')
    expect(desktop.secondInstance(['/usr/bin/earshot'])).toBeNull()
    expect(desktop.secondInstance(['/usr/bin/earshot', '--show'])).toBe('show')
    expect(desktop.secondInstance(['/usr/bin/earshot', '--ptt-up', '--toggle'])).toBe('invalid')
    expect(desktop.pttStatus().capturing).toBe(false)
  })

  it('tray menu actions: talk toggles, mute blocks talking and shows in the tray, window items go to the adapter', () => {
    const { desktop } = make()
    desktop.reportSession('ready', null)
    expect(desktop.menuAction('talk')).toBe(true)
    expect(desktop.pttStatus().capturing).toBe(true)
    expect(desktop.menuAction('toggle-mute')).toBe(true)
    expect(desktop.pttStatus().capturing).toBe(false)
    expect(desktop.status()).toMatchObject({ muted: true, tray: { state: 'muted' } })
    expect(desktop.menu().find((i) => 'id' in i && i.id === 'talk')).toMatchObject({ enabled: false })
    for (const id of ['show-window', 'show-companion', 'open-settings', 'quit'] as const) expect(desktop.menuAction(id)).toBe(false)
  })
})

describe('desktop IPC handlers behind the router', () => {
  const sender: SenderInfo = { frameUrl: 'app://earshot/index.html', isMainFrame: true, isOwnWindow: true, destroyed: false }
  function route(handlers: PartialHandlers<DesktopChannel>) {
    const all = new Proxy(handlers as unknown as Handlers, {
      get: (target, key) => (target as unknown as Record<string | symbol, unknown>)[key] ?? (() => { throw new Error('not used') }),
    })
    return createIpcRouter({ handlers: all, trustedOrigins: () => ['app://earshot'] })
  }

  it('validate inputs and outputs with the desktop contract', async () => {
    const { domain } = make()
    const router = route(domain.handlers)
    expect(await router.invoke('desktop:checkHotkey', sender, { accelerator: 'A' })).toMatchObject({ ok: true, value: { ok: false, reason: expect.stringMatching(/on its own/) } })
    expect(await router.invoke('desktop:checkHotkey', sender, { accelerator: 'super+j' })).toMatchObject({ ok: true, value: { ok: true, accelerator: 'Super+J' } })
    expect(await router.invoke('desktop:talk', sender, { action: 'toggle' })).toEqual({ ok: true, value: { phase: 'latched', capturing: true, mode: 'auto' } })
    expect(await router.invoke('desktop:talk', sender, { action: 'explode' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    expect(await router.invoke('desktop:reportSession', sender, { status: 'speaking' })).toEqual({ ok: true, value: undefined })
    expect(await router.invoke('desktop:status', sender, undefined)).toMatchObject({ ok: true, value: { tray: { state: 'speaking' } } })
    expect(await router.invoke('desktop:reportMicrophoneError', sender, { name: 'NotFoundError' })).toMatchObject({ ok: true, value: { state: 'missing' } })
    expect(await router.invoke('desktop:update', sender, { action: 'download' })).toMatchObject({ ok: true, value: { state: 'disabled' } })
    const set = await router.invoke('desktop:setHotkey', sender, { accelerator: 'Enter', mode: 'hold' })
    expect(set).toMatchObject({ ok: true, value: { ok: false, reason: expect.stringMatching(/Enter on its own/) } })
  })
})

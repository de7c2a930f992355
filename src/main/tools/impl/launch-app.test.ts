import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { CommandResult, LaunchDetached, RunCommand, ToolPlatform } from '../host'
import { runTool, tempDir } from '../test-helpers'
import { createLaunchAppTool, execArgv, linuxAppDirs, parseDesktopEntry, START_APPS_COMMAND } from './launch-app'

let dir: ReturnType<typeof tempDir>
beforeEach(() => (dir = tempDir()))
afterEach(() => dir.cleanup())

const POWERSHELL = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'
const EXPLORER = 'C:\\Windows\\explorer.exe'

const enoent = () => Object.assign(new Error('spawn ENOENT'), { code: 'ENOENT' })

function setup(platform: ToolPlatform, run: RunCommand = async () => ({ code: 0, stdout: '', stderr: '' }), extra: { useStartApps?: boolean } = {}) {
  const runCommand = vi.fn<RunCommand>(run)
  const launchDetached = vi.fn<LaunchDetached>(async () => {})
  const tool = createLaunchAppTool({ platform, env: {}, homeDir: dir.path, runCommand, launchDetached, appDirs: [join(dir.path, 'apps')], ...extra })
  return { tool, runCommand, launchDetached }
}

function desktop(name: string, body: string) {
  mkdirSync(join(dir.path, 'apps'), { recursive: true })
  writeFileSync(join(dir.path, 'apps', name), body)
}

describe('launch_application on Linux', () => {
  beforeEach(() => {
    desktop('org.gnome.Calculator.desktop', '[Desktop Entry]\nType=Application\nName=Calculator\nName[fr]=Calculatrice\nExec=gnome-calculator %U\n[Desktop Action new]\nName=Other\n')
    desktop('firefox-esr.desktop', '[Desktop Entry]\nType=Application\nName=Firefox ESR\nExec="/usr/lib/firefox esr/firefox" --new-window %u\n')
    desktop('hidden.desktop', '[Desktop Entry]\nType=Application\nName=Secret Tool\nNoDisplay=true\nExec=secret\n')
    mkdirSync(join(dir.path, 'apps', 'kde'))
    writeFileSync(join(dir.path, 'apps', 'kde', 'kate.desktop'), '[Desktop Entry]\nType=Application\nName=Kate\nExec=kate -b %U\n')
  })

  it('starts a .desktop application through gtk-launch by its desktop id, after confirmation', async () => {
    const { tool, runCommand } = setup('linux')
    const approve = vi.fn().mockResolvedValue('allow')
    const r = await runTool(tool, 'launch_application', { name: 'calculator' }, approve)
    expect(r.json).toEqual({ launched: 'Calculator' })
    expect(runCommand).toHaveBeenCalledWith('gtk-launch', ['org.gnome.Calculator'], expect.anything())
    expect(approve).toHaveBeenCalledWith(expect.objectContaining({ risk: 'external', description: 'Open the application "Calculator".' }))
    await runTool(tool, 'launch_application', { name: 'kate' })
    expect(runCommand).toHaveBeenLastCalledWith('gtk-launch', ['kde-kate'], expect.anything())
  })

  it('matches by prefix and falls back to gio, then to Exec, when launchers are missing', async () => {
    const { tool, runCommand, launchDetached } = setup('linux', async () => Promise.reject(enoent()))
    const r = await runTool(tool, 'launch_application', { name: 'Firefox' })
    expect(r.json).toEqual({ launched: 'Firefox ESR' })
    expect(runCommand.mock.calls.map((c) => c[0])).toEqual(['gtk-launch', 'gio'])
    expect(launchDetached).toHaveBeenCalledWith('/usr/lib/firefox esr/firefox', ['--new-window'])
  })

  it('reports an application that is not installed, or hidden', async () => {
    const { tool, runCommand } = setup('linux')
    for (const name of ['Photoshop', 'Secret Tool']) {
      const r = await runTool(tool, 'launch_application', { name })
      expect(r.json).toMatchObject({ code: 'not_found' })
      expect(r.json.error).toContain(name)
    }
    expect(runCommand).not.toHaveBeenCalled()
  })

  it('reports a launcher that fails', async () => {
    const { tool } = setup('linux', async (): Promise<CommandResult> => ({ code: 2, stdout: '', stderr: 'gtk-launch: no such application' }))
    const r = await runTool(tool, 'launch_application', { name: 'Calculator' })
    expect(r.json.error).toMatch(/could not be started: gtk-launch: no such application/)
  })

  it('does nothing when denied, and refuses empty names', async () => {
    const { tool, runCommand } = setup('linux')
    expect((await runTool(tool, 'launch_application', { name: 'Calculator' }, () => 'deny')).status).toBe('denied')
    expect((await runTool(tool, 'launch_application', { name: '  ' })).json.code).toBe('invalid_arguments')
    expect(runCommand).not.toHaveBeenCalled()
  })

  it('parses desktop entries and Exec lines', () => {
    expect(parseDesktopEntry('[Desktop Entry]\nName=A\n# c\nExec=a\n[Other]\nName=B')).toEqual({ Name: 'A', Exec: 'a' })
    expect(execArgv('"/opt/My App/run" --flag "two words" %F 100%%')).toEqual(['/opt/My App/run', '--flag', 'two words', '100%'])
    expect(linuxAppDirs({ XDG_DATA_DIRS: '/a:/b' }, '/home/u')).toEqual([
      '/home/u/.local/share/applications',
      '/a/applications',
      '/b/applications',
      '/home/u/.local/share/flatpak/exports/share/applications',
      '/var/lib/flatpak/exports/share/applications',
      '/var/lib/snapd/desktop/applications',
    ])
  })
})

describe('launch_application on macOS', () => {
  it('opens the .app bundle with open -a', async () => {
    mkdirSync(join(dir.path, 'apps', 'Visual Studio Code.app'), { recursive: true })
    mkdirSync(join(dir.path, 'apps', 'Calculator.app'), { recursive: true })
    const { tool, runCommand } = setup('darwin')
    const r = await runTool(tool, 'launch_application', { name: 'visual studio code' })
    expect(r.json).toEqual({ launched: 'Visual Studio Code' })
    expect(runCommand).toHaveBeenCalledWith('open', ['-a', join(dir.path, 'apps', 'Visual Studio Code.app')], expect.anything())
    expect((await runTool(tool, 'launch_application', { name: 'Xcode' })).json.code).toBe('not_found')
  })
})

describe('launch_application on Windows', () => {
  it('uses Get-StartApps and starts the app through shell:AppsFolder', async () => {
    const apps = JSON.stringify([
      { Name: 'Calculator', AppID: 'Microsoft.WindowsCalculator_8wekyb3d8bbwe!App' },
      { Name: 'Notepad', AppID: 'Microsoft.WindowsNotepad_8wekyb3d8bbwe!App' },
    ])
    const { tool, runCommand, launchDetached } = setup('win32', async (file) => ({ code: 0, stdout: file === POWERSHELL ? apps : '', stderr: '' }))
    const r = await runTool(tool, 'launch_application', { name: 'notepad' })
    expect(r.json).toEqual({ launched: 'Notepad' })
    // By absolute %SystemRoot% path, never a bare name looked up in PATH.
    expect(runCommand).toHaveBeenCalledWith(POWERSHELL, START_APPS_COMMAND, expect.anything())
    expect(launchDetached).toHaveBeenCalledWith(EXPLORER, ['shell:AppsFolder\\Microsoft.WindowsNotepad_8wekyb3d8bbwe!App'])
  })

  it('falls back to Start menu shortcuts when PowerShell is unavailable', async () => {
    mkdirSync(join(dir.path, 'apps', 'Mozilla'), { recursive: true })
    writeFileSync(join(dir.path, 'apps', 'Mozilla', 'Firefox.lnk'), '')
    writeFileSync(join(dir.path, 'apps', 'Mozilla', 'Uninstall Firefox.lnk'), '')
    const { tool, launchDetached } = setup('win32', async () => Promise.reject(enoent()))
    const r = await runTool(tool, 'launch_application', { name: 'firefox' })
    expect(r.json).toEqual({ launched: 'Firefox' })
    expect(launchDetached).toHaveBeenCalledWith(EXPLORER, [join(dir.path, 'apps', 'Mozilla', 'Firefox.lnk')])
    expect((await runTool(tool, 'launch_application', { name: 'Paint' })).json.code).toBe('not_found')
  })
})

describe('launch_application resolves the application before asking', () => {
  it('shows the resolved name and path on the confirmation, and a loose match is not a match', async () => {
    mkdirSync(join(dir.path, 'apps', 'Notes.app'), { recursive: true })
    mkdirSync(join(dir.path, 'apps', 'Mail.app'), { recursive: true })
    const { tool, runCommand } = setup('darwin')
    const approve = vi.fn().mockResolvedValue('allow')
    const loose = await runTool(tool, 'launch_application', { name: 'Notes: mail review' }, approve)
    expect(loose.json.code).toBe('not_found')
    expect(approve).not.toHaveBeenCalled() // nothing to confirm: nothing was found
    expect(runCommand).not.toHaveBeenCalled()
    await runTool(tool, 'launch_application', { name: 'notes' }, approve)
    expect(approve).toHaveBeenCalledWith(
      expect.objectContaining({
        description: 'Open the application "Notes".',
        details: [
          { label: 'Application', value: 'Notes' },
          { label: 'Path', value: join(dir.path, 'apps', 'Notes.app') },
        ],
      }),
    )
  })

  it('does not start anything once the call was aborted (its timeout passed)', async () => {
    mkdirSync(join(dir.path, 'apps', 'Calculator.app'), { recursive: true })
    const { tool, runCommand } = setup('darwin')
    const controller = new AbortController()
    controller.abort()
    const prepared = await tool.prepare!({ name: 'Calculator' }, { signal: new AbortController().signal })
    await expect(Promise.resolve().then(() => tool.run({ name: 'Calculator' }, { signal: controller.signal, prepared }))).rejects.toMatchObject({ code: 'timeout' })
    expect(runCommand).not.toHaveBeenCalled()
  })
})

describe('Windows helpers come from %SystemRoot%', () => {
  it('uses SystemRoot when it is a plain absolute path, else C:\\Windows', async () => {
    const { systemRoot, windowsPowerShell } = await import('./windows-paths')
    expect(windowsPowerShell({ SystemRoot: 'D:\\WINNT' })).toBe('D:\\WINNT\\System32\\WindowsPowerShell\\v1.0\\powershell.exe')
    for (const bad of [undefined, 'Windows', '\\\\server\\share', 'C:\\Windows\\..\\Temp', 'C:\\a"b']) expect(systemRoot({ SystemRoot: bad }), String(bad)).toBe('C:\\Windows')
  })
})

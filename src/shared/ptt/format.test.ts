import { describe, expect, it } from 'vitest'
import { formatAccelerator, formatHotkeysIn, hotkeyPlatform, spokenAccelerator } from './format'

describe('formatAccelerator (hotkeys the way the OS writes them)', () => {
  it('writes the default hotkey as macOS and Windows/Linux do', () => {
    expect(formatAccelerator('CommandOrControl+Shift+Space', 'darwin')).toBe('⌘⇧Space')
    expect(formatAccelerator('CommandOrControl+Shift+Space', 'win32')).toBe('Ctrl+Shift+Space')
    expect(formatAccelerator('CommandOrControl+Shift+Space', 'linux')).toBe('Ctrl+Shift+Space')
    expect(formatAccelerator('CommandOrControl+Shift+Space', 'other')).toBe('Ctrl+Shift+Space')
  })

  it('uses symbols for modifiers and special keys on macOS, words elsewhere', () => {
    expect(formatAccelerator('Control+Alt+Up', 'darwin')).toBe('⌃⌥↑')
    expect(formatAccelerator('Command+Alt+Shift+K', 'darwin')).toBe('⌘⌥⇧K')
    expect(formatAccelerator('Control+Alt+Up', 'linux')).toBe('Ctrl+Alt+Up')
    expect(formatAccelerator('Super+J', 'win32')).toBe('Win+J')
    expect(formatAccelerator('Super+J', 'linux')).toBe('Super+J')
    expect(formatAccelerator('Control+num5', 'linux')).toBe('Ctrl+Num 5')
    expect(formatAccelerator('Control+Alt+Escape', 'win32')).toBe('Ctrl+Alt+Esc')
    expect(formatAccelerator('F13', 'darwin')).toBe('F13')
    expect(formatAccelerator('Ctrl+Alt+Return', 'win32')).toBe('Ctrl+Alt+Enter')
  })

  it('never shows Electron words, even for an accelerator that does not parse', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      for (const accel of ['CommandOrControl+Shift+Space', 'CmdOrCtrl+K', 'CommandOrControl+Hyper+Q', 'CommandOrControl+']) {
        const shown = formatAccelerator(accel, platform)
        expect(shown, `${accel} on ${platform}`).not.toMatch(/CommandOrControl|CmdOrCtrl/i)
      }
    }
  })

  it('has spoken words for screen readers and maps platform strings', () => {
    expect(spokenAccelerator('CommandOrControl+Shift+Space', 'darwin')).toBe('Command Shift Space')
    expect(spokenAccelerator('CommandOrControl+Shift+Space', 'linux')).toBe('Ctrl Shift Space')
    expect(hotkeyPlatform('darwin')).toBe('darwin')
    expect(hotkeyPlatform('freebsd')).toBe('other')
  })
})

describe('formatHotkeysIn', () => {
  it('rewrites accelerators inside main\'s sentences and leaves other words alone', () => {
    expect(formatHotkeysIn('CommandOrControl+Shift+Space is already taken by another app.', 'darwin')).toBe('⌘⇧Space is already taken by another app.')
    expect(formatHotkeysIn('CommandOrControl+Alt+J cannot be watched for key-up; it works as a toggle.', 'win32')).toBe('Ctrl+Alt+J cannot be watched for key-up; it works as a toggle.')
    expect(formatHotkeysIn('Add Control or Alt.', 'linux')).toBe('Add Control or Alt.')
  })
})

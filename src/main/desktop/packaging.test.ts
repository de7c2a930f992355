import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '../../..')
const require = createRequire(import.meta.url)
// js-yaml comes with electron-builder; only this test uses it.
const yaml = require('js-yaml') as { load(text: string): unknown }

type Config = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
const config = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as Config

const targets = (list: unknown): string[] => (list as (string | { target: string })[]).map((t) => (typeof t === 'string' ? t : t.target))

describe('electron-builder.yml', () => {
  it('is valid for electron-builder itself (its own JSON schema)', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration(config: unknown, logger: { isEnabled: boolean; add(): void }): Promise<void>
    }
    await expect(validateConfiguration(config, { isEnabled: false, add() {} })).resolves.toBeUndefined()
    // and the validation does bite
    await expect(validateConfiguration({ ...config, mac: { ...config.mac, hardenedRuntim: true } }, { isEnabled: false, add() {} })).rejects.toThrow()
  })

  it('builds dmg+zip, nsis, AppImage+deb with asar', () => {
    expect(targets(config.mac.target).sort()).toEqual(['dmg', 'zip'])
    expect(targets(config.win.target)).toEqual(['nsis'])
    expect(targets(config.linux.target).sort()).toEqual(['AppImage', 'deb'])
    expect(config.asar).toBe(true)
    expect(config.asarUnpack.join()).toMatch(/uiohook-napi/)
    expect(config.files).toContain('out/**')
  })

  it('flips the security fuses', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
    })
  })

  it('macOS: hardened runtime, the audio-input entitlement, and a microphone usage description', () => {
    expect(config.mac.hardenedRuntime).toBe(true)
    expect(config.mac.extendInfo.NSMicrophoneUsageDescription).toMatch(/^Earshot .{40,}\.$/)
    for (const key of ['entitlements', 'entitlementsInherit']) {
      const plist = readFileSync(join(ROOT, config.mac[key] as string), 'utf8')
      expect(plist).toMatch(/<key>com\.apple\.security\.device\.audio-input<\/key>\s*<true\/>/)
      expect(plist).toMatch(/<key>com\.apple\.security\.cs\.allow-jit<\/key>\s*<true\/>/)
      expect(plist).toMatch(/^<\?xml[^]*<plist version="1\.0">[^]*<\/plist>\s*$/)
    }
  })

  it('points every platform at the 1024 px app icon, and ships the tray icons', () => {
    for (const platform of ['mac', 'win', 'linux']) {
      expect(config[platform].icon).toBe('resources/icons/icon.png')
      const png = readFileSync(join(ROOT, config[platform].icon as string))
      expect(png.readUInt32BE(16)).toBe(1024)
    }
    expect(config.extraResources).toContainEqual(expect.objectContaining({ from: 'resources/icons', to: 'icons' }))
  })

  it('uses the appId as the Windows AppUserModelID in the app (or its notifications never show)', () => {
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z]+)+$/)
    expect(readFileSync(join(ROOT, 'src/main/electron/desktop.ts'), 'utf8')).toContain(`setAppUserModelId('${config.appId as string}')`)
  })

  it('has a publish target for electron-updater and the deb depends on the X libraries uiohook needs', () => {
    expect(config.publish[0]).toMatchObject({ provider: expect.stringMatching(/^(github|generic|s3)$/) })
    expect(config.deb.depends).toEqual(expect.arrayContaining(['libxtst6', 'libxt6', 'libxrandr2']))
  })

  it('Windows: updates are installed only when Authenticode verifies for our publisher', () => {
    expect(config.win.verifyUpdateCodeSignature).not.toBe(false)
    const publisher = config.win.signtoolOptions?.publisherName as string[] | string | undefined
    const names = Array.isArray(publisher) ? publisher : publisher ? [publisher] : []
    expect(names.length).toBeGreaterThan(0)
    for (const name of names) expect(name.trim().length).toBeGreaterThan(3)
    expect(config.win.signtoolOptions.signingHashAlgorithms).toEqual(['sha256'])
    // What electron-builder's PublishManager does with it: app-update.yml carries publisherName
    // whenever verification is on and a publisher is configured.
    const { WindowsSignToolManager } = require('app-builder-lib/out/codeSign/windowsSignToolManager.js') as {
      WindowsSignToolManager: new (packager: unknown) => { computedPublisherName: { value: Promise<string[] | null> } }
    }
    const manager = new WindowsSignToolManager({ platformSpecificBuildOptions: config.win, config, info: {} })
    return expect(manager.computedPublisherName.value).resolves.toEqual(names)
  })
})

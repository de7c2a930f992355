import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { closeAfterEach, SHOTS } from '../harness/after-each'
import { startHarness, testEncryptor, type Harness } from '../harness/harness'

describe('the first window, in Chromium over the real main-process handlers', () => {
  let harness: Harness | null = null
  closeAfterEach({ name: 'first-window', harness: () => harness, perTestShot: true })

  it('shows onboarding when no key is set, saves a key write-only, and shows the new state', async () => {
    harness = await startHarness()
    const { page } = harness
    await expect.poll(() => page.getByRole('heading', { name: 'Welcome' }).count()).toBe(1)
    await expect.poll(() => page.getByTestId('provider-select').inputValue()).toBe('openai')
    await expect.poll(() => page.getByTestId('key-status').textContent()).toContain('No OpenAI key is set')
    // Settings are not offered during onboarding: the key card is the one setting that matters.
    expect(await page.getByTestId('open-settings').count()).toBe(0)
    await page.screenshot({ path: join(SHOTS, 'first-window-onboarding.png') })

    await page.getByTestId('key-input').fill('sk-test-first-window-0123456789')
    await page.getByRole('button', { name: 'Save key' }).click()
    await expect.poll(() => page.getByRole('heading', { name: 'Welcome' }).count()).toBe(0)
    expect(harness.services.secrets.getKey('openai')).toBe('sk-test-first-window-0123456789')
    await page.screenshot({ path: join(SHOTS, 'first-window-key-set.png') })
    // The key card lives in the settings window now, with the new state (the key itself never shown).
    const settings = await harness.openSettings('provider')
    await expect.poll(() => settings.getByTestId('key-status').textContent()).toBe('An OpenAI key is set (stored encrypted).')
    expect(await settings.getByTestId('key-input').inputValue()).toBe('')
  })

  it('switches to Demo mode from onboarding and persists the choice', async () => {
    harness = await startHarness()
    const { page } = harness
    await page.getByRole('button', { name: 'Try Demo mode' }).click()
    await expect.poll(() => harness!.services.settings.get().provider).toBe('demo')
    const settings = await harness.openSettings('provider')
    await expect.poll(() => settings.getByTestId('provider-select').inputValue()).toBe('demo')
    await expect.poll(() => settings.getByTestId('key-status').textContent()).toContain('needs no key')
  })

  it('rejects an invalid key with a readable message and keeps no key', async () => {
    harness = await startHarness()
    const { page } = harness
    await page.getByTestId('key-input').fill('short')
    await page.getByRole('button', { name: 'Save key' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('too short')
    expect(harness.services.secrets.getKey('openai')).toBeNull()
  })

  it('says plainly when keys cannot be encrypted, and offers the plaintext opt-in', async () => {
    harness = await startHarness({ encryptor: testEncryptor(false) })
    const { page } = harness
    await expect.poll(() => page.getByText('Keys cannot be encrypted on this system').count()).toBe(1)
    await page.getByTestId('key-input').fill('sk-test-memory-only-0123456789')
    await page.screenshot({ path: join(SHOTS, 'first-window-no-keyring.png') })
    await page.getByRole('button', { name: 'Save key' }).click()
    await expect.poll(() => page.getByRole('heading', { name: 'Welcome' }).count()).toBe(0)
    const settings = await harness.openSettings('provider')
    await expect.poll(() => settings.getByTestId('key-status').textContent()).toContain('kept in memory until Earshot quits')
    expect(await settings.getByLabel(/Keep keys in a plain file/).count()).toBe(1)
  })

  it('shows a notice when the settings file was corrupt, and the app still works', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const dir = mkdtempSync(join(tmpdir(), 'earshot-corrupt-'))
    writeFileSync(join(dir, 'settings.json'), '{"provider": "openai", "audio": {"volume": ')
    harness = await startHarness({ userDataDir: dir })
    const { page } = harness
    await expect.poll(() => page.getByText('Settings were reset').count()).toBe(1)
    await expect.poll(() => page.getByTestId('provider-select').inputValue()).toBe('openai')
    await page.screenshot({ path: join(SHOTS, 'first-window-settings-reset.png') })
  })
})

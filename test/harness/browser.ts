import { accessSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

/** The Chromium to drive: EARSHOT_CHROMIUM, else Debian's, else Playwright's own if installed. */
export function chromiumPath(): string | undefined {
  if (process.env.EARSHOT_CHROMIUM) return process.env.EARSHOT_CHROMIUM
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    try {
      accessSync(candidate)
      return candidate
    } catch {
      // try the next
    }
  }
  return undefined // playwright-core falls back to a browser installed by `npx playwright install`
}

export interface BrowserOptions {
  /** A WAV file for the fake microphone (append %noloop to play it once). */
  fakeMicrophone?: string
  /** Deny microphone access instead of auto-granting it. */
  denyMicrophone?: boolean
  /** No capture device at all. */
  noMicrophone?: boolean
  extraArgs?: string[]
}

/** A fresh Chromium profile with the flags headless Chromium needs here (no sandbox or GPU, fake media devices). */
export async function launchBrowser(options: BrowserOptions = {}): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'earshot-chromium-'))
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--autoplay-policy=no-user-gesture-required',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    ...(options.extraArgs ?? []),
  ]
  if (!options.noMicrophone) args.push('--use-fake-device-for-media-stream')
  if (!options.denyMicrophone) args.push('--use-fake-ui-for-media-stream')
  else args.push('--deny-permission-prompts')
  if (options.fakeMicrophone) args.push(`--use-file-for-fake-audio-capture=${options.fakeMicrophone}`)
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args,
  })
  return {
    context,
    close: async () => {
      await context.close().catch(() => {})
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

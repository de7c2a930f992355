import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import type { Page } from 'playwright-core'

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Holds the talk button for `ms` (push-to-talk with the mouse). */
export async function hold(page: Page, ms: number): Promise<void> {
  await page.getByTestId('talk').hover()
  await page.mouse.down()
  await sleep(ms)
  await page.mouse.up()
}

/** Speaks `text` with espeak-ng into `dir`/name.wav as the fake microphone wants it (48 kHz mono 16-bit, normalised). */
export function speechWav(dir: string, name: string, text: string): string {
  const raw = join(dir, `${name}.raw.wav`)
  const out = join(dir, `${name}.wav`)
  execFileSync('espeak-ng', ['-w', raw, text])
  execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', out, 'norm', '-3'])
  return out
}

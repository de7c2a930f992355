import type { Page } from 'playwright-core'

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Holds the talk button for `ms` (push-to-talk with the mouse). */
export async function hold(page: Page, ms: number): Promise<void> {
  await page.getByTestId('talk').hover()
  await page.mouse.down()
  await sleep(ms)
  await page.mouse.up()
}

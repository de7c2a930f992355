import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterEach } from 'vitest'
import { ROOT, type Harness } from './harness'

/** Where browser tests leave their screenshots (a CI artifact). */
export const SHOTS = join(ROOT, 'out/test/screenshots')
mkdirSync(SHOTS, { recursive: true })

interface Closable {
  close(): Promise<unknown>
}

export interface CloseAfterEachOptions {
  /** The file's name in screenshots: out/test/screenshots/<name>-failed[-<test>].png. */
  name: string
  /** The harness the current test opened (null: none). */
  harness: () => Harness | null
  /** What else the test opened (simulators, servers), closed after the harness. */
  also?: () => readonly (Closable | null | undefined)[]
  /** How many of the page's last console lines a failure prints (default 40). */
  consoleLines?: number
  /** The page a failure photographs (default the voice page; null: none). */
  screenshot?: (harness: Harness) => Page | null | Promise<Page | null>
  /** Put the test's name in the screenshot's file name (a file with several tests). */
  perTestShot?: boolean
  /** More to print on a failure (debug output, under EARSHOT_DEBUG). */
  onFail?: (harness: Harness) => void
  /** After closing: forget what was closed (the file's variables back to null). */
  reset?: () => void
}

/**
 * After each test of the file: when it failed, the page's last console lines are printed and a
 * screenshot saved; then the harness and whatever else the test opened are closed, each once (a
 * test that opened nothing new does not close the previous test's harness again), and `reset`
 * forgets them.
 */
export function closeAfterEach(options: CloseAfterEachOptions): void {
  const closed = new WeakSet<object>()
  afterEach(async (ctx) => {
    const harness = options.harness()
    const open = harness && !closed.has(harness) ? harness : null
    if (ctx.task.result?.state === 'fail' && open) {
      console.log(open.console.slice(-(options.consoleLines ?? 40)).join('\n'))
      options.onFail?.(open)
      const page = options.screenshot ? await Promise.resolve(options.screenshot(open)).catch(() => null) : open.page
      const named = [ctx.task.suite?.name, ctx.task.name].filter(Boolean).join(' ')
      const suffix = options.perTestShot ? `-${named.slice(0, 60).replace(/\W+/g, '-')}` : ''
      await page?.screenshot({ path: join(SHOTS, `${options.name}-failed${suffix}.png`) }).catch(() => {})
    }
    const things = [open, ...(options.also?.() ?? [])].filter((t): t is Closable => !!t && !closed.has(t))
    let failure: unknown = null
    for (const thing of things) {
      closed.add(thing)
      try {
        await thing.close()
      } catch (error) {
        failure ??= error
      }
    }
    options.reset?.()
    if (failure) throw failure
  })
}

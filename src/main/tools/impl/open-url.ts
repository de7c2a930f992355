import { z } from 'zod'
import { checkExternalUrl } from '../../../shared/security/urls'
import { defineTool, ToolError } from '../tool'

export interface OpenUrlDeps {
  openExternal: ((url: string) => Promise<void>) | null
}

/** A bare host like "example.com/page" gets https:// in front; anything with a scheme is left alone. */
export function withScheme(value: string): string {
  const trimmed = value.trim()
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed) && !/^[a-z0-9.-]+\.[a-z]{2,}:\d+/i.test(trimmed)) return trimmed
  if (/^(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(:\d+)?([/?#].*)?$/i.test(trimmed)) return `https://${trimmed}`
  return trimmed
}

export function createOpenUrlTool(deps: OpenUrlDeps) {
  return defineTool({
    name: 'open_url',
    description:
      "Open a web page in the user's default browser. Only http and https addresses are allowed. The user is asked to confirm first.",
    risk: 'external',
    timeoutMs: 15_000,
    schema: z.strictObject({
      url: z.string().trim().min(1).max(2048).describe('The full web address, for example "https://en.wikipedia.org/wiki/Tea".'),
    }),
    // The card shows the address exactly as the browser will get it (punycode host, escaped
    // characters), so a look-alike host cannot pass for the real one.
    summarize: ({ url }) => {
      const check = checkExternalUrl(withScheme(url))
      return `Open ${check.ok ? check.url : withScheme(url)} in your browser.`
    },
    run: async ({ url }) => {
      const check = checkExternalUrl(withScheme(url))
      if (!check.ok) throw new ToolError('invalid_arguments', check.reason)
      if (!deps.openExternal) throw new ToolError('not_available', 'Opening web pages is not available here (no desktop browser).')
      await deps.openExternal(check.url)
      return { opened: check.url }
    },
  })
}

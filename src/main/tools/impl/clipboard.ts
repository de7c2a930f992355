import { z } from 'zod'
import type { ClipboardPort } from '../host'
import { defineTool, ToolError } from '../tool'

export const CLIPBOARD_READ_LIMIT = 8_000

const unavailable = () => new ToolError('not_available', 'The clipboard is not available here (Earshot is running without a desktop).')

export function createClipboardTools(deps: { clipboard: ClipboardPort | null }) {
  const read = defineTool({
    name: 'read_clipboard',
    description: 'Read the text currently on the clipboard, for example to summarise, translate or read out what the user copied.',
    risk: 'read',
    // The clipboard often holds a password: the user is asked every time (never always-allowed).
    askEveryTime: true,
    timeoutMs: 5_000,
    schema: z.strictObject({}),
    summarize: () => 'Read the text on your clipboard.',
    run: async () => {
      if (!deps.clipboard) throw unavailable()
      const text = await deps.clipboard.readText()
      if (!text) return { text: '', empty: true, note: 'The clipboard holds no text.' }
      const truncated = text.length > CLIPBOARD_READ_LIMIT
      return { text: truncated ? text.slice(0, CLIPBOARD_READ_LIMIT) : text, length: text.length, truncated }
    },
  })
  const write = defineTool({
    name: 'write_clipboard',
    description: 'Put text on the clipboard so the user can paste it. This replaces what is there; the user is asked to confirm first.',
    risk: 'write',
    timeoutMs: 5_000,
    schema: z.strictObject({ text: z.string().min(1).max(100_000).describe('The exact text to copy.') }),
    summarize: ({ text }) => `Copy ${text.length > 80 ? `"${text.slice(0, 80)}…" (${text.length} characters)` : `"${text}"`} to the clipboard.`,
    run: async ({ text }) => {
      if (!deps.clipboard) throw unavailable()
      await deps.clipboard.writeText(text)
      return { copied: true, length: text.length }
    },
  })
  return [read, write]
}

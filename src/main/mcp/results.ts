/**
 * An MCP `tools/call` result as the voice model reads it. Text content goes back (at most
 * MAX_RESULT_TEXT_CHARS in all, with a note when cut); images, audio and resources are described in
 * a line each, never dropped silently; `structuredContent` is used when there is no text.
 */

/** Characters of result text the model gets from one call (docs/mcp.md). */
export const MAX_RESULT_TEXT_CHARS = 16_000

export interface McpResultView {
  /** What the model reads. */
  text: string
  /** True when text was cut to MAX_RESULT_TEXT_CHARS. */
  truncated: boolean
  /** Characters of text before cutting. */
  totalChars: number
  /** One line per non-text item (image, audio, resource, link). */
  attachments: string[]
  isError: boolean
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function sizeOfBase64(data: unknown): string {
  if (typeof data !== 'string') return 'unknown size'
  const bytes = Math.floor((data.replace(/=+$/, '').length * 3) / 4)
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} bytes`
}

export function renderCallResult(result: unknown, maxChars = MAX_RESULT_TEXT_CHARS): McpResultView {
  const r = isRecord(result) ? result : {}
  const content = Array.isArray(r.content) ? r.content : []
  const texts: string[] = []
  const attachments: string[] = []
  for (const item of content) {
    if (!isRecord(item)) continue
    switch (item.type) {
      case 'text':
        if (typeof item.text === 'string') texts.push(item.text)
        break
      case 'image':
        attachments.push(`[image ${String(item.mimeType ?? 'of unknown type')}, ${sizeOfBase64(item.data)}: not shown to the voice model]`)
        break
      case 'audio':
        attachments.push(`[audio ${String(item.mimeType ?? 'of unknown type')}, ${sizeOfBase64(item.data)}: not played]`)
        break
      case 'resource': {
        const res = isRecord(item.resource) ? item.resource : {}
        if (typeof res.text === 'string') {
          texts.push(`[resource ${String(res.uri ?? '')}]\n${res.text}`)
        } else {
          attachments.push(`[resource ${String(res.uri ?? '')} (${String(res.mimeType ?? 'binary')}, ${sizeOfBase64(res.blob)}): binary, not shown]`)
        }
        break
      }
      case 'resource_link':
        attachments.push(`[resource link ${String(item.name ?? '')}: ${String(item.uri ?? '')}${item.description ? ` (${String(item.description)})` : ''}]`)
        break
      default:
        attachments.push(`[content of type ${String(item.type)}: not shown]`)
    }
  }
  if (texts.length === 0 && r.structuredContent !== undefined) {
    try {
      texts.push(JSON.stringify(r.structuredContent))
    } catch {
      attachments.push('[structured content that cannot be shown]')
    }
  }
  if (texts.length === 0 && content.length === 0 && isRecord(r) && 'toolResult' in r) {
    // The 2024-10-07 protocol's compatibility shape.
    texts.push(typeof r.toolResult === 'string' ? r.toolResult : JSON.stringify(r.toolResult))
  }
  const full = texts.join('\n')
  const truncated = full.length > maxChars
  return {
    text: truncated ? full.slice(0, maxChars) : full,
    truncated,
    totalChars: full.length,
    attachments,
    isError: r.isError === true,
  }
}

/** The JSON object the executor hands the model. */
export function resultObject(view: McpResultView): Record<string, unknown> {
  return {
    text: view.text,
    ...(view.truncated ? { note: `The result had ${view.totalChars} characters; only the first ${view.text.length} are shown.` } : {}),
    ...(view.attachments.length ? { attachments: view.attachments } : {}),
  }
}

/** A stored conversation as Markdown (both sides' words, tool calls) or JSON. */
import type { Conversation } from '../../shared/ipc/channels/history'
import { formatCost } from '../../shared/pricing'

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '—'
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${s % 60} s`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}

const flat = (text: string, max: number) => {
  const one = text.replace(/\s+/g, ' ').trim()
  return one.length > max ? `${one.slice(0, max - 1)}…` : one
}

export function toMarkdown(c: Conversation): string {
  const lines = [`# ${c.title ?? 'Earshot conversation'}`, '']
  lines.push(`- Started: ${new Date(c.startedAt).toISOString()}`)
  lines.push(`- Provider: ${c.provider}${c.model ? ` (${c.model})` : ''}`)
  lines.push(`- Duration: ${formatDuration(c.endedAt === null ? null : c.endedAt - c.startedAt)}`)
  lines.push(`- Cost: ${formatCost(c.costUsd)}${c.costUsd !== null && c.costUsd > 0 ? ' (estimate)' : ''}`, '')
  for (const e of c.entries) {
    if (e.kind === 'turn') {
      lines.push(`**${e.role === 'user' ? 'You' : 'Earshot'}:** ${e.text}${e.interrupted ? ' _(interrupted)_' : ''}`, '')
    } else {
      const args = JSON.stringify(e.arguments ?? null)
      lines.push(`> Tool \`${e.name}\` (${e.status ?? 'no result'}${e.decision ? `, ${e.decision}` : ''})${args && args !== '{}' && args !== 'null' ? `: \`${args.replaceAll('`', "'")}\`` : ''}`)
      if (e.result) lines.push(`> Result: ${flat(e.result, 400)}`)
      lines.push('')
    }
  }
  return lines.join('\n')
}

export function toJson(c: Conversation): string {
  return `${JSON.stringify({ format: 'earshot-conversation', version: 1, ...c, startedAt: new Date(c.startedAt).toISOString(), endedAt: c.endedAt === null ? null : new Date(c.endedAt).toISOString() }, null, 2)}\n`
}

export function exportFilename(c: Conversation, format: 'md' | 'json'): string {
  const stamp = new Date(c.startedAt).toISOString().slice(0, 19).replace(/[:T]/g, '-')
  return `earshot-conversation-${stamp}.${format}`
}

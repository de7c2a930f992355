/**
 * Intents that change trust and that main confirms on its own surface before it acts, whoever
 * asked (the voice window is treated as untrusted). Pure: the handlers in src/main/app/services.ts
 * and src/main/desktop/handlers.ts ask these, then put the questions to the ConfirmSurface.
 */
import { PROVIDER_LABELS } from '../../shared/providers'
import { KEYED_PROVIDERS, PROVIDER_IDS, SettingsSchema, mergeSettings, type Settings } from '../../shared/settings/schema'
import type { IntentQuestion } from './confirm-surface'

/**
 * Help and documentation hosts the app links to (key pages, the providers' docs, microphone
 * help). app:openExternal and window.open open these at once; any other address is shown on main's
 * confirmation window first.
 */
export const HELP_HOSTS = [
  'platform.openai.com',
  'help.openai.com',
  'www.assemblyai.com',
  'assemblyai.com',
  'speko.dev',
  'www.speko.dev',
  'docs.speko.dev',
  'support.apple.com',
  'support.microsoft.com',
] as const

/** A normalised http(s) URL whose host is a help host (https only). */
export function isHelpLink(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'https:' && !parsed.username && !parsed.password && !parsed.port && (HELP_HOSTS as readonly string[]).includes(parsed.hostname)
  } catch {
    return false
  }
}

/** The question for opening a link that is not a help page. */
export function openLinkQuestion(url: string): IntentQuestion {
  let host = url
  try {
    host = new URL(url).host
  } catch {
    // keep the whole address
  }
  return {
    question: `Earshot wants to open ${host} in your browser. Allow?`,
    details: [{ label: 'Address', value: url }],
    allowLabel: 'Open link',
    note: 'Only open it if you asked for this page.',
  }
}

const shorten = (text: string, max = 600) => (text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text)

/**
 * The questions a settings patch raises: new system instructions (a lasting prompt injection),
 * always-listening turned on, launch at login turned on (a hot microphone from login). Turning
 * them off, and every other setting, needs no question. Invalid patches raise none (the update
 * itself then refuses them with its reason).
 */
export function settingsQuestions(current: Settings, patch: Record<string, unknown>): IntentQuestion[] {
  const parsed = SettingsSchema.safeParse(mergeSettings(current, patch))
  if (!parsed.success) return []
  const next = parsed.data
  const questions: IntentQuestion[] = []
  for (const provider of PROVIDER_IDS) {
    const before = (current.providers[provider] as { instructions?: string }).instructions ?? ''
    const after = (next.providers[provider] as { instructions?: string }).instructions ?? ''
    if (before === after || after.trim() === '') continue
    questions.push({
      question: `Change the instructions ${PROVIDER_LABELS[provider]} follows in every conversation?`,
      details: [{ label: 'New instructions', value: shorten(after) }],
      allowLabel: 'Change instructions',
      note: 'Instructions steer every answer and every tool call. Only confirm text you wrote.',
    })
  }
  if (next.alwaysListening && !current.alwaysListening) questions.push(alwaysListeningQuestion())
  if (next.launchAtLogin && !current.launchAtLogin) {
    questions.push({
      question: 'Start Earshot when you log in?',
      details: [],
      allowLabel: 'Start at login',
      note: next.alwaysListening ? 'Always-listening is on, so the microphone opens as soon as you log in.' : null,
    })
  }
  return questions
}

export function alwaysListeningQuestion(): IntentQuestion {
  return {
    question: 'Turn on always-listening? Earshot keeps the microphone open and sends what it hears to your provider.',
    details: [],
    allowLabel: 'Turn on',
    note: 'You can turn it off from the tray at any time.',
  }
}

export function replaceKeyQuestion(provider: (typeof KEYED_PROVIDERS)[number]): IntentQuestion {
  return {
    question: `Replace the saved ${PROVIDER_LABELS[provider]} key?`,
    details: [],
    allowLabel: 'Replace key',
    note: 'Conversations then go to the account of the new key.',
  }
}

export function plaintextQuestion(): IntentQuestion {
  return {
    question: 'Keep API keys in a plain file? This system offers no encryption, so anyone who can read your files can read the keys.',
    details: [],
    allowLabel: 'Keep in a plain file',
  }
}

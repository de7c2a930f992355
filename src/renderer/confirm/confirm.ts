/**
 * Main's confirmation window: shows the first waiting prompt exactly as main wrote it (question,
 * readable fields, a note), takes the focus, allows once with Enter, denies with Escape. It talks
 * to main only through window.earshotConfirm, whose sender main tells apart from the voice window.
 * Text goes in with textContent only.
 */
import '../../shared/jitless'
import type { ConfirmChoice, ConfirmPrompt } from '../../shared/ipc/channels/confirm'
import type { ConfirmApi } from '../../shared/ipc/confirm-api'
import '../src/styles.css'

declare global {
  interface Window {
    earshotConfirm?: ConfirmApi
  }
}

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const root = byId<HTMLElement>('confirm')
const question = byId<HTMLHeadingElement>('confirm-question')
const details = byId<HTMLDListElement>('confirm-details')
const note = byId<HTMLParagraphElement>('confirm-note')
const allow = byId<HTMLButtonElement>('confirm-allow')
const always = byId<HTMLButtonElement>('confirm-always')
const deny = byId<HTMLButtonElement>('confirm-deny')
const count = byId<HTMLParagraphElement>('confirm-count')
const empty = byId<HTMLParagraphElement>('confirm-empty')

const api = window.earshotConfirm
let current: ConfirmPrompt | null = null
let busy = false

function render(prompts: ConfirmPrompt[]): void {
  const first = prompts[0] ?? null
  const changed = first?.id !== current?.id
  current = first
  root.hidden = !first
  empty.hidden = !!first
  if (!first) {
    document.title = 'Earshot: confirm'
    return
  }
  if (!changed) {
    count.textContent = prompts.length > 1 ? `${prompts.length - 1} more waiting after this one.` : ''
    return
  }
  document.title = first.question
  question.textContent = first.question
  details.replaceChildren(
    ...first.details.flatMap((d) => {
      const term = document.createElement('dt')
      term.textContent = d.label
      const value = document.createElement('dd')
      value.textContent = d.value
      return [term, value]
    }),
  )
  note.textContent = first.note ?? ''
  note.hidden = !first.note
  allow.textContent = first.allowLabel
  deny.textContent = first.denyLabel
  always.hidden = !first.alwaysAllowable
  count.textContent = prompts.length > 1 ? `${prompts.length - 1} more waiting after this one.` : ''
  root.dataset.prompt = first.id
  root.dataset.kind = first.kind
  // A new question takes the focus: the dialog's label is announced and Enter allows once.
  allow.focus()
}

async function answer(choice: ConfirmChoice): Promise<void> {
  if (!api || !current || busy) return
  busy = true
  try {
    render(await api.answer({ id: current.id, choice }))
  } catch {
    render(await api.prompts().catch(() => []))
  } finally {
    busy = false
  }
}

allow.addEventListener('click', () => void answer('allow_once'))
always.addEventListener('click', () => void answer('always_allow'))
deny.addEventListener('click', () => void answer('deny'))
document.addEventListener('keydown', (event) => {
  if (!current || event.defaultPrevented || event.repeat) return
  if (event.key === 'Escape') {
    event.preventDefault()
    void answer('deny')
  } else if (event.key === 'Enter') {
    // Enter on another button presses that button; anywhere else it allows once.
    const target = event.target as HTMLElement | null
    if (target instanceof HTMLButtonElement && target !== allow) return
    event.preventDefault()
    void answer('allow_once')
  }
})

if (api) {
  api.onPrompts(render)
  void api.prompts().then(render, () => render([]))
} else {
  empty.hidden = false
  empty.textContent = 'This window works only inside Earshot.'
}

/**
 * Demo replies spoken by the system's speech synthesis (the Web Speech API's speechSynthesis).
 * The Demo server sends the reply's words ahead of silent audio as long as the speech (see
 * src/main/sim/demo.ts, APP_DEMO); this speaks each sentence as soon as it is complete. Where the
 * system has no voice, availability says so and the window shows the words only.
 *
 * speechSynthesis does not play through the app's audio engine, so the engine's barge-in does not
 * silence it: cancel() does, and the voice window calls it whenever the user starts talking over a
 * reply (stopDemoSpeech() is the same for code that has no speaker at hand).
 */

/** The parts of SpeechSynthesisVoice we read. */
export interface VoiceLike {
  name: string
  lang: string
  default: boolean
  localService: boolean
}

/** The parts of SpeechSynthesisUtterance we use. */
export interface UtteranceLike {
  text: string
  lang: string
  voice: unknown
  onend: ((event: unknown) => void) | null
  onerror: ((event: { error?: string }) => void) | null
}

/** window.speechSynthesis, reduced to what the speaker needs (tests give a double). */
export interface SynthLike {
  getVoices(): VoiceLike[]
  speak(utterance: UtteranceLike): void
  cancel(): void
  addEventListener(type: 'voiceschanged', listener: () => void): void
  removeEventListener(type: 'voiceschanged', listener: () => void): void
}

export type SpeechAvailability =
  | { state: 'checking' }
  | { state: 'voice'; voice: string }
  | { state: 'none'; reason: string }

/** How long to wait for the system to list its voices (Chromium loads them asynchronously). */
export const VOICES_WAIT_MS = 1500

export const NO_VOICE =
  'This system has no speech synthesis voice, so the Demo shows its replies as text only. (On Linux, voices come from speech-dispatcher, for example with espeak-ng.)'

/** The complete sentences in text from `from` on: [spoken text, new offset]. */
export function completeSentences(text: string, from: number): [string, number] {
  const rest = text.slice(from)
  let end = -1
  const re = /[.!?…](?=\s|$)["')\]]*/g
  let m: RegExpExecArray | null
  // Transcript deltas are whole words ("2.1" never arrives as "2." then "1"), so a stop at the end
  // of the text so far ends a sentence.
  while ((m = re.exec(rest))) end = m.index + m[0].length
  if (end < 0) return ['', from]
  return [rest.slice(0, end).trim(), from + end]
}

function pickVoice(voices: VoiceLike[], lang: string): VoiceLike | null {
  const base = lang.split('-')[0]!.toLowerCase()
  const same = voices.filter((v) => v.lang.toLowerCase().startsWith(base))
  return same.find((v) => v.default) ?? same.find((v) => v.localService) ?? same[0] ?? voices.find((v) => v.default) ?? voices[0] ?? null
}

export interface DemoSpeakerOptions {
  synth: SynthLike | null
  makeUtterance: (text: string) => UtteranceLike
  lang?: string
  /** Schedules the voices deadline (tests pass their own). */
  schedule?: (fn: () => void, ms: number) => () => void
}

export class DemoSpeaker {
  private availabilityValue: SpeechAvailability = { state: 'checking' }
  private readonly listeners = new Set<(a: SpeechAvailability) => void>()
  private voice: VoiceLike | null = null
  /** Per transcript entry: how much of its text has been handed to the synthesizer. */
  private readonly spokenUpTo = new Map<string, number>()
  /** Entries the user interrupted: never spoken again. */
  private readonly silenced = new Set<string>()
  private readonly lang: string
  private cancelWait: (() => void) | null = null
  private onVoices: (() => void) | null = null
  /** Utterances queued or being spoken. */
  private active = 0
  private readonly spokenLog: string[] = []

  constructor(private readonly options: DemoSpeakerOptions) {
    this.lang = options.lang ?? 'en-US'
    const synth = options.synth
    if (!synth) {
      this.setAvailability({ state: 'none', reason: NO_VOICE })
      return
    }
    if (this.takeVoices()) return
    this.onVoices = () => void this.takeVoices()
    synth.addEventListener('voiceschanged', this.onVoices)
    const schedule = options.schedule ?? ((fn, ms) => {
      const t = setTimeout(fn, ms)
      return () => clearTimeout(t)
    })
    this.cancelWait = schedule(() => {
      this.cancelWait = null
      if (this.availabilityValue.state === 'checking') this.setAvailability({ state: 'none', reason: NO_VOICE })
    }, VOICES_WAIT_MS)
  }

  get availability(): SpeechAvailability {
    return this.availabilityValue
  }

  /** Something is being said (or waits in the synthesizer's queue). */
  get speaking(): boolean {
    return this.active > 0
  }

  /** What was handed to the synthesizer, in order (for tests and diagnostics). */
  get spoken(): readonly string[] {
    return this.spokenLog
  }

  onChange(listener: (a: SpeechAvailability) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * The reply's text as it grows. Speaks each complete sentence once; the rest when the reply is
   * final. An interrupted reply is not spoken further.
   */
  follow(id: string, text: string, final: boolean, interrupted: boolean): void {
    if (interrupted || this.silenced.has(id)) {
      if (!this.silenced.has(id) && this.spokenUpTo.has(id)) this.cancel()
      this.silenced.add(id)
      return
    }
    const from = this.spokenUpTo.get(id) ?? 0
    if (from >= text.length) return
    let [sentence, next] = completeSentences(text, from)
    if (final) {
      sentence = text.slice(from).trim()
      next = text.length
    }
    if (!sentence) return
    this.spokenUpTo.set(id, next)
    this.say(sentence)
  }

  /** Silences the reply at once and drops what is queued (barge-in, hang-up, leaving Demo). */
  cancel(): void {
    if (this.active === 0) return
    this.active = 0
    this.options.synth?.cancel()
  }

  dispose(): void {
    this.cancel()
    this.cancelWait?.()
    if (this.onVoices) this.options.synth?.removeEventListener('voiceschanged', this.onVoices)
    this.listeners.clear()
  }

  private say(text: string): void {
    const synth = this.options.synth
    if (!synth || this.availabilityValue.state !== 'voice') return
    const utterance = this.options.makeUtterance(text)
    utterance.lang = this.voice?.lang ?? this.lang
    if (this.voice) utterance.voice = this.voice
    const done = () => {
      if (this.active > 0) this.active--
    }
    utterance.onend = done
    utterance.onerror = (event) => {
      done()
      const error = event?.error ?? 'unknown'
      // Cancelled on purpose: not a problem. Anything else: the voice does not work here.
      if (error === 'interrupted' || error === 'canceled') return
      this.setAvailability({ state: 'none', reason: `The system voice could not speak (${error}), so the Demo shows its replies as text only.` })
    }
    this.active++
    this.spokenLog.push(text)
    synth.speak(utterance)
  }

  private takeVoices(): boolean {
    const voices = this.options.synth?.getVoices() ?? []
    const voice = pickVoice(voices, this.lang)
    if (!voice) return false
    this.voice = voice
    this.cancelWait?.()
    this.cancelWait = null
    this.setAvailability({ state: 'voice', voice: voice.name })
    return true
  }

  private setAvailability(a: SpeechAvailability): void {
    this.availabilityValue = a
    for (const listener of [...this.listeners]) listener(a)
  }
}

let current: DemoSpeaker | null = null

/** The window's speaker (created on first use with the browser's speechSynthesis). */
export function demoSpeaker(): DemoSpeaker {
  current ??= new DemoSpeaker({
    synth: typeof speechSynthesis === 'undefined' ? null : (speechSynthesis as unknown as SynthLike),
    makeUtterance: (text) => new SpeechSynthesisUtterance(text) as unknown as UtteranceLike,
    lang: 'en-US', // the Demo's script is English
  })
  return current
}

/** Barge-in for the Demo's spoken replies: stops the system voice at once. Safe to call any time. */
export function stopDemoSpeech(): void {
  current?.cancel()
}

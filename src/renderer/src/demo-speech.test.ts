import { describe, expect, it } from 'vitest'
import { completeSentences, DemoSpeaker, NO_VOICE, type SynthLike, type UtteranceLike, type VoiceLike } from './demo-speech'

/** A speechSynthesis double: records what it is asked to say; the test ends or fails utterances. */
function fakeSynth(voices: VoiceLike[] = []) {
  const queue: UtteranceLike[] = []
  let listener: (() => void) | null = null
  let cancels = 0
  const synth: SynthLike = {
    getVoices: () => voices,
    speak: (u) => void queue.push(u),
    cancel: () => {
      cancels++
      for (const u of queue.splice(0)) u.onerror?.({ error: 'interrupted' })
    },
    addEventListener: (_type, l) => void (listener = l),
    removeEventListener: () => void (listener = null),
  }
  return {
    synth,
    queue,
    cancels: () => cancels,
    addVoices(v: VoiceLike[]) {
      voices = v
      listener?.()
    },
  }
}

const make = (text: string): UtteranceLike => ({ text, lang: '', voice: null, onend: null, onerror: null })
const EN: VoiceLike = { name: 'English (America)', lang: 'en-US', default: false, localService: true }
const DE: VoiceLike = { name: 'Deutsch', lang: 'de-DE', default: true, localService: true }

function manualSchedule() {
  const pending: Array<() => void> = []
  return { schedule: (fn: () => void) => (pending.push(fn), () => void pending.splice(pending.indexOf(fn), 1)), fire: () => pending.splice(0).forEach((f) => f()) }
}

describe('the Demo speaker', () => {
  it('cuts streaming text at sentence ends', () => {
    expect(completeSentences('Your clock says it is 09:41. I read it', 0)).toEqual(['Your clock says it is 09:41.', 28])
    expect(completeSentences('Your clock says it is 09:41. I read it', 28)).toEqual(['', 28])
    expect(completeSentences('Done! A "quoted." end. Next', 0)).toEqual(['Done! A "quoted." end.', 22])
  })

  it('speaks each sentence once as the reply grows, the rest when it is final, with an English voice', () => {
    const f = fakeSynth([DE, EN])
    const speaker = new DemoSpeaker({ synth: f.synth, makeUtterance: make })
    expect(speaker.availability).toEqual({ state: 'voice', voice: 'English (America)' })
    speaker.follow('a1', 'Your clock says it is 09:41.', false, false)
    speaker.follow('a1', 'Your clock says it is 09:41. I read it', false, false)
    speaker.follow('a1', 'Your clock says it is 09:41. I read it with a tool. Talk again', false, false)
    speaker.follow('a1', 'Your clock says it is 09:41. I read it with a tool. Talk again', true, false)
    expect(f.queue.map((u) => u.text)).toEqual(['Your clock says it is 09:41.', 'I read it with a tool.', 'Talk again'])
    expect(f.queue.every((u) => u.voice === EN && u.lang === 'en-US')).toBe(true)
    expect(speaker.speaking).toBe(true)
    for (const u of f.queue.splice(0)) u.onend?.({})
    expect(speaker.speaking).toBe(false)
  })

  it('barge-in: cancel silences it at once; an interrupted reply is not spoken further', () => {
    const f = fakeSynth([EN])
    const speaker = new DemoSpeaker({ synth: f.synth, makeUtterance: make })
    speaker.follow('a1', 'One. Two.', false, false)
    speaker.cancel()
    expect(f.cancels()).toBe(1)
    expect(speaker.speaking).toBe(false)
    expect(speaker.availability.state).toBe('voice') // 'interrupted' is not a failure
    speaker.follow('a1', 'One. Two. Three.', false, true)
    speaker.follow('a1', 'One. Two. Three. Four.', true, false)
    expect(f.queue).toEqual([])
    speaker.cancel() // nothing playing: the synthesizer is left alone
    expect(f.cancels()).toBe(1)
  })

  it('without voices it says so (after waiting for a late voice list) and speaks nothing', () => {
    const f = fakeSynth([])
    const clock = manualSchedule()
    const speaker = new DemoSpeaker({ synth: f.synth, makeUtterance: make, schedule: clock.schedule })
    expect(speaker.availability.state).toBe('checking')
    clock.fire()
    expect(speaker.availability).toEqual({ state: 'none', reason: NO_VOICE })
    speaker.follow('a1', 'Hello there.', true, false)
    expect(f.queue).toEqual([])
    // Voices that arrive later are used from then on.
    f.addVoices([EN])
    expect(speaker.availability.state).toBe('voice')
    expect(new DemoSpeaker({ synth: null, makeUtterance: make }).availability).toEqual({ state: 'none', reason: NO_VOICE })
  })

  it('a voice that fails to speak turns into the text-only note', () => {
    const f = fakeSynth([EN])
    const speaker = new DemoSpeaker({ synth: f.synth, makeUtterance: make })
    speaker.follow('a1', 'Hello there.', true, false)
    f.queue[0]!.onerror?.({ error: 'synthesis-failed' })
    expect(speaker.availability).toMatchObject({ state: 'none', reason: expect.stringContaining('synthesis-failed') })
    expect(speaker.speaking).toBe(false)
  })
})

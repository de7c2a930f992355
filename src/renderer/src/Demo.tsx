/**
 * Demo mode in the voice window: the plain line that says what the Demo is (a script, no speech
 * understanding), and its replies spoken by the system's voice (demo-speech.ts) or, where the
 * system has none, a note that they are shown as text only.
 */
import { useEffect, useState } from 'react'
import { demoSpeaker, type SpeechAvailability } from './demo-speech'
import type { VoiceController } from './voice'

/** Speaks the Demo's replies while `on`; returns whether a system voice is available. */
export function useDemoSpeech(voice: VoiceController, on: boolean): SpeechAvailability | null {
  const [availability, setAvailability] = useState<SpeechAvailability | null>(null)
  useEffect(() => {
    if (!on) return
    const speaker = demoSpeaker()
    setAvailability(speaker.availability)
    let capturing = voice.getState().capturing
    const offs = [
      speaker.onChange(setAvailability),
      voice.transcript.watch((entry) => {
        if (entry.kind === 'agent') speaker.follow(entry.id, entry.text, entry.final, entry.interrupted)
      }),
      // The system voice is outside the audio engine: the user talking over it stops it here.
      voice.subscribe(() => {
        const s = voice.getState()
        if (s.capturing && !capturing) speaker.cancel()
        if (s.status === 'idle' || s.status === 'error') speaker.cancel()
        capturing = s.capturing
      }),
    ]
    return () => {
      offs.forEach((off) => off())
      speaker.cancel()
    }
  }, [voice, on])
  return on ? availability : null
}

export function DemoIntro({ speech }: { speech: SpeechAvailability | null }) {
  const state = speech?.state ?? 'checking'
  return (
    <section className="notice demo-note" aria-label="About Demo mode" data-testid="demo-note">
      <p>
        <strong>Demo follows a script and does not understand speech.</strong> Whatever you say, it answers with its next step: it reads the time, starts a timer and
        takes a note with Earshot&apos;s real tools, so you can see how Earshot asks before it changes anything.
      </p>
      <p className="small" data-testid="demo-voice" data-state={state}>
        {speech?.state === 'voice'
          ? `Its replies are spoken by your system's voice (${speech.voice}).`
          : speech?.state === 'none'
            ? speech.reason
            : 'Looking for a system voice to speak its replies…'}
      </p>
    </section>
  )
}

/**
 * A spoken answer to a waiting confirmation, matched strictly: the whole utterance must be one of
 * a few short phrases (case, surrounding punctuation and spacing ignored). "Yes, and open my
 * mail" is not a yes. Pure, so the renderer can show what will count and main checks it again.
 */
const YES = new Set(['yes', 'yes please', 'yeah', 'yep', 'allow', 'allow it', 'go ahead'])
const NO = new Set(['no', 'no thanks', 'no thank you', 'nope', 'deny', 'cancel', 'stop', 'dont', 'do not'])

export type SpokenAnswer = 'yes' | 'no'

export function matchSpokenAnswer(transcript: string): SpokenAnswer | null {
  if (transcript.length > 40) return null
  const words = transcript
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[’']/g, '')
    .replace(/^[\s.,!?¡¿"“”-]+|[\s.,!?¡¿"“”-]+$/g, '')
    .replace(/[\s,]+/g, ' ')
  if (YES.has(words)) return 'yes'
  if (NO.has(words)) return 'no'
  return null
}

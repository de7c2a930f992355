/**
 * What went wrong, in a few words, for the status pill ("Key refused", "Offline"), from the error
 * message the transcript shows in full (the session's human messages, main's mint errors).
 */
const RULES: Array<[RegExp, string]> = [
  [/no .*key is set/i, 'No key set'],
  [/rejected the (api )?key|refused (this|the) key|HTTP 40[13]\b|(invalid|incorrect) api key/i, 'Key refused'],
  [/quota|credit|billing|insufficient/i, 'Out of credit'],
  [/rate.?limit|too many requests|HTTP 429\b/i, 'Rate limited'],
  [/internet|could not reach|offline|network|ENOTFOUND|ECONNREFUSED/i, 'Offline'],
  [/unavailable|overloaded|HTTP 5\d\d\b/i, 'Provider down'],
  [/did not answer in time|timed? ?out/i, 'Timed out'],
  [/token expired|maximum length|session expired/i, 'Session ended'],
  [/connection .*lost|lost the connection|connection closed|closed the connection/i, 'Connection lost'],
  [/microphone/i, 'Microphone problem'],
  [/speaker|output device/i, 'Speaker problem'],
  [/did not understand|protocol/i, 'Unexpected reply'],
  [/tool/i, 'Tool failed'],
]

export function shortError(message: string | null | undefined): string {
  if (!message) return 'Stopped by an error'
  for (const [pattern, words] of RULES) if (pattern.test(message)) return words
  return 'Provider error'
}

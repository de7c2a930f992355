/**
 * The providers' current models and voices, for the settings window's lists (free text stays
 * possible behind "Other…": providers add names faster than releases ship). Sources and dates are
 * in docs/provider-catalog.md. Which provider offers which list is its descriptor's business
 * (src/shared/providers: modelsFor, voicesFor).
 */

export interface CatalogEntry {
  id: string
  /** A few words for the list ("newest", "lower cost"); empty when there is nothing to add. */
  note: string
}

/** OpenAI Realtime models (the @openai/agents-realtime model type, 2026-08). */
export const OPENAI_REALTIME_MODELS: readonly CatalogEntry[] = [
  { id: 'gpt-realtime', note: 'the current default' },
  { id: 'gpt-realtime-2.1', note: 'newest' },
  { id: 'gpt-realtime-2.1-mini', note: 'newest, lower cost' },
  { id: 'gpt-realtime-2', note: '' },
  { id: 'gpt-realtime-1.5', note: '' },
  { id: 'gpt-realtime-mini', note: 'lower cost' },
]

/** OpenAI Realtime voices (the session's audio.output.voice). marin and cedar are Realtime-only. */
export const OPENAI_VOICES: readonly CatalogEntry[] = [
  { id: 'marin', note: 'recommended' },
  { id: 'cedar', note: 'recommended' },
  { id: 'alloy', note: '' },
  { id: 'ash', note: '' },
  { id: 'ballad', note: '' },
  { id: 'coral', note: '' },
  { id: 'echo', note: '' },
  { id: 'sage', note: '' },
  { id: 'shimmer', note: '' },
  { id: 'verse', note: '' },
]

/**
 * AssemblyAI Voice Agent voices named in its documentation. Its live list is GET /v1/voices on the
 * agents host (with the key); any other voice id goes in "Other…".
 */
export const ASSEMBLYAI_VOICES: readonly CatalogEntry[] = [
  { id: 'ivy', note: 'American English' },
  { id: 'anna', note: '' },
]


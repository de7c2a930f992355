/** Pre-roll frames quieter than this (RMS, about -44 dBFS) are room noise, not words said before the press. */
export const QUIET_PREROLL_RMS = 0.006

/**
 * Whether a captured frame goes to the session. A WebRTC track plays in real time, so a pre-roll
 * sent at the press would delay the whole turn by its length (600 ms, measured by `npm run bench --
 * transport`): on a track only the pre-roll that has something in it goes out.
 */
export function sendsFrame(info: { preroll: boolean; rms: number }, uplinkIsTrack: boolean): boolean {
  return !(uplinkIsTrack && info.preroll && info.rms < QUIET_PREROLL_RMS)
}

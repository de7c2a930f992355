// Vite's `?worker&url` import: the URL of the bundled module (used for the AudioWorklet modules).
declare module '*?worker&url' {
  const src: string
  export default src
}

// Vite's `?url` import of an asset (the earcon WAVs in resources/earcons): its URL in the bundle.
declare module '*.wav?url' {
  const url: string
  export default url
}

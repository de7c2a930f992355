// Vite's `?worker&url` import: the URL of the bundled module (used for the AudioWorklet modules).
declare module '*?worker&url' {
  const src: string
  export default src
}

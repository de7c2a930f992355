// Vite's `?url` import: the URL of a file copied into the build.
declare module '*?url' {
  const src: string
  export default src
}

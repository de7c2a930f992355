import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'

// Main and preload are Node-side bundles; the renderer is a plain Vite React app whose root is
// src/renderer, so the browser test harness can build and serve exactly the same page.
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: { index: resolve('src/main/index.ts') },
      },
    },
  },
  preload: {
    // A sandboxed preload cannot load modules or ESM: bundle everything (zod included) into one
    // CommonJS file.
    build: {
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    base: './',
    build: {
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
    // The speech gate's VAD worker is an ES module (onnxruntime-web finds its files through
    // import.meta.url).
    worker: { format: 'es' },
    plugins: [react()],
  },
})

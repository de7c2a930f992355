// Lint is where the layer boundaries live (see docs/ARCHITECTURE.md). The rules below are the
// contract; test/unit/lint-boundaries.test.ts proves that each one bites.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

const NODE_BUILTINS = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'http2', 'https', 'module', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream',
  'string_decoder', 'timers', 'tls', 'tty', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
]
const nodeModules = [{ group: ['node:*'], message: 'Node modules are not allowed in this layer.' }]
const nodeNames = NODE_BUILTINS.map((name) => ({ name, message: 'Node modules are not allowed in this layer.' }))
const electron = { name: 'electron', message: 'Electron is reached only from src/main/electron (thin adapters) and the preload.' }

// Globals that do not exist everywhere src/shared runs (renderer, preload, main, plain Node).
const DOM_AND_NODE_GLOBALS = [
  'window', 'document', 'navigator', 'location', 'localStorage', 'sessionStorage', 'fetch', 'WebSocket',
  'AudioContext', 'AudioWorkletNode', 'MediaStream', 'HTMLElement', 'Element', 'Node', 'XMLHttpRequest',
  'process', 'Buffer', 'require', 'module', '__dirname', '__filename', 'global', 'setImmediate',
].map((name) => ({ name, message: `src/shared is pure TypeScript: '${name}' is a DOM or Node global.` }))

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'test/fixtures/lint/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['scripts/**/*.{js,mjs}', 'test/**/*.{ts,mjs}', '*.config.{ts,js}', 'src/cli/**/*.ts', 'src/main/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  // src/shared: no electron, no node:, no React, no DOM/Node globals.
  {
    files: ['src/shared/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electron, ...nodeNames,
          { name: 'react', message: 'src/shared has no React.' },
          { name: 'react-dom', message: 'src/shared has no React.' },
          { name: 'ws', message: 'src/shared reaches sockets through its SocketLike interface.' }],
        patterns: [...nodeModules,
          { group: ['**/main/**', '**/renderer/**', '**/preload/**', '**/cli/**'], message: 'src/shared imports only src/shared.' }],
      }],
      'no-restricted-globals': ['error', ...DOM_AND_NODE_GLOBALS],
    },
  },
  // src/renderer: browser code; never electron or Node.
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electron, ...nodeNames, { name: 'ws', message: 'The renderer uses the browser WebSocket.' }],
        patterns: [...nodeModules,
          { group: ['**/main/**', '**/preload/**', '**/cli/**'], message: 'The renderer talks to main only through window.earshot (the preload bridge).' }],
      }],
      'no-restricted-globals': ['error', { name: 'require', message: 'No Node in the renderer.' }, { name: 'process', message: 'No Node in the renderer.' }],
    },
  },
  // src/preload: only src/shared and electron's contextBridge/ipcRenderer.
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...nodeNames,
          { name: 'electron', allowImportNames: ['contextBridge', 'ipcRenderer'], message: 'The preload may use only contextBridge and ipcRenderer.' }],
        patterns: [...nodeModules,
          { group: ['**/main/**', '**/renderer/**', '**/cli/**'], message: 'The preload imports only src/shared.' },
          { regex: '^(?!\\.|electron$).*', message: 'The preload imports only src/shared and electron.' }],
      }],
    },
  },
  // src/main services: Electron only through the thin adapters in src/main/electron and the
  // composition root, so every service runs under plain Node.
  {
    files: ['src/main/**/*.ts', 'src/cli/**/*.ts'],
    ignores: ['src/main/electron/**', 'src/main/index.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electron],
        patterns: [{ group: ['**/renderer/**', '**/preload/**'], message: 'Main-side code does not import renderer or preload code.' }],
      }],
    },
  },
)

import { defineConfig } from 'vitest/config'

// Two projects: `unit` runs everything that needs only Node (services, protocol core, tools,
// simulators); `e2e` drives the built renderer in Chromium and checks the build as a whole.
export default defineConfig({
  test: {
    // Real-time audio in a shared VM: a test that fails is run once more before it counts as
    // failed. A deterministic failure still fails; races found this way get fixed, not hidden
    // (each retry is printed in the run's output).
    retry: 1,
    env: {
      // require('electron') returns a path string instead of downloading the binary; tests never
      // launch Electron through it (see test/e2e/electron.test.ts for the real launch).
      ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent-electron-dist',
    },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})

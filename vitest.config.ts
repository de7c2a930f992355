import { defineConfig } from 'vitest/config'

// Two projects: `unit` runs everything that needs only Node (services, protocol core, tools,
// simulators); `e2e` drives the built renderer in Chromium and checks the build as a whole.
export default defineConfig({
  test: {
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
          // Real-time audio (CLI, simulators) on a shared VM: a failed test runs once more before
          // it counts. A deterministic failure still fails; races seen this way get fixed.
          retry: 1,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          retry: 1,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})

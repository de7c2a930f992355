#!/usr/bin/env node
// `npm test`: typecheck, lint (layer boundaries included), build, then every vitest project.
// Ends with the plain line `N passed, N failed` (and `, N skipped` when something was skipped).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'

process.env.ELECTRON_OVERRIDE_DIST_PATH ??= '/nonexistent-electron-dist'
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'
let passed = 0
let failed = 0
let skipped = 0

function step(name, args) {
  const started = Date.now()
  process.stdout.write(`\n▶ ${name}\n`)
  const result = spawnSync(npx, args, { stdio: 'inherit' })
  const ok = result.status === 0
  process.stdout.write(`${ok ? '✓' : '✗'} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`)
  if (ok) passed += 1
  else failed += 1
  return ok
}

step('typecheck: src/shared (pure)', ['tsc', '-p', 'tsconfig.shared.json'])
step('typecheck: node (main, preload, cli, tests)', ['tsc', '-p', 'tsconfig.node.json'])
step('typecheck: web (renderer)', ['tsc', '-p', 'tsconfig.web.json'])
step('typecheck: browser tests and benches', ['tsc', '-p', 'tsconfig.e2e.json'])
step('lint (layer boundaries)', ['eslint', '--max-warnings', '0', '.'])
const built = step('build (electron-vite)', ['electron-vite', 'build'])

mkdirSync('out/test', { recursive: true })
const report = 'out/test/vitest.json'
rmSync(report, { force: true })
const projects = built ? [] : ['--project', 'unit']
if (!built) {
  console.log('The build failed, so the end-to-end project (which needs out/) is not run.')
}
const vitest = spawnSync(npx, ['vitest', 'run', ...projects, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], {
  stdio: 'inherit',
})
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'))
  passed += json.numPassedTests
  failed += json.numFailedTests
  skipped += json.numPendingTests + json.numTodoTests
  if (json.numFailedTestSuites > 0 && json.numFailedTests === 0) failed += json.numFailedTestSuites
  // Tests that failed once and passed on their retry (vitest.config.ts): named, so races get fixed.
  const retried = json.testResults.flatMap((file) =>
    file.assertionResults.filter((t) => t.status === 'passed' && t.failureMessages.length > 0).map((t) => t.fullName),
  )
  for (const name of retried) console.log(`flaky (passed on its retry): ${name}`)
} else {
  console.log(`vitest produced no report (exit ${vitest.status}).`)
  failed += 1
}
if (vitest.status !== 0 && failed === 0) failed += 1

console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed === 0 ? 0 : 1)

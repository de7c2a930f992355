import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../harness/harness'

interface Finding {
  check: string
  file: string
  line: number | undefined
  level: string
  message: string
}
interface Accepted {
  check: string
  file: string
  reason: string
}

/**
 * Doyensec's electronegativity scans the source for Electron misconfigurations. It exits 0 even
 * when it finds problems, so the SARIF report is read instead: every finding must be explained in
 * security/electronegativity-allowlist.json, and every explanation must still match a finding.
 */
describe('electronegativity', () => {
  it('reports nothing that is not explained in the allowlist', () => {
    const out = join(ROOT, 'out/security')
    mkdirSync(out, { recursive: true })
    const sarif = join(out, 'electronegativity.sarif')
    const run = spawnSync(
      join(ROOT, 'node_modules/.bin/electronegativity'),
      ['-i', join(ROOT, 'src'), '-r', '-v', 'false', '-e', '45.4.1', '-o', sarif],
      { encoding: 'utf8', cwd: ROOT, timeout: 120_000 },
    )
    expect(run.status, run.stderr).toBe(0)
    const report = JSON.parse(readFileSync(sarif, 'utf8'))
    type SarifResult = {
      ruleId: string
      level: string
      message?: { text?: string }
      locations?: Array<{ physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } } }>
    }
    const findings: Finding[] = (report.runs as Array<{ results: SarifResult[] }>).flatMap((r) =>
      r.results.map((result) => ({
        check: result.ruleId,
        file: result.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? '?',
        line: result.locations?.[0]?.physicalLocation?.region?.startLine,
        level: result.level,
        message: result.message?.text ?? '',
      })),
    )
    const { accepted } = JSON.parse(readFileSync(join(ROOT, 'security/electronegativity-allowlist.json'), 'utf8')) as { accepted: Accepted[] }
    for (const entry of accepted) expect(entry.reason.length, `${entry.check} ${entry.file}`).toBeGreaterThan(20)
    const unexplained = findings.filter((f) => !accepted.some((a) => a.check === f.check && a.file === f.file))
    expect(unexplained.map((f) => `${f.check} (${f.level}) at ${f.file}:${f.line}: ${f.message}`)).toEqual([])
    const stale = accepted.filter((a) => !findings.some((f) => f.check === a.check && f.file === a.file))
    expect(stale.map((a) => `${a.check} ${a.file}`), 'allowlist entries that no longer match a finding').toEqual([])
  })
})

import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readStaticFile } from './static'

describe('serving the built renderer', () => {
  const base = mkdtempSync(join(tmpdir(), 'earshot-static-'))
  const root = join(base, 'renderer')
  mkdirSync(join(root, 'assets'), { recursive: true })
  writeFileSync(join(root, 'index.html'), '<!doctype html>')
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(join(base, 'secret.txt'), 'top secret')
  symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'link.txt'))

  it('serves files with their content type, and / as index.html', async () => {
    expect(await readStaticFile(root, '/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' })
    const js = await readStaticFile(root, '/assets/app.js?v=1')
    expect(js).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' })
  })

  it('never serves anything outside the root', async () => {
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/assets/link.txt', '/%00index.html', '/%E0%A4%A']) {
      const result = await readStaticFile(root, path)
      expect(result.status, path).not.toBe(200)
    }
  })

  it('answers 404 for missing files and folders', async () => {
    expect((await readStaticFile(root, '/nope.js')).status).toBe(404)
    expect((await readStaticFile(root, '/assets')).status).toBe(404)
  })
})

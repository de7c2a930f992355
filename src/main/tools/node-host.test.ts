import { describe, expect, it } from 'vitest'
import { createNodeTools } from './index'
import { createNodeToolHost, nodeLaunchDetached, nodePlatform, nodeRunCommand } from './node-host'

const node = process.execPath

describe('Node host', () => {
  it('runs a program with an argument vector and no shell', async () => {
    const hostile = '$(echo pwned); echo "also" && exit 3 `id`'
    const r = await nodeRunCommand(node, ['-e', 'process.stdout.write(process.argv[1])', hostile])
    expect(r).toEqual({ code: 0, stdout: hostile, stderr: '' })
  })

  it('reports a non-zero exit as a result, a missing program as ENOENT, and a timeout as code null', async () => {
    expect((await nodeRunCommand(node, ['-e', 'console.error("bad"); process.exit(4)'])).code).toBe(4)
    await expect(nodeRunCommand('earshot-no-such-program', [])).rejects.toMatchObject({ code: 'ENOENT' })
    expect((await nodeRunCommand(node, ['-e', 'setTimeout(() => {}, 5000)'], { timeoutMs: 200 })).code).toBeNull()
  })

  it('launches detached programs and rejects missing ones', async () => {
    await expect(nodeLaunchDetached(node, ['-e', ''])).resolves.toBeUndefined()
    await expect(nodeLaunchDetached('earshot-no-such-program', [])).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('maps platforms and has no clipboard or browser under plain Node', async () => {
    expect(nodePlatform('darwin')).toBe('darwin')
    expect(nodePlatform('freebsd')).toBe('linux')
    const host = createNodeToolHost({ notify: null })
    expect(host.clipboard).toBeNull()
    const kit = createNodeTools({ notify: null })
    // read_clipboard asks first (approved here), then says there is no clipboard.
    const r = await kit.executeToolCall({ callId: 'n1', name: 'read_clipboard', arguments: {} }, { approve: () => 'allow' })
    expect(JSON.parse(r.output)).toMatchObject({ code: 'not_available' })
    kit.dispose()
  })
})

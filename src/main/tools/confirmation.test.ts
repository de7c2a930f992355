import { describe, expect, it, vi } from 'vitest'
import type { ApprovalRequest, PendingConfirmation } from '../../shared/tools/types'
import { ConfirmationService } from './confirmation'
import { createNodeTools } from './index'

function setup(timeoutSeconds = 60) {
  const allowed = new Set<string>()
  const changes: PendingConfirmation[][] = []
  const timers = new Map<number, () => void>()
  let next = 1
  const service = new ConfirmationService({
    timeoutSeconds: () => timeoutSeconds,
    alwaysAllow: { has: (t) => allowed.has(t), add: (t) => void allowed.add(t) },
    now: () => 1000,
    setTimeout: (cb) => {
      timers.set(next, cb)
      return next++
    },
    clearTimeout: (h) => void timers.delete(h as number),
    onChange: (p) => changes.push(p),
  })
  const fireTimeouts = () => [...timers.values()].forEach((cb) => cb())
  return { service, allowed, changes, timers, fireTimeouts }
}

const req = (callId: string, name = 'open_url'): ApprovalRequest => ({ callId, name, risk: 'external', description: `Open for ${callId}`, arguments: { url: 'https://example.com' } })

describe('confirmation service', () => {
  it('waits for Allow once and shows the pending call meanwhile', async () => {
    const { service, changes, timers } = setup(30)
    const decision = service.approve(req('a'))
    expect(service.pending()).toEqual([
      { callId: 'a', name: 'open_url', risk: 'external', summary: 'Open for a', arguments: { url: 'https://example.com' }, requestedAt: 1000, expiresAt: 31_000, alwaysAllowable: false },
    ])
    expect(service.fromSurface('a', 'allow_once')).toBe(true)
    expect(await decision).toEqual({ decision: 'allow', via: 'user' })
    expect(service.pending()).toEqual([])
    expect(changes.map((c) => c.length)).toEqual([1, 0])
    expect(timers.size).toBe(0)
  })

  it('denies on Deny and on timeout', async () => {
    const { service, fireTimeouts } = setup()
    const denied = service.approve(req('a'))
    service.fromSurface('a', 'deny')
    expect(await denied).toEqual({ decision: 'deny', via: 'user' })
    const late = service.approve(req('b'))
    fireTimeouts()
    expect(await late).toEqual({ decision: 'deny', via: 'timeout' })
    expect(service.fromSurface('b', 'allow_once')).toBe(false)
  })

  it('remembers Always allow for a write tool, for the call decided only', async () => {
    const { service, allowed } = setup()
    const write = (callId: string): ApprovalRequest => ({ callId, name: 'set_timer', risk: 'write', description: 'Set a timer.', arguments: {}, alwaysAllowable: true })
    const first = service.approve(write('a'))
    void service.approve(write('b'))
    const other = service.approve(req('c', 'launch_application'))
    service.fromSurface('a', 'always_allow')
    expect(await first).toEqual({ decision: 'allow', via: 'user' })
    expect(allowed.has('set_timer')).toBe(true)
    expect(service.pending().map((p) => p.callId)).toEqual(['b', 'c'])
    expect(await service.approve(write('d'))).toEqual({ decision: 'allow', via: 'always' })
    service.cancelAll()
    expect(await other).toEqual({ decision: 'deny', via: 'none' })
  })

  it('never remembers Always allow for an external tool, and ignores an old entry for one', async () => {
    const { service, allowed } = setup()
    const first = service.approve(req('a'))
    service.fromSurface('a', 'always_allow')
    expect(await first).toEqual({ decision: 'allow', via: 'user' })
    expect(allowed.size).toBe(0)
    allowed.add('open_url')
    void service.approve(req('b'))
    expect(service.pending().map((p) => p.callId)).toEqual(['b'])
  })

  it('bounds how many calls may wait', async () => {
    const { service } = setup()
    for (let i = 0; i < 10; i += 1) void service.approve(req(`p${i}`))
    expect(await service.approve(req('overflow'))).toEqual({ decision: 'deny', via: 'none' })
  })

  it('drives the executor: the tool runs only after the user allows it', async () => {
    const { service } = setup()
    const openExternal = vi.fn().mockResolvedValue(undefined)
    const kit = createNodeTools({ notify: null, overrides: { openExternal } })
    const result = kit.executeToolCall({ callId: 'x', name: 'open_url', arguments: { url: 'https://example.com' } }, { approve: service.approve })
    await vi.waitFor(() => expect(service.pending()).toHaveLength(1))
    expect(openExternal).not.toHaveBeenCalled()
    service.fromSurface('x', 'allow_once')
    expect((await result).status).toBe('ok')
    expect(openExternal).toHaveBeenCalledWith('https://example.com/')
    kit.dispose()
  })
})

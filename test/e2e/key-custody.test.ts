import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { channels, type ChannelInput, type ChannelName } from '../../src/shared/ipc/contract'
import type { MainServices } from '../../src/main/app/services'
import { ROOT, startHarness, type Harness } from '../harness/harness'

/**
 * Key custody: a canary key is put into the main-process services; then every IPC channel is
 * driven from the real renderer page through the harness bridge. The canary must never appear in
 * an IPC reply, an event, the DOM, the console, the log, or the built bundles.
 *
 * SAMPLE_INPUTS is typed over every channel: adding a channel without a sample here fails
 * typecheck. Inputs are chosen to exercise the handler (not to fail validation), and to stay on
 * this machine (Demo mode, local paths).
 */
const SAMPLE_INPUTS: { [C in ChannelName]: ChannelInput<C> } = {
  'app:info': undefined,
  'app:notices': undefined,
  'app:dismissNotice': { id: 'nothing-to-dismiss' },
  'app:openExternal': { url: 'https://example.com/help' },
  'app:openSettings': { section: 'privacy' },
  'settings:get': undefined,
  'settings:update': { patch: { alwaysListening: true } },
  'settings:reset': undefined,
  'keys:status': undefined,
  'keys:set': { provider: 'speko', key: 'sk-speko-replaced-0123456789' },
  'keys:allowPlaintext': { allow: false },
  'session:start': { provider: 'demo' },
  'desktop:status': undefined,
  'desktop:checkHotkey': { accelerator: 'Control+Alt+K' },
  'desktop:setHotkey': { accelerator: 'CommandOrControl+Shift+Space', mode: 'auto' },
  'desktop:retryHotkey': undefined,
  'desktop:talk': { action: 'toggle' },
  'desktop:reportSession': { status: 'ready', error: null },
  'desktop:setAlwaysListening': { enabled: false },
  'desktop:setMuted': { muted: false },
  'desktop:requestMicrophone': undefined,
  'desktop:reportMicrophoneError': { name: 'NotAllowedError' },
  'desktop:openMicrophoneSettings': undefined,
  'desktop:showCompanion': { show: false },
  'desktop:updateStatus': undefined,
  'desktop:update': { action: 'check' },
  'companion:view': undefined,
  'companion:report': { level: 0.2, line: { speaker: 'user', text: 'hello' } },
  'companion:action': { action: 'hide' },
  'tools:list': undefined,
  'tools:execute': { callId: 'custody-call-1', name: 'get_current_time', arguments: { timeZone: 'UTC' } },
  'tools:decide': { callId: 'no-such-call', choice: 'deny' },
  'tools:deny': { callId: 'no-such-call' },
  'tools:review': { callId: 'no-such-call' },
  'tools:spokenAnswer': { callId: 'no-such-call', transcript: 'no' },
  'tools:pending': undefined,
  'tools:audit': { limit: 20 },
  'tools:settings': undefined,
  'tools:revokeAlwaysAllow': { name: 'open_url' },
  'tools:setPermission': { name: 'open_url', permission: 'ask' },
  'tools:addSearchFolder': undefined,
  'tools:removeSearchFolder': { path: '/not/a/search/folder' },
  'tools:chooseNotesFolder': undefined,
  'tools:resetNotesFolder': undefined,
  'tools:openNotesFolder': undefined,
  'tools:timers': undefined,
  'tools:cancelTimer': { id: 't999' },
  'history:status': undefined,
  'history:begin': { provider: 'demo', model: '' },
  'history:turn': { id: 'not-begun-here', role: 'user', text: 'hello', interrupted: false },
  'history:tool': { id: 'not-begun-here', callId: 'c1', name: 'get_current_time', arguments: {}, result: null, status: null, decision: null },
  'history:usage': { id: 'not-begun-here', inputTokens: 1 },
  'history:end': { id: 'not-begun-here' },
  'history:list': { limit: 10, offset: 0 },
  'history:search': { query: 'hello "unbalanced', limit: 5 },
  'history:get': { id: 'no-such-conversation' },
  'history:export': { id: 'no-such-conversation', format: 'md' },
  'history:continue': { id: 'no-such-conversation' },
  'history:delete': { id: 'no-such-conversation' },
  'history:deleteAll': undefined,
  'mcp:servers': undefined,
  'mcp:add': { server: { name: 'custody', transport: 'http', url: 'http://127.0.0.1:9/mcp' }, token: 'mcp-custody-token-0123' },
  'mcp:update': { name: 'custody', server: { name: 'custody', transport: 'http', url: 'http://127.0.0.1:9/mcp' } },
  'mcp:setEnabled': { name: 'custody', enabled: false },
  'mcp:remove': { name: 'custody' },
  'mcp:restart': { name: 'custody' },
  'mcp:import': undefined,
  'mcp:setRisk': { tool: 'custody__tool', risk: null },
  // From the voice window these are refused (only main's confirmation window answers prompts).
  'confirm:prompts': undefined,
  'confirm:answer': { id: 'no-such-prompt', choice: 'deny' },
  // Last: clearing one key still leaves the canary in the others.
  'keys:clear': { provider: 'speko' },
}

const CANARY = `sk-canary-${randomBytes(16).toString('hex')}`

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

describe('the API key never leaves the main process', () => {
  let harness: Harness
  const results: Array<{ channel: string; outcome: unknown }> = []

  beforeAll(async () => {
    let main: MainServices | null = null
    harness = await startHarness({
      // The user confirms what main's window asks (replacing a key, a link, always-listening), so
      // every handler runs to its end.
      deps: { confirmWindow: { show: () => main?.confirm.list().forEach((p) => main?.confirm.answer(p.id, 'allow_once')), hide: () => {} } },
      beforeLoad: (services) => {
        main = services
        services.secrets.set('openai', CANARY)
        services.secrets.set('assemblyai', CANARY)
        services.secrets.set('speko', CANARY)
        services.logger.info('custody: keys loaded into main')
      },
    })
    await harness.page.getByTestId('talk').waitFor()
    for (const [channel, input] of Object.entries(SAMPLE_INPUTS)) {
      const [ns, action] = channel.split(':') as [string, string]
      const outcome = await harness.page.evaluate(
        async ([n, a, i]) => {
          const api = (globalThis as unknown as { earshot: Record<string, Record<string, (x: unknown) => Promise<unknown>>> }).earshot
          try {
            return { ok: true, value: await api[n]![a]!(i) }
          } catch (error) {
            return { ok: false, error: String(error) }
          }
        },
        [ns, action, input] as [string, string, unknown],
      )
      results.push({ channel, outcome })
    }
  })
  afterAll(async () => {
    await harness?.close()
  })

  it('drove every channel in the contract through the guard', () => {
    const driven = new Set(harness.ipc.map((record) => record.channel))
    for (const name of Object.keys(channels)) expect(driven, name).toContain(name)
  })

  it('main really holds the key (so the checks below can fail)', () => {
    expect(harness.services.secrets.getKey('openai')).toBe(CANARY)
    expect(results.find((r) => r.channel === 'keys:status')?.outcome).toMatchObject({ ok: true, value: { providers: { openai: { set: true } } } })
  })

  it('is in no IPC reply and no event', () => {
    expect(JSON.stringify(harness.ipc)).not.toContain(CANARY)
    expect(JSON.stringify(results)).not.toContain(CANARY)
    expect(JSON.stringify(harness.events)).not.toContain(CANARY)
  })

  it('is not in the DOM or the console', async () => {
    expect(await harness.page.content()).not.toContain(CANARY)
    // The settings window (app:openSettings above opened it) shows the key card: the state, never the key.
    const settings = await harness.openSettings('provider')
    await settings.getByTestId('key-status').waitFor()
    expect(await settings.getByTestId('key-status').textContent()).toContain('An OpenAI key is set')
    expect(await settings.content()).not.toContain(CANARY)
    const storage = await harness.page.evaluate<string>('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie')
    expect(storage).not.toContain(CANARY)
    expect(harness.console.join('\n')).not.toContain(CANARY)
  })

  it('is not in the log, even when something tries to log it', () => {
    harness.services.logger.error(`an error that quotes the key ${CANARY} by mistake`)
    const log = readFileSync(harness.logFile, 'utf8')
    expect(log).toContain('custody: keys loaded into main')
    expect(log).toContain('[redacted]')
    expect(log).not.toContain(CANARY)
  })

  it('is not stored in plaintext anywhere in the user-data folder', () => {
    for (const file of filesUnder(harness.userDataDir)) expect(readFileSync(file, 'utf8'), file).not.toContain(CANARY)
  })

  it('is not in the built bundles, and key storage code is not in the renderer or preload', () => {
    const out = join(ROOT, 'out')
    const files = filesUnder(out).filter((file) => !file.includes(`${join(out, 'test')}`) && !file.includes(`${join(out, 'bench')}`))
    expect(files.length).toBeGreaterThan(3)
    for (const file of files) expect(readFileSync(file, 'utf8'), file).not.toContain(CANARY)
    for (const file of files.filter((f) => f.includes('/renderer/') || f.includes('/preload/'))) {
      const text = readFileSync(file, 'utf8')
      expect(text, file).not.toContain('secrets.json')
      expect(text, file).not.toContain('getKey(')
      expect(text, file).not.toMatch(/\bsk-[A-Za-z0-9_-]{20,}/)
    }
  })

  it('never lands in the history database, even when a conversation quotes it', async () => {
    const text = await harness.page.evaluate(async (canary) => {
      const api = (globalThis as unknown as { earshot: Record<string, Record<string, (x?: unknown) => Promise<unknown>>> }).earshot
      const { id } = (await api.history!.begin!({ provider: 'demo', model: '' })) as { id: string }
      await api.history!.turn!({ id, role: 'user', text: `my key is ${canary}` })
      await api.history!.tool!({ id, callId: 'custody-h1', name: 'write_note', arguments: { text: canary }, result: `saved ${canary}`, status: 'ok', decision: 'allow' })
      await api.history!.end!({ id })
      const stored = (await api.history!.get!({ id })) as { entries: { text?: string }[] }
      return stored.entries[0]?.text
    }, CANARY)
    expect(text).toBe('my key is [redacted]')
    const files = filesUnder(harness.userDataDir).filter((file) => file.includes('history.db'))
    expect(files.length).toBeGreaterThan(0)
    for (const file of files) expect(readFileSync(file).toString('latin1'), file).not.toContain(CANARY)
  })
})

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { credentialSecrets, isLoopback, MintError, mintAssemblyAI, mintOpenAI, mintSpeko, parseRetryAfter, toSocketBase, type FetchLike } from './mint'

const KEY = 'sk-test-REAL-KEY-123456'

interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

let servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
  servers = []
})

/** A tiny local HTTP server answering every request with `reply`; records what it saw. */
async function serve(reply: (seen: Seen, res: ServerResponse) => void): Promise<{ base: string; seen: Seen[]; port: number }> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }
      seen.push(entry)
      reply(entry, res)
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return { base: `http://127.0.0.1:${port}`, seen, port }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

async function mintError(promise: Promise<unknown>): Promise<MintError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(MintError)
    expect((error as Error).message).not.toContain(KEY)
    return error as MintError
  }
  throw new Error('expected the mint to fail')
}

describe('the key travels only over https (plain http only to this computer)', () => {
  it('refuses a plain-http endpoint on another host before any request is made', async () => {
    const calls: string[] = []
    const fetch: FetchLike = async (url) => {
      calls.push(url)
      return { status: 200, headers: { get: () => null }, text: async () => '{"value":"ek_x","token":"t","wsUrl":"wss://a.example/ws","wsToken":"w"}' }
    }
    const speko = { upstream: 'openai', model: 'm', voice: 'v', instructions: '', tools: [], inputSampleRate: 24000 as const, outputSampleRate: 24000 as const }
    for (const mint of [
      () => mintOpenAI({ baseUrl: 'http://api.example.com/v1', apiKey: KEY, model: 'gpt-realtime', fetch }),
      () => mintAssemblyAI({ baseUrl: 'http://192.168.1.20', apiKey: KEY, fetch }),
      () => mintSpeko({ baseUrl: 'http://speko.example', apiKey: KEY, fetch, ...speko }),
    ]) {
      const error = await mintError(mint())
      expect(error.message).toMatch(/only over https/)
    }
    expect(calls).toEqual([])
    // https anywhere and http to this computer are fine.
    await mintOpenAI({ baseUrl: 'https://api.example.com/v1', apiKey: KEY, model: 'gpt-realtime', fetch })
    await mintOpenAI({ baseUrl: 'http://localhost:9/v1', apiKey: KEY, model: 'gpt-realtime', fetch })
    expect(calls).toEqual(['https://api.example.com/v1/realtime/client_secrets', 'http://localhost:9/v1/realtime/client_secrets'])
    expect(['127.0.0.1', '127.9.8.7', 'localhost', '[::1]'].every(isLoopback)).toBe(true)
    expect(['10.0.0.1', '127.0.0.1.evil.example', 'localhost.example', '[::2]'].some(isLoopback)).toBe(false)
  })
})

describe('redirects are never followed', () => {
  it('fails with a clear reason instead of sending the mint request (and the key) to where a redirect points', async () => {
    const elsewhere = await serve((_s, res) => json(res, 200, { value: 'ek_stolen', expires_at: 1_900_000_000 }))
    const { base } = await serve((_s, res) => {
      res.writeHead(307, { location: `${elsewhere.base}/v1/realtime/client_secrets` })
      res.end()
    })
    const error = await mintError(mintOpenAI({ baseUrl: `${base}/v1`, apiKey: KEY, model: 'gpt-realtime' }))
    expect(error.message).toMatch(/redirect/i)
    expect(elsewhere.seen).toEqual([])
  })
})

describe('mintOpenAI', () => {
  it('posts to /realtime/client_secrets with the key and returns a socket credential with the ek_ key as subprotocol', async () => {
    const { base, seen, port } = await serve((_s, res) => json(res, 200, { value: 'ek_abc123', expires_at: 1_900_000_000, session: { type: 'realtime' } }))
    const credential = await mintOpenAI({ baseUrl: `${base}/v1`, apiKey: KEY, model: 'gpt-realtime' })
    expect(seen).toHaveLength(1)
    expect(seen[0]!.method).toBe('POST')
    expect(seen[0]!.url).toBe('/v1/realtime/client_secrets')
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${KEY}`)
    const body = JSON.parse(seen[0]!.body)
    expect(body.session).toEqual({ type: 'realtime', model: 'gpt-realtime' })
    expect(body.expires_after).toEqual({ anchor: 'created_at', seconds: 600 })
    expect(credential).toEqual({
      protocol: 'openai',
      url: `ws://127.0.0.1:${port}/v1/realtime?model=gpt-realtime`,
      protocols: ['realtime', 'openai-insecure-api-key.ek_abc123'],
      expiresAt: 1_900_000_000_000,
      inputSampleRate: 24000,
      outputSampleRate: 24000,
    })
    expect(JSON.stringify(credential)).not.toContain(KEY)
    expect(credentialSecrets(credential)).toEqual(['ek_abc123'])
  })

  it('maps https to wss and keeps the base path', () => {
    expect(toSocketBase('https://api.openai.com/v1/')).toBe('wss://api.openai.com/v1')
    expect(toSocketBase('http://127.0.0.1:9/x/v1')).toBe('ws://127.0.0.1:9/x/v1')
  })

  it('accepts the older nested client_secret shape', async () => {
    const { base } = await serve((_s, res) => json(res, 200, { client_secret: { value: 'ek_nested', expires_at: 1_800_000_000 } }))
    const credential = await mintOpenAI({ baseUrl: base, apiKey: KEY, model: 'm' })
    expect(credential.protocols[1]).toBe('openai-insecure-api-key.ek_nested')
    expect(credential.expiresAt).toBe(1_800_000_000_000)
  })

  it('reports a rejected key as auth_failed and never quotes the key', async () => {
    const { base } = await serve((_s, res) => json(res, 401, { error: { message: `Incorrect API key provided: ${KEY}.`, code: 'invalid_api_key' } }))
    const error = await mintError(mintOpenAI({ baseUrl: base, apiKey: KEY, model: 'm' }))
    expect(error.code).toBe('auth_failed')
    expect(error.status).toBe(401)
    expect(error.message).toMatch(/OpenAI rejected the API key \(HTTP 401\)/)
    expect(error.message).toContain('[redacted]')
  })

  it('maps 403 to auth_failed too', async () => {
    const { base } = await serve((_s, res) => json(res, 403, { error: 'forbidden' }))
    expect((await mintError(mintOpenAI({ baseUrl: base, apiKey: KEY, model: 'm' }))).code).toBe('auth_failed')
  })

  it('reports 429 with the retry-after seconds', async () => {
    const { base } = await serve((_s, res) => json(res, 429, { error: { message: 'slow down' } }, { 'retry-after': '17' }))
    const error = await mintError(mintOpenAI({ baseUrl: base, apiKey: KEY, model: 'm' }))
    expect(error.code).toBe('rate_limited')
    expect(error.retryAfterSeconds).toBe(17)
    expect(error.message).toContain('Try again in 17 s')
    expect(error.toS2SError()).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 17, fatal: true })
  })

  it('reports 5xx as provider_unavailable', async () => {
    const { base } = await serve((_s, res) => {
      res.writeHead(503)
      res.end('<html>down</html>')
    })
    const error = await mintError(mintOpenAI({ baseUrl: base, apiKey: KEY, model: 'm' }))
    expect(error.code).toBe('provider_unavailable')
    expect(error.message).toMatch(/HTTP 503/)
    expect(error.message).not.toContain('<html>')
  })

  it('reports a refused connection as offline', async () => {
    const { base } = await serve(() => {})
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
    servers = []
    const error = await mintError(mintOpenAI({ baseUrl: base, apiKey: KEY, model: 'm' }))
    expect(error.code).toBe('offline')
    expect(error.message).toMatch(/connection was refused/)
  })

  it('reports an unresolvable host as offline', async () => {
    const fetch = async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' }) })
    }
    const error = await mintError(mintOpenAI({ baseUrl: 'https://nowhere.invalid/v1', apiKey: KEY, model: 'm', fetch }))
    expect(error.code).toBe('offline')
    expect(error.message).toMatch(/could not be resolved/)
  })

  it('explains network failures without an error code, and AggregateError causes', async () => {
    const badPort = async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: new Error('bad port') })
    }
    const a = await mintError(mintOpenAI({ baseUrl: 'http://127.0.0.1:1/v1', apiKey: KEY, model: 'm', fetch: badPort }))
    expect(a.code).toBe('offline')
    expect(a.message).toMatch(/the network request failed \(bad port\)/)
    const aggregate = async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:80'), { code: 'ECONNREFUSED' })]), {}) })
    }
    const b = await mintError(mintOpenAI({ baseUrl: 'http://localhost/v1', apiKey: KEY, model: 'm', fetch: aggregate }))
    expect(b.message).toMatch(/connection was refused/)
  })

  it('gives up after the timeout and says so', async () => {
    const { base } = await serve(() => {
      // never answers
    })
    const error = await mintError(mintOpenAI({ baseUrl: base, apiKey: KEY, model: 'm', timeoutMs: 200 }))
    expect(error.code).toBe('offline')
    expect(error.message).toMatch(/did not answer/)
  })

  it('reports malformed replies as protocol_error', async () => {
    const bodies = ['not json', JSON.stringify([1]), JSON.stringify({ value: 42 }), JSON.stringify({ value: 'ek bad\nvalue' }), JSON.stringify({ value: KEY })]
    for (const body of bodies) {
      const { base } = await serve((_s, res) => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(body)
      })
      const error = await mintError(mintOpenAI({ baseUrl: base, apiKey: KEY, model: 'm' }))
      expect(error.code, body).toBe('protocol_error')
    }
  })

  it('refuses to send without a key, and makes no request', async () => {
    const { base, seen } = await serve((_s, res) => json(res, 200, {}))
    const error = await mintError(mintOpenAI({ baseUrl: base, apiKey: '  ', model: 'm' }))
    expect(error.code).toBe('auth_failed')
    expect(seen).toHaveLength(0)
  })

  it('uses the injected fetch', async () => {
    const calls: string[] = []
    const fetch = async (url: string) => {
      calls.push(url)
      return { status: 200, headers: { get: () => null }, text: async () => JSON.stringify({ value: 'ek_x', expires_at: 2 }) }
    }
    const credential = await mintOpenAI({ baseUrl: 'https://api.example.com/v1', apiKey: KEY, model: 'gpt realtime', fetch })
    expect(calls).toEqual(['https://api.example.com/v1/realtime/client_secrets'])
    expect(credential.url).toBe('wss://api.example.com/v1/realtime?model=gpt%20realtime')
  })
})

describe('mintAssemblyAI', () => {
  it('gets a token and builds ws://host/v1/ws?token=', async () => {
    const { base, seen, port } = await serve((_s, res) => json(res, 200, { token: 'tok_one_time', expires_in_seconds: 60 }))
    const now = () => 1_000_000
    const credential = await mintAssemblyAI({ baseUrl: base, apiKey: KEY, expiresInSeconds: 60, now })
    expect(seen[0]!.method).toBe('GET')
    expect(seen[0]!.url).toBe('/v1/token?expires_in_seconds=60')
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(credential).toEqual({
      protocol: 'assemblyai',
      url: `ws://127.0.0.1:${port}/v1/ws?token=tok_one_time`,
      protocols: [],
      expiresAt: 1_060_000,
      inputSampleRate: 24000,
      outputSampleRate: 24000,
    })
    expect(credentialSecrets(credential)).toEqual(['tok_one_time'])
  })

  it('uses wss for an https base, and clamps the window to 1..600', async () => {
    const urls: string[] = []
    const fetch = async (url: string) => {
      urls.push(url)
      return { status: 200, headers: { get: () => null }, text: async () => JSON.stringify({ token: 'a b' }) }
    }
    await expect(mintAssemblyAI({ baseUrl: 'https://agents.assemblyai.com', apiKey: KEY, expiresInSeconds: 9999, fetch })).rejects.toMatchObject({ code: 'protocol_error' })
    expect(urls).toEqual(['https://agents.assemblyai.com/v1/token?expires_in_seconds=600'])
    const ok = async () => ({ status: 200, headers: { get: () => null }, text: async () => JSON.stringify({ token: 't+/=' }) })
    const credential = await mintAssemblyAI({ baseUrl: 'https://agents.assemblyai.com/', apiKey: KEY, fetch: ok })
    expect(credential.url).toBe('wss://agents.assemblyai.com/v1/ws?token=t%2B%2F%3D')
  })

  it('maps 401 and 500', async () => {
    const a = await serve((_s, res) => json(res, 401, { error: 'Invalid API key' }))
    expect((await mintError(mintAssemblyAI({ baseUrl: a.base, apiKey: KEY }))).code).toBe('auth_failed')
    const b = await serve((_s, res) => json(res, 500, { error: 'boom' }))
    expect((await mintError(mintAssemblyAI({ baseUrl: b.base, apiKey: KEY }))).code).toBe('provider_unavailable')
  })
})

describe('mintSpeko', () => {
  const options = {
    apiKey: KEY,
    upstream: 'openai',
    model: 'gpt-realtime',
    voice: 'alloy',
    instructions: 'Be brief.',
    tools: [{ name: 'get_current_time', description: 'Now.', parameters: { type: 'object', properties: {} } }],
    inputSampleRate: 24000 as const,
    outputSampleRate: 24000 as const,
  }

  it('posts an s2s session and returns wsUrl with wsToken as the only subprotocol and the returned rates', async () => {
    const { base, seen } = await serve((_s, res) =>
      json(res, 200, {
        mode: 's2s',
        sessionId: 'ses_1',
        wsUrl: 'ws://127.0.0.1:4321/v1/realtime/ses_1/ws',
        wsToken: 'wst_abc',
        inputSampleRate: 16000,
        outputSampleRate: 24000,
        expiresAt: '2030-01-01T00:00:00.000Z',
      }),
    )
    const credential = await mintSpeko({ ...options, baseUrl: base })
    expect(seen[0]!.method).toBe('POST')
    expect(seen[0]!.url).toBe('/v1/sessions')
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(JSON.parse(seen[0]!.body)).toEqual({
      mode: 's2s',
      s2s: {
        provider: 'openai',
        model: 'gpt-realtime',
        voice: 'alloy',
        systemPrompt: 'Be brief.',
        inputSampleRate: 24000,
        outputSampleRate: 24000,
        tools: [{ name: 'get_current_time', description: 'Now.', parameters: { type: 'object', properties: {} } }],
      },
    })
    expect(credential).toEqual({
      protocol: 'speko',
      url: 'ws://127.0.0.1:4321/v1/realtime/ses_1/ws',
      protocols: ['wst_abc'],
      expiresAt: Date.parse('2030-01-01T00:00:00.000Z'),
      inputSampleRate: 16000,
      outputSampleRate: 24000,
      sessionId: 'ses_1',
    })
  })

  it('rejects a malformed provider_direct reply and non-socket proxy URLs with a clear message', async () => {
    const a = await serve((_s, res) => json(res, 200, { transport: 'provider_direct', adapter: 'xai.realtime.v1', providerTransport: 'websocket', sessionId: 's' }))
    const direct = await mintError(mintSpeko({ ...options, baseUrl: a.base }))
    expect(direct.code).toBe('protocol_error')
    expect(direct.message).toMatch(/^Speko sent an unexpected reply to the session request: "attemptId" is missing in its provider_direct session\.$/)
    const b = await serve((_s, res) => json(res, 200, { wsUrl: 'https://x/ws', wsToken: 't' }))
    expect((await mintError(mintSpeko({ ...options, baseUrl: b.base }))).code).toBe('protocol_error')
    const c = await serve((_s, res) => json(res, 200, { wsUrl: 'wss://x/ws', wsToken: 'two words' }))
    expect((await mintError(mintSpeko({ ...options, baseUrl: c.base }))).code).toBe('protocol_error')
    const d = await serve((_s, res) => json(res, 200, { sessionId: 'x', wsToken: 't' }))
    expect((await mintError(mintSpeko({ ...options, baseUrl: d.base }))).message).toMatch(/"wsUrl" is missing/)
  })

  /** A provider_direct reply as the Speko SDKs type it, for a Speko at `base`. */
  const directReply = (base: string, patch: Record<string, unknown> = {}) => ({
    mode: 's2s',
    transport: 'provider_direct',
    sessionId: 'sess_d1',
    planId: 'plan_1',
    attemptId: 'att_1',
    provider: 'xai',
    model: 'grok-voice-think-fast-1.0',
    adapter: 'xai.realtime.v1',
    providerTransport: 'websocket',
    endpoint: 'wss://api.x.ai/v1/realtime',
    credential: { kind: 'bearer', value: 'xai_eph_123', expiresAt: '2030-01-01T00:05:00.000Z' },
    telemetry: { endpoint: `${base}/v1/sessions/sess_d1/telemetry`, token: 'tel_tok_1', flushIntervalMs: 15000 },
    reservation: { id: 'res_1', authorizedDurationSeconds: 900, leaseExpiresAt: '2030-01-01T00:15:00.000Z', billing: { mode: 'direct_entitlement', state: 'estimated', maximumAmountMicros: '1', currency: 'USD' } },
    session: { voice: 'eve', instructions: 'Resolved.', tools: [{ name: 'get_current_time', description: 'Now.', parameters: { type: 'object' } }] },
    inputSampleRate: 24000,
    outputSampleRate: 24000,
    expiresAt: '2030-01-01T00:15:00.000Z',
    ...patch,
  })

  it('turns a provider_direct xai.realtime.v1 reply into an xAI credential with telemetry', async () => {
    let base = ''
    const server = await serve((_s, res) => json(res, 200, directReply(base)))
    base = server.base
    const credential = await mintSpeko({ ...options, baseUrl: base })
    expect(credential).toEqual({
      protocol: 'xai',
      url: 'wss://api.x.ai/v1/realtime?model=grok-voice-think-fast-1.0',
      protocols: ['xai-client-secret.xai_eph_123'],
      expiresAt: Date.parse('2030-01-01T00:05:00.000Z'),
      inputSampleRate: 24000,
      outputSampleRate: 24000,
      sessionId: 'sess_d1',
      telemetry: { url: `${base}/v1/sessions/sess_d1/telemetry`, token: 'tel_tok_1', flushIntervalMs: 15000, sessionId: 'sess_d1', attemptId: 'att_1', authorizedDurationMs: 900_000 },
      upstreamSession: { voice: 'eve', instructions: 'Resolved.', tools: [{ name: 'get_current_time', description: 'Now.', parameters: { type: 'object' } }] },
    })
    expect(credentialSecrets(credential)).toEqual(['xai_eph_123', 'tel_tok_1'])
  })

  it('names the working choices when Speko picks an upstream or transport Earshot does not speak', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ adapter: 'openai.realtime.v1', provider: 'openai', providerTransport: 'webrtc', endpoint: 'https://api.openai.com/v1/realtime/calls' }, /OpenAI Realtime over WebRTC \(openai\.realtime\.v1\).*needs WebRTC/],
      [{ adapter: 'openai.realtime.v1', provider: 'openai', providerTransport: 'websocket', endpoint: 'wss://api.openai.com/v1/realtime' }, /OpenAI Realtime over websocket \(openai\.realtime\.v1\).*does not support/],
      [{ adapter: 'google.live.v1', provider: 'google', providerTransport: 'websocket' }, /Gemini Live \(google\.live\.v1\).*not support yet/],
      [{ providerTransport: 'webrtc' }, /xAI realtime over WebRTC/],
      [{ adapter: 'acme.rt.v9' }, /does not know \("acme\.rt\.v9"\)/],
    ]
    for (const [patch, message] of cases) {
      const server = await serve((_s, res) => json(res, 200, directReply('http://unused', patch)))
      const error = await mintError(mintSpeko({ ...options, baseUrl: server.base }))
      expect(error.code).toBe('provider_error')
      expect(error.message).toMatch(message)
      expect(error.message).toMatch(/What works today: Speko sessions on the xAI upstream .* or the OpenAI or AssemblyAI provider with your own key\.$/)
    }
  })

  it('turns a provider_direct openai.realtime.v1 reply into a WebRTC credential bound through the sideband, where WebRTC can open', async () => {
    let base = ''
    const openai = (b: string, patch: Record<string, unknown> = {}) =>
      directReply(b, { adapter: 'openai.realtime.v1', provider: 'openai', model: 'gpt-realtime-2', providerTransport: 'webrtc', endpoint: 'https://api.openai.com/v1/realtime/calls', sidebandUrl: `${b}/v1/sessions/sess_d1/sidebands/openai`, credential: { kind: 'bearer', value: 'ek_123', expiresAt: '2030-01-01T00:05:00Z' }, ...patch })
    const server = await serve((_s, res) => json(res, 200, openai(base)))
    base = server.base
    const credential = await mintSpeko({ ...options, baseUrl: base, webrtc: true })
    expect(credential).toEqual({
      protocol: 'openai',
      transport: 'webrtc',
      url: 'https://api.openai.com/v1/realtime/calls',
      protocols: [],
      bearer: 'ek_123',
      sidebandUrl: `${base}/v1/sessions/sess_d1/sidebands/openai`,
      expiresAt: Date.parse('2030-01-01T00:05:00.000Z'),
      inputSampleRate: 24000,
      outputSampleRate: 24000,
      sessionId: 'sess_d1',
      telemetry: { url: `${base}/v1/sessions/sess_d1/telemetry`, token: 'tel_tok_1', flushIntervalMs: 15000, sessionId: 'sess_d1', attemptId: 'att_1', authorizedDurationMs: 900_000 },
      upstreamSession: { model: 'gpt-realtime-2', voice: 'eve', instructions: 'Resolved.', tools: [{ name: 'get_current_time', description: 'Now.', parameters: { type: 'object' } }] },
    })
    expect(credentialSecrets(credential)).toEqual(['tel_tok_1', 'ek_123'])

    const bad: Array<[(b: string) => Record<string, unknown>, RegExp]> = [
      [(b) => openai(b, { endpoint: 'https://evil.example/v1/realtime/calls' }), /OpenAI endpoint .* is not https:\/\/api\.openai\.com\/v1\/realtime\/calls/],
      [(b) => openai(b, { endpoint: 'https://api.openai.com/v1/realtime/calls?x=1' }), /is not https:\/\/api\.openai\.com/],
      [(b) => openai(b, { sidebandUrl: undefined }), /"sidebandUrl" is missing/],
      [(b) => openai(b, { sidebandUrl: 'https://collector.example/v1/sessions/sess_d1/sidebands/openai' }), /sideband URL .* is not this session's on Speko's own host/],
      [(b) => openai(b, { sidebandUrl: `${b}/v1/sessions/other/sidebands/openai` }), /sideband URL/],
    ]
    for (const [reply, message] of bad) {
      let b = ''
      const s = await serve((_s, res) => json(res, 200, reply(b)))
      b = s.base
      const error = await mintError(mintSpeko({ ...options, baseUrl: b, webrtc: true }))
      expect(error.code).toBe('protocol_error')
      expect(error.message).toMatch(message)
    }
  })

  it('refuses a direct endpoint or telemetry host it cannot trust', async () => {
    const bad: Array<[(base: string) => Record<string, unknown>, RegExp]> = [
      [() => ({ endpoint: 'wss://evil.example/v1/realtime' }), /xAI endpoint .* is not wss:\/\/api\.x\.ai\/v1\/realtime/],
      [() => ({ endpoint: 'ws://api.x.ai/v1/realtime' }), /is not wss:\/\/api\.x\.ai/],
      [() => ({ endpoint: 'wss://api.x.ai/v1/realtime?model=x' }), /is not wss:\/\/api\.x\.ai/],
      [() => ({ telemetry: { endpoint: 'https://collector.example/t', token: 't', flushIntervalMs: 15000 } }), /telemetry endpoint https:\/\/collector\.example is not Speko's own host/],
      [(base) => ({ credential: { kind: 'bearer', value: KEY, expiresAt: '2030-01-01T00:00:00Z' }, telemetry: { endpoint: `${base}/t`, token: 't', flushIntervalMs: 15000 } }), /API key itself/],
      [(base) => ({ inputSampleRate: 16000, telemetry: { endpoint: `${base}/t`, token: 't', flushIntervalMs: 15000 } }), /24 kHz/],
    ]
    for (const [patch, message] of bad) {
      let base = ''
      const server = await serve((_s, res) => json(res, 200, directReply(base, patch(base))))
      base = server.base
      const error = await mintError(mintSpeko({ ...options, baseUrl: base }))
      expect(error.code).toBe('protocol_error')
      expect(error.message).toMatch(message)
    }
  })

  it('sends one Idempotency-Key per logical mint and reuses it when an ambiguous failure is retried', async () => {
    let calls = 0
    const server = await serve((seen, res) => {
      calls++
      if (calls === 1) {
        res.socket?.destroy() // the request arrived, the answer never did
        return
      }
      json(res, 200, { sessionId: 'ses_2', wsUrl: 'ws://127.0.0.1:1/v1/realtime/ses_2/ws', wsToken: 'wst_2' })
    })
    const credential = await mintSpeko({ ...options, baseUrl: server.base, retryDelayMs: 0 })
    expect(credential.sessionId).toBe('ses_2')
    expect(server.seen).toHaveLength(2)
    const keys = server.seen.map((s) => s.headers['idempotency-key'])
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/)
    expect(keys[1]).toBe(keys[0])
    await mintSpeko({ ...options, baseUrl: server.base })
    expect(server.seen[2]!.headers['idempotency-key']).not.toBe(keys[0])
    await mintSpeko({ ...options, baseUrl: server.base, idempotencyKey: 'mine-1' })
    expect(server.seen[3]!.headers['idempotency-key']).toBe('mine-1')
  })

  it('does not retry a definite refusal', async () => {
    const server = await serve((_s, res) => json(res, 400, { error: { message: 'bad model' } }))
    const error = await mintError(mintSpeko({ ...options, baseUrl: server.base, retryDelayMs: 0 }))
    expect(error.code).toBe('provider_error')
    expect(server.seen).toHaveLength(1)
  })

  it('maps 429 with an HTTP-date retry-after', async () => {
    const now = Date.parse('2030-01-01T00:00:00Z')
    const { base } = await serve((_s, res) => json(res, 429, {}, { 'retry-after': 'Tue, 01 Jan 2030 00:01:00 GMT' }))
    const error = await mintError(mintSpeko({ ...options, baseUrl: base, now: () => now }))
    expect(error.code).toBe('rate_limited')
    expect(error.retryAfterSeconds).toBe(60)
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds and dates and ignores garbage', () => {
    expect(parseRetryAfter('5', 0)).toBe(5)
    expect(parseRetryAfter('1.2', 0)).toBe(2)
    expect(parseRetryAfter(null, 0)).toBeUndefined()
    expect(parseRetryAfter('soon', 0)).toBeUndefined()
  })
})

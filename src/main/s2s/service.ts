/**
 * Starting a session in main: pick the provider, mint a short-lived credential with the key only
 * main holds, and build the session configuration from settings and the tool registry. The IPC
 * handler (./handlers.ts) and the CLI both use these pieces.
 */
import type { SessionStart } from '../../shared/ipc/channels/session'
import { IpcFailure } from '../../shared/ipc/envelope'
import type { ConversationTurn, ProtocolId, SessionConfig, SessionCredential, ToolDeclaration } from '../../shared/s2s/types'
import { isKeyed, protocolDescriptor, protocolOf, providerOf } from '../../shared/providers'
import type { KeyedProvider, ProviderId, Settings } from '../../shared/settings/schema'
import { mainProviderOf, type DemoLauncher } from '../providers'
import { credentialSecrets, MintError, type FetchLike } from './mint'
import { sessionSocketOrigins, socketUrlAllowed } from './origins'
import { socketOriginOf } from './socket-origin'

/** Used when the user left the instructions empty. */
export const DEFAULT_INSTRUCTIONS =
  'You are Earshot, a friendly desktop voice assistant. Answer briefly and conversationally, in the language the user speaks. ' +
  'Use the tools you have when they help, and say plainly when something is not possible.'

export type { DemoLauncher }

export interface SessionConfigOverrides {
  greeting?: string
  instructions?: string
}

/** The protocol each provider speaks (Demo: whatever the local Demo server speaks). */
export { protocolOf }

/** SessionConfig for a provider, from settings and the tool declarations. */
export function buildSessionConfig(
  settings: Settings,
  provider: ProviderId,
  tools: ToolDeclaration[],
  overrides: SessionConfigOverrides = {},
  demoProtocol: ProtocolId = 'openai',
): SessionConfig {
  const openai = settings.providers.openai
  const base = {
    tools: tools.map((tool) => ({ name: tool.name, description: tool.description, parameters: structuredClone(tool.parameters) })),
    turnDetection: openai.turnDetection,
    transcriptionModel: openai.transcriptionModel,
  }
  const config = mainProviderOf(provider).sessionConfig(settings, base, protocolOf(provider, demoProtocol))
  if (overrides.greeting !== undefined) config.greeting = overrides.greeting
  if (overrides.instructions !== undefined) config.instructions = overrides.instructions
  if (!config.instructions.trim()) config.instructions = DEFAULT_INSTRUCTIONS
  return config
}

export interface MintForOptions {
  provider: ProviderId
  settings: Settings
  /** The real key for keyed providers (null: not set). Never logged, never returned. */
  apiKey: string | null
  config: SessionConfig
  fetch?: FetchLike
  demo?: DemoLauncher
  timeoutMs?: number
  /**
   * The transport the caller can open: 'websocket' for the CLI, which has no WebRTC. Default: what
   * the settings allow the window (OpenAI's transport setting; Speko's OpenAI upstream).
   */
  transport?: 'websocket' | 'webrtc'
}

/** One mint for a provider with endpoints from settings. */
export async function mintFor(options: MintForOptions): Promise<SessionCredential> {
  const { provider, settings, config } = options
  const descriptor = providerOf(provider)
  let apiKey = ''
  if (descriptor.key) {
    apiKey = options.apiKey?.trim() ?? ''
    if (!apiKey) throw new MintError('auth_failed', `No ${descriptor.name} API key is set. ${descriptor.key.missingHint}`)
  }
  return mainProviderOf(provider).mint({ settings, config, apiKey, fetch: options.fetch, timeoutMs: options.timeoutMs, transport: options.transport, demo: options.demo })
}

export interface SessionServiceDeps {
  settings: () => Settings
  /** SecretsService.getKey: main only. */
  getKey: (provider: KeyedProvider) => string | null
  /** The tool registry's declarations (what the model is offered). */
  toolDeclarations: () => ToolDeclaration[]
  fetch?: FetchLike
  demo?: DemoLauncher
  /** The protocol the Demo server speaks. */
  demoProtocol?: ProtocolId
  /** Every minted short-lived secret is registered here so logs can scrub it. */
  onSecret?: (value: string) => void
  log?: (line: string) => void
  /** The final turns of a stored conversation (history), for "Continue"; null = not found. */
  carriedTurns?: (conversationId: string) => ConversationTurn[] | null
}

export interface SessionStartOptions {
  /** A stored conversation to continue (see carriedInstructions). */
  continueFrom?: string
}

export interface SessionService {
  /** Mints a credential and builds the config for a provider (default: the one in settings). */
  start(provider?: ProviderId, options?: SessionStartOptions): Promise<SessionStart>
}

/** At most this much carried conversation goes into instructions (the newest turns win). */
export const MAX_CARRIED_INSTRUCTION_CHARS = 8000

/**
 * Instructions that carry an earlier conversation, for providers whose conversation can only be
 * seeded at mint time (Speko: the session's instructions are fixed when it is created).
 */
export function carriedInstructions(instructions: string, turns: readonly ConversationTurn[]): string {
  const lines: string[] = []
  let chars = 0
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]
    if (!turn || !turn.text.trim()) continue
    const line = `${turn.role === 'user' ? 'User' : 'Assistant'}: ${turn.text.replace(/\s+/g, ' ').trim()}`
    if (chars + line.length > MAX_CARRIED_INSTRUCTION_CHARS) break
    chars += line.length + 1
    lines.unshift(line)
  }
  if (lines.length === 0) return instructions
  return `${instructions}\n\nThis conversation continues an earlier one. What was said so far, oldest first:\n${lines.join('\n')}`
}

export function createSessionService(deps: SessionServiceDeps): SessionService {
  const log = deps.log ?? (() => {})
  return {
    async start(requested, options = {}) {
      const settings = deps.settings()
      const provider = requested ?? settings.provider
      const config = buildSessionConfig(settings, provider, deps.toolDeclarations(), {}, deps.demoProtocol)
      if (options.continueFrom !== undefined) {
        const turns = deps.carriedTurns?.(options.continueFrom)
        if (!turns) throw new IpcFailure('not_found', 'That conversation is not in the history any more, so it cannot be continued.')
        if (protocolDescriptor(protocolOf(provider, deps.demoProtocol)).seedsConversationAtMint) config.instructions = carriedInstructions(config.instructions, turns)
      }
      const apiKey = isKeyed(provider) ? deps.getKey(provider) : null
      let credential: SessionCredential
      try {
        credential = await mintFor({ provider, settings, apiKey, config, fetch: deps.fetch, demo: deps.demo })
      } catch (error) {
        const code = error instanceof MintError ? error.code : 'internal'
        log(`session: ${provider} mint failed (${code})`)
        throw error
      }
      for (const secret of credentialSecrets(credential)) deps.onSecret?.(secret)
      // The hosts the CSP allows with this provider chosen; Demo: only the Demo server's own
      // loopback origin (the one the CSP allows while Demo is the provider).
      const allowed = sessionSocketOrigins({ ...settings, provider }, { demoOrigin: socketOriginOf(credential.url) })
      if (!socketUrlAllowed(credential.url, allowed)) {
        const host = new URL(credential.url).host
        throw new MintError(
          'provider_error',
          `${providerOf(provider).name} asked Earshot to connect to ${host}, which is not one of the hosts Earshot's security policy allows for this provider.`,
        )
      }
      if (credential.sidebandUrl && !socketUrlAllowed(credential.sidebandUrl, sessionSocketOrigins(settings))) {
        throw new MintError(
          'provider_error',
          `${providerOf(provider).name} asked Earshot to bind the call at ${new URL(credential.sidebandUrl).host}, which Earshot's security policy does not allow.`,
        )
      }
      if (credential.telemetry && !socketUrlAllowed(credential.telemetry.url, sessionSocketOrigins(settings))) {
        throw new MintError(
          'provider_error',
          `${providerOf(provider).name} asked Earshot to send usage reports to ${new URL(credential.telemetry.url).host}, which Earshot's security policy does not allow.`,
        )
      }
      log(`session: minted a ${provider} credential (${credential.protocol}, expires ${credential.expiresAt === null ? 'unknown' : new Date(credential.expiresAt).toISOString()})`)
      return { provider, credential, config }
    },
  }
}

/** Starts a local server once, on first use, and mints from it on every call. */
export function lazyDemoLauncher(
  start: () => Promise<{ credential(): SessionCredential; close?(): Promise<void> }>,
): DemoLauncher & { started(): boolean; dispose(): Promise<void>; origin(): string | null } {
  let server: Promise<{ credential(): SessionCredential; close?(): Promise<void> }> | null = null
  let origin: string | null = null
  const launcher = async () => {
    if (!server) {
      server = start()
      server.catch(() => {
        server = null // a failed start may be retried
      })
    }
    try {
      const credential = (await server).credential()
      origin = socketOriginOf(credential.url)
      return credential
    } catch (error) {
      if (error instanceof MintError) throw error
      throw new MintError('internal', `The Demo server could not start: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  const dispose = async () => {
    const running = server
    server = null
    origin = null
    if (!running) return
    try {
      await (await running).close?.()
    } catch {
      // a server that failed to start has nothing to close
    }
  }
  return Object.assign(launcher, { started: () => server !== null, dispose, origin: () => origin })
}

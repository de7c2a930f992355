/**
 * Main's session domain, composed: the session service on settings, secrets and the tool registry,
 * and its IPC handlers. createMainServices (src/main/app/services.ts) calls createSessionDomain.
 */
import type { ConversationTurn, ToolDeclaration } from '../../shared/s2s/types'
import { toDeclaration } from '../../shared/tools/formats'
import type { KeyedProvider, Settings } from '../../shared/settings/schema'
import type { Logger } from '../app/logger'
import { APP_DEMO, startDemoServer } from '../sim'
import { describeTools } from '../tools'
import { createSessionHandlers } from './handlers'
import type { FetchLike } from './mint'
import { createSessionService, lazyDemoLauncher, type DemoLauncher, type SessionService } from './service'

export { createSessionHandlers } from './handlers'
export { createSessionService, buildSessionConfig, mintFor, lazyDemoLauncher, DEFAULT_INSTRUCTIONS } from './service'
export { sessionSocketOrigins, socketUrlAllowed, DEMO_SOCKET_ORIGIN } from './origins'
export { MintError, mintOpenAI, mintAssemblyAI, mintSpeko, credentialSecrets } from './mint'

/** The tool registry's declarations (static: they do not depend on the host the tools run on). */
export function defaultToolDeclarations(): ToolDeclaration[] {
  return describeTools().map(toDeclaration)
}

export interface SessionDomainDeps {
  settings: { get(): Settings }
  secrets: { getKey(provider: KeyedProvider): string | null }
  logger: Logger
  toolDeclarations?: () => ToolDeclaration[]
  demo?: DemoLauncher
  fetch?: FetchLike
  /** History's carried turns for "Continue" (session:start continueFrom). */
  carriedTurns?: (conversationId: string) => ConversationTurn[] | null
}

/** The local Demo server (OpenAI protocol, words for the window to speak), started on first use. */
export function defaultDemoLauncher(): ReturnType<typeof lazyDemoLauncher> {
  return lazyDemoLauncher(() => startDemoServer(APP_DEMO))
}

export interface SessionDomain {
  service: SessionService
  handlers: ReturnType<typeof createSessionHandlers>
  /** Stops the Demo server if it was started (app quit, test teardown). */
  dispose(): Promise<void>
  /** The running Demo server's socket origin (ws://127.0.0.1:<port>), or null before it started. */
  demoOrigin(): string | null
  /** Starts the Demo server now (before the page loads, so its exact port goes into the CSP). */
  prepareDemo(): Promise<void>
}

export function createSessionDomain(deps: SessionDomainDeps): SessionDomain {
  let declarations: ToolDeclaration[] | null = null
  const ownDemo = deps.demo ? null : defaultDemoLauncher()
  const service = createSessionService({
    settings: () => deps.settings.get(),
    getKey: (provider) => deps.secrets.getKey(provider),
    toolDeclarations: deps.toolDeclarations ?? (() => (declarations ??= defaultToolDeclarations())),
    demo: deps.demo ?? ownDemo ?? undefined,
    demoProtocol: 'openai',
    fetch: deps.fetch,
    onSecret: (value) => deps.logger.addSecret(value),
    log: (line) => deps.logger.info(line),
    carriedTurns: deps.carriedTurns,
  })
  const launcher = deps.demo ?? ownDemo
  const demoOrigin = () => (launcher && 'origin' in launcher && typeof launcher.origin === 'function' ? (launcher.origin as () => string | null)() : null)
  return {
    service,
    handlers: createSessionHandlers(service),
    dispose: async () => ownDemo?.dispose(),
    demoOrigin,
    prepareDemo: async () => {
      if (!launcher) return
      try {
        await launcher()
      } catch (error) {
        deps.logger.warn(`session: the Demo server did not start early: ${error instanceof Error ? error.message : String(error)}`)
      }
    },
  }
}

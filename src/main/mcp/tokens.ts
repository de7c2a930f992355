/**
 * Bearer tokens of Streamable HTTP MCP servers, kept like the provider API keys: encrypted at rest
 * with the OS keyring (the same Encryptor), in memory only where there is none unless the user opted
 * into plaintext key storage. `<userData>/mcp-tokens.json`. Never sent to the renderer.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import type { Encryptor } from '../secrets/service'

const FileSchema = z.object({
  version: z.literal(1),
  tokens: z.record(z.string(), z.discriminatedUnion('kind', [z.object({ kind: z.literal('encrypted'), data: z.string() }), z.object({ kind: z.literal('plaintext'), data: z.string() })])),
})

export interface TokenStoreOptions {
  dir: string
  encryptor: Encryptor
  plaintextAllowed: () => boolean
  /** Registers every token so logs can scrub it. */
  onSecret?: (value: string) => void
  log?: (line: string) => void
}

export class McpTokenStore {
  private readonly memory = new Map<string, string>()
  private readonly file: string

  constructor(private readonly options: TokenStoreOptions) {
    this.file = join(options.dir, 'mcp-tokens.json')
    this.load()
  }

  get(server: string): string | null {
    return this.memory.get(server) ?? null
  }

  set(server: string, token: string): void {
    this.options.onSecret?.(token)
    this.memory.set(server, token)
    this.save()
  }

  delete(server: string): void {
    if (this.memory.delete(server)) this.save()
  }

  rename(from: string, to: string): void {
    const token = this.memory.get(from)
    if (token === undefined || from === to) return
    this.memory.delete(from)
    this.memory.set(to, token)
    this.save()
  }

  private load(): void {
    if (!existsSync(this.file)) return
    try {
      const parsed = FileSchema.parse(JSON.parse(readFileSync(this.file, 'utf8')))
      for (const [server, entry] of Object.entries(parsed.tokens)) {
        if (entry.kind === 'plaintext' && !this.options.plaintextAllowed()) continue
        const value = entry.kind === 'encrypted' ? this.options.encryptor.decrypt(Uint8Array.from(atob(entry.data), (c) => c.charCodeAt(0))) : entry.data
        this.options.onSecret?.(value)
        this.memory.set(server, value)
      }
    } catch (error) {
      try {
        renameSync(this.file, `${this.file}.unreadable`)
      } catch {
        // leave it
      }
      this.options.log?.(`mcp: token store unreadable, set aside: ${(error as Error).name}`)
    }
  }

  private save(): void {
    const tokens: z.infer<typeof FileSchema>['tokens'] = {}
    const encrypted = this.options.encryptor.isAvailable()
    for (const [server, value] of this.memory) {
      if (encrypted) tokens[server] = { kind: 'encrypted', data: btoa(String.fromCharCode(...this.options.encryptor.encrypt(value))) }
      else if (this.options.plaintextAllowed()) tokens[server] = { kind: 'plaintext', data: value }
    }
    mkdirSync(dirname(this.file), { recursive: true })
    const temp = `${this.file}.${process.pid}.tmp`
    writeFileSync(temp, JSON.stringify({ version: 1, tokens }), { mode: 0o600 })
    renameSync(temp, this.file)
  }
}

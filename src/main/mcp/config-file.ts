import { readFile } from 'node:fs/promises'
import { parseClaudeDesktopConfig, type ImportedServers } from '../../shared/mcp/types'

/** Reads a Claude Desktop `claude_desktop_config.json` (the CLI's --mcp-config, the settings import). */
export async function loadMcpConfigFile(path: string): Promise<ImportedServers> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new Error(code === 'ENOENT' ? `${path} does not exist.` : `${path} cannot be read (${code ?? (error as Error).message}).`)
  }
  try {
    return parseClaudeDesktopConfig(text)
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`)
  }
}

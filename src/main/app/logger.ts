import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs'
import { dirname } from 'node:path'

export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
  /** Values that must never be written: every occurrence is replaced by [redacted]. */
  addSecret(value: string): void
}

const MAX_BYTES = 5 * 1024 * 1024

/**
 * A small line logger. It scrubs every registered secret (API keys, minted tokens) from each line
 * before writing, so a key that slips into an error message still never reaches the disk.
 */
export function createLogger(options: { file?: string; echo?: boolean } = {}): Logger {
  const secrets = new Set<string>()
  if (options.file) mkdirSync(dirname(options.file), { recursive: true })
  const write = (level: string, message: string) => {
    let line = message
    for (const secret of secrets) line = line.split(secret).join('[redacted]')
    const text = `${new Date().toISOString()} ${level} ${line}\n`
    if (options.echo) process.stderr.write(text)
    if (!options.file) return
    try {
      if ((statSync(options.file, { throwIfNoEntry: false })?.size ?? 0) > MAX_BYTES) {
        renameSync(options.file, `${options.file}.1`)
      }
      appendFileSync(options.file, text, { mode: 0o600 })
    } catch {
      // Logging must never take the app down.
    }
  }
  return {
    info: (m) => write('INFO', m),
    warn: (m) => write('WARN', m),
    error: (m) => write('ERROR', m),
    addSecret: (value) => {
      if (value.length >= 6) secrets.add(value)
    },
  }
}

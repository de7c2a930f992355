/**
 * The `earshot` command line (see docs/cli.md):
 *   npm run --silent cli -- talk --provider openai|assemblyai|speko|demo --in IN.wav --out OUT.wav --transcript EVENTS.jsonl [...]
 *   npm run --silent cli -- tools --json
 */
import { describeTools } from '../main/tools'
import { EXIT, parseArgs, USAGE, UsageError } from './args'
import { startDemo } from './demo'
import { runTalk } from './talk'

async function main(argv: string[]): Promise<number> {
  let command
  try {
    command = parseArgs(argv)
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`earshot: ${error.message}\n${USAGE}\n`)
      return EXIT.usage
    }
    throw error
  }
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${USAGE}\n`)
      return EXIT.ok
    case 'tools': {
      const tools = describeTools()
      if (command.json) {
        process.stdout.write(`${JSON.stringify(tools, null, 2)}\n`)
      } else {
        for (const tool of tools) process.stdout.write(`${tool.name} (${tool.risk}): ${tool.description}\n`)
      }
      return EXIT.ok
    }
    case 'talk': {
      const debugOn = process.env.EARSHOT_DEBUG === '1'
      return runTalk(command.options, {
        env: process.env,
        stderr: (line) => process.stderr.write(`${line}\n`),
        live: command.options.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
        startDemo,
        debug: debugOn ? (line) => process.stderr.write(`[debug ${performance.now().toFixed(0)}] ${line}\n`) : undefined,
      })
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Everything was written synchronously; do not wait for lingering sockets or timers.
    process.exit(code)
  },
  (error: unknown) => {
    process.stderr.write(`earshot: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(EXIT.failed)
  },
)

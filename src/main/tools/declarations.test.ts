import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { toAssemblyAITools, toOpenAITools, toSpekoTools } from '../../shared/tools/formats'
import { createNodeTools } from './index'

// Golden files: the exact tool arrays each provider receives in its session configuration.
// Regenerate deliberately (UPDATE_GOLDEN=1) after changing a tool's name, description or schema.
const golden = (name: string) => join(import.meta.dirname, 'golden', `${name}.json`)

describe('tool declarations each provider receives', () => {
  const kit = createNodeTools({ notify: null })
  const declarations = kit.registry.declarations()
  kit.dispose()
  const formats = { openai: toOpenAITools(declarations), assemblyai: toAssemblyAITools(declarations), speko: toSpekoTools(declarations) }

  it.each(Object.keys(formats) as (keyof typeof formats)[])('%s', async (provider) => {
    const actual = `${JSON.stringify(formats[provider], null, 2)}\n`
    if (process.env.UPDATE_GOLDEN) {
      const { writeFileSync } = await import('node:fs')
      writeFileSync(golden(provider), actual)
    }
    expect(actual).toBe(readFileSync(golden(provider), 'utf8'))
  })

  it('lists every tool of the issue, with a risk level and an object schema', () => {
    expect(kit.describeTools().map((t) => [t.name, t.risk])).toEqual([
      ['get_current_time', 'read'],
      ['open_url', 'external'],
      ['launch_application', 'external'],
      ['read_clipboard', 'read'],
      ['write_clipboard', 'write'],
      ['take_note', 'write'],
      ['list_notes', 'read'],
      ['read_note', 'read'],
      ['set_timer', 'write'],
      ['cancel_timer', 'write'],
      ['list_timers', 'read'],
      ['system_info', 'read'],
      ['search_files', 'read'],
    ])
    for (const tool of kit.describeTools()) {
      expect(tool.parameters).toMatchObject({ type: 'object', additionalProperties: false })
      expect(tool.parameters).not.toHaveProperty('$schema')
      expect(tool.description.length).toBeGreaterThan(30)
    }
  })
})

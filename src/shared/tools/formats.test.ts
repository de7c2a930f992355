import { describe, expect, it } from 'vitest'
import { toAssemblyAITools, toDeclaration, toOpenAITools, toProviderTools, toSpekoTools } from './formats'

const decl = { name: 'lookup', description: 'Looks up.', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'], additionalProperties: false } }

describe('provider tool formats', () => {
  it('gives OpenAI and AssemblyAI flat function tools', () => {
    const expected = [{ type: 'function', name: 'lookup', description: 'Looks up.', parameters: decl.parameters }]
    expect(toOpenAITools([decl])).toStrictEqual(expected)
    expect(toAssemblyAITools([decl])).toStrictEqual(expected)
    expect(JSON.stringify(toOpenAITools([decl]))).toBe(
      '[{"type":"function","name":"lookup","description":"Looks up.","parameters":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"],"additionalProperties":false}}]',
    )
  })

  it('gives Speko {name, description, parameters} without a type', () => {
    expect(toSpekoTools([decl])).toStrictEqual([{ name: 'lookup', description: 'Looks up.', parameters: decl.parameters }])
    expect(toProviderTools('speko', [decl])[0]).not.toHaveProperty('type')
    expect(toProviderTools('openai', [decl])[0]).toHaveProperty('type', 'function')
  })

  it('drops the risk level from a descriptor', () => {
    expect(toDeclaration({ ...decl, risk: 'write' })).toStrictEqual(decl)
  })
})

/**
 * An MCP tool's `inputSchema`: checked once when the server lists it (can every provider take it?),
 * compiled with Ajv (the JSON Schema validator the MCP SDK itself uses) and used to validate the
 * model's arguments before a call. A schema that fails is reported and only that tool is left out.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'

/** Largest schema (serialised) Earshot sends a provider for one tool. */
export const MAX_SCHEMA_CHARS = 16_000

type AddFormats = (ajv: Ajv) => Ajv
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats

function makeAjv<T extends Ajv>(ajv: T): T {
  addFormats(ajv)
  return ajv
}

const draft07 = makeAjv(new Ajv({ strict: false, allErrors: true, validateFormats: true }))
const draft2020 = makeAjv(new Ajv2020({ strict: false, allErrors: true, validateFormats: true }) as unknown as Ajv)

export type SchemaCheck =
  | { ok: true; parameters: Record<string, unknown>; validate: ValidateFunction }
  | { ok: false; reason: string }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Every `$ref` in the schema (a provider resolves only local ones, `#...`). */
function remoteRefs(value: unknown, found: string[] = [], depth = 0): string[] {
  if (depth > 64) {
    found.push('(nested deeper than 64 levels)')
    return found
  }
  if (Array.isArray(value)) for (const item of value) remoteRefs(item, found, depth + 1)
  else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string' && !item.startsWith('#')) found.push(item)
      else remoteRefs(item, found, depth + 1)
    }
  }
  return found
}

/**
 * What every provider is given: the server's schema without `$schema` (OpenAI, AssemblyAI and Speko
 * all take a JSON Schema object whose top level is `type: "object"`).
 */
export function checkInputSchema(schema: unknown): SchemaCheck {
  if (!isRecord(schema)) return { ok: false, reason: 'its inputSchema is not a JSON object' }
  if (schema.type !== 'object') return { ok: false, reason: `its inputSchema has type ${JSON.stringify(schema.type ?? null)}; providers take only "object"` }
  let text: string
  try {
    text = JSON.stringify(schema)
  } catch {
    return { ok: false, reason: 'its inputSchema cannot be serialised' }
  }
  if (text.length > MAX_SCHEMA_CHARS) return { ok: false, reason: `its inputSchema is ${text.length} characters; the limit is ${MAX_SCHEMA_CHARS}` }
  const refs = remoteRefs(schema)
  if (refs.length) return { ok: false, reason: `its inputSchema refers to other documents (${refs.slice(0, 2).join(', ')}), which providers cannot resolve` }
  const parameters = JSON.parse(text) as Record<string, unknown>
  const dialect = typeof parameters.$schema === 'string' ? parameters.$schema : ''
  delete parameters.$schema
  const ajv = /2020-12|2019-09/.test(dialect) ? draft2020 : draft07
  let validate: ValidateFunction
  try {
    validate = ajv.compile(parameters)
  } catch (error) {
    return { ok: false, reason: `its inputSchema is not valid JSON Schema (${((error as Error).message || 'unknown error').slice(0, 200)})` }
  }
  return { ok: true, parameters, validate }
}

/** Ajv's errors as one sentence (at most five). */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string {
  if (!errors?.length) return 'the arguments do not match the tool schema'
  return errors
    .slice(0, 5)
    .map((e) => `${e.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : 'arguments'} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' && isRecord(e.params) ? ` (${String(e.params.additionalProperty)})` : ''}`)
    .join('; ')
}

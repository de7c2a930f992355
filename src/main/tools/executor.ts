import type { z } from 'zod'
import type {
  ApprovalDecision,
  ApprovalRequest,
  ApprovalResult,
  AuditEntry,
  DecisionSource,
  ToolCall,
  ToolCallResult,
  ToolErrorCode,
} from '../../shared/tools/types'
import type { ToolRegistry } from './registry'
import { ToolError, type AnyTool } from './tool'

/** Decides a write/external call. May return a bare decision or one with its source. */
export type Approver = (request: ApprovalRequest) => Promise<ApprovalDecision | ApprovalResult> | ApprovalDecision | ApprovalResult

export interface ExecuteOptions {
  /** Decides calls that are not read-only. Without one, such calls are denied. */
  approve?: Approver
  /** Put read-only calls to the approver too (the CLI's --approve none). Default: they run at once. */
  confirmReadOnly?: boolean
}

export interface AuditSink {
  record(entry: AuditEntry): void
}

export interface ToolExecutor {
  /** Runs one call the model made. Never throws; the same callId never runs twice. */
  executeToolCall(call: ToolCall, options?: ExecuteOptions): Promise<ToolCallResult>
}

export interface ExecutorOptions {
  registry: ToolRegistry
  audit?: AuditSink
  /** Used when executeToolCall gets no approver. */
  approve?: Approver
  now?: () => number
  /** How many executed call ids to remember (oldest forgotten first). */
  rememberCalls?: number
  /** Largest output handed back to the model, in characters. */
  maxOutputChars?: number
  log?: (line: string) => void
}

export function errorOutput(code: ToolErrorCode, message: string): string {
  return JSON.stringify({ error: message, code })
}

function zodMessage(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ')
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Model arguments arrive as an object (AssemblyAI), a JSON string (OpenAI) or nothing at all. */
function normaliseArguments(raw: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  if (raw === undefined || raw === null || raw === '') return { ok: true, value: {} }
  if (typeof raw === 'string') {
    try {
      return { ok: true, value: JSON.parse(raw) as unknown }
    } catch {
      return { ok: false, message: 'The arguments are not valid JSON.' }
    }
  }
  return { ok: true, value: raw }
}

function normaliseApproval(value: ApprovalDecision | ApprovalResult, fallback: ApprovalResult['via']): ApprovalResult {
  if (value === 'allow' || value === 'deny') return { decision: value, via: fallback }
  if (isRecord(value) && (value.decision === 'allow' || value.decision === 'deny')) return value
  return { decision: 'deny', via: fallback }
}

const denyAll: Approver = () => ({ decision: 'deny', via: 'policy' })

/**
 * Runs tool calls: look up, parse, validate, ask (write/external), run with a timeout, audit.
 * Every failure becomes an error result the model can explain; nothing throws.
 */
export function createToolExecutor(options: ExecutorOptions): ToolExecutor {
  const now = options.now ?? Date.now
  const remember = Math.max(1, options.rememberCalls ?? 1000)
  const maxOutput = options.maxOutputChars ?? 64_000
  const log = options.log ?? (() => {})
  const seen = new Map<string, Promise<ToolCallResult>>()

  const audit = (entry: AuditEntry) => {
    try {
      options.audit?.record(entry)
    } catch (error) {
      log(`tools: audit failed: ${(error as Error).message}`)
    }
  }

  async function run(call: ToolCall, approve: Approver, confirmReadOnly: boolean): Promise<ToolCallResult> {
    const started = now()
    const tool: AnyTool | undefined = options.registry.get(call.name)
    let args: unknown = null
    let decision: AuditEntry['decision'] = 'not_asked'
    let decidedBy: DecisionSource = 'none'
    const finish = (result: ToolCallResult, error?: string): ToolCallResult => {
      audit({
        time: new Date(started).toISOString(),
        callId: call.callId,
        tool: call.name,
        risk: tool?.risk ?? null,
        arguments: args,
        decision,
        decidedBy,
        outcome: result.status,
        ...(error !== undefined ? { error } : {}),
        durationMs: Math.max(0, now() - started),
      })
      return result
    }
    const fail = (code: ToolErrorCode, message: string, status: ToolCallResult['status'] = 'error') =>
      finish({ output: errorOutput(code, message), status }, message)

    const parsedJson = normaliseArguments(call.arguments)
    if (parsedJson.ok) args = parsedJson.value
    if (!tool) {
      const names = options.registry.tools.map((t) => t.name).join(', ')
      return fail('unknown_tool', `There is no tool called "${String(call.name).slice(0, 80)}". Available tools: ${names}.`)
    }
    if (!parsedJson.ok) return fail('invalid_arguments', `Invalid arguments for ${tool.name}: ${parsedJson.message}`)
    const parsed = tool.schema.safeParse(parsedJson.value)
    if (!parsed.success) return fail('invalid_arguments', `Invalid arguments for ${tool.name}: ${zodMessage(parsed.error)}`)
    const validArgs = parsed.data as Record<string, unknown>
    args = validArgs

    const controller = new AbortController()
    let prepared: unknown
    if (tool.prepare) {
      try {
        prepared = await tool.prepare(validArgs, { signal: controller.signal })
      } catch (error) {
        if (error instanceof ToolError) return fail(error.code, error.message)
        return fail('failed', `${tool.name} failed: ${(error instanceof Error ? error.message : String(error)).slice(0, 300)}`)
      }
    }

    if (tool.risk === 'read' && !tool.askEveryTime && !confirmReadOnly) {
      decision = 'allowed'
      decidedBy = 'auto'
    } else {
      let approval: ApprovalResult
      try {
        approval = normaliseApproval(
          await approve({
            callId: call.callId,
            name: tool.name,
            risk: tool.risk,
            description: tool.summarize?.(validArgs, prepared) ?? tool.description,
            arguments: validArgs,
            ...(tool.source && tool.source !== 'builtin' ? { source: tool.source } : {}),
            ...(tool.allowAlways === false ? { allowAlways: false } : {}),
            alwaysAllowable: tool.risk === 'write' && !tool.askEveryTime && tool.allowAlways !== false,
            details: tool.details?.(validArgs, prepared) ?? [],
          }),
          'user',
        )
      } catch (error) {
        log(`tools: approval for ${tool.name} failed: ${(error as Error).message}`)
        approval = { decision: 'deny', via: 'none' }
      }
      decidedBy = approval.via
      if (approval.decision !== 'allow') {
        decision = 'denied'
        const why =
          approval.via === 'timeout'
            ? 'The user did not answer the confirmation in time, so it was not done.'
            : approval.via === 'policy'
              ? 'This tool is not allowed in this mode, so it was not done.'
              : 'The user declined, so it was not done.'
        return fail('denied', `${tool.name} was not run. ${why}`, 'denied')
      }
      decision = 'allowed'
    }

    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort(new ToolError('timeout', `${tool.name} took longer than ${tool.timeoutMs / 1000} seconds and was stopped.`))
          reject(controller.signal.reason)
        }, tool.timeoutMs)
      })
      const value = await Promise.race([Promise.resolve().then(() => tool.run(validArgs, { signal: controller.signal, callId: call.callId, prepared })), timeout])
      if (!isRecord(value)) throw new Error('the tool returned no result object')
      const output = JSON.stringify(value)
      if (output.length > maxOutput) {
        return fail('failed', `${tool.name} produced a result too large to return (${output.length} characters).`)
      }
      return finish({ output, status: 'ok' })
    } catch (error) {
      if (error instanceof ToolError) return fail(error.code, error.message)
      const message = error instanceof Error ? error.message : String(error)
      log(`tools: ${tool.name} failed: ${message}`)
      return fail('failed', `${tool.name} failed: ${message.slice(0, 300)}`)
    } finally {
      if (timer !== undefined) clearTimeout(timer)
      controller.abort()
    }
  }

  return {
    executeToolCall(call, callOptions = {}) {
      const callId = typeof call?.callId === 'string' ? call.callId : ''
      const previous = seen.get(callId)
      if (callId && previous) return previous
      const approve = callOptions.approve ?? options.approve ?? denyAll
      const result = run({ callId, name: typeof call?.name === 'string' ? call.name : '', arguments: call?.arguments }, approve, callOptions.confirmReadOnly === true).catch(
        (error: unknown): ToolCallResult => {
          log(`tools: unexpected failure: ${(error as Error)?.message ?? String(error)}`)
          return { output: errorOutput('failed', 'The tool failed unexpectedly.'), status: 'error' }
        },
      )
      if (callId) {
        seen.set(callId, result)
        while (seen.size > remember) {
          const oldest = seen.keys().next().value
          if (oldest === undefined) break
          seen.delete(oldest)
        }
      }
      return result
    },
  }
}

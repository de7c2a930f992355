import type { ApprovalRequest, ApprovalResult } from './types'

/** The CLI's `--approve` modes. */
export const APPROVAL_MODES = ['read-only', 'all', 'none'] as const
export type ApprovalMode = (typeof APPROVAL_MODES)[number]

export function isApprovalMode(value: unknown): value is ApprovalMode {
  return typeof value === 'string' && (APPROVAL_MODES as readonly string[]).includes(value)
}

/** A fixed decision for a call under a mode: read-only allows `read` tools, all allows everything, none nothing. */
export function policyDecision(mode: ApprovalMode, risk: ApprovalRequest['risk']): ApprovalResult {
  const allow = mode === 'all' || (mode === 'read-only' && risk === 'read')
  return { decision: allow ? 'allow' : 'deny', via: 'policy' }
}

/**
 * Execute options for a fixed policy (the CLI's --approve flag), to pass to
 * `executor.executeToolCall(call, approvalPolicy(mode))`. Under `none` even read-only tools are
 * put to the policy (and so denied).
 */
export function approvalPolicy(mode: ApprovalMode): {
  approve: (request: ApprovalRequest) => ApprovalResult
  confirmReadOnly: boolean
} {
  return { approve: (request) => policyDecision(mode, request.risk), confirmReadOnly: mode === 'none' }
}

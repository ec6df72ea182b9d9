/**
 * API key scopes (design.md §7) and the checks routes make with them. `admin` implies every
 * scope within the key's own account; the operator's powers (reviewing sender IDs, prices,
 * connectors, routes, metrics) need `admin` on the root account. See docs/tenancy.md#scopes.
 */
import { AppError } from "../lib/app-error.ts"
import { type Principal, ROOT_ACCOUNT } from "./auth.ts"

export const SCOPES = [
  "sms.send",
  "sms.read",
  "wallet.read",
  "sender_ids.read",
  "sender_ids.write",
  "webhooks.write",
  "connect.customers",
  "admin",
] as const

export type Scope = (typeof SCOPES)[number]

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value)
}

export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes.includes("admin") || p.scopes.includes(scope)
}

/** 403 `forbidden` naming the missing scope. */
export function requireScope(p: Principal, scope: Scope): void {
  if (hasScope(p, scope)) return
  throw new AppError(
    "forbidden",
    `this call needs the ${scope} scope; the key has ${p.scopes.join(", ") || "none"}`,
    {
      extra: { required_scope: scope },
    },
  )
}

/** The operator: an admin key of the root account. */
export function isOperator(p: Principal): boolean {
  return p.accountId === ROOT_ACCOUNT && p.scopes.includes("admin")
}

export function requireOperator(p: Principal): void {
  if (isOperator(p)) return
  throw new AppError(
    "forbidden",
    "this call needs the admin scope of the operator (root) account",
    {
      extra: { required_scope: "admin" },
    },
  )
}

/**
 * Sandbox keys send (simulated) and read; they change nothing else: no customers, keys,
 * credits, sender IDs or prices.
 */
export function requireLive(p: Principal, what: string): void {
  if (p.mode === "live") return
  throw new AppError("forbidden", `a sandbox (sk_test_) key cannot ${what}; use a live key`)
}

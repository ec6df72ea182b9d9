/**
 * Who may see which account: a key sees its own account and, for partners and the operator,
 * the accounts below it. Anything else is reported exactly like a missing one (404, design.md
 * §7), so ids of other tenants reveal nothing.
 */
import { AppError } from "../lib/app-error.ts"
import type { AccountRow } from "../store/account-repo.ts"
import type { Store } from "../store/index.ts"
import type { Principal } from "./auth.ts"

export function accountNotFound(idOrRef: string): AppError {
  return new AppError("not_found", `no customer ${JSON.stringify(idOrRef)}`)
}

/** Whether `accountId` is strictly below `ancestorId` in the tree. */
export function isBelow(store: Store, accountId: string, ancestorId: string): boolean {
  return store.accounts.lineage(accountId).some((a, i) => i > 0 && a.id === ancestorId)
}

/**
 * A customer (or partner) of the caller, named by its id or by its `external_ref` under the
 * caller: any account strictly below the caller's. 404 otherwise.
 */
export function resolveCustomer(store: Store, p: Principal, idOrRef: string): AccountRow {
  const byId = idOrRef.startsWith("acc_") ? store.accounts.get(idOrRef) : null
  if (byId && isBelow(store, byId.id, p.accountId)) return byId
  const byRef = store.accounts.byExternalRef(p.accountId, idOrRef)
  if (byRef) return byRef
  throw accountNotFound(idOrRef)
}

/** The caller's own account (no id, or its own id), or a customer of it; 404 otherwise. */
export function resolveAccount(
  store: Store,
  p: Principal,
  idOrRef: string | undefined,
): { account: AccountRow; own: boolean } {
  if (idOrRef === undefined || idOrRef === "" || idOrRef === p.accountId) {
    const account = store.accounts.get(p.accountId)
    if (!account) throw accountNotFound(p.accountId)
    return { account, own: true }
  }
  return { account: resolveCustomer(store, p, idOrRef), own: false }
}

/** Whether the caller may see data of `accountId`: its own or below it. */
export function canSee(store: Store, p: Principal, accountId: string): boolean {
  return accountId === p.accountId || isBelow(store, accountId, p.accountId)
}

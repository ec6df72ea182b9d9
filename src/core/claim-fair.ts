/**
 * Fair claiming from the queue (docs/routing.md#priority-and-fairness): highest priority first; within a priority an
 * equal share per account, so one account's bulk backlog cannot starve another's traffic.
 * Synchronous: runs inside the dispatcher's claim transaction (core/outbox.ts).
 */
import type { ClaimedRow, Lane, MessageMode, Store } from "../store/index.ts"

/**
 * Takes up to `want` due messages: highest priority first; within a priority, an equal share per
 * account (a share left unused by one account goes to the others), so one account's bulk backlog
 * cannot starve another's traffic (docs/routing.md#priority-and-fairness). Accounts are interleaved in the result.
 */
export function claimFair(
  repo: Store["messages"],
  now: number,
  want: number,
  mode: MessageMode = "live",
): ClaimedRow[] {
  const out: ClaimedRow[] = []
  if (want <= 0) return out
  const lanes = repo.lanes(mode)
  let i = 0
  while (i < lanes.length && out.length < want) {
    const priority = lanes[i]!.priority
    let active: Lane[] = []
    while (i < lanes.length && lanes[i]!.priority === priority) active.push(lanes[i++]!)
    const taken: ClaimedRow[][] = []
    while (active.length > 0 && out.length + count(taken) < want) {
      const remaining = want - out.length - count(taken)
      const share = Math.max(1, Math.ceil(remaining / active.length))
      const stillFull: Lane[] = []
      for (const lane of active) {
        const left = want - out.length - count(taken)
        if (left <= 0) break
        const ask = Math.min(share, left)
        const rows = repo.claimLane(lane, now, ask)
        if (rows.length > 0) taken.push(rows)
        if (rows.length === ask) stillFull.push(lane)
      }
      active = stillFull
    }
    interleave(taken, out)
  }
  return out
}

function count(groups: ClaimedRow[][]): number {
  let n = 0
  for (const g of groups) n += g.length
  return n
}

function interleave(groups: ClaimedRow[][], out: ClaimedRow[]): void {
  for (let k = 0; ; k++) {
    let any = false
    for (const g of groups) {
      const row = g[k]
      if (row) {
        out.push(row)
        any = true
      }
    }
    if (!any) return
  }
}

// The receipt's part lookup over a real SQLite file: the newest part with a carrier id (a
// modem's TP-MR repeats) found through the index alone (migration 0016).
import { Database } from "bun:sqlite"
import { expect, test } from "bun:test"
import { withStore } from "../../test/support/store.ts"
import { PART_BY_CARRIER } from "./message-repo.ts"

test("the lookup is an index search with no sort (migration 0016)", () => {
  withStore((store, path) => {
    store.close()
    const db = new Database(path, { readonly: true })
    try {
      const plan = db
        .query<{ detail: string }, [string, string]>(`EXPLAIN QUERY PLAN ${PART_BY_CARRIER}`)
        .all("c", "17")
        .map((r) => r.detail)
        .join(" | ")
      expect(plan).toContain("USING INDEX message_parts_carrier")
      expect(plan).not.toContain("TEMP B-TREE")
    } finally {
      db.close()
    }
  })
})

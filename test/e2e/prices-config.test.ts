// The price table from the config file ([prices]) through the real server: applied at start,
// charged at accept, changed by PUT until the next start, replaced by a changed [prices] at
// restart, and left alone by a start without [prices] (docs/tenancy.md#money).
import { Database } from "bun:sqlite"
import { expect, test } from "bun:test"
import { join } from "node:path"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { tempDir } from "../support/temp-dir.ts"
import {
  balanceOf,
  body,
  createCustomer,
  ledgerMismatches,
  ledgerOf,
  sendAs,
} from "../support/tenants.ts"

const GH = "+233201234567"
const NG = "+2348031234567"
const DE = "+4915123456789" // not listed: the default

interface PriceTable {
  default: number
  countries: Record<string, number>
}

interface Sent {
  credits: number
  messages: { id: string; segments: number }[]
}

async function pricesOf(gw: TestGateway, key?: string): Promise<PriceTable> {
  return body(await gw.api("/v1/prices", key ? { key } : {}), 200)
}

/** The stored rows, read from the database file (WAL: beside a running gateway too). */
function storedRows(dbPath: string): unknown[] {
  const db = new Database(dbPath, { readonly: true })
  try {
    return db.query("SELECT * FROM prices ORDER BY country").all()
  } finally {
    db.close()
  }
}

test("[prices] is applied at start, charged at accept, and replaced only by a changed [prices] at restart", async () => {
  using dir = tempDir("signalbox-prices-")
  const dbPath = join(dir.path, "signalbox.db")
  const start = (toml: string) => startGateway(toml, { dataDir: dir.path })
  let shopKey = ""

  // 1. The declared table replaces the migration's default at the first start.
  {
    await using gw = await start(`
[prices]
default = 1
[prices.countries]
GH = 3
ng = 2
`)
    expect(await pricesOf(gw)).toEqual({ default: 1, countries: { GH: 3, NG: 2 } })
    const shop = await createCustomer(gw, { initial_sms_credits: 100 })
    shopKey = shop.key
    expect(await pricesOf(gw, shopKey)).toEqual({ default: 1, countries: { GH: 3, NG: 2 } })

    // 200 characters: 2 segments each. GH 2 × 3 + NG 2 × 2 + DE 2 × the default 1.
    const sent = await body<Sent>(
      await sendAs(gw, shopKey, { to: [GH, NG, DE], message: "x".repeat(200) }),
      202,
    )
    expect(sent.messages.map((m) => m.segments)).toEqual([2, 2, 2])
    expect(sent.credits).toBe(12)
    expect((await balanceOf(gw, shopKey)).sms_credits).toBe(88)
    const reserve = (await ledgerOf(gw, shopKey)).find((e) => e.kind === "reserve")
    expect(reserve).toMatchObject({ amount: -12, reserved_change: 12 })

    // A PUT changes the table until the next start.
    await body(
      await gw.api("/v1/prices", { method: "PUT", json: { default: 7, countries: {} } }),
      200,
    )
    expect(await pricesOf(gw)).toEqual({ default: 7, countries: {} })
  }

  // 2. A restart with a changed [prices] applies the new table over the PUT.
  const changed = `
[prices]
default = 2
[prices.countries]
GH = 4
`
  {
    await using gw = await start(changed)
    expect(await pricesOf(gw)).toEqual({ default: 2, countries: { GH: 4 } })
    const sent = await body<Sent>(await sendAs(gw, shopKey, { to: [GH, NG], message: "hi" }), 202)
    expect(sent.credits).toBe(4 + 2)
    expect((await balanceOf(gw, shopKey)).sms_credits).toBe(88 - 6)
  }

  // 3. The same [prices] again leaves the stored rows alone (updated_at included); a PUT then.
  const rows = storedRows(dbPath)
  expect(rows).toHaveLength(2)
  {
    await using gw = await start(changed)
    expect(await pricesOf(gw)).toEqual({ default: 2, countries: { GH: 4 } })
    expect(storedRows(dbPath)).toEqual(rows)
    await body(
      await gw.api("/v1/prices", { method: "PUT", json: { default: 5, countries: { NG: 6 } } }),
      200,
    )
  }

  // 4. Without [prices], whatever is stored stays: here the last PUT.
  {
    await using gw = await start("")
    expect(await pricesOf(gw)).toEqual({ default: 5, countries: { NG: 6 } })
  }
  expect(ledgerMismatches(dbPath)).toEqual([])
})

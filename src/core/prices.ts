/**
 * The price table: credits per segment by destination country, with a default. Kept in memory
 * (accept prices every recipient with one Map lookup) and reloaded when it is replaced: by
 * PUT /v1/prices, or at start by the operator's [prices] in the config (docs/tenancy.md#money).
 */
import { isCountryCode } from "../codec/phone.ts"
import { AppError } from "../lib/app-error.ts"
import type { Clock } from "../lib/clock.ts"
import { MAX_CREDITS_PER_SEGMENT } from "../lib/credit-bounds.ts"
import type { Store } from "../store/index.ts"
import type { PriceRow } from "../store/price-repo.ts"

/** The row key of the default price. */
export const DEFAULT_PRICE_KEY = "*"

export interface PriceTableView {
  /** Credits per segment for every country not listed. */
  default: number
  /** ISO 3166-1 alpha-2 → credits per segment. */
  countries: Record<string, number>
}

export interface Pricing {
  /** Credits per message, in recipient order. */
  amounts: number[]
  total: number
}

export class PriceTable {
  private byCountry = new Map<string, number>()
  private fallback = 1

  constructor(private readonly deps: { store: Store; clock: Clock }) {
    this.reload()
  }

  reload(): void {
    const map = new Map<string, number>()
    let fallback = 1
    for (const row of this.deps.store.prices.all()) {
      if (row.country === DEFAULT_PRICE_KEY) fallback = row.credits_per_segment
      else map.set(row.country, row.credits_per_segment)
    }
    this.byCountry = map
    this.fallback = fallback
  }

  creditsPerSegment(country: string | undefined): number {
    if (country === undefined || this.byCountry.size === 0) return this.fallback
    return this.byCountry.get(country) ?? this.fallback
  }

  /** Segments × price of each recipient's country (undefined: not geographic → default). */
  price(countries: readonly (string | undefined)[], segments: number): Pricing {
    const amounts = new Array<number>(countries.length)
    let total = 0
    for (let i = 0; i < countries.length; i++) {
      const amount = segments * this.creditsPerSegment(countries[i])
      amounts[i] = amount
      total += amount
    }
    return { amounts, total }
  }

  view(): PriceTableView {
    const countries: Record<string, number> = {}
    for (const [c, p] of [...this.byCountry].sort(([a], [b]) => a.localeCompare(b)))
      countries[c] = p
    return { default: this.fallback, countries }
  }

  /** Replaces the whole table (PUT /v1/prices). */
  async replace(input: PriceTableView): Promise<PriceTableView> {
    const rows = validate(input)
    const { store, clock } = this.deps
    await store.batcher.run(() => write(store, rows, clock.now()))
    this.reload()
    return this.view()
  }

  /**
   * Makes the operator's declared table ([prices] in the config) the stored one, at start, before
   * any request: validated and written as PUT writes it. A table equal to the stored one is left
   * alone, so `updated_at` keeps the time of the last real change. Returns whether it changed.
   */
  applyDeclared(input: PriceTableView): boolean {
    const rows = validate(input)
    const { store, clock } = this.deps
    const changed = store.transaction(() => {
      if (isSameTable(store.prices.all(), rows)) return false
      write(store, rows, clock.now())
      return true
    })
    this.reload()
    return changed
  }
}

function write(store: Store, rows: [string, number][], now: number): void {
  store.prices.replace(
    rows.map(([country, credits]) => ({ country, credits_per_segment: credits, updated_at: now })),
  )
}

function isSameTable(stored: readonly PriceRow[], rows: readonly [string, number][]): boolean {
  const byCountry = new Map(stored.map((r) => [r.country, r.credits_per_segment]))
  return stored.length === rows.length && rows.every(([c, p]) => byCountry.get(c) === p)
}

function validate(input: PriceTableView): [string, number][] {
  const errors: { path: string; message: string }[] = []
  const check = (path: string, v: unknown) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > MAX_CREDITS_PER_SEGMENT) {
      errors.push({
        path,
        message: `must be a whole number of credits from 0 to ${MAX_CREDITS_PER_SEGMENT}`,
      })
    }
  }
  check("/default", input.default)
  const rows: [string, number][] = [[DEFAULT_PRICE_KEY, input.default]]
  for (const [key, value] of Object.entries(input.countries)) {
    const country = key.toUpperCase()
    if (!isCountryCode(country)) {
      errors.push({ path: `/countries/${key}`, message: "not an ISO 3166-1 alpha-2 country code" })
      continue
    }
    check(`/countries/${key}`, value)
    rows.push([country, value])
  }
  if (new Set(rows.map(([c]) => c)).size !== rows.length) {
    errors.push({ path: "/countries", message: "a country is listed twice" })
  }
  if (errors.length > 0) {
    throw new AppError("validation_failed", `${errors[0]!.path}: ${errors[0]!.message}`, {
      extra: { errors },
    })
  }
  return rows
}

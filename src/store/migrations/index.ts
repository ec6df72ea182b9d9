// Embedded with `type: "text"` so `bun build --compile` carries the schema inside the binary.
import m0001 from "./0001_init.sql" with { type: "text" }
import m0003 from "./0003_queue_lanes.sql" with { type: "text" }
import m0004 from "./0004_inbound.sql" with { type: "text" }
import m0005 from "./0005_webhooks.sql" with { type: "text" }
import m0006 from "./0006_accounts.sql" with { type: "text" }
import m0007 from "./0007_conversations.sql" with { type: "text" }
import m0008 from "./0008_mo_parts.sql" with { type: "text" }
import m0009 from "./0009_drop_batches.sql" with { type: "text" }
import m0010 from "./0010_suspended_by.sql" with { type: "text" }
import m0011 from "./0011_unpause_deliveries.sql" with { type: "text" }
import m0012 from "./0012_mode_lanes.sql" with { type: "text" }
import m0013 from "./0013_pinned_lanes.sql" with { type: "text" }
import m0014 from "./0014_callback_deliveries.sql" with { type: "text" }
import m0015 from "./0015_ready_without_pinned.sql" with { type: "text" }
import m0016 from "./0016_receipt_lookup.sql" with { type: "text" }
import m0017 from "./0017_endpoint_has_open.sql" with { type: "text" }

/** Ordered, forward-only. The position in this list + 1 is the schema version (PRAGMA user_version). */
export const MIGRATIONS: readonly { name: string; sql: string }[] = [
  { name: "0001_init", sql: m0001 },
  { name: "0003_queue_lanes", sql: m0003 },
  { name: "0004_inbound", sql: m0004 },
  { name: "0005_webhooks", sql: m0005 },
  { name: "0006_accounts", sql: m0006 },
  { name: "0007_conversations", sql: m0007 },
  { name: "0008_mo_parts", sql: m0008 },
  { name: "0009_drop_batches", sql: m0009 },
  { name: "0010_suspended_by", sql: m0010 },
  { name: "0011_unpause_deliveries", sql: m0011 },
  { name: "0012_mode_lanes", sql: m0012 },
  { name: "0013_pinned_lanes", sql: m0013 },
  { name: "0014_callback_deliveries", sql: m0014 },
  { name: "0015_ready_without_pinned", sql: m0015 },
  { name: "0016_receipt_lookup", sql: m0016 },
  { name: "0017_endpoint_has_open", sql: m0017 },
]

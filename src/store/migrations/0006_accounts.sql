-- 0006: accounts, API keys, balances and their ledger, prices, sender IDs, sandbox messages
-- (docs/tenancy.md). Times are epoch milliseconds (INTEGER).

-- The account tree: the operator (root), partners under it, customers under either.
-- `external_ref` is the platform's own id for the customer: unique per parent, so provisioning
-- with the same ref again finds the same account.
CREATE TABLE accounts (
  id           TEXT PRIMARY KEY,
  parent_id    TEXT REFERENCES accounts (id),
  kind         TEXT NOT NULL CHECK (kind IN ('root', 'partner', 'customer')),
  full_name    TEXT NOT NULL,
  phone        TEXT,
  country_code TEXT,
  email        TEXT,
  external_ref TEXT,
  label        TEXT,
  status       TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
  currency     TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  CHECK ((kind = 'root') = (parent_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX accounts_external_ref ON accounts (parent_id, external_ref)
  WHERE external_ref IS NOT NULL;
CREATE INDEX accounts_parent ON accounts (parent_id, id);

-- The operator. Its admin key is the one in the config file ([auth] admin_key).
INSERT INTO accounts (id, parent_id, kind, full_name, status, currency, created_at, updated_at)
VALUES ('acc_root', NULL, 'root', 'Operator', 'active', 'USD',
        CAST(unixepoch('subsec') * 1000 AS INTEGER), CAST(unixepoch('subsec') * 1000 AS INTEGER));

-- Keys are random (190 bits), so one SHA-256 is the right hash; the plaintext is never stored.
-- `prefix` (the first characters) is shown in lists so a person can tell keys apart.
-- `scopes` is a JSON array. NULL rate limits mean unlimited.
CREATE TABLE api_keys (
  id              TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL REFERENCES accounts (id),
  hash            TEXT NOT NULL UNIQUE,
  prefix          TEXT NOT NULL,
  mode            TEXT NOT NULL CHECK (mode IN ('live', 'test')),
  scopes          TEXT NOT NULL,
  label           TEXT NOT NULL,
  rate_per_second INTEGER,
  rate_per_hour   INTEGER,
  created_at      INTEGER NOT NULL,
  last_used_at    INTEGER,
  revoked_at      INTEGER
) STRICT;
CREATE INDEX api_keys_account ON api_keys (account_id, id);

-- Denormalised balances, changed only together with a ledger_entries row in one transaction.
-- An account without a row is unmetered (the operator). Credits are whole SMS credits; the
-- wallet is in minor units of the account's currency (cents). The CHECKs make overspending
-- impossible even for a bug: the UPDATE would fail, and its transaction with it.
CREATE TABLE balances (
  account_id     TEXT PRIMARY KEY REFERENCES accounts (id),
  sms_credits    INTEGER NOT NULL CHECK (sms_credits >= 0),
  wallet_balance INTEGER NOT NULL CHECK (wallet_balance >= 0),
  reserved       INTEGER NOT NULL CHECK (reserved >= 0),
  updated_at     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Every movement. `amount` is the signed change of the available balance of `unit`
-- (sms_credits or wallet_balance), `reserved_change` the signed change of `reserved`, so
-- balances = the sums of these columns per account (tested). `seq` is the public id and cursor.
--   topup   +a, 0    reserve -c, +c    capture 0, -c
--   deduct  -a, 0    release +c, -c    adjust  ±a, 0
CREATE TABLE ledger_entries (
  seq             INTEGER PRIMARY KEY,
  account_id      TEXT NOT NULL,
  kind            TEXT NOT NULL
    CHECK (kind IN ('topup', 'deduct', 'reserve', 'capture', 'release', 'adjust')),
  unit            TEXT NOT NULL CHECK (unit IN ('credits', 'wallet')),
  amount          INTEGER NOT NULL,
  reserved_change INTEGER NOT NULL,
  balance_after   INTEGER NOT NULL,
  reserved_after  INTEGER NOT NULL,
  message_id      TEXT,
  batch_id        TEXT,
  counterparty_id TEXT,
  reason          TEXT NOT NULL,
  created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX ledger_account ON ledger_entries (account_id, seq);

-- What each metered message reserved at accept, until it is captured (sent) or released
-- (failed before sending, expired, canceled). Only metered live messages have a row.
CREATE TABLE message_charges (
  message_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  amount     INTEGER NOT NULL,
  state      TEXT NOT NULL CHECK (state IN ('reserved', 'captured', 'released'))
) STRICT, WITHOUT ROWID;

-- Credits per segment by destination country (ISO 3166-1 alpha-2); '*' is the default.
CREATE TABLE prices (
  country             TEXT PRIMARY KEY,
  credits_per_segment INTEGER NOT NULL CHECK (credits_per_segment >= 0),
  updated_at          INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO prices (country, credits_per_segment, updated_at) VALUES ('*', 1, 0);

-- Sender IDs registered per account and reviewed by the operator.
CREATE TABLE sender_ids (
  id           TEXT PRIMARY KEY,
  account_id   TEXT NOT NULL REFERENCES accounts (id),
  value        TEXT NOT NULL,
  country_code TEXT NOT NULL,
  purpose      TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  is_default   INTEGER NOT NULL DEFAULT 0,
  reason       TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  reviewed_at  INTEGER
) STRICT;
CREATE UNIQUE INDEX sender_ids_value ON sender_ids (account_id, value, country_code);
CREATE INDEX sender_ids_account ON sender_ids (account_id, id);

-- Sandbox (sk_test_) messages: routed to the built-in sandbox simulator, never charged, and
-- visible only to test keys.
ALTER TABLE messages ADD COLUMN mode TEXT NOT NULL DEFAULT 'live';

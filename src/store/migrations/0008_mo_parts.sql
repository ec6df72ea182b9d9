-- 0008: MO parts held durably until their set completes, and fingerprints of MO PDUs that had
-- no SMSC id, so a redelivery is recognised (docs/smpp.md#reassembly, docs/two-way.md#redelivery).

-- One row per part of an incomplete multipart MO. A part is answered deliver_sm_resp 0 only once
-- its row is committed; the part that completes the set stores the message and deletes the rows
-- in one transaction. `set_key` is the connector's key of the set (scheme, source, destination,
-- reference, total); `first_at` is when the set's first part arrived (the same on every row of
-- the set): the reassembly timeout runs from it. Single-part MOs never come here.
CREATE TABLE mo_parts (
  connector_id TEXT NOT NULL,
  set_key      TEXT NOT NULL,
  sequence     INTEGER NOT NULL,
  total        INTEGER NOT NULL,
  from_addr    TEXT NOT NULL,
  to_addr      TEXT NOT NULL,
  data_coding  INTEGER NOT NULL,
  encoding     TEXT NOT NULL,
  octets       BLOB NOT NULL,
  external_id  TEXT,
  fingerprint  TEXT NOT NULL,
  first_at     INTEGER NOT NULL,
  received_at  INTEGER NOT NULL,
  PRIMARY KEY (connector_id, set_key, sequence)
) STRICT, WITHOUT ROWID;
-- Expiry and eviction take the oldest sets of one connector first.
CREATE INDEX mo_parts_age ON mo_parts (connector_id, first_at);

-- A hash of an MO PDU as received (source, destination, data_coding, user data with its UDH,
-- SAR values), per connector, for MO_REDELIVERY_WINDOW_MS (src/core/inbound.ts) after the
-- message it belongs to was stored. Pruned by age on every insert: the `at` index makes that a
-- seek to the few expired rows.
CREATE TABLE mo_fingerprints (
  connector_id TEXT NOT NULL,
  fingerprint  TEXT NOT NULL,
  inbound_id   TEXT NOT NULL,
  at           INTEGER NOT NULL,
  PRIMARY KEY (connector_id, fingerprint)
) STRICT, WITHOUT ROWID;
CREATE INDEX mo_fingerprints_age ON mo_fingerprints (at);

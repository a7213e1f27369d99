import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// The stock ledger (ARCHITECTURE.md §7). The invariants live in CHECK constraints so that no code
// path, however buggy or concurrent, can make stock negative or reserve more than is on hand.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE stock_levels (
      tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      sku         text NOT NULL CHECK (length(sku) BETWEEN 1 AND 255),
      on_hand     integer NOT NULL CHECK (on_hand >= 0),
      reserved    integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
      updated_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, sku),
      CONSTRAINT stock_levels_reserved_within_on_hand CHECK (reserved <= on_hand)
    )`
  // Why each change happened. `dedupe_key` makes a replayed event (a return delivered twice)
  // a no-op: the second insert conflicts and the change is not applied again.
  yield* sql`
    CREATE TABLE stock_movements (
      id              bigserial PRIMARY KEY,
      tenant_id       uuid NOT NULL,
      sku             text NOT NULL,
      kind            text NOT NULL CHECK (kind IN ('set', 'csv-import', 'reserve', 'release', 'ship', 'return', 'adjust')),
      on_hand_delta   integer NOT NULL,
      reserved_delta  integer NOT NULL,
      on_hand_after   integer NOT NULL,
      reserved_after  integer NOT NULL,
      reference       text NOT NULL DEFAULT '',
      actor           text NOT NULL DEFAULT '',
      dedupe_key      text,
      at              timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (tenant_id, sku) REFERENCES stock_levels (tenant_id, sku) ON DELETE CASCADE,
      UNIQUE (tenant_id, dedupe_key)
    )`
  yield* sql`CREATE INDEX stock_movements_by_sku ON stock_movements (tenant_id, sku, id)`
  // One row per order line held against the ledger; the primary key is the idempotency key
  // of a reservation, so a replayed order can never reserve twice.
  yield* sql`
    CREATE TABLE stock_reservations (
      connection_id     uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
      channel_order_id  text NOT NULL,
      sku               text NOT NULL,
      tenant_id         uuid NOT NULL,
      quantity          integer NOT NULL CHECK (quantity > 0),
      state             text NOT NULL DEFAULT 'reserved' CHECK (state IN ('reserved', 'released', 'shipped')),
      created_at        timestamptz NOT NULL DEFAULT now(),
      updated_at        timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (connection_id, channel_order_id, sku),
      FOREIGN KEY (tenant_id, sku) REFERENCES stock_levels (tenant_id, sku) ON DELETE CASCADE
    )`
  // The connections whose channel shows this tenant's stock: every ledger change fans out to them.
  yield* sql`
    CREATE TABLE stock_targets (
      connection_id  uuid PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
      tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      created_at     timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX stock_targets_by_tenant ON stock_targets (tenant_id)`
  // The outbox: written in the same transaction as the ledger change, so a push can never be
  // lost to a crash. `seq` grows on every new mark; a push deletes only the mark it read, so a
  // change that lands while the push is on the wire stays marked for the next one.
  yield* sql`CREATE SEQUENCE stock_dirty_seq`
  yield* sql`
    CREATE TABLE stock_dirty (
      connection_id  uuid NOT NULL REFERENCES stock_targets(connection_id) ON DELETE CASCADE,
      sku            text NOT NULL,
      tenant_id      uuid NOT NULL,
      seq            bigint NOT NULL,
      marked_at      timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (connection_id, sku)
    )`
  // What each channel was last told and last seen showing.
  yield* sql`
    CREATE TABLE channel_stock (
      connection_id   uuid NOT NULL REFERENCES stock_targets(connection_id) ON DELETE CASCADE,
      sku             text NOT NULL,
      tenant_id       uuid NOT NULL,
      published       integer CHECK (published >= 0),
      pushed_at       timestamptz,
      channel_value   integer,
      read_at         timestamptz,
      -- channel_value − what it should have shown, at the last reconcile
      drift           integer NOT NULL DEFAULT 0,
      missing         boolean NOT NULL DEFAULT false,
      PRIMARY KEY (connection_id, sku)
    )`
  yield* sql`
    CREATE TABLE stock_drift (
      id             bigserial PRIMARY KEY,
      connection_id  uuid NOT NULL REFERENCES stock_targets(connection_id) ON DELETE CASCADE,
      tenant_id      uuid NOT NULL,
      sku            text NOT NULL,
      expected       integer NOT NULL,
      found          integer NOT NULL,
      at             timestamptz NOT NULL DEFAULT now()
    )`
})

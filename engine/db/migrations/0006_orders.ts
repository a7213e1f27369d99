import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Orders exactly once (ARCHITECTURE.md §6). One row per (connection, channel order): the UNIQUE key is
// the inbox's dedupe, and the same row carries the persisted state machine, the committed intent
// (attempt, marker, the exact request sent) and the outcome (lexoffice id + number). Every
// transition is journalled in order_events so the history of an order is queryable.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE orders (
      id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id           uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      connection_id       uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
      channel_order_id    text NOT NULL,
      payload             jsonb NOT NULL,
      modified_at         timestamptz NOT NULL,
      deliveries          integer NOT NULL DEFAULT 1,
      state               text NOT NULL DEFAULT 'received'
                          CHECK (state IN ('received', 'reserved', 'oversold', 'creating', 'created', 'failed')),
      attempt             integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
      attempt_started_at  timestamptz,
      marker              text,
      contact_id          text,
      request             jsonb,
      currency            text,
      fx_rate             numeric,
      fx_rate_date        date,
      fx_source           text,
      fx_path             text,
      total_gross         numeric,
      total_gross_eur     numeric,
      lexoffice_id        text UNIQUE,
      lexoffice_number    text,
      failure_reason      text,
      received_at         timestamptz NOT NULL DEFAULT now(),
      updated_at          timestamptz NOT NULL DEFAULT now(),
      UNIQUE (connection_id, channel_order_id),
      CHECK (state <> 'created' OR lexoffice_id IS NOT NULL),
      CHECK (state NOT IN ('creating', 'created') OR (marker IS NOT NULL AND request IS NOT NULL))
    )`
  yield* sql`CREATE INDEX orders_tenant_state ON orders (tenant_id, state)`
  yield* sql`
    CREATE TABLE order_events (
      id          bigserial PRIMARY KEY,
      order_id    uuid NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
      at          timestamptz NOT NULL DEFAULT clock_timestamp(),
      from_state  text,
      to_state    text NOT NULL,
      attempt     integer NOT NULL,
      detail      text
    )`
  yield* sql`CREATE INDEX order_events_order ON order_events (order_id, id)`
  // lexoffice contacts found or created for buyers, per tenant: one look-up per buyer, not per order.
  yield* sql`
    CREATE TABLE lexoffice_contacts (
      tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      buyer_key    text NOT NULL,
      contact_id   text NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, buyer_key)
    )`
})

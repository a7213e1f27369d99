import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// An order the channel cancelled (or refunded in full) before it was booked ends in its own final
// state, `cancelled`, with its reserved units released (ARCHITECTURE.md §6/§7). PostgreSQL named the
// column's CHECK `orders_state_check`; it is replaced by one that also allows the new state.
//
// A channel's order webhooks name their orders; the orders run a wake-up starts reads exactly
// those (not a time window of everything) and then marks the deliveries handled. The partial
// index holds only what is still to read.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE orders DROP CONSTRAINT orders_state_check`
  yield* sql`
    ALTER TABLE orders ADD CONSTRAINT orders_state_check
      CHECK (state IN ('received', 'reserved', 'oversold', 'creating', 'created', 'failed', 'cancelled'))`
  yield* sql`ALTER TABLE webhook_events ADD COLUMN handled_at timestamptz`
  yield* sql`
    CREATE INDEX webhook_events_orders_pending ON webhook_events (connection_id, id)
      WHERE handled_at IS NULL AND kind LIKE 'store/order/%'`
})

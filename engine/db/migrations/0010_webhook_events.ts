import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Every verified webhook delivery, once: a retried or duplicated delivery hits the UNIQUE key
// and changes nothing. The event is stored before the sender gets its 2xx, so nothing is lost
// if the process dies right after answering.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE webhook_events (
      id             bigserial PRIMARY KEY,
      tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      connection_id  uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
      dedupe_key     text NOT NULL,
      kind           text NOT NULL,
      payload        jsonb NOT NULL,
      received_at    timestamptz NOT NULL DEFAULT now(),
      UNIQUE (connection_id, dedupe_key)
    )`
})

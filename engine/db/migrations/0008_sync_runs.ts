import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Every sync run, whatever triggered it: what an operator reads to see that Vortex is doing
// its job, and what the heartbeat reads to know a flow is due.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE sync_runs (
      id           bigserial PRIMARY KEY,
      tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      pipeline     text NOT NULL,
      flow         text NOT NULL,
      trigger      text NOT NULL,
      dry_run      boolean NOT NULL DEFAULT false,
      status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
      started_at   timestamptz NOT NULL DEFAULT now(),
      finished_at  timestamptz,
      read         integer NOT NULL DEFAULT 0,
      written      integer NOT NULL DEFAULT 0,
      skipped      integer NOT NULL DEFAULT 0,
      failed       integer NOT NULL DEFAULT 0,
      api_calls    integer NOT NULL DEFAULT 0,
      errors       jsonb NOT NULL DEFAULT '[]'::jsonb
    )`
  yield* sql`CREATE INDEX sync_runs_recent ON sync_runs (tenant_id, pipeline, flow, started_at DESC)`
})

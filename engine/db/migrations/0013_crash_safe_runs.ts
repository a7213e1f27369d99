import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Runs that survive their worker (issue #10):
// - `worker_processes`: every engine process that runs flows registers here. On a PostgreSQL
//   server it holds a session advisory lock keyed by its id for as long as it lives, so "is that
//   worker alive?" is answered by PostgreSQL the moment its connection dies — kill -9 included.
// - `sync_runs` records which worker runs it and for which queued job, so a run left `running`
//   by a dead worker is closed `abandoned` and its job handed back to the queue within seconds.
// - `flow_cursors`: the points a flow has provably reached on a connection — the orders poll's
//   own watermark (only a completed poll advances it; a webhook-woken run never moves it) and
//   the last completed stock reconcile.
// - `stock_dirty.held_at`: a change that would raise a channel's quantity, held until the order
//   intake has read that channel past the moment the change was marked.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE worker_processes (
      id          serial PRIMARY KEY,
      host        text NOT NULL,
      pid         integer NOT NULL,
      started_at  timestamptz NOT NULL DEFAULT now(),
      stopped_at  timestamptz
    )`
  yield* sql`ALTER TABLE sync_runs ADD COLUMN worker_id integer`
  yield* sql`ALTER TABLE sync_runs ADD COLUMN job_id uuid`
  yield* sql`ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_status_check`
  yield* sql`
    ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_status_check
      CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'abandoned'))`
  yield* sql`CREATE INDEX sync_runs_running ON sync_runs (worker_id) WHERE status = 'running'`
  yield* sql`CREATE INDEX sync_runs_job ON sync_runs (job_id) WHERE job_id IS NOT NULL`
  yield* sql`
    CREATE TABLE flow_cursors (
      connection_id  uuid NOT NULL,
      name           text NOT NULL,
      tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      at             timestamptz NOT NULL,
      updated_at     timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (connection_id, name)
    )`
  yield* sql`ALTER TABLE stock_dirty ADD COLUMN held_at timestamptz`
  // when `published` was last taken from what the channel showed (a reconcile's read): orders
  // placed before it are already counted in it and must not lower it again when reserved
  yield* sql`ALTER TABLE channel_stock ADD COLUMN shown_at timestamptz`
  yield* sql`CREATE INDEX stock_dirty_held ON stock_dirty (connection_id, marked_at) WHERE held_at IS NOT NULL`
})

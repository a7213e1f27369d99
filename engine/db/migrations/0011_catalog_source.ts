import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// lexoffice lists at most 10 000 results per query (DOC #Paging of Resources) and articles can
// only be partitioned by type, so a large catalog cannot be read whole by listing. Vortex keeps
// its own index of the articles it knows (fed by listings, by article events and by reads by id)
// and a table of article ids that events announced as changed: the catalog job drains that table,
// so an event is never lost when wake-ups coalesce into one job.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE catalog_source (
      tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      pipeline       text NOT NULL,
      source_id      text NOT NULL,
      article_type   text NOT NULL,
      version        integer NOT NULL,
      updated_date   text NOT NULL,
      verified_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, pipeline, source_id)
    )`
  // the rolling verification reads the least recently verified first
  yield* sql`CREATE INDEX catalog_source_by_verified ON catalog_source (tenant_id, pipeline, verified_at)`
  yield* sql`
    CREATE TABLE catalog_dirty (
      tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      pipeline       text NOT NULL,
      source_id      text NOT NULL,
      event          text NOT NULL,
      marked_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (tenant_id, pipeline, source_id)
    )`
  // How far the catalog runs have walked the stock ledger looking for SKUs that no listing
  // carries (looked up in lexoffice by article number: beyond the listing window, an article
  // whose created event was lost is found no other way). A cursor, so each run reads a bounded
  // slice of the ledger whatever its size.
  yield* sql`
    CREATE TABLE catalog_probe_cursor (
      tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      pipeline       text NOT NULL,
      after_sku      text NOT NULL,
      PRIMARY KEY (tenant_id, pipeline)
    )`
  // a run's warnings (e.g. a listing cut off by lexoffice's result window) beside its errors
  yield* sql`ALTER TABLE sync_runs ADD COLUMN warnings jsonb NOT NULL DEFAULT '[]'::jsonb`
})

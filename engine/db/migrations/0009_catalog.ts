import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Which channel listing each source article became, and the hash of what was last written:
// an unchanged mapped listing is never written again (API economy).
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE catalog_links (
      tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      pipeline       text NOT NULL,
      source_id      text NOT NULL,
      sku            text NOT NULL,
      channel_id     text NOT NULL,
      content_hash   text NOT NULL,
      state          text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'disabled')),
      synced_at      timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, pipeline, source_id)
    )`
  yield* sql`CREATE INDEX catalog_links_by_sku ON catalog_links (tenant_id, pipeline, sku)`
})

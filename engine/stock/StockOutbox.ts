/**
 * The transactional outbox between the ledger and the channels. Every ledger change calls
 * `markDirty` inside its own transaction, so the mark commits with the change or not at all,
 * and a crash between "stock changed" and "channel told" can never lose the push.
 */
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { STOCK_CHANNEL } from "./StockSignals.js"

/**
 * Marks the SKUs dirty for every stock-target connection of the tenant (or only `connectionId`),
 * then queues `NOTIFY vortex_stock`, which PostgreSQL delivers on commit. Returns the connections.
 */
export const markDirty = (sql: SqlClient.SqlClient, tenantId: string, skus: ReadonlyArray<string>, connectionId?: string) =>
  Effect.gen(function* () {
    if (skus.length === 0) return [] as ReadonlyArray<string>
    const rows = yield* sql<{ connectionId: string }>`
      INSERT INTO stock_dirty (connection_id, sku, tenant_id, seq)
      SELECT t.connection_id, s.sku, t.tenant_id, nextval('stock_dirty_seq')
      FROM stock_targets t CROSS JOIN unnest(${[...skus]}::text[]) AS s(sku)
      WHERE t.tenant_id = ${tenantId} ${connectionId === undefined ? sql`` : sql`AND t.connection_id = ${connectionId}`}
      ORDER BY t.connection_id, s.sku
      ON CONFLICT (connection_id, sku) DO UPDATE SET seq = EXCLUDED.seq, marked_at = now()
      RETURNING connection_id`
    const connectionIds = [...new Set(rows.map((r) => r.connectionId))].sort()
    if (connectionIds.length > 0) {
      yield* sql`SELECT pg_notify(${STOCK_CHANNEL}, ${JSON.stringify({ tenantId, connectionIds })})`
    }
    return connectionIds as ReadonlyArray<string>
  })

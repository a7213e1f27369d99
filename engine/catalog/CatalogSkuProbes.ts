import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** How many ledger SKUs one run walks past, at most, looking for ones without a listing. */
const SCAN = 1_000

/**
 * SQL for the SKUs a catalog run looks up in lexoffice by article number, and only SQL.
 * Beyond lexoffice's listing window an article reaches Vortex through its events; if its
 * `article.created` was lost, nothing lists it. What Vortex does know is the stock ledger: a
 * SKU the merchant stocks that no listing carries is the article most worth finding. Runs walk
 * the ledger in SKU order from a stored cursor, a bounded slice each (an index range scan and
 * as many index probes of the links, never a join of two whole tables), and wrap around.
 */
export class CatalogSkuProbes extends Effect.Service<CatalogSkuProbes>()("engine/CatalogSkuProbes", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /**
     * Up to `limit` stocked SKUs without a listing in this pipeline, from the cursor on, skipping
     * `except` (article numbers the run has read already: their listings are being made now).
     * Returns them and where the next run should go on.
     */
    const due = Effect.fn("CatalogSkuProbes.due")(function* (tenantId: string, pipeline: string, limit: number, except: ReadonlySet<string>) {
      if (limit <= 0) return { skus: [] as ReadonlyArray<string>, next: undefined }
      const [cursor] = yield* sql<{ afterSku: string }>`
        SELECT after_sku FROM catalog_probe_cursor WHERE tenant_id = ${tenantId} AND pipeline = ${pipeline}`
      const after = cursor?.afterSku ?? ""
      const rows = yield* sql<{ sku: string; linked: boolean }>`
        SELECT l.sku, EXISTS (
          SELECT 1 FROM catalog_links c WHERE c.tenant_id = ${tenantId} AND c.pipeline = ${pipeline} AND c.sku = l.sku
        ) AS linked
        FROM (SELECT sku FROM stock_levels WHERE tenant_id = ${tenantId} AND sku > ${after} ORDER BY sku LIMIT ${SCAN}) l
        ORDER BY l.sku`
      const skus: Array<string> = []
      let next = rows.length < SCAN ? "" : rows[rows.length - 1]!.sku
      for (const row of rows) {
        if (row.linked || except.has(row.sku)) continue
        if (skus.length === limit) {
          // the budget is spent: the next run starts just before this one
          next = skus[skus.length - 1]!
          break
        }
        skus.push(row.sku)
      }
      return { skus: skus as ReadonlyArray<string>, next: next as string | undefined }
    }, Effect.orDie)

    const advance = Effect.fn("CatalogSkuProbes.advance")((tenantId: string, pipeline: string, afterSku: string) =>
      sql`
        INSERT INTO catalog_probe_cursor (tenant_id, pipeline, after_sku) VALUES (${tenantId}, ${pipeline}, ${afterSku})
        ON CONFLICT (tenant_id, pipeline) DO UPDATE SET after_sku = excluded.after_sku`.pipe(Effect.asVoid, Effect.orDie))

    return { due, advance } as const
  }),
}) {}

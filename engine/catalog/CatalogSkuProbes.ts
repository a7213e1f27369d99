import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * SQL for the SKUs a catalog run looks up in lexoffice by article number, and only SQL.
 * Beyond lexoffice's listing window an article reaches Vortex through its events; if its
 * `article.created` was lost, nothing lists it. What Vortex does know is the stock ledger: a
 * SKU the merchant stocks that no listing carries is the article most worth finding, so full
 * runs look a few of them up (`GET /v1/articles?articleNumber=`), longest unprobed first.
 */
export class CatalogSkuProbes extends Effect.Service<CatalogSkuProbes>()("engine/CatalogSkuProbes", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /** Stocked SKUs without a listing in this pipeline, never probed or probed longest ago first. */
    const due = Effect.fn("CatalogSkuProbes.due")((tenantId: string, pipeline: string, limit: number) =>
      (limit <= 0 ? Effect.succeed([] as ReadonlyArray<{ sku: string }>) : sql<{ sku: string }>`
        SELECT l.sku FROM stock_levels l
        LEFT JOIN catalog_links c ON c.tenant_id = l.tenant_id AND c.pipeline = ${pipeline} AND c.sku = l.sku
        LEFT JOIN catalog_sku_probes p ON p.tenant_id = l.tenant_id AND p.pipeline = ${pipeline} AND p.sku = l.sku
        WHERE l.tenant_id = ${tenantId} AND c.sku IS NULL
        ORDER BY p.probed_at NULLS FIRST, l.sku
        LIMIT ${limit}`).pipe(Effect.map((rows) => rows.map((r) => r.sku)), Effect.orDie))

    const record = Effect.fn("CatalogSkuProbes.record")((tenantId: string, pipeline: string, skus: ReadonlyArray<string>, at: Date) =>
      skus.length === 0 ? Effect.void : sql`
        INSERT INTO catalog_sku_probes ${sql.insert(skus.map((sku) => ({ tenantId, pipeline, sku, probedAt: at })))}
        ON CONFLICT (tenant_id, pipeline, sku) DO UPDATE SET probed_at = excluded.probed_at`.pipe(Effect.asVoid, Effect.orDie))

    return { due, record } as const
  }),
}) {}

import { SqlClient } from "@effect/sql"
import { Chunk, Effect } from "effect"

export interface CatalogLink {
  readonly sourceId: string
  readonly sku: string
  readonly channelId: string
  readonly contentHash: string
  readonly state: "active" | "disabled"
}

/** SQL for the source-id ↔ channel-id links of one pipeline, and only SQL. */
export class CatalogLinks extends Effect.Service<CatalogLinks>()("engine/CatalogLinks", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    // a catalog's worth of rows: named in SQL, so the client need not rename each row's columns
    const plain = sql.withoutTransforms()

    const all = Effect.fn("CatalogLinks.all")((tenantId: string, pipeline: string) =>
      plain<CatalogLink>`
        SELECT source_id AS "sourceId", sku, channel_id AS "channelId", content_hash AS "contentHash", state FROM catalog_links
        WHERE tenant_id = ${tenantId} AND pipeline = ${pipeline}`.pipe(
        Effect.map((rows) => new Map(rows.map((r) => [r.sourceId, r]))),
        Effect.orDie,
      ))

    const bySourceIds = Effect.fn("CatalogLinks.bySourceIds")(function* (tenantId: string, pipeline: string, sourceIds: ReadonlyArray<string>) {
      const out = new Map<string, CatalogLink>()
      for (const chunk of Chunk.chunksOf(Chunk.fromIterable(sourceIds), 10_000)) {
        const rows = yield* plain<CatalogLink>`
          SELECT source_id AS "sourceId", sku, channel_id AS "channelId", content_hash AS "contentHash", state FROM catalog_links
          WHERE tenant_id = ${tenantId} AND pipeline = ${pipeline} AND source_id = ANY(${Chunk.toReadonlyArray(chunk) as Array<string>}::text[])`
        for (const row of rows) out.set(row.sourceId, row)
      }
      return out as ReadonlyMap<string, CatalogLink>
    }, Effect.orDie)

    const save = Effect.fn("CatalogLinks.save")((tenantId: string, pipeline: string, links: ReadonlyArray<CatalogLink>) =>
      links.length === 0 ? Effect.void : sql`
        INSERT INTO catalog_links ${sql.insert(links.map((l) => ({ tenantId, pipeline, ...l })))}
        ON CONFLICT (tenant_id, pipeline, source_id) DO UPDATE SET sku = excluded.sku, channel_id = excluded.channel_id,
          content_hash = excluded.content_hash, state = excluded.state, synced_at = now()`.pipe(Effect.asVoid, Effect.orDie))

    const remove = Effect.fn("CatalogLinks.remove")((tenantId: string, pipeline: string, sourceIds: ReadonlyArray<string>) =>
      sourceIds.length === 0 ? Effect.void : sql`
        DELETE FROM catalog_links WHERE tenant_id = ${tenantId} AND pipeline = ${pipeline}
          AND source_id = ANY(${sourceIds as Array<string>}::text[])`.pipe(Effect.asVoid, Effect.orDie))

    return { all, bySourceIds, save, remove } as const
  }),
}) {}

import { SqlClient } from "@effect/sql"
import { Chunk, Effect } from "effect"

/** One lexoffice article as Vortex last saw it. */
export interface SourceEntry {
  readonly sourceId: string
  /** lexoffice's listing partition (`type=PRODUCT|SERVICE`). */
  readonly articleType: string
  readonly version: number
  readonly updatedDate: string
  readonly verifiedAt: Date
}

// Big enough to keep statements few, small enough for PostgreSQL's 65 535 bind parameters.
const WRITE_CHUNK = 2_000

/**
 * SQL for the index of source articles a pipeline knows, and only SQL. lexoffice cannot list
 * more than 10 000 results per query, so this index — not a listing — is the complete picture
 * of a large catalog: listings, article events and reads by id all feed it, and the rolling
 * verification re-reads its least recently verified entries.
 */
export class CatalogSourceIndex extends Effect.Service<CatalogSourceIndex>()("engine/CatalogSourceIndex", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /** The whole index in one read: a catalog run never asks the database per article. */
    // a catalog's worth of rows: named in SQL, so the client need not rename each row's columns
    const plain = sql.withoutTransforms()

    const all = Effect.fn("CatalogSourceIndex.all")((tenantId: string, pipeline: string) =>
      plain<SourceEntry>`
        SELECT source_id AS "sourceId", article_type AS "articleType", version, updated_date AS "updatedDate", verified_at AS "verifiedAt"
        FROM catalog_source
        WHERE tenant_id = ${tenantId} AND pipeline = ${pipeline}`.pipe(
        Effect.map((rows) => new Map(rows.map((r) => [r.sourceId, r]))),
        Effect.orDie,
      ))

    /** The entries of these ids only: a run that reads a few articles by id needs no more. */
    const byIds = Effect.fn("CatalogSourceIndex.byIds")((tenantId: string, pipeline: string, sourceIds: ReadonlyArray<string>) =>
      (sourceIds.length === 0 ? Effect.succeed([] as ReadonlyArray<SourceEntry>) : sql<SourceEntry>`
        SELECT source_id, article_type, version, updated_date, verified_at FROM catalog_source
        WHERE tenant_id = ${tenantId} AND pipeline = ${pipeline} AND source_id = ANY(${sourceIds as Array<string>}::text[])`).pipe(
        Effect.map((rows) => new Map(rows.map((r) => [r.sourceId, r]))),
        Effect.orDie,
      ))

    /** New or changed entries, verified at `at`. */
    const save = Effect.fn("CatalogSourceIndex.save")(function* (
      tenantId: string, pipeline: string, entries: ReadonlyArray<Omit<SourceEntry, "verifiedAt">>, at: Date,
    ) {
      for (const chunk of Chunk.chunksOf(Chunk.fromIterable(entries), WRITE_CHUNK)) {
        yield* sql`
          INSERT INTO catalog_source ${sql.insert(Chunk.toReadonlyArray(chunk).map((e) => ({ tenantId, pipeline, ...e, verifiedAt: at })))}
          ON CONFLICT (tenant_id, pipeline, source_id) DO UPDATE SET article_type = excluded.article_type,
            version = excluded.version, updated_date = excluded.updated_date, verified_at = excluded.verified_at`
      }
    }, Effect.orDie)

    /** Entries a listing saw unchanged: verified now, in one statement per chunk. */
    const touch = Effect.fn("CatalogSourceIndex.touch")(function* (tenantId: string, pipeline: string, sourceIds: ReadonlyArray<string>, at: Date) {
      for (const chunk of Chunk.chunksOf(Chunk.fromIterable(sourceIds), WRITE_CHUNK * 10)) {
        yield* sql`
          UPDATE catalog_source SET verified_at = ${at}
          WHERE tenant_id = ${tenantId} AND pipeline = ${pipeline} AND source_id = ANY(${Chunk.toReadonlyArray(chunk) as Array<string>}::text[])`
      }
    }, Effect.orDie)

    const remove = Effect.fn("CatalogSourceIndex.remove")((tenantId: string, pipeline: string, sourceIds: ReadonlyArray<string>) =>
      sourceIds.length === 0 ? Effect.void : sql`
        DELETE FROM catalog_source WHERE tenant_id = ${tenantId} AND pipeline = ${pipeline} AND source_id = ANY(${sourceIds as Array<string>}::text[])`.pipe(
        Effect.asVoid, Effect.orDie))

    return { all, byIds, save, touch, remove } as const
  }),
}) {}

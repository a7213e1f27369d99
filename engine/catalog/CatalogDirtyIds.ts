import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** What an event said happened to an article; the run reads the article by id either way. */
export type DirtyEvent = "created" | "changed" | "deleted"

export interface DirtyTake {
  readonly ids: ReadonlyMap<string, DirtyEvent>
  /** The database clock when they were taken: marks after it survive `clear`. */
  readonly takenAt: string
}

/**
 * Article ids that lexoffice events announced, per pipeline, until a catalog run has dealt with
 * them. Wake-up jobs carry no ids (pg-boss coalesces them): the ids live here, so however many
 * wake-ups collapse into one run, that run sees every id. An id marked again while a run works
 * gets a later stamp and stays for the next run.
 */
export class CatalogDirtyIds extends Effect.Service<CatalogDirtyIds>()("engine/CatalogDirtyIds", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const mark = Effect.fn("CatalogDirtyIds.mark")((tenantId: string, pipeline: string, sourceId: string, event: DirtyEvent) =>
      sql`
        INSERT INTO catalog_dirty (tenant_id, pipeline, source_id, event) VALUES (${tenantId}, ${pipeline}, ${sourceId}, ${event})
        ON CONFLICT (tenant_id, pipeline, source_id) DO UPDATE SET event = excluded.event, marked_at = clock_timestamp()`.pipe(
        Effect.asVoid, Effect.orDie))

    const take = Effect.fn("CatalogDirtyIds.take")(function* (tenantId: string, pipeline: string) {
      const [clock] = yield* sql<{ now: string }>`SELECT clock_timestamp()::text AS now`
      const rows = yield* sql<{ sourceId: string; event: DirtyEvent }>`
        SELECT source_id, event FROM catalog_dirty
        WHERE tenant_id = ${tenantId} AND pipeline = ${pipeline} AND marked_at <= ${clock!.now}::timestamptz`
      return { ids: new Map(rows.map((r) => [r.sourceId, r.event])), takenAt: clock!.now } satisfies DirtyTake
    }, Effect.orDie)

    /** Forgets ids a run dealt with, unless an event marked them again after `takenAt`. */
    const clear = Effect.fn("CatalogDirtyIds.clear")((tenantId: string, pipeline: string, sourceIds: ReadonlyArray<string>, takenAt: string) =>
      sourceIds.length === 0 ? Effect.void : sql`
        DELETE FROM catalog_dirty WHERE tenant_id = ${tenantId} AND pipeline = ${pipeline}
          AND source_id = ANY(${sourceIds as Array<string>}::text[]) AND marked_at <= ${takenAt}::timestamptz`.pipe(Effect.asVoid, Effect.orDie))

    const count = Effect.fn("CatalogDirtyIds.count")((tenantId: string, pipeline: string) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM catalog_dirty WHERE tenant_id = ${tenantId} AND pipeline = ${pipeline}`.pipe(
        Effect.map((rows) => rows[0]?.n ?? 0), Effect.orDie))

    return { mark, take, clear, count } as const
  }),
}) {}

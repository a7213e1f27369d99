import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** Named points a flow has provably reached on one connection. */
export type CursorName =
  /** The start of the last completed orders poll: every order modified before it was listed and taken in. */
  | "orders-poll"
  /** When the last completed stock reconcile started. */
  | "stock-reconcile"

/**
 * A flow's own progress marks, separate from run history: a run that did not do the work a
 * cursor stands for (a webhook-woken orders run reads only what its hooks named; a stock push
 * reads nothing back) never moves it, and a cursor only moves forward.
 */
export class FlowCursors extends Effect.Service<FlowCursors>()("engine/FlowCursors", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const get = Effect.fn("FlowCursors.get")(function* (connectionId: string, name: CursorName) {
      const rows = yield* sql<{ at: Date }>`SELECT at FROM flow_cursors WHERE connection_id = ${connectionId} AND name = ${name}`
      return rows[0]?.at ?? null
    }, Effect.orDie)

    const advance = Effect.fn("FlowCursors.advance")(function* (tenantId: string, connectionId: string, name: CursorName, at: Date) {
      yield* sql`
        INSERT INTO flow_cursors (connection_id, name, tenant_id, at) VALUES (${connectionId}, ${name}, ${tenantId}, ${at})
        ON CONFLICT (connection_id, name) DO UPDATE SET at = GREATEST(flow_cursors.at, EXCLUDED.at), updated_at = now()`
    }, Effect.orDie)

    /**
     * The database's clock: a cursor is compared with times the database stamped (stock marks),
     * and processes on several machines share one database but not one clock.
     */
    const now = sql<{ now: Date }>`SELECT clock_timestamp() AS now`.pipe(Effect.map((rows) => rows[0]!.now), Effect.orDie)

    return { get, advance, now } as const
  }),
}) {}

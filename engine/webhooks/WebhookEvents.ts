import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** The webhook inbox: a verified delivery is stored once per (connection, dedupe key). */
export class WebhookEvents extends Effect.Service<WebhookEvents>()("engine/WebhookEvents", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const record = Effect.fn("WebhookEvents.record")((event: {
      readonly tenantId: string
      readonly connectionId: string
      readonly dedupeKey: string
      readonly kind: string
      readonly payload: unknown
    }) =>
      sql`
        INSERT INTO webhook_events (tenant_id, connection_id, dedupe_key, kind, payload)
        VALUES (${event.tenantId}, ${event.connectionId}, ${event.dedupeKey}, ${event.kind}, ${JSON.stringify(event.payload)}::jsonb)
        ON CONFLICT (connection_id, dedupe_key) DO NOTHING RETURNING id`.pipe(
        Effect.map((rows) => rows.length === 1 ? "new" as const : "duplicate" as const),
        Effect.orDie,
      ))

    const count = Effect.fn("WebhookEvents.count")((connectionId: string) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_events WHERE connection_id = ${connectionId}`.pipe(
        Effect.map((rows) => rows[0]?.n ?? 0), Effect.orDie))

    /**
     * The orders a connection's order webhooks named that no run has read yet (BigCommerce's
     * `data.id`), each once, and the newest delivery among them: `handledThrough` marks what was read.
     */
    const pendingOrders = Effect.fn("WebhookEvents.pendingOrders")((connectionId: string, limit = 10_000) =>
      sql<{ id: string; orderId: string | null }>`
        SELECT id::text AS id, payload->'data'->>'id' AS order_id FROM webhook_events
        WHERE connection_id = ${connectionId} AND handled_at IS NULL AND kind LIKE 'store/order/%'
        ORDER BY id LIMIT ${limit}`.pipe(
        Effect.map((rows) => ({
          orderIds: [...new Set(rows.flatMap((r) => (r.orderId === null ? [] : [r.orderId])))],
          through: rows.length === 0 ? null : rows[rows.length - 1]!.id,
        })),
        Effect.orDie,
      ))

    /** The connection's order deliveries up to `through` have been read into the order inbox. */
    const handledThrough = Effect.fn("WebhookEvents.handledThrough")((connectionId: string, through: string) =>
      sql`
        UPDATE webhook_events SET handled_at = now()
        WHERE connection_id = ${connectionId} AND handled_at IS NULL AND kind LIKE 'store/order/%' AND id <= ${through}::bigint`.pipe(
        Effect.asVoid, Effect.orDie))

    return { record, count, pendingOrders, handledThrough } as const
  }),
}) {}

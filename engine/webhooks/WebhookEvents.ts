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

    return { record, count } as const
  }),
}) {}

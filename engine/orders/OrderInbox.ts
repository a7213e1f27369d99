import { SqlClient } from "@effect/sql"
import { Effect, ParseResult, Schema } from "effect"
import { ChannelOrder } from "./ChannelOrder.js"
import { ConnectionNotFound, OrderInvalid } from "./errors.js"

export type Receipt = "new" | "duplicate" | "updated"

export interface ReceiveOptions {
  /**
   * When the channel last modified the order (webhook/poll metadata). Defaults to `placedAt`.
   * A delivery only replaces the stored order when it is newer, so a late, older delivery never
   * rolls an amendment back. One with the same time but other content is a change made within
   * the same second (channel times may have whole seconds): every delivery is a fresh read of the
   * channel, and the reads of one pipeline run one after another, so the later read wins.
   */
  readonly modifiedAt?: string
}

const decodeOrder = Schema.decodeUnknown(ChannelOrder)

/**
 * Intake of channel orders (ARCHITECTURE.md §6.1): webhook and heartbeat poll both land here. The row
 * is keyed UNIQUE (connection, channel order id); whatever arrives again is a no-op, so no
 * delivery pattern can make a second order.
 */
export class OrderInbox extends Effect.Service<OrderInbox>()("engine/OrderInbox", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const receive = Effect.fn("OrderInbox.receive")(function* (
      tenantId: string,
      connectionId: string,
      input: unknown,
      options: ReceiveOptions = {},
    ) {
      const order = yield* decodeOrder(input).pipe(
        Effect.mapError((e) => new OrderInvalid({ reason: ParseResult.TreeFormatter.formatErrorSync(e) })),
      )
      const modified = new Date(options.modifiedAt ?? order.placedAt)
      if (Number.isNaN(modified.getTime())) return yield* new OrderInvalid({ reason: `modification time '${options.modifiedAt ?? order.placedAt}' is not a date-time` })
      const modifiedAt = modified.toISOString()
      const payload = JSON.stringify(order)

      return yield* sql.withTransaction(Effect.gen(function* () {
        // The connection must be this tenant's: the SELECT yields no row otherwise.
        const inserted = yield* sql<{ id: string }>`
          INSERT INTO orders (tenant_id, connection_id, channel_order_id, payload, modified_at)
          SELECT c.tenant_id, c.id, ${order.id}, ${payload}::jsonb, ${modifiedAt}::timestamptz
          FROM connections c WHERE c.id = ${connectionId} AND c.tenant_id = ${tenantId}
          ON CONFLICT (connection_id, channel_order_id) DO NOTHING
          RETURNING id`
        if (inserted.length === 1) {
          yield* sql`INSERT INTO order_events ${sql.insert({ orderId: inserted[0]!.id, fromState: null, toState: "received", attempt: 0, detail: "received" })}`
          return "new" as const
        }
        const updated = yield* sql<{ id: string; state: string; attempt: number }>`
          UPDATE orders SET payload = ${payload}::jsonb, modified_at = ${modifiedAt}::timestamptz,
                            deliveries = deliveries + 1, updated_at = now()
          WHERE tenant_id = ${tenantId} AND connection_id = ${connectionId} AND channel_order_id = ${order.id}
            AND (modified_at < ${modifiedAt}::timestamptz OR (modified_at = ${modifiedAt}::timestamptz AND payload <> ${payload}::jsonb))
          RETURNING id, state, attempt`
        if (updated.length === 1) {
          const row = updated[0]!
          // Only an order not yet reserved is worked from the new payload; later states keep
          // what they committed to (the reservation, the intent) and the amendment is journalled.
          yield* sql`INSERT INTO order_events ${sql.insert({
            orderId: row.id, fromState: row.state, toState: row.state, attempt: row.attempt,
            detail: `amended by the channel (modified ${modifiedAt})`,
          })}`
          return "updated" as const
        }
        const seen = yield* sql`
          UPDATE orders SET deliveries = deliveries + 1
          WHERE tenant_id = ${tenantId} AND connection_id = ${connectionId} AND channel_order_id = ${order.id}
          RETURNING id`
        if (seen.length === 1) return "duplicate" as const
        return yield* new ConnectionNotFound({ tenantId, connectionId })
      })).pipe(Effect.catchTag("SqlError", Effect.die))
    })

    /**
     * Of the orders a poll listed, the ids the inbox already holds at a newer modification, or at
     * the same one in the same status: nothing about them changed, so the poll need not read
     * their lines again. Channel times can have whole seconds (BigCommerce v2), so a status change
     * within the second of the last read is told by the status itself.
     */
    const unchanged = Effect.fn("OrderInbox.unchanged")(function* (
      tenantId: string,
      connectionId: string,
      listed: ReadonlyArray<{ readonly id: string; readonly modifiedAt: Date; readonly status: string }>,
    ) {
      if (listed.length === 0) return new Set<string>()
      const rows = yield* sql<{ channelOrderId: string }>`
        SELECT o.channel_order_id FROM orders o
        JOIN unnest(${listed.map((l) => l.id)}::text[], ${listed.map((l) => l.modifiedAt.toISOString())}::timestamptz[], ${listed.map((l) => l.status)}::text[])
          AS l(id, modified_at, status) ON o.channel_order_id = l.id
        WHERE o.tenant_id = ${tenantId} AND o.connection_id = ${connectionId}
          AND (o.modified_at > l.modified_at OR (o.modified_at = l.modified_at AND o.payload->>'status' = l.status))`
      return new Set(rows.map((r) => r.channelOrderId))
    }, Effect.orDie)

    return { receive, unchanged } as const
  }),
}) {}

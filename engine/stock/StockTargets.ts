/**
 * Which connections show a tenant's stock. Enabling one marks every SKU of the ledger dirty
 * for it, so its first push sends the whole catalogue's quantities.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ConnectionNotFound } from "./errors.js"
import { markDirty } from "./StockOutbox.js"
import { StockSignals } from "./StockSignals.js"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export class StockTargets extends Effect.Service<StockTargets>()("engine/StockTargets", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const signals = yield* StockSignals

    const enable = Effect.fn("StockTargets.enable")(function* (tenantId: string, connectionId: string) {
      if (!UUID.test(connectionId)) return yield* Effect.fail(new ConnectionNotFound({ connectionId }))
      const dirty = yield* sql.withTransaction(Effect.gen(function* () {
        const added = yield* sql`
          INSERT INTO stock_targets (connection_id, tenant_id)
          SELECT id, tenant_id FROM connections WHERE id = ${connectionId} AND tenant_id = ${tenantId}
          ON CONFLICT (connection_id) DO NOTHING
          RETURNING connection_id`
        if (added.length === 0) {
          const existing = yield* sql`SELECT 1 FROM stock_targets WHERE connection_id = ${connectionId} AND tenant_id = ${tenantId}`
          if (existing.length === 0) return yield* Effect.fail(new ConnectionNotFound({ connectionId }))
          return []
        }
        const skus = yield* sql<{ sku: string }>`SELECT sku FROM stock_levels WHERE tenant_id = ${tenantId} ORDER BY sku`
        return yield* markDirty(sql, tenantId, skus.map((r) => r.sku), connectionId)
      }))
      yield* signals.publish({ tenantId, connectionIds: dirty })
    }, Effect.catchTag("SqlError", Effect.die))

    const disable = Effect.fn("StockTargets.disable")(function* (tenantId: string, connectionId: string) {
      if (!UUID.test(connectionId)) return
      yield* sql`DELETE FROM stock_targets WHERE connection_id = ${connectionId} AND tenant_id = ${tenantId}`
    }, Effect.orDie)

    const list = Effect.fn("StockTargets.list")(function* (tenantId: string) {
      const rows = yield* sql<{ connectionId: string }>`SELECT connection_id FROM stock_targets WHERE tenant_id = ${tenantId} ORDER BY connection_id`
      return rows.map((r) => r.connectionId)
    }, Effect.orDie)

    /** The tenant a stock-target connection belongs to, for a publisher handed only the connection. */
    const tenantOf = Effect.fn("StockTargets.tenantOf")(function* (connectionId: string) {
      if (!UUID.test(connectionId)) return yield* Effect.fail(new ConnectionNotFound({ connectionId }))
      const rows = yield* sql<{ tenantId: string }>`SELECT tenant_id FROM stock_targets WHERE connection_id = ${connectionId}`.pipe(Effect.orDie)
      if (rows[0] === undefined) return yield* Effect.fail(new ConnectionNotFound({ connectionId }))
      return rows[0].tenantId
    })

    return { enable, disable, list, tenantOf } as const
  }),
}) {}

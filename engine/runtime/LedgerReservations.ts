import { Effect, Layer } from "effect"
import { StockReservations } from "../orders/StockReservations.js"
import { StockLedger } from "../stock/StockLedger.js"

/** The order protocol's reservations, kept in the stock ledger shared by every channel of a tenant. */
export const LedgerReservations = Layer.effect(StockReservations, Effect.gen(function* () {
  const ledger = yield* StockLedger
  return {
    reserve: (tenantId, request) => ledger.reserve(tenantId, request).pipe(
      Effect.map((result) => result.status === "reserved" ? "reserved" as const : { insufficient: result.short }),
      // a channel order's lines are validated positive integers and its connection is the
      // pipeline's own: anything else here is a bug, not an order outcome
      Effect.orDie,
    ),
  }
}))

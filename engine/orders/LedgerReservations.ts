import { Effect, Layer } from "effect"
import { StockLedger } from "../stock/StockLedger.js"
import { type ReservationResult, StockReservations } from "./StockReservations.js"

/**
 * The orders flow's StockReservations served by the stock ledger (engine/stock): one
 * transaction per order, idempotent per (connection, channel order), all lines or none; a
 * release marks the SKUs dirty in its transaction and signals the publishers like a reservation.
 */
export const LedgerReservations: Layer.Layer<StockReservations, never, StockLedger> = Layer.effect(
  StockReservations,
  Effect.map(StockLedger, (ledger) => ({
    reserve: (tenantId, request) =>
      ledger.reserve(tenantId, request).pipe(
        Effect.map((result): ReservationResult => result.status === "reserved" ? "reserved" : { insufficient: result.short }),
        // A quantity beyond anything the ledger can hold can never be reserved: oversold.
        Effect.catchTag("InvalidQuantity", (e) =>
          Effect.succeed<ReservationResult>({
            insufficient: [{ sku: e.sku, requested: request.lines.filter((l) => l.sku === e.sku).reduce((n, l) => n + l.quantity, 0), available: 0 }],
          })),
        // The inbox accepted the order only for the tenant's own connection; anything else is a bug.
        Effect.catchTag("ConnectionNotFound", (e) => Effect.dieMessage(`stock ledger: connection ${e.connectionId} is not tenant ${tenantId}'s`)),
      ),
    release: (tenantId, order) =>
      ledger.release(tenantId, order).pipe(
        Effect.map((lines) => lines.reduce((n, l) => n + l.quantity, 0)),
        Effect.catchTag("ConnectionNotFound", (e) => Effect.dieMessage(`stock ledger: connection ${e.connectionId} is not tenant ${tenantId}'s`)),
      ),
  })),
)

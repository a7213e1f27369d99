import { Context, type Effect } from "effect"

/**
 * What the orders flow needs from the stock ledger (ARCHITECTURE.md §7): reserve every line of one
 * channel order atomically, or nothing. engine/stock provides the implementation; the orders
 * flow only knows this interface.
 *
 * Contract the implementation must keep:
 * - all-or-nothing: either every line is reserved, or none is and the short SKUs are listed;
 * - idempotent per (connection, channel order): a replay after a crash answers "reserved" again
 *   without reserving a second time (the order protocol calls it again whenever it resumes an
 *   order it had not yet marked reserved);
 * - a SKU the ledger does not know counts as insufficient with `available: 0`;
 * - `release` gives back whatever the order still holds (not what shipped) and is idempotent: a
 *   second call, or one for an order that never reserved, releases nothing. Like a reservation,
 *   a release that frees units wakes a stock push to every channel (ARCHITECTURE.md §7).
 */
export interface ReservationRequest {
  readonly connectionId: string
  readonly channelOrderId: string
  readonly lines: ReadonlyArray<{ readonly sku: string; readonly quantity: number }>
  /** When the channel took the order (its own clock): a quantity the channel showed after that already counts it. */
  readonly placedAt?: Date
}

export interface Shortfall {
  readonly sku: string
  readonly requested: number
  readonly available: number
}

export type ReservationResult = "reserved" | { readonly insufficient: ReadonlyArray<Shortfall> }

export class StockReservations extends Context.Tag("engine/orders/StockReservations")<StockReservations, {
  readonly reserve: (tenantId: string, request: ReservationRequest) => Effect.Effect<ReservationResult>
  /** Units released now (0 when the order held none). */
  readonly release: (tenantId: string, order: { readonly connectionId: string; readonly channelOrderId: string }) => Effect.Effect<number>
}>() {}

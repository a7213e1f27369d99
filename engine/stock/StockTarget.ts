import type { Effect, Stream } from "effect"
import type { StockTargetFailed } from "./errors.js"

export interface StockQuantity {
  readonly sku: string
  readonly quantity: number
}

/**
 * A channel that shows stock: the publisher writes absolute quantities through it and reads
 * back what the channel shows. One implementation per connector (BigCommerceStockTarget, …).
 */
export interface StockTarget {
  /** Items per write call: the channel API's documented limit. */
  readonly batchSize: number
  /** Absolute quantities for one batch (≤ batchSize). `missing`: SKUs the channel does not list. */
  readonly setQuantities: (items: ReadonlyArray<StockQuantity>) => Effect.Effect<{ readonly missing: ReadonlyArray<string> }, StockTargetFailed>
  /**
   * What the channel shows, per SKU it lists, a page at a time (all of them when `skus` is
   * omitted): a reconcile of a large store acts page by page, pushing pending changes between.
   */
  readonly readQuantityPages: (skus?: ReadonlyArray<string>) => Stream.Stream<ReadonlyMap<string, number>, StockTargetFailed>
}

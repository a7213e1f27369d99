import type { Effect } from "effect"

/** A mapped listing as the pipeline produced it (schemas/canonical/channel-listing.schema.json). */
export interface Listing {
  readonly sku: string
  readonly name: string
  /** Exact decimal string, e.g. "11.90". */
  readonly price: string
  readonly [field: string]: unknown
}

export interface ItemFailure {
  readonly sku: string
  readonly message: string
}

/**
 * What the catalog flow needs from a channel, whatever the channel: find listings by SKU,
 * create one, update many at the channel's batch limit, take listings off sale or delete them. Each connector
 * maps the canonical listing to its wire format here and nowhere else.
 */
export interface CatalogTarget {
  readonly batchSize: number
  readonly removeBatchSize: number
  readonly findBySkus: (skus: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, string>, ItemFailure>
  readonly create: (listing: Listing) => Effect.Effect<string, ItemFailure>
  /** Per-item results: a failed item never fails its batch-mates. */
  readonly update: (items: ReadonlyArray<{ readonly id: string; readonly listing: Listing }>) => Effect.Effect<ReadonlyArray<ItemFailure>>
  readonly disable: (items: ReadonlyArray<{ readonly id: string; readonly sku: string }>) => Effect.Effect<ReadonlyArray<ItemFailure>>
  /** Deletes the listings from the channel (unmatched policy `delete`). */
  readonly remove: (items: ReadonlyArray<{ readonly id: string; readonly sku: string }>) => Effect.Effect<ReadonlyArray<ItemFailure>>
  /** Outbound calls made so far, for the run's report. */
  readonly apiCalls: Effect.Effect<number>
}

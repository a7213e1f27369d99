/**
 * The BigCommerce inventory API as a StockTarget. Absolute adjustments at one location, ≤ 2000
 * items per call (inventory.v3.yml). An item is named the way its tracking demands: a product
 * without variants by `product_id`, a variant-tracked item by `variant_id` — the wrong one is
 * refused with 422 ("Item with variant_id … is tracked by product"). The SKU → id mapping is
 * looked up once per SKU, in batches, and kept for the life of the target.
 */
import { Effect, Stream } from "effect"
import { BigCommerceLimits, type BigCommerceApi, type StockItem } from "../../connectors/bigcommerce/BigCommerceClient.js"
import type { BigCommerceError } from "../../connectors/bigcommerce/errors.js"
import { StockTargetFailed } from "./errors.js"
import type { StockQuantity, StockTarget } from "./StockTarget.js"

type ItemRef = { readonly product_id: number } | { readonly variant_id: number }

export interface BigCommerceStockOptions {
  /** The inventory location the channel sells from; the default location's id in the docs' examples is 1. */
  readonly locationId?: number
  /** Recorded by BigCommerce with each adjustment. */
  readonly reason?: string
}

const failed = (operation: string) => (e: BigCommerceError): StockTargetFailed => {
  switch (e._tag) {
    case "HttpStatusFailure":
    case "HttpTransportFailure":
    case "HttpTimeout":
      return new StockTargetFailed({ operation, outcome: e.outcome, message: e.message })
    case "BigCommerceUnexpectedResponse":
      return new StockTargetFailed({ operation, outcome: "unknown-outcome", message: e.message })
    default:
      return new StockTargetFailed({ operation, outcome: "permanent", message: `${e._tag}: ${"title" in e ? e.title : ""}` })
  }
}

const key = (sku: string) => sku.toLowerCase()

/** Above this many SKUs a read lists the location's whole inventory instead of asking by SKU. */
const LIST_ALL_ABOVE = 1000

export const makeBigCommerceStockTarget = (api: BigCommerceApi, options: BigCommerceStockOptions = {}): StockTarget => {
  const locationId = options.locationId ?? 1
  const reason = options.reason ?? "Vortex stock sync"
  const refs = new Map<string, ItemRef>()

  /** Learns how each unknown SKU must be named; SKUs BigCommerce does not list stay unknown. */
  const resolve = (skus: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const unknown = skus.filter((s) => !refs.has(key(s)))
      if (unknown.length === 0) return
      // Products matched by their own SKU and not tracked by variant carry stock at product level.
      for (const p of yield* api.findProductsBySku(unknown)) {
        if (p.inventory_tracking !== "variant") refs.set(key(p.sku), { product_id: p.id })
      }
      const rest = unknown.filter((s) => !refs.has(key(s)))
      if (rest.length === 0) return
      for (const item of yield* api.inventoryAtLocation(locationId, rest)) {
        if (!refs.has(key(item.identity.sku))) refs.set(key(item.identity.sku), { variant_id: item.identity.variant_id })
      }
    })

  const setQuantities = (items: ReadonlyArray<StockQuantity>) =>
    Effect.gen(function* () {
      yield* resolve(items.map((i) => i.sku))
      const missing: Array<string> = []
      const stock: Array<StockItem> = []
      for (const item of items) {
        const ref = refs.get(key(item.sku))
        if (ref === undefined) missing.push(item.sku)
        else stock.push({ location_id: locationId, ...ref, quantity: item.quantity })
      }
      if (stock.length > 0) yield* api.setStockAbsolute(stock, reason)
      return { missing }
    }).pipe(Effect.mapError(failed("setQuantities")), Effect.withSpan("BigCommerceStockTarget.setQuantities"))

  // `sku:in` reads 50 SKUs a call, a full listing 250 items a page: for a large set the
  // listing costs fewer calls, and what was not asked for is dropped below.
  const readQuantityPages = (skus?: ReadonlyArray<string>) => {
    const wanted = skus === undefined ? undefined : new Map(skus.map((s) => [key(s), s]))
    return api.inventoryPagesAtLocation(locationId, skus !== undefined && skus.length <= LIST_ALL_ABOVE ? skus : undefined).pipe(
      Stream.map((items) => {
        const out = new Map<string, number>()
        for (const item of items) {
          const level = item.locations.find((l) => l.location_id === locationId)
          if (level === undefined) continue
          // Answer under the caller's spelling: BigCommerce matches SKUs case-insensitively.
          const sku = wanted === undefined ? item.identity.sku : wanted.get(key(item.identity.sku))
          if (sku !== undefined) out.set(sku, level.total_inventory_onhand)
        }
        return out as ReadonlyMap<string, number>
      }),
      Stream.mapError(failed("readQuantities")),
    )
  }

  return { batchSize: BigCommerceLimits.inventoryItems, setQuantities, readQuantityPages }
}

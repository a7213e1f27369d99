import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { makeBigCommerceClient } from "../../connectors/bigcommerce/BigCommerceClient.js"
import { BigCommerceSimulator, type SimulatorOptions } from "../../connectors/bigcommerce/simulator/BigCommerceSimulator.js"
import { RateLimiters } from "../../connectors/http/index.js"
import { makeBigCommerceStockTarget } from "../../engine/stock/BigCommerceStockTarget.js"
import { StockLive } from "../../engine/stock/StockLayer.js"
import type { StockTarget } from "../../engine/stock/StockTarget.js"
import { Tenants } from "../../engine/tenancy/Tenants.js"
import { type Backend, TestDatabase } from "../support/TestDatabase.js"

/** The stock services, tenants and an HTTP client over a fresh database of the backend. */
export const StockLayerForTest = (backend: Backend) =>
  Layer.mergeAll(StockLive, Tenants.Default, NodeHttpClient.layerUndici, RateLimiters.Default).pipe(Layer.provideMerge(TestDatabase(backend)))

export interface Channel {
  readonly sim: BigCommerceSimulator
  readonly target: StockTarget
}

let stores = 0

/** A simulated BigCommerce store over real HTTP and a stock target talking to it; stopped with the scope. */
export const bigCommerceChannel = (options: SimulatorOptions = {}) =>
  Effect.gen(function* () {
    const sim = yield* Effect.acquireRelease(
      Effect.promise(() => BigCommerceSimulator.start({ storeHash: `stock${++stores}`, rateLimit: { enabled: false }, ...options })),
      (s) => Effect.promise(() => s.stop()),
    )
    const api = yield* makeBigCommerceClient({
      storeHash: sim.storeHash, accessToken: sim.accessToken, apiOrigin: new URL(sim.baseUrl).origin,
      retry: { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 10 },
    })
    return { sim, target: makeBigCommerceStockTarget(api) } satisfies Channel
  })

/** What the simulated store shows for a SKU at the default location. */
export const shown = (sim: BigCommerceSimulator, sku: string) => sim.store.level(sim.store.findVariantBySku(sku)!.id)

export const inventoryWrites = (sim: BigCommerceSimulator) => sim.writeCounts()["PUT /v3/inventory/adjustments/absolute"] ?? 0

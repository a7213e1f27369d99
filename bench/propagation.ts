/**
 * Stock propagation as the issue defines it: from the moment the BigCommerce simulator creates an
 * order and sends its webhook to the moment the inventory write for that SKU reaches the
 * simulator. Everything between is the path `vortex up` runs: the simulator's own webhook
 * dispatch over HTTP to the engine's webhook endpoint, the orders job it wakes (poll, inbox,
 * reservation), the stock signal, the stock job and its `PUT /v3/inventory/adjustments/absolute`.
 * Nothing is called directly; the bench only places orders and watches the store.
 */
import { HttpServer } from "@effect/platform"
import { Context, Effect, Layer } from "effect"
import type { BigCommerceSimulator } from "../connectors/bigcommerce/simulator/BigCommerceSimulator.js"
import { ApiServer } from "../engine/api/ApiServer.js"
import { ConnectorClients } from "../engine/connections/ConnectorClients.js"
import { runStockWakeups } from "../engine/runtime/StockWakeups.js"
import { startWorkers } from "../engine/sync/SyncWorker.js"
import { WebhookEvents } from "../engine/webhooks/WebhookEvents.js"
import { BIGCOMMERCE_SECRET_HEADER, WebhookRoutes } from "../engine/webhooks/WebhookRoutes.js"

export interface PropagationInput {
  readonly bigcommerce: BigCommerceSimulator
  /** The engine's BigCommerce connection of the simulated store, and its webhook secret. */
  readonly shopConnectionId: string
  readonly webhookSecret: string
  /**
   * SKUs the store lists, each with stock. Every order buys one unit of the next SKU, so no
   * two orders in flight share one and a write is never credited to the wrong order.
   */
  readonly skus: ReadonlyArray<string>
  readonly orders: number
  /**
   * One measurement per entry. 0: the next order is placed when the previous one's write has
   * arrived (latency alone). n > 0: an order every n ms whatever the engine is doing (latency
   * under a steady load, wake-ups coalescing while jobs run).
   */
  readonly intervalsMs: ReadonlyArray<number>
  /** An order whose write has not arrived after this long counts as lost. */
  readonly timeoutMs?: number
}

export interface PropagationResult {
  readonly intervalMs: number
  readonly orders: number
  /** Latencies in ms of the orders whose write arrived, ascending. */
  readonly sorted: ReadonlyArray<number>
  readonly lost: number
  readonly percentile: (p: number) => number
}

/**
 * Serves the webhook intake on a free port, registers the store's order hook against it (as the
 * sandbox does), starts the workers and the stock wake-ups, then places the orders. Needs the
 * engine with its job queue; the workers run until the caller's scope closes.
 */
export const stockPropagation = (input: PropagationInput) => Effect.gen(function* () {
  const server = yield* Layer.build(ApiServer({ port: 0, host: "127.0.0.1", logRequests: false }, WebhookRoutes).pipe(Layer.provideMerge(WebhookEvents.Default)))
  const address = Context.get(server, HttpServer.HttpServer)
  if (address.address._tag !== "TcpAddress") return yield* Effect.dieMessage("webhook intake is not on TCP")
  const origin = `http://127.0.0.1:${address.address.port}`
  const clients = yield* ConnectorClients
  const shop = yield* clients.bigcommerce(input.shopConnectionId)
  yield* shop.createWebhook({
    scope: "store/order/*",
    destination: `${origin}/webhooks/bigcommerce/${input.shopConnectionId}`,
    secret: { header: BIGCOMMERCE_SECRET_HEADER, value: input.webhookSecret },
  }).pipe(Effect.orDie)
  yield* startWorkers
  yield* Effect.forkScoped(runStockWakeups)

  const store = input.bigcommerce.store
  const productOf = (sku: string) => {
    const variant = store.findVariantBySku(sku)
    if (variant === undefined) throw new Error(`the store does not list ${sku}`)
    return variant.product_id
  }
  // product id → when its order was placed; an absolute write for it ends the wait
  const waiting = new Map<number, { readonly placedAt: number; readonly done: (ms: number) => void }>()
  const stop = input.bigcommerce.webhooks.observe(({ scope, data }) => {
    if (!scope.endsWith("/inventory/updated")) return
    const inventory = data["inventory"] as { product_id?: number; method?: string } | undefined
    if (inventory?.method !== "absolute" || inventory.product_id === undefined) return
    const w = waiting.get(inventory.product_id)
    if (w === undefined) return
    waiting.delete(inventory.product_id)
    w.done(performance.now() - w.placedAt)
  })
  yield* Effect.addFinalizer(() => Effect.sync(stop))

  const timeoutMs = input.timeoutMs ?? 30_000
  let placed = 0
  const place = () => {
    const sku = input.skus[placed++ % input.skus.length]!
    const product = productOf(sku)
    return new Promise<number | "lost">((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(product)
        resolve("lost")
      }, timeoutMs)
      waiting.set(product, { placedAt: performance.now(), done: (ms) => { clearTimeout(timer); resolve(ms) } })
      // creates the order and fires its webhook (and the storefront's own stock move) at once
      store.placeOrder({ lines: [{ sku, quantity: 1 }], shipping_cost: "4.90" })
    })
  }

  const measure = (intervalMs: number) => Effect.gen(function* () {
    const outcomes: Array<number | "lost"> = []
    if (intervalMs <= 0) {
      for (let i = 0; i < input.orders; i++) outcomes.push(yield* Effect.promise(place))
    } else {
      const started = performance.now()
      const pending: Array<Promise<number | "lost">> = []
      for (let i = 0; i < input.orders; i++) {
        const due = started + i * intervalMs - performance.now()
        if (due > 0) yield* Effect.sleep(`${due} millis`)
        pending.push(place())
      }
      outcomes.push(...yield* Effect.promise(() => Promise.all(pending)))
    }
    const sorted = outcomes.filter((o): o is number => o !== "lost").sort((a, b) => a - b)
    return {
      intervalMs,
      orders: input.orders,
      sorted,
      lost: outcomes.length - sorted.length,
      percentile: (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN,
    } satisfies PropagationResult
  })
  return yield* Effect.forEach(input.intervalsMs, measure)
})

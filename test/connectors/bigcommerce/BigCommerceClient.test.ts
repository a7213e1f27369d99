/**
 * The BigCommerce client against the simulator over real HTTP on 127.0.0.1. Every request the
 * client sends and every answer it gets is checked against the official OpenAPI specs at the end.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import type { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { BigDecimal, Effect, Exit, Layer } from "effect"
import { afterAll, expect } from "vitest"
import { type BigCommerceApi, makeBigCommerceClient } from "../../../connectors/bigcommerce/BigCommerceClient.js"
import { BigCommerceSimulator, type SimulatorOptions } from "../../../connectors/bigcommerce/simulator/BigCommerceSimulator.js"
import { verifyWebhook } from "../../../connectors/bigcommerce/WebhookVerifier.js"
import { RateLimiters } from "../../../connectors/http/index.js"
import { contractViolations, type RecordedLike } from "../../contract/BigCommerceContract.js"

const recorded: Array<RecordedLike> = []
afterAll(() => {
  expect(recorded.length).toBeGreaterThan(0)
  expect(contractViolations(recorded)).toEqual([])
})

const fast = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 40 }
let stores = 0

/** A fresh simulated store and a client for it; the exchanges join the contract check on release. */
const withStore = <A, E>(
  options: SimulatorOptions,
  body: (sim: BigCommerceSimulator, bc: BigCommerceApi) => Effect.Effect<A, E, HttpClient.HttpClient | RateLimiters>,
) =>
  Effect.scoped(Effect.gen(function* () {
    const sim = yield* Effect.acquireRelease(
      Effect.promise(() => BigCommerceSimulator.start({ storeHash: `store${++stores}`, ...options })),
      (s) => Effect.promise(() => {
        recorded.push(...s.exchanges)
        return s.stop()
      }),
    )
    const bc = yield* makeBigCommerceClient({ storeHash: sim.storeHash, accessToken: sim.accessToken, apiOrigin: new URL(sim.baseUrl).origin, retry: fast })
    return yield* body(sim, bc)
  })).pipe(Effect.provide(Layer.mergeAll(NodeHttpClient.layerUndici, RateLimiters.Default)))

const dec = BigDecimal.unsafeFromString
const bodiesOf = (sim: BigCommerceSimulator, method: string, template: string) =>
  sim.exchanges.filter((x) => x.method === method && x.template === template).map((x) => x.requestBody as Array<unknown>)

describe("BigCommerce client", () => {
  it.live("a product carries its description and tax class; 260 products are deleted in two calls of at most 250 ids", () =>
    withStore({}, (sim, bc) => Effect.gen(function* () {
      const created = yield* bc.createProduct({ name: "Kochbuch", type: "physical", sku: "BOOK-7", price: dec("5.34"), weight: 1, description: "Rezepte", tax_class_id: 2 })
      assert.deepInclude(sim.store.products.get(created.id), { description: "Rezepte", tax_class_id: 2 })
      yield* bc.updateProducts([{ id: created.id, description: "Neue Rezepte", tax_class_id: 1 }])
      assert.deepInclude(sim.store.products.get(created.id), { description: "Neue Rezepte", tax_class_id: 1 })

      const products = sim.store.seed(Array.from({ length: 259 }, (_, i) => ({ sku: `D${i}` })))
      yield* bc.deleteProducts([created.id, ...products.map((p) => p.id)])
      assert.strictEqual(sim.store.products.size, 0)
      assert.deepInclude(sim.writeCounts(), { "DELETE /v3/catalog/products": 2 })
      assert.isEmpty(yield* bc.findProductsBySku(["BOOK-7", "D0"]))
    })))

  it.live("25 product updates go out as 3 batch PUTs of at most 10", () =>
    withStore({}, (sim, bc) => Effect.gen(function* () {
      const products = sim.store.seed(Array.from({ length: 25 }, (_, i) => ({ sku: `U${i}`, price: "5" })))
      const updated = yield* bc.updateProducts(products.map((p, i) => ({ id: p.id, price: dec(`19.${String(i).padStart(2, "0")}`) })))
      assert.strictEqual(updated.length, 25)
      assert.deepStrictEqual(sim.writeCounts(), { "PUT /v3/catalog/products": 3 })
      assert.deepStrictEqual(bodiesOf(sim, "PUT", "/v3/catalog/products").map((b) => b.length), [10, 10, 5])
      // The price travelled as an exact literal and reads back exact.
      assert.isTrue(BigDecimal.equals(updated[7]!.price, dec("19.07")))
      assert.strictEqual(sim.store.products.get(products[24]!.id)!.price, 192_400n)
    })))

  it.live("120 variant updates go out as batches of 50, 50 and 20", () =>
    withStore({}, (sim, bc) => Effect.gen(function* () {
      const [product] = sim.store.seed([{ sku: "SHIRT", variants: Array.from({ length: 120 }, (_, i) => ({ sku: `SHIRT-${i}` })) }])
      const variants = yield* bc.updateVariants(product!.variantIds.map((id) => ({ id, price: dec("7.5") })))
      assert.strictEqual(variants.length, 120)
      assert.deepStrictEqual(bodiesOf(sim, "PUT", "/v3/catalog/variants").map((b) => b.length), [50, 50, 20])
    })))

  it.live("absolute stock goes out per location in chunks of at most 2000 items", () =>
    withStore({ rateLimit: { quota: 1000 } }, (sim, bc) => Effect.gen(function* () {
      sim.store.locations.add(2)
      sim.store.seed(Array.from({ length: 2100 }, (_, i) => ({ sku: `K${i}` })))
      const items = [
        ...Array.from({ length: 2100 }, (_, i) => ({ location_id: 1, sku: `K${i}`, quantity: i })),
        ...Array.from({ length: 10 }, (_, i) => ({ location_id: 2, sku: `K${i}`, quantity: 3 })),
      ]
      const transactions = yield* bc.setStockAbsolute(items, "vortex stock sync")
      assert.strictEqual(transactions.length, 3)
      const sent = sim.exchanges.filter((x) => x.template === "/v3/inventory/adjustments/absolute").map((x) => (x.requestBody as { items: Array<{ location_id: number }> }).items)
      assert.deepStrictEqual(sent.map((b) => b.length), [2000, 100, 10])
      assert.isTrue(sent.every((b) => new Set(b.map((i) => i.location_id)).size === 1))
      assert.strictEqual(sim.store.level(sim.store.findVariantBySku("K2099")!.id), 2099)
      const levels = yield* bc.inventoryAtLocation(2, ["K3"])
      assert.strictEqual(levels[0]!.locations[0]!.total_inventory_onhand, 3)
    })))

  it.live("finds products by SKU across several sku:in requests", () =>
    withStore({}, (sim, bc) => Effect.gen(function* () {
      sim.store.seed(Array.from({ length: 70 }, (_, i) => ({ sku: `F${i}` })))
      const found = yield* bc.findProductsBySku([...Array.from({ length: 60 }, (_, i) => `F${i}`), "NOPE"])
      assert.strictEqual(found.length, 60)
      assert.strictEqual(sim.exchanges.filter((x) => x.template === "/v3/catalog/products").length, 2)
      const variants = yield* bc.findVariantsBySku("F3")
      assert.deepStrictEqual(variants.map((v) => v.sku), ["F3"])
    })))

  it.live("paces by the quota headers: 12 calls against a quota of 5 draw no 429", () =>
    withStore({ rateLimit: { quota: 5, windowMs: 250 } }, (sim, bc) => Effect.gen(function* () {
      sim.store.seed([{ sku: "Q1" }])
      for (let i = 0; i < 12; i++) yield* bc.findProductsBySku(["Q1"])
      assert.strictEqual(sim.exchanges.length, 12)
      assert.strictEqual(sim.rejectedForQuota(), 0)
    })))

  it.live("when another app spent the quota, waits for the reset and succeeds without sending into the empty window again", () =>
    withStore({ rateLimit: { quota: 4, windowMs: 300 } }, (sim, bc) => Effect.gen(function* () {
      const [p] = sim.store.seed([{ sku: "Q2" }])
      sim.quota.spend(4)
      const product = yield* bc.getProduct(p!.id)
      assert.strictEqual(product.sku, "Q2")
      for (let i = 0; i < 6; i++) yield* bc.getProduct(p!.id)
      // Only the first call could not know the window was empty; it was refused and not run.
      assert.strictEqual(sim.rejectedForQuota(), 1)
      assert.deepStrictEqual(sim.exchanges.map((x) => x.status), [429, 200, 200, 200, 200, 200, 200, 200])
    })))

  it.live("retries 5xx on reads and idempotent batch writes", () =>
    withStore({}, (sim, bc) => Effect.gen(function* () {
      const [p] = sim.store.seed([{ sku: "R5" }])
      sim.faults.failNext = { count: 2, status: 500 }
      assert.strictEqual((yield* bc.getProduct(p!.id)).sku, "R5")
      sim.faults.failNext = { count: 1, status: 503 }
      yield* bc.updateProducts([{ id: p!.id, price: dec("3.30") }])
      assert.deepStrictEqual(sim.exchanges.map((x) => x.status), [500, 500, 200, 503, 200])
    })))

  it.live("a 5xx on a create is an unknown outcome, not retried blindly", () =>
    withStore({}, (sim, bc) => Effect.gen(function* () {
      sim.faults.failNext = { count: 1, status: 504 }
      const exit = yield* Effect.exit(bc.createProduct({ name: "Lamp", type: "physical", sku: "L1", price: dec("49.99"), weight: 2 }))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
      assert.strictEqual(error?._tag, "HttpStatusFailure")
      assert.strictEqual(error?._tag === "HttpStatusFailure" ? error.outcome : undefined, "unknown-outcome")
      assert.deepStrictEqual(sim.writeCounts(), { "POST /v3/catalog/products": 1 })
    })))

  it.live("a create that times out on a slow store is an unknown outcome, and the store did create it", () =>
    withStore({}, (sim, bc) => Effect.gen(function* () {
      sim.faults.latencyMs = 400
      const slow = yield* makeBigCommerceClient({ storeHash: sim.storeHash, accessToken: sim.accessToken, apiOrigin: new URL(sim.baseUrl).origin, retry: fast, timeoutMs: 100 })
      const error = yield* Effect.flip(slow.createProduct({ name: "Slow", type: "physical", sku: "SL-1", price: dec("1"), weight: 1 }))
      assert.strictEqual(error._tag, "HttpTimeout")
      assert.strictEqual(error._tag === "HttpTimeout" ? error.outcome : undefined, "unknown-outcome")
      yield* Effect.promise(() => sim.requestsSettled())
      sim.faults.latencyMs = 0
      // Looking before re-creating finds it: the reason unknown outcomes exist.
      assert.deepStrictEqual((yield* bc.findProductsBySku(["SL-1"])).map((p) => p.name), ["Slow"])
    })))

  it.live("creates a product with an exact price and maps a duplicate SKU to a conflict", () =>
    withStore({}, (sim, bc) => Effect.gen(function* () {
      const created = yield* bc.createProduct({ name: "Kettle", type: "physical", sku: "KT-1", price: dec("29.95"), weight: 1.2 })
      assert.isTrue(BigDecimal.equals(created.price, dec("29.95")))
      assert.strictEqual(sim.store.products.get(created.id)!.price, 299_500n)
      const dup = yield* Effect.flip(bc.createProduct({ name: "Kettle 2", type: "physical", sku: "kt-1", price: dec("1"), weight: 1 }))
      assert.strictEqual(dup._tag, "BigCommerceConflict")
    })))

  it.live("surfaces 422 and v2 400 details field by field", () =>
    withStore({}, (sim, bc) => Effect.gen(function* () {
      const [p] = sim.store.seed([{ sku: "V1", stock: 2 }])
      const hook = yield* Effect.flip(bc.createWebhook({ scope: "store/order/*", destination: "ftp://example.com/in", secret: { header: "X-S", value: "x" } }))
      assert.strictEqual(hook._tag, "BigCommerceValidationFailed")
      assert.deepStrictEqual(hook._tag === "BigCommerceValidationFailed" ? Object.keys(hook.errors) : [], ["destination"])
      const stock = yield* Effect.flip(bc.setStockAbsolute([{ location_id: 1, variant_id: p!.base_variant_id!, quantity: 1 }], "r"))
      assert.strictEqual(stock._tag, "BigCommerceValidationFailed")
      assert.match(stock._tag === "BigCommerceValidationFailed" ? stock.title : "", /tracked by product/)
      const order = sim.store.placeOrder({ lines: [{ sku: "V1", quantity: 1 }] })
      const ship = yield* Effect.flip(bc.createShipment(order.id, { order_address_id: 1, items: [{ order_product_id: order.lines[0]!.id, quantity: 1 }] }))
      assert.strictEqual(ship._tag, "BigCommerceValidationFailed")
      assert.deepStrictEqual(ship._tag === "BigCommerceValidationFailed" ? [ship.status, Object.keys(ship.errors)] : [], [400, ["order_address_id"]])
      const missing = yield* Effect.flip(bc.getOrder(424242))
      assert.strictEqual(missing._tag, "BigCommerceNotFound")
    })))

  it.live("pages through 1200 orders modified since a date, skipping older ones", () =>
    withStore({ rateLimit: { quota: 1000 } }, (sim, bc) => Effect.gen(function* () {
      sim.store.seed([{ sku: "O", stock: 100_000, price: "2.50" }])
      for (let i = 0; i < 1300; i++) sim.store.placeOrder({ lines: [{ sku: "O", quantity: 1 }] })
      const since = new Date(Date.now() - 3_600_000)
      for (const o of [...sim.store.orders.values()].slice(0, 100)) o.date_modified = new Date(since.getTime() - 86_400_000)
      const orders = yield* bc.listOrdersModifiedSince(since)
      assert.strictEqual(orders.length, 1200)
      assert.strictEqual(new Set(orders.map((o) => o.id)).size, 1200)
      assert.strictEqual(orders[0]!.id, 200)
      assert.isTrue(BigDecimal.equals(orders[0]!.total_inc_tax, dec("2.5")))
      // 4 full pages of 250 and a short fifth: no extra request past the end.
      assert.strictEqual(sim.exchanges.filter((x) => x.template === "/v2/orders").length, 5)
    })))

  it.live("reads order lines, ships with a DHL tracking number and reads refunds", () =>
    withStore({}, (sim, bc) => Effect.gen(function* () {
      sim.store.seed([{ sku: "S1", stock: 5, price: "12.00" }, { sku: "S2", stock: 5, price: "3.99" }])
      const placed = sim.store.placeOrder({ lines: [{ sku: "S1", quantity: 1 }, { sku: "S2", quantity: 2 }] })
      const lines = yield* bc.getOrderProducts(placed.id)
      assert.deepStrictEqual(lines.map((l) => l.sku), ["S1", "S2"])
      assert.deepStrictEqual(yield* bc.listShipments(placed.id), [])
      const shipment = yield* bc.createShipment(placed.id, {
        order_address_id: lines[0]!.order_address_id,
        tracking_number: "00340434161094042557",
        tracking_carrier: "dhl",
        items: lines.map((l) => ({ order_product_id: l.id, quantity: l.quantity })),
      })
      assert.strictEqual(shipment.tracking_number, "00340434161094042557")
      assert.strictEqual((yield* bc.listShipments(placed.id)).length, 1)
      assert.strictEqual((yield* bc.getOrder(placed.id)).status, "Shipped")
      sim.store.refund(placed.id, [{ order_product_id: lines[1]!.id, quantity: 2 }], "returned")
      const refunds = yield* bc.listRefunds(placed.id)
      assert.isTrue(BigDecimal.equals(refunds[0]!.total_amount, dec("7.98")))
    })))

  it.live("reads every line of an order, 50 a page; the order's items_total spares the empty page after a full last one", () =>
    withStore({}, (sim, bc) => Effect.gen(function* () {
      sim.store.seed([{ sku: "L1", stock: 500 }, { sku: "L2", stock: 500 }])
      const lineCalls = () => sim.exchanges.filter((x) => x.template === "/v2/orders/{order_id}/products").map((x) => x.path)
      const line = (i: number) => ({ sku: i % 2 === 0 ? "L1" : "L2", quantity: 1 + (i % 3) })
      const long = sim.store.placeOrder({ lines: Array.from({ length: 120 }, (_, i) => line(i)) })
      const all = yield* bc.getOrderProducts(long.id, (yield* bc.getOrder(long.id)).items_total)
      assert.deepStrictEqual([all.length, new Set(all.map((l) => l.id)).size], [120, 120])
      assert.deepStrictEqual(all.map((l) => [l.sku, l.quantity]), Array.from({ length: 120 }, (_, i) => [line(i).sku, line(i).quantity]))
      assert.deepStrictEqual(lineCalls(), [1, 2, 3].map((p) => `/v2/orders/${long.id}/products?page=${p}&limit=50`))

      // exactly one full page: its units are all the order's items, so it is known to be the last
      const fifty = sim.store.placeOrder({ lines: Array.from({ length: 50 }, (_, i) => line(i)) })
      const order = yield* bc.getOrder(fifty.id)
      assert.strictEqual(order.items_total, 99)
      assert.lengthOf(yield* bc.getOrderProducts(fifty.id, order.items_total), 50)
      assert.deepStrictEqual(lineCalls().slice(3), [`/v2/orders/${fifty.id}/products?page=1&limit=50`])
      // without it a full page may have a successor: one more (empty) page is asked for
      assert.lengthOf(yield* bc.getOrderProducts(fifty.id), 50)
      assert.deepStrictEqual(lineCalls().slice(4), [1, 2].map((p) => `/v2/orders/${fifty.id}/products?page=${p}&limit=50`))
    })))

  it.live("reads an order's shipping addresses, paging 50 at a time", () =>
    withStore({}, (sim, bc) => Effect.gen(function* () {
      sim.store.seed([{ sku: "SH", stock: 5 }])
      const one = sim.store.placeOrder({
        lines: [{ sku: "SH", quantity: 1 }],
        shipping_addresses: [{ first_name: "Mona", last_name: "Haddad", street_1: "Sheikh Zayed Road 12", city: "Dubai", country: "United Arab Emirates", country_iso2: "AE" }],
      })
      const addresses = yield* bc.getOrderShippingAddresses(one.id)
      assert.deepStrictEqual(addresses.map((a) => [a.first_name, a.city, a.country_iso2]), [["Mona", "Dubai", "AE"]])
      assert.strictEqual((yield* bc.getOrder(one.id)).shipping_address_count, 1)
      const many = sim.store.placeOrder({
        lines: [{ sku: "SH", quantity: 1 }],
        shipping_addresses: Array.from({ length: 51 }, (_, i) => ({ first_name: `R${i}`, last_name: "X", city: "Lyon", country_iso2: "FR" })),
      })
      const all = yield* bc.getOrderShippingAddresses(many.id)
      assert.deepStrictEqual([all.length, all[0]!.first_name, all[50]!.first_name], [51, "R0", "R50"])
      const pages = sim.exchanges.filter((x) => x.template === "/v2/orders/{order_id}/shipping_addresses").map((x) => x.path)
      assert.deepStrictEqual(pages, [
        `/v2/orders/${one.id}/shipping_addresses?page=1&limit=50`,
        `/v2/orders/${many.id}/shipping_addresses?page=1&limit=50`,
        `/v2/orders/${many.id}/shipping_addresses?page=2&limit=50`,
      ])
    })))

  it.live("a webhook arrives with the secret header and verifies; a wrong secret is rejected", () =>
    withStore({}, (sim, bc) => Effect.gen(function* () {
      const secret = { header: "X-Vortex-Webhook-Secret", value: "correct horse battery staple" }
      const verdicts: Array<string> = []
      const server = createServer((req, res) => {
        let raw = ""
        req.on("data", (c) => (raw += c))
        req.on("end", () => {
          Effect.runPromise(Effect.either(verifyWebhook(req.headers, raw, secret))).then((r) => {
            verdicts.push(r._tag === "Right" ? `${r.right.scope}#${r.right.data.id}` : r.left.reason)
            res.statusCode = r._tag === "Right" ? 200 : 401
            res.end()
          })
        })
      })
      yield* Effect.promise(() => new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r())))
      const destination = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bigcommerce`
      const hook = yield* bc.createWebhook({ scope: "store/order/created", destination, secret })
      assert.strictEqual(hook.headers?.[secret.header], secret.value)
      sim.store.seed([{ sku: "H1", stock: 5 }])
      const order = sim.store.placeOrder({ lines: [{ sku: "H1", quantity: 1 }] })
      yield* Effect.promise(() => sim.webhooks.idle())
      // A forged call that does not know the secret.
      const forged = yield* Effect.promise(() => fetch(destination, { method: "POST", headers: { [secret.header]: "guess" }, body: "{}" }))
      yield* Effect.promise(() => new Promise<void>((r) => server.close(() => r())))
      assert.deepStrictEqual(verdicts, [`store/order/created#${order.id}`, "wrong-secret"])
      assert.strictEqual(forged.status, 401)
      assert.deepStrictEqual((yield* bc.listWebhooks()).map((h) => h.id), [hook.id])
      yield* bc.deleteWebhook(hook.id)
      assert.deepStrictEqual(yield* bc.listWebhooks(), [])
    })))
})

/**
 * BigCommerce orders and the stock they hold, end to end over both simulators (real HTTP): the
 * goods go to the order's first shipping address, read only when the order has one; an order the
 * channel cancels before it is booked gives its units back and the channel shows them again.
 */
import { HttpServer } from "@effect/platform"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Option, TestServices } from "effect"
import { randomBytes } from "node:crypto"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { BigCommerceSimulator } from "../../connectors/bigcommerce/simulator/BigCommerceSimulator.js"
import type { AddressInput } from "../../connectors/bigcommerce/simulator/SimulatorStore.js"
import { ApiServer } from "../../engine/api/ApiServer.js"
import { applyConfig } from "../../engine/config/ApplyConfig.js"
import { ConnectorClients } from "../../engine/connections/ConnectorClients.js"
import type { ChannelOrder } from "../../engine/orders/ChannelOrder.js"
import { OrderRepo } from "../../engine/orders/OrderRepo.js"
import { EngineServices, EngineWithJobs } from "../../engine/runtime/Engine.js"
import { runStockWakeups } from "../../engine/runtime/StockWakeups.js"
import { simulatorConfig } from "../../engine/sandbox/Sandbox.js"
import { StockLedger } from "../../engine/stock/StockLedger.js"
import { FlowRunner } from "../../engine/sync/FlowRunner.js"
import { startWorkers } from "../../engine/sync/SyncWorker.js"
import { SecretBoxFromKey } from "../../engine/tenancy/SecretBox.js"
import { WebhookEvents } from "../../engine/webhooks/WebhookEvents.js"
import { BIGCOMMERCE_SECRET_HEADER, WebhookRoutes } from "../../engine/webhooks/WebhookRoutes.js"
import { backends } from "../support/TestDatabase.js"
import { TestDatabase } from "../support/TestDatabase.js"
import { Simulators, simulatorsWith, sku } from "../support/Simulators.js"
import { shopTenant } from "../support/ShopTenant.js"

const ARTICLES = 6
const SECRET = "order-stock-secret"

const sims = simulatorsWith(ARTICLES)

const paris: AddressInput = { first_name: "Jean", last_name: "Dupont", street_1: "1 Rue de Rivoli", city: "Paris", zip: "75001", country: "France", country_iso2: "FR" }
const dubai: AddressInput = { first_name: "Mona", last_name: "Haddad", street_1: "Sheikh Zayed Road 12", city: "Dubai", country: "United Arab Emirates", country_iso2: "AE" }

/** The tenant on both simulators, 40 units of every SKU, listed and published (the shop shows 38: buffer 2). */
const setup = shopTenant({ articles: ARTICLES, onHand: 40, webhookSecret: SECRET })

const calls = (sim: BigCommerceSimulator, template: string) => sim.exchanges.filter((x) => x.method === "GET" && x.template === template).length

describe.each(backends)("BigCommerce orders and their stock on %s", (backend) => {
  const Env = Layer.mergeAll(EngineServices, sims).pipe(
    Layer.provideMerge(SecretBoxFromKey(randomBytes(32))),
    Layer.provideMerge(TestDatabase(backend)),
  )
  layer(Env, { timeout: 180_000 })((it) => {
    it.effect("the goods go to the first shipping address, read once per new or changed order and never for a digital one", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { run, order, bigcommerce, lexoffice } = yield* setup
        const store = bigcommerce.store
        const toParis = store.placeOrder({ lines: [{ sku: sku(1), quantity: 1 }], shipping_addresses: [paris, dubai] })
        const digital = store.placeOrder({ lines: [{ sku: sku(2), quantity: 1 }], shipping_addresses: [] })
        const [addressesBefore, linesBefore] = [calls(bigcommerce, "/v2/orders/{order_id}/shipping_addresses"), calls(bigcommerce, "/v2/orders/{order_id}/products")]
        const first = yield* run("orders")
        assert.strictEqual(first.written, 2, JSON.stringify(first.errors))
        assert.strictEqual(calls(bigcommerce, "/v2/orders/{order_id}/shipping_addresses") - addressesBefore, 1, "only the order that has shipping addresses")

        const paid = yield* order(toParis.id)
        const canonical = paid.payload as ChannelOrder
        assert.deepInclude(canonical.shipping, { name: "Jean Dupont", street: "1 Rue de Rivoli", zip: "75001", city: "Paris", countryCode: "FR" })
        assert.deepInclude(canonical.billing, { city: "Berlin", countryCode: "DE" })
        assert.deepInclude((yield* order(digital.id)).payload as ChannelOrder, { shipping: (canonical.billing) })
        assert.lengthOf(lexoffice.vouchersOf("order-confirmations").filter((v) => JSON.stringify(v.body).includes(`BigCommerce order ${toParis.id}`)), 1)

        // the next poll lists both again: nothing changed, so neither lines nor addresses are read
        const [addresses, lines] = [calls(bigcommerce, "/v2/orders/{order_id}/shipping_addresses"), calls(bigcommerce, "/v2/orders/{order_id}/products")]
        assert.strictEqual(lines - linesBefore, 2)
        const second = yield* run("orders")
        assert.deepStrictEqual([second.read, second.skipped, second.written, second.apiCalls], [2, 2, 0, 1])
        assert.deepStrictEqual([calls(bigcommerce, "/v2/orders/{order_id}/shipping_addresses"), calls(bigcommerce, "/v2/orders/{order_id}/products")], [addresses, lines])
      })))

    it.effect("a webhook's run reads just the orders its hooks named, each once, and marks them read", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { tenantId, shop, bigcommerce, order } = yield* setup
        const runner = yield* FlowRunner
        const events = yield* WebhookEvents
        const webhookRun = runner.run({ tenantId, pipeline: "lexoffice-bigcommerce", flow: "orders", trigger: "webhook" })
        yield* webhookRun // whatever earlier tests left pending
        const placed = bigcommerce.store.placeOrder({ lines: [{ sku: sku(5), quantity: 1 }], shipping_addresses: [paris] })
        // what the webhook intake stores: two hooks for one order (created, then a status change)
        // …and one for an order deleted on the channel since
        for (const [scope, id, hash] of [["store/order/created", placed.id, "a"], ["store/order/statusUpdated", placed.id, "b"], ["store/order/created", 99_999, "c"]] as const) {
          yield* events.record({ tenantId, connectionId: shop, dedupeKey: `${scope}:${id}:${hash}`, kind: scope, payload: { scope, data: { type: "order", id } } })
        }
        const before = bigcommerce.exchanges.length
        const first = yield* webhookRun
        assert.strictEqual(first.written, 1, JSON.stringify(first.errors))
        assert.deepStrictEqual(bigcommerce.exchanges.slice(before).map((x) => `${x.method} ${x.template} ${x.status}`), [
          "GET /v2/orders/{order_id} 200", "GET /v2/orders/{order_id} 404",
          "GET /v2/orders/{order_id}/products 200", "GET /v2/orders/{order_id}/shipping_addresses 200",
        ])
        assert.strictEqual((yield* order(placed.id)).state, "created")
        assert.deepStrictEqual(yield* events.pendingOrders(shop), { orderIds: [], through: null })
        const again = yield* webhookRun
        assert.deepStrictEqual([again.read, again.apiCalls], [0, 0], "nothing named since: no call at all")
      })))

    it.effect("shipped to Dubai, a German-billed order is a tax-free export: booked with 0 % lines and the buyer's contact; cancelled on the channel it gives its units back", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { run, order, shown, bigcommerce, ledger, tenantId, lexoffice } = yield* setup
        const vouchers = lexoffice.vouchersOf("order-confirmations").length
        const placed = bigcommerce.store.placeOrder({ lines: [{ sku: sku(3), quantity: 20 }], shipping_addresses: [dubai] })
        const report = yield* run("orders")
        assert.deepInclude(report, { written: 1, failed: 0 }, JSON.stringify(report.errors))
        assert.strictEqual((yield* order(placed.id)).state, "created")
        const booked = lexoffice.vouchersOf("order-confirmations")
        assert.strictEqual(booked.length, vouchers + 1)
        // the destination, not the billing country, decided the tax treatment
        const body = booked.at(-1)!.body as { taxConditions: { taxType: string }; address: { contactId?: string }; lineItems: Array<{ unitPrice: { taxRatePercentage: number } }> }
        assert.strictEqual(body.taxConditions.taxType, "thirdPartyCountryDelivery")
        assert.isString(body.address.contactId, "lexoffice takes an export only with a referenced contact")
        assert.isTrue(body.lineItems.every((l) => Number(l.unitPrice.taxRatePercentage) === 0))
        assert.deepInclude(yield* ledger.get(tenantId, sku(3)), { reserved: 20, available: 20 })
        yield* run("stock")
        assert.strictEqual(shown(sku(3)), 18, "the shop subtracted the 20 itself; raising it by the smaller buffer waits for the intake")
        yield* run("orders")
        yield* run("stock")
        assert.strictEqual(shown(sku(3)), 19, "20 available − buffer 1, once the intake has read the channel past the sale")

        // likely within the same second as the last read: v2 times have whole seconds, the status tells the change
        bigcommerce.store.setOrderStatus(placed.id, 5)
        yield* run("orders")
        assert.strictEqual((yield* order(placed.id)).state, "created", "booked, so it stays booked; the units come back")
        assert.deepInclude(yield* ledger.get(tenantId, sku(3)), { reserved: 0, available: 40 })
        yield* run("stock")
        assert.strictEqual(shown(sku(3)), 19, "the units go back on sale only once the intake has read the channel past the release")
        yield* run("orders")
        yield* run("stock")
        assert.strictEqual(shown(sku(3)), 38)
      })))

    it.effect("an order with more lines than one page of order products becomes one order confirmation with every line", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { run, order, bigcommerce, lexoffice, ledger, tenantId } = yield* setup
        // 57 lines over the six SKUs: a full first page of 50, and 7 on the second
        const lines = Array.from({ length: 57 }, (_, i) => ({ sku: sku(i % ARTICLES), quantity: i === 56 ? 2 : 1 }))
        const heldBefore = [(yield* ledger.get(tenantId, sku(2))).reserved, (yield* ledger.get(tenantId, sku(3))).reserved]
        const big = bigcommerce.store.placeOrder({ lines })
        const pagesBefore = bigcommerce.exchanges.filter((x) => x.template === "/v2/orders/{order_id}/products").length
        const lexofficeBefore = lexoffice.requestLog.length
        const report = yield* run("orders")
        assert.strictEqual(report.written, 1, JSON.stringify(report.errors))
        const pages = bigcommerce.exchanges.filter((x) => x.template === "/v2/orders/{order_id}/products").slice(pagesBefore).map((x) => x.path)
        assert.deepStrictEqual(pages, [`/v2/orders/${big.id}/products?page=1&limit=50`, `/v2/orders/${big.id}/products?page=2&limit=50`])
        // the run reports every call it made: BigCommerce's listing, two pages of lines and the
        // shipping addresses, and lexoffice's (the contact, the order confirmation)
        const lexofficeCalls = lexoffice.requestLog.length - lexofficeBefore
        assert.isAbove(lexofficeCalls, 0)
        assert.strictEqual(report.apiCalls, 4 + lexofficeCalls)

        const booked = yield* order(big.id)
        assert.lengthOf((booked.payload as ChannelOrder).lines, 57)
        const vouchers = lexoffice.vouchersOf("order-confirmations").filter((v) => JSON.stringify(v.body).includes(`BigCommerce order ${big.id}"`))
        assert.lengthOf(vouchers, 1)
        const items = (vouchers[0]!.body.lineItems as Array<{ name: string; description?: string; quantity: number }>).filter((l) => l.name !== "Versand")
        assert.deepStrictEqual(items.map((l) => [l.description, l.quantity]), lines.map((l) => [`SKU ${l.sku}`, l.quantity]))
        // every line's units are held: the third SKU has 10 lines (the last of 2 units), the fourth 9
        const held = () => Effect.all([ledger.get(tenantId, sku(2)), ledger.get(tenantId, sku(3))]).pipe(Effect.map((ls) => ls.map((l, i) => l.reserved - heldBefore[i]!)))
        assert.deepStrictEqual(yield* held(), [11, 9])
        // cancelled on the channel, every line's units come back
        bigcommerce.store.setOrderStatus(big.id, 5)
        yield* run("orders")
        assert.deepStrictEqual(yield* held(), [0, 0])
      })))

    it.effect("a pipeline whose orders flow says contact: one-time books a domestic order with no contact call and resolves one for an export", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { lexoffice, bigcommerce } = yield* Simulators
        // the committed pipeline, switched to one-time: its map writes the buyer's address (it may not name `contact`, VX033)
        const committed = readFileSync(`${process.cwd()}/pipelines/lexoffice-bigcommerce.yaml`, "utf8")
        const oneTime = committed
          .replace("contact: find-or-create", "contact: one-time")
          .replace("address: { contactId: contact.id }", "address: { name: src.billing.name, city: src.billing.city, countryCode: src.billing.countryCode }")
          .replace(/\ntests:[\s\S]*$/, "\n")
        assert.notStrictEqual(oneTime, committed)
        assert.include(oneTime, "contact: one-time")
        const dir = mkdtempSync(join(tmpdir(), "vortex-one-time-"))
        writeFileSync(join(dir, "lexoffice-bigcommerce.yaml"), oneTime)
        const config = simulatorConfig(lexoffice, bigcommerce, SECRET, { lexofficeRateLimit: "off" })
        const [tenant] = yield* applyConfig(join(dir, "vortex.yaml"), {
          ...config,
          tenants: config.tenants.map((t) => ({ ...t, slug: "one-time-shop", pipelines: t.pipelines.map((p) => ({ ...p, file: "lexoffice-bigcommerce.yaml" })) })),
        })
        const tenantId = tenant!.tenantId
        const ledger = yield* StockLedger
        // a listing of its own, so the test stands alone
        bigcommerce.store.seed([{ sku: "ONE-TIME", stock: 10, price: "20.00" }])
        yield* ledger.importCsv(tenantId, "sku,on_hand\nONE-TIME,10", { actor: "test" })
        const runner = yield* FlowRunner
        const repo = yield* OrderRepo
        const contactCalls = (from: number) => lexoffice.requestLog.slice(from).filter((r) => r.url.startsWith("/v1/contacts")).length
        const book = (id: number) => Effect.gen(function* () {
          const report = yield* runner.run({ tenantId, pipeline: "lexoffice-bigcommerce", flow: "orders", trigger: "manual", orderIds: [String(id)] })
          assert.strictEqual(report.written, 1, JSON.stringify(report.errors))
          const row = Option.getOrThrow(yield* repo.get({ tenantId, connectionId: tenant!.connections.get("shop")!, channelOrderId: String(id) }))
          return { row, body: lexoffice.vouchersOf("order-confirmations").find((v) => v.id === row.lexofficeId)!.body }
        })

        const domestic = bigcommerce.store.placeOrder({ lines: [{ sku: "ONE-TIME", quantity: 1 }], email: "one-time-de@example.com" })
        let before = lexoffice.requestLog.length
        const de = yield* book(domestic.id)
        assert.strictEqual(contactCalls(before), 0, "no contact call for a domestic order")
        assert.deepStrictEqual(de.body.address, { name: "Sim Buyer", city: "Berlin", countryCode: "DE" })
        assert.isNull(de.row.contactId)

        const toDubai = bigcommerce.store.placeOrder({ lines: [{ sku: "ONE-TIME", quantity: 1 }], email: "one-time-ae@example.com", shipping_addresses: [dubai] })
        before = lexoffice.requestLog.length
        const ae = yield* book(toDubai.id)
        assert.strictEqual(contactCalls(before), 2, "one search by e-mail, one create")
        assert.isString(ae.row.contactId)
        assert.deepStrictEqual(ae.body.address, { contactId: ae.row.contactId })
        assert.strictEqual((ae.body.taxConditions as { taxType: string }).taxType, "thirdPartyCountryDelivery")
      })))
  })

  const Live = ApiServer({ port: 0, host: "127.0.0.1", logRequests: false }, WebhookRoutes).pipe(
    Layer.provideMerge(WebhookEvents.Default),
    Layer.provideMerge(Layer.mergeAll(EngineWithJobs({ pollingIntervalSeconds: 0.5 }), sims)),
    Layer.provideMerge(SecretBoxFromKey(randomBytes(32))),
    Layer.provideMerge(TestDatabase(backend)),
  )
  layer(Live, { timeout: 180_000 })((it) => {
    it.scoped("as `vortex up` runs: an order's webhook moves the channel's stock, and its cancellation's webhook moves it back", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { shop, shown, order, bigcommerce } = yield* setup
        const server = yield* HttpServer.HttpServer
        if (server.address._tag !== "TcpAddress") throw new Error("expected TCP")
        const client = yield* (yield* ConnectorClients).bigcommerce(shop)
        yield* client.createWebhook({
          scope: "store/order/*",
          destination: `http://127.0.0.1:${server.address.port}/webhooks/bigcommerce/${shop}`,
          secret: { header: BIGCOMMERCE_SECRET_HEADER, value: SECRET },
        })
        yield* startWorkers
        yield* Effect.forkScoped(runStockWakeups)
        const until = (what: string, done: Effect.Effect<boolean, unknown, OrderRepo>) => Effect.gen(function* () {
          while (!(yield* done)) yield* Effect.sleep("50 millis")
        }).pipe(Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error(`timed out waiting until ${what}`) }))

        // 20 of 40 to Dubai: booked in lexoffice as an export, the sale holds its units
        const placed = bigcommerce.store.placeOrder({ lines: [{ sku: sku(4), quantity: 20 }], shipping_addresses: [dubai] })
        yield* until("the channel shows 19", Effect.sync(() => shown(sku(4)) === 19))
        yield* until("the order is booked", Effect.map(order(placed.id), (o) => o.state === "created"))
        assert.strictEqual(shown(sku(4)), 19)

        // cancelled on the channel after booking: the confirmation stays, the units come back
        bigcommerce.store.setOrderStatus(placed.id, 5)
        yield* until("the channel shows 38 again", Effect.sync(() => shown(sku(4)) === 38))
        assert.strictEqual((yield* order(placed.id)).state, "created")
      })))

  })
})

import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, TestServices } from "effect"
import { randomBytes } from "node:crypto"
import { BigCommerceSimulator } from "../../connectors/bigcommerce/simulator/BigCommerceSimulator.js"
import { applyConfig } from "../../engine/config/ApplyConfig.js"
import type { FlowJob } from "../../engine/jobs/FlowJob.js"
import { EngineServices } from "../../engine/runtime/Engine.js"
import { publishDemoTables, simulatorConfig } from "../../engine/sandbox/Sandbox.js"
import { StockLedger } from "../../engine/stock/StockLedger.js"
import { FlowRunner } from "../../engine/sync/FlowRunner.js"
import { SecretBoxFromKey } from "../../engine/tenancy/SecretBox.js"
import { backends, TestDatabase } from "../support/TestDatabase.js"
import { Simulators, simulatorsWith, sku } from "../support/Simulators.js"

const ARTICLES = 25

const sims = simulatorsWith(ARTICLES)

const productWrites = (sim: BigCommerceSimulator) =>
  Object.entries(sim.writeCounts()).filter(([k]) => k.includes("/catalog/products")).reduce((n, [, v]) => n + v, 0)

describe.each(backends)("sync engine on %s, lexoffice ↔ BigCommerce simulators over HTTP", (backend) => {
  const Env = Layer.mergeAll(EngineServices, sims).pipe(
    Layer.provideMerge(SecretBoxFromKey(randomBytes(32))),
    Layer.provideMerge(TestDatabase(backend)),
  )
  layer(Env, { timeout: 180_000 })((it) => {
    const setup = Effect.gen(function* () {
      const { lexoffice, bigcommerce } = yield* Simulators
      const [tenant] = yield* applyConfig(`${process.cwd()}/vortex.test.yaml`, simulatorConfig(lexoffice, bigcommerce, "secret", { lexofficeRateLimit: "off" }))
      yield* publishDemoTables(tenant!.tenantId)
      const runner = yield* FlowRunner
      const run = (flow: FlowJob["flow"], extra: Partial<FlowJob> = {}) =>
        runner.run({ tenantId: tenant!.tenantId, pipeline: "lexoffice-bigcommerce", flow, trigger: "manual", ...extra })
      return { tenantId: tenant!.tenantId, run, lexoffice, bigcommerce }
    })

    it.effect("a shop that already lists the SKUs is adopted with ceil(N/10) product writes; an unchanged heartbeat writes nothing", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { run, bigcommerce, lexoffice } = yield* setup
        bigcommerce.store.seed(Array.from({ length: ARTICLES }, (_, i) => ({ sku: sku(i), name: `Old name ${i}`, price: "1.00" })))
        const before = productWrites(bigcommerce)
        const first = yield* run("catalog")
        assert.strictEqual(first.written, ARTICLES)
        assert.strictEqual(first.failed, 0, JSON.stringify(first.errors))
        assert.strictEqual(productWrites(bigcommerce) - before, Math.ceil(ARTICLES / 10), "batches of 10, no creates")
        const product = [...bigcommerce.store.products.values()].find((p) => p.sku === sku(0))!
        assert.strictEqual(product.name, "Article 1")

        const afterFirst = productWrites(bigcommerce)
        const second = yield* run("catalog", { trigger: "heartbeat" })
        assert.deepStrictEqual([second.written, second.skipped], [0, ARTICLES])
        assert.strictEqual(productWrites(bigcommerce), afterFirst, "no write call when nothing changed")

        // one price changed in lexoffice: exactly that listing is written again
        const [article] = (yield* Effect.promise(() => fetch(`${lexoffice.url}/v1/articles?page=0&size=1`, {
          headers: { authorization: `Bearer ${lexoffice.token}` },
        }).then((r) => r.json() as Promise<{ content: Array<{ id: string; version: number; title: string; type: string; unitName: string; articleNumber: string; price: unknown }> }>))).content
        yield* Effect.promise(() => fetch(`${lexoffice.url}/v1/articles/${article!.id}`, {
          method: "PUT",
          headers: { authorization: `Bearer ${lexoffice.token}`, "content-type": "application/json" },
          body: JSON.stringify({ ...article, price: { leadingPrice: "NET", netPrice: 99.99, taxRate: 19 } }),
        }))
        const third = yield* run("catalog", { trigger: "heartbeat" })
        assert.deepStrictEqual([third.written, third.skipped], [1, ARTICLES - 1])
        assert.strictEqual(productWrites(bigcommerce) - afterFirst, 1)
      })))

    it.effect("a channel order becomes one lexoffice order confirmation, reserves stock and moves the published quantity", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { run, bigcommerce, lexoffice, tenantId } = yield* setup
        const ledger = yield* StockLedger
        yield* ledger.importCsv(tenantId, ["sku,on_hand", ...Array.from({ length: ARTICLES }, (_, i) => `${sku(i)},30`)].join("\n"), { actor: "test" })
        yield* run("catalog")
        yield* run("stock")
        // buffer max(1, ceil(5 % of 30)) = 2: the shop shows 28
        const level = (s: string) => bigcommerce.store.productLevel([...bigcommerce.store.products.values()].find((p) => p.sku === s)!)
        assert.strictEqual(level(sku(3)), 28)

        const order = bigcommerce.store.placeOrder({ lines: [{ sku: sku(3), quantity: 4 }], shipping_cost: "4.90" })
        const vouchersBefore = lexoffice.vouchersOf("order-confirmations").length
        const first = yield* run("orders")
        assert.strictEqual(first.written, 1, JSON.stringify(first.errors))
        // the poll sees the order again: the inbox makes that a no-op
        yield* run("orders")
        yield* run("orders", { trigger: "webhook", orderIds: [String(order.id)] })
        const vouchers = lexoffice.vouchersOf("order-confirmations").slice(vouchersBefore)
        assert.strictEqual(vouchers.length, 1, "exactly one order confirmation")
        assert.include(JSON.stringify(vouchers[0]!.body), `[vortex:`)

        const stock = yield* ledger.get(tenantId, sku(3))
        assert.deepInclude(stock, { onHand: 30, reserved: 4, available: 26 })
        yield* run("stock")
        assert.strictEqual(level(sku(3)), 24, "26 available − buffer 2")
      })))
  })
})

import { assert } from "@effect/vitest"
import { Effect, Option } from "effect"
import { applyConfig } from "../../engine/config/ApplyConfig.js"
import type { FlowJob } from "../../engine/jobs/FlowJob.js"
import { OrderRepo } from "../../engine/orders/OrderRepo.js"
import { publishDemoTables, simulatorConfig } from "../../engine/sandbox/Sandbox.js"
import { StockLedger } from "../../engine/stock/StockLedger.js"
import { FlowRunner } from "../../engine/sync/FlowRunner.js"
import { Simulators, sku } from "./Simulators.js"

export const SHOP_PIPELINE = "lexoffice-bigcommerce"

/**
 * The demo tenant on both simulators through the committed lexoffice-bigcommerce pipeline:
 * `onHand` units of each of the first `articles` SKUs, the catalog listed and the stock
 * published (40 on hand shows as 38: the pipeline's buffer is 5 %, at least 1).
 */
export const shopTenant = (options: { readonly articles: number; readonly onHand: number; readonly webhookSecret: string }) => Effect.gen(function* () {
  const { lexoffice, bigcommerce } = yield* Simulators
  const [tenant] = yield* applyConfig(`${process.cwd()}/vortex.test.yaml`, simulatorConfig(lexoffice, bigcommerce, options.webhookSecret, { lexofficeRateLimit: "off" }))
  const tenantId = tenant!.tenantId
  const shop = tenant!.connections.get("shop")!
  yield* publishDemoTables(tenantId)
  const ledger = yield* StockLedger
  yield* ledger.importCsv(tenantId, ["sku,on_hand", ...Array.from({ length: options.articles }, (_, i) => `${sku(i)},${options.onHand}`)].join("\n"), { actor: "test" })
  const runner = yield* FlowRunner
  const runAs = (flow: "catalog" | "stock" | "orders", trigger: FlowJob["trigger"]) => runner.run({ tenantId, pipeline: SHOP_PIPELINE, flow, trigger })
  const run = (flow: "catalog" | "stock" | "orders") => runAs(flow, "manual")
  yield* run("catalog")
  yield* run("stock")
  const shown = (s: string) => bigcommerce.store.level(bigcommerce.store.findVariantBySku(s)!.id)
  assert.strictEqual(shown(sku(0)), options.onHand - Math.max(1, Math.ceil(options.onHand * 0.05)))
  const order = (id: number) => Effect.map(OrderRepo, (repo) => repo.get({ tenantId, connectionId: shop, channelOrderId: String(id) })).pipe(
    Effect.flatten, Effect.map(Option.getOrThrow))
  return { tenantId, shop, run, runAs, shown, order, lexoffice, bigcommerce, ledger }
})

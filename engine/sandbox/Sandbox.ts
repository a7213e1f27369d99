import { Clock, Console, Effect, Random, Schedule } from "effect"
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import { BigCommerceSimulator } from "../../connectors/bigcommerce/simulator/BigCommerceSimulator.js"
import { LexofficeSimulator } from "../../connectors/lexoffice/simulator/LexofficeSimulator.js"
import { applyConfig } from "../config/ApplyConfig.js"
import type { VortexConfig } from "../config/VortexConfig.js"
import { ConnectorClients } from "../connections/ConnectorClients.js"
import { JobQueue } from "../jobs/JobQueue.js"
import { importRuleSet } from "../rules/RuleSetYaml.js"
import { RuleStore } from "../rules/RuleStore.js"
import { StockLedger } from "../stock/StockLedger.js"
import { BIGCOMMERCE_SECRET_HEADER } from "../webhooks/WebhookRoutes.js"
import { readFileSync } from "node:fs"

const root = fileURLToPath(new URL("../../", import.meta.url))
export const SANDBOX_TENANT = "demo"
const ARTICLES = 200

/** A demo tenant wired to the two simulators through the committed lexoffice-bigcommerce pipeline. */
export const simulatorConfig = (
  lexoffice: LexofficeSimulator,
  bigcommerce: BigCommerceSimulator,
  webhookSecret: string,
  options: { readonly lexofficeRateLimit?: "off" } = {},
): VortexConfig => ({
  apiVersion: "vortex/v1",
  kind: "Config",
  tenants: [{
    slug: SANDBOX_TENANT,
    name: "Demo shop (sandbox)",
    connections: [
      {
        name: "lexoffice", connector: "lexoffice", baseUrl: lexoffice.url,
        credentials: { apiKey: lexoffice.token },
        settings: { webhookPublicKey: lexoffice.publicKeyPem, ...(options.lexofficeRateLimit === "off" ? { rateLimit: "off" } : {}) },
      },
      {
        name: "shop", connector: "bigcommerce", baseUrl: new URL(bigcommerce.baseUrl).origin,
        credentials: { storeHash: bigcommerce.storeHash, accessToken: bigcommerce.accessToken, webhookSecret }, settings: {},
      },
    ],
    pipelines: [{ file: "pipelines/lexoffice-bigcommerce.yaml", source: "lexoffice", target: "shop", enabled: true }],
  }],
})

/** The lookup tables the committed pipelines name, published as a merchant would in the panel. */
export const publishDemoTables = (tenantId: string) => Effect.gen(function* () {
  const store = yield* RuleStore
  const actor = { tenantId, author: "sandbox" }
  const existing = yield* store.list(tenantId)
  if (!existing.some((s) => s.name === "bc_tax_class")) {
    const draft = yield* importRuleSet(actor, readFileSync(`${root}rules/bc_tax_class.yaml`, "utf8"))
    yield* store.publish(actor, draft.name, draft.version, "sandbox start")
  }
})

export interface Sandbox {
  readonly lexoffice: LexofficeSimulator
  readonly bigcommerce: BigCommerceSimulator
  readonly tenantId: string
}

/**
 * `vortex up --sandbox`: local simulators of lexoffice and BigCommerce seeded with a demo shop
 * (200 articles, stock for each), a demo tenant wired to them through the committed
 * lexoffice-bigcommerce pipeline, webhooks registered both ways, and every flow queued once.
 * Everything goes over real HTTP exactly as with the real systems.
 */
export const startSandbox = (apiOrigin: string) => Effect.gen(function* () {
  const lexoffice = yield* LexofficeSimulator.scoped({ rateLimit: true })
  const bigcommerce = yield* Effect.acquireRelease(
    Effect.promise(() => BigCommerceSimulator.start({ recordExchanges: false })),
    (sim) => Effect.promise(() => sim.stop()),
  )
  lexoffice.seedArticles(ARTICLES, (i) => ({
    title: `Demo article ${i + 1}`,
    price: { leadingPrice: "NET", netPrice: 5 + (i % 40) + 0.99, taxRate: i % 5 === 0 ? 7 : 19 },
  }))
  const webhookSecret = randomBytes(18).toString("base64url")
  const config = simulatorConfig(lexoffice, bigcommerce, webhookSecret)
  const [tenant] = yield* applyConfig(`${root}vortex.sandbox.yaml`, config)
  const tenantId = tenant!.tenantId
  const shopId = tenant!.connections.get("shop")!
  const lexofficeId = tenant!.connections.get("lexoffice")!

  yield* publishDemoTables(tenantId)

  // stock: what the merchant counted in the warehouse
  const ledger = yield* StockLedger
  const csv = ["sku,on_hand", ...Array.from({ length: ARTICLES }, (_, i) => `A-${String(i + 1).padStart(5, "0")},${5 + ((i * 7) % 40)}`)].join("\n")
  yield* ledger.importCsv(tenantId, csv, { actor: "sandbox" }).pipe(Effect.orDie)

  // webhooks both ways, as `vortex up` would register them against the real systems
  const clients = yield* ConnectorClients
  const shop = yield* clients.bigcommerce(shopId)
  yield* shop.createWebhook({
    scope: "store/order/*",
    destination: `${apiOrigin}/webhooks/bigcommerce/${shopId}`,
    secret: { header: BIGCOMMERCE_SECRET_HEADER, value: webhookSecret },
  })
  const books = yield* clients.lexoffice(lexofficeId)
  // every article event: a catalog beyond lexoffice's listing window reaches Vortex only this way
  for (const eventType of ["article.created", "article.changed", "article.deleted"]) {
    yield* books.createEventSubscription(eventType, `${apiOrigin}/webhooks/lexoffice/${lexofficeId}`)
  }

  const queue = yield* JobQueue
  for (const flow of ["catalog", "stock", "orders"] as const) {
    yield* queue.enqueue({ tenantId, pipeline: "lexoffice-bigcommerce", flow, trigger: "manual" })
  }
  return { lexoffice, bigcommerce, tenantId } satisfies Sandbox
})

/**
 * Shoppers: every few seconds an order for one to three products the shop shows in stock,
 * placed on the BigCommerce simulator; its webhook wakes the orders flow.
 */
export const runOrderGenerator = (sandbox: Sandbox, everyMillis = 4000) => Effect.gen(function* () {
  const store = sandbox.bigcommerce.store
  const inStock = [...store.products.values()].filter((p) => store.productLevel(p) > 0)
  if (inStock.length === 0) return
  const lines = new Map<string, number>()
  const count = yield* Random.nextIntBetween(1, 4)
  for (let i = 0; i < count; i++) {
    const p = inStock[yield* Random.nextIntBetween(0, inStock.length)]!
    lines.set(p.sku, Math.min(store.productLevel(p), (lines.get(p.sku) ?? 0) + (yield* Random.nextIntBetween(1, 3))))
  }
  const order = store.placeOrder({ lines: [...lines].map(([sku, quantity]) => ({ sku, quantity })), shipping_cost: "4.90" })
  const at = new Date(yield* Clock.currentTimeMillis).toISOString().slice(11, 19)
  yield* Console.log(`${at} sandbox shopper placed BigCommerce order ${order.id}: ${[...lines].map(([s, q]) => `${q}× ${s}`).join(", ")}`)
}).pipe(
  Effect.catchAllDefect((d) => Effect.logWarning("sandbox shopper could not order", d)),
  Effect.repeat(Schedule.spaced(`${everyMillis} millis`)),
  Effect.asVoid,
)

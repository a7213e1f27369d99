/**
 * npx tsx bench/sync.ts [--articles N] [--orders K] — the sync engine against both simulators
 * (rate limits off, real HTTP, embedded database), in one run:
 *  0. article events: the N articles are created in lexoffice with an event subscription, so each
 *     is announced as `article.created` — signed (RSA-SHA512) by the simulator's dispatcher and
 *     verified, stored and marked by the engine's real webhook endpoint: time, events/s, signing cost;
 *  1. first catalog sync into an empty BigCommerce store (a full run): lexoffice lists at most
 *     10 000 articles per type, so the run lists that window and reads the announced rest by id.
 *     Time, API calls beside their lower bound (one listing page per 250 within the window, one
 *     GET per article beyond it, one POST per new product: BigCommerce has no batch create),
 *     written/failed, how many articles were read by listing and by id, peak memory;
 *  2. the heartbeat after it with nothing changed: time (goal < 5 s at 100 000), writes (bound 0),
 *     articles read by listing and by id (the rolling verification beyond the window);
 *     then one price changed beyond the window: event → targeted run → one write, timed;
 *  3. stock propagation (bench/propagation.ts): an order placed on the BigCommerce simulator, its
 *     webhook to the engine's real endpoint, the orders run it wakes, the reservation, the stock
 *     push → the inventory write for that SKU arriving at the simulator; p50/p99 over K orders, one
 *     at a time and at a steady rate (goal p99 < 1 s).
 */
import { HttpServer } from "@effect/platform"
import { Effect, Layer } from "effect"
import { randomBytes } from "node:crypto"
import { parseArgs } from "node:util"
import { BigCommerceSimulator } from "../connectors/bigcommerce/simulator/BigCommerceSimulator.js"
import { SEARCH_WINDOW } from "../connectors/lexoffice/schemas.js"
import { LexofficeSimulator } from "../connectors/lexoffice/simulator/LexofficeSimulator.js"
import { ApiServer } from "../engine/api/ApiServer.js"
import { CatalogDirtyIds } from "../engine/catalog/CatalogDirtyIds.js"
import { applyConfig } from "../engine/config/ApplyConfig.js"
import { ConnectorClients } from "../engine/connections/ConnectorClients.js"
import { Database } from "../engine/db/Database.js"
import { DEFAULT_VERIFY_PER_RUN } from "../engine/runtime/CatalogFlow.js"
import { EngineWithJobs } from "../engine/runtime/Engine.js"
import { publishDemoTables, simulatorConfig } from "../engine/sandbox/Sandbox.js"
import { StockLedger } from "../engine/stock/StockLedger.js"
import type { FlowReport } from "../engine/sync/FlowReport.js"
import { runJob } from "../engine/sync/SyncWorker.js"
import { SecretBoxFromKey } from "../engine/tenancy/SecretBox.js"
import { WebhookEvents } from "../engine/webhooks/WebhookEvents.js"
import { WebhookRoutes } from "../engine/webhooks/WebhookRoutes.js"
import { stockPropagation } from "./propagation.js"

const { values } = parseArgs({ options: { articles: { type: "string", default: "100000" }, orders: { type: "string", default: "1000" } } })
const N = Number(values.articles)
const K = Number(values.orders)
const sku = (i: number) => `A-${String(i + 1).padStart(5, "0")}`

let peakRss = 0
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss) }, 50)
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`
const seconds = (since: number) => (performance.now() - since) / 1000
const counter = (report: FlowReport, name: string) => report.counters?.[name] ?? 0

const program = Effect.gen(function* () {
  const lexoffice = yield* LexofficeSimulator.scoped({ rateLimit: false })
  const bigcommerce = yield* Effect.acquireRelease(
    Effect.promise(() => BigCommerceSimulator.start({ rateLimit: { enabled: false }, recordExchanges: false })),
    (s) => Effect.promise(() => s.stop()),
  )
  const [tenant] = yield* applyConfig(`${process.cwd()}/vortex.bench.yaml`, simulatorConfig(lexoffice, bigcommerce, "bench", { lexofficeRateLimit: "off" }))
  const tenantId = tenant!.tenantId
  const books = tenant!.connections.get("lexoffice")!
  yield* publishDemoTables(tenantId)
  const ledger = yield* StockLedger
  yield* ledger.importCsv(tenantId, ["sku,on_hand", ...Array.from({ length: N }, (_, i) => `${sku(i)},100000`)].join("\n"), { actor: "bench" })
  // recorded runs, as a worker makes them: the heartbeat schedule of section 3 sees them
  const run = (flow: "catalog" | "stock", trigger: "manual" | "heartbeat" | "webhook") =>
    runJob({ tenantId, pipeline: "lexoffice-bigcommerce", flow, trigger })
  const writes = () => Object.values(bigcommerce.writeCounts()).reduce((a, b) => a + b, 0)
  const lexofficeCalls = () => lexoffice.requestLog.length
  const dirtyIds = yield* CatalogDirtyIds
  const announced = dirtyIds.count(tenantId, "lexoffice-bigcommerce")

  /** One timed phase: the lexoffice log and peak memory start afresh; channel writes are counted. */
  const measured = <A, E, R>(phase: Effect.Effect<A, E, R>) => Effect.gen(function* () {
    lexoffice.clearLog()
    peakRss = 0
    const writesBefore = writes()
    const start = performance.now()
    const report = yield* phase
    return { report, seconds: seconds(start), writes: writes() - writesBefore }
  })

  console.log(`sync bench: ${N} articles, ${K} reservations, simulators without rate limits, embedded database\n`)

  // 0. the engine subscribes to article events at its own webhook endpoint, as `vortex up` would
  const server = yield* HttpServer.HttpServer
  if (server.address._tag !== "TcpAddress") throw new Error("the engine must listen on TCP")
  const client = yield* (yield* ConnectorClients).lexoffice(books)
  yield* client.createEventSubscription("article.created", `http://127.0.0.1:${server.address.port}/webhooks/lexoffice/${books}`)
  peakRss = 0
  const t0 = performance.now()
  lexoffice.seedArticles(N, () => ({}), { events: true })
  while (lexoffice.webhooks.pending > 0) yield* Effect.sleep("50 millis")
  const intakeSeconds = seconds(t0)
  const delivered = lexoffice.webhookDeliveries.filter((d) => d.status === 200).length
  console.log(`0. article events         ${intakeSeconds.toFixed(1).padStart(7)} s   ${delivered} of ${N} delivered 200 (${(delivered / intakeSeconds).toFixed(0)}/s), ` +
    `${yield* announced} article ids announced; simulator RSA-SHA512 signing ${(lexoffice.webhooks.signingMs / 1000).toFixed(1)} s ` +
    `(${(lexoffice.webhooks.signingMs / Math.max(1, delivered)).toFixed(2)} ms/event)   peak RSS ${mib(peakRss)}`)

  const { report: first, seconds: firstSeconds, writes: firstWrites } = yield* measured(run("catalog", "manual"))
  const windowed = Math.min(N, SEARCH_WINDOW)
  // PRODUCT window pages + the (empty) SERVICE page; one GET per article beyond the window; one POST per product
  const lexofficeBound = Math.max(1, Math.ceil(windowed / 250)) + 1 + (N - windowed)
  console.log(`1. first catalog sync     ${firstSeconds.toFixed(1).padStart(7)} s   lexoffice calls ${lexofficeCalls()} (lower bound ${lexofficeBound}), ` +
    `BigCommerce calls ${first.apiCalls - lexofficeCalls()} (writes ${firstWrites}, lower bound ${N})   written ${first.written}, failed ${first.failed}   ` +
    `read ${counter(first, "readByListing")} by listing + ${counter(first, "readById")} by id   peak RSS ${mib(peakRss)}`)
  for (const warning of first.warnings ?? []) console.log(`   warning: ${warning}`)
  yield* run("stock", "manual")

  const { report: second, seconds: secondSeconds, writes: secondWrites } = yield* measured(run("catalog", "heartbeat"))
  const listingBound = Math.max(1, Math.ceil(windowed / 250)) + 1
  console.log(`2. no-change heartbeat    ${secondSeconds.toFixed(2).padStart(7)} s   writes ${secondWrites} (lower bound 0)   ` +
    `lexoffice calls ${lexofficeCalls()} (lower bound ${listingBound} listing pages + ${Math.min(DEFAULT_VERIFY_PER_RUN, N - windowed)} rolling reads)   ` +
    `read ${counter(second, "readByListing")} by listing + ${counter(second, "readById")} by id   peak RSS ${mib(peakRss)}   goal < 5 s`)

  // one price changed in the lexoffice app, far beyond the listing window: its event alone brings it
  const [beyond] = lexoffice.seedArticles(1, () => ({ articleNumber: sku(N), title: "Late article" }), { events: true })
  while (lexoffice.webhooks.pending > 0) yield* Effect.sleep("5 millis")
  const { report: targeted, seconds: targetedSeconds, writes: targetedWrites } = yield* measured(run("catalog", "webhook"))
  console.log(`   article event → channel ${(targetedSeconds * 1000).toFixed(0).padStart(5)} ms   lexoffice calls ${lexofficeCalls()} (GET by id of ${beyond}), ` +
    `writes ${targetedWrites}   read ${counter(targeted, "readByListing")} by listing + ${counter(targeted, "readById")} by id`)

  // 3. order webhook → inventory write at the channel, through the path `vortex up` runs
  const propagation = yield* stockPropagation({
    bigcommerce, shopConnectionId: tenant!.connections.get("shop")!, webhookSecret: "bench",
    skus: Array.from({ length: N }, (_, i) => sku(i)), orders: K, intervalsMs: [0, 50],
  })
  for (const r of propagation) {
    const label = r.intervalMs === 0 ? "one order at a time" : `an order every ${r.intervalMs} ms`
    console.log(`3. stock propagation      p50 ${r.percentile(0.5).toFixed(0)} ms   p99 ${r.percentile(0.99).toFixed(0)} ms   over ${r.orders} orders (${label}), webhook → write${r.lost > 0 ? `, ${r.lost} lost` : ""}   goal p99 < 1000 ms`)
  }
  console.log(`   peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MiB`)
})

const env = ApiServer({ port: 0, host: "127.0.0.1", logRequests: false }, WebhookRoutes).pipe(
  Layer.provideMerge(WebhookEvents.Default),
  Layer.provideMerge(EngineWithJobs({ pollingIntervalSeconds: 0.5 })),
  Layer.provideMerge(SecretBoxFromKey(randomBytes(32))),
  Layer.provideMerge(Database({ kind: "embedded" })),
)
Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(env))).then(
  () => { clearInterval(sampler); process.exit(0) },
  (e) => { clearInterval(sampler); console.error(e); process.exit(1) },
)

/**
 * npx tsx bench/sync.ts [--articles N] [--orders K] — the sync engine against both simulators
 * (rate limits off, real HTTP, embedded database), in one run:
 *  1. first catalog sync of N lexoffice articles into an empty BigCommerce store: time, API calls
 *     beside their lower bound (BigCommerce has no batch create: one POST per new product;
 *     lexoffice pages 250 articles per GET), peak memory;
 *  2. the heartbeat after it with nothing changed: time (goal < 5 s at 100 000) and writes (bound 0);
 *  3. stock propagation: a reservation in the ledger → the channel's inventory write arriving at
 *     the simulator, through the real wake-up path (signal → job queue → worker → push), p50/p99
 *     over K reservations (goal p99 < 1 s). The webhook → order intake hop before it is not timed.
 */
import { Effect, Layer } from "effect"
import { randomBytes } from "node:crypto"
import { parseArgs } from "node:util"
import { BigCommerceSimulator } from "../connectors/bigcommerce/simulator/BigCommerceSimulator.js"
import { LexofficeSimulator } from "../connectors/lexoffice/simulator/LexofficeSimulator.js"
import { applyConfig } from "../engine/config/ApplyConfig.js"
import { Database } from "../engine/db/Database.js"
import { EngineWithJobs } from "../engine/runtime/Engine.js"
import { publishDemoTables, simulatorConfig } from "../engine/sandbox/Sandbox.js"
import { StockLedger } from "../engine/stock/StockLedger.js"
import { FlowRunner } from "../engine/sync/FlowRunner.js"
import { SecretBoxFromKey } from "../engine/tenancy/SecretBox.js"
import { stockPropagation } from "./propagation.js"

const { values } = parseArgs({ options: { articles: { type: "string", default: "100000" }, orders: { type: "string", default: "1000" } } })
const N = Number(values.articles)
const K = Number(values.orders)
const sku = (i: number) => `A-${String(i + 1).padStart(5, "0")}`
const pct = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN

let peakRss = 0
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss) }, 50)

const program = Effect.gen(function* () {
  const lexoffice = yield* LexofficeSimulator.scoped({ rateLimit: false })
  const bigcommerce = yield* Effect.acquireRelease(
    Effect.promise(() => BigCommerceSimulator.start({ rateLimit: { enabled: false }, recordExchanges: false })),
    (s) => Effect.promise(() => s.stop()),
  )
  lexoffice.seedArticles(N)
  const [tenant] = yield* applyConfig(`${process.cwd()}/vortex.bench.yaml`, simulatorConfig(lexoffice, bigcommerce, "bench", { lexofficeRateLimit: "off" }))
  const tenantId = tenant!.tenantId
  yield* publishDemoTables(tenantId)
  const ledger = yield* StockLedger
  yield* ledger.importCsv(tenantId, ["sku,on_hand", ...Array.from({ length: N }, (_, i) => `${sku(i)},100000`)].join("\n"), { actor: "bench" })
  const runner = yield* FlowRunner
  const run = (flow: "catalog" | "stock", trigger: "manual" | "heartbeat") =>
    runner.run({ tenantId, pipeline: "lexoffice-bigcommerce", flow, trigger })
  const writes = () => Object.values(bigcommerce.writeCounts()).reduce((a, b) => a + b, 0)

  console.log(`sync bench: ${N} articles, ${K} reservations, simulators without rate limits, embedded database\n`)
  let t0 = performance.now()
  const first = yield* run("catalog", "manual")
  const firstSeconds = (performance.now() - t0) / 1000
  const lowerFirst = N + Math.ceil(N / 250)
  console.log(`1. first catalog sync     ${firstSeconds.toFixed(1).padStart(7)} s   API calls ${first.apiCalls} (lower bound ${lowerFirst})   written ${first.written}, failed ${first.failed}`)
  yield* run("stock", "manual")

  const writesBefore = writes()
  t0 = performance.now()
  const second = yield* run("catalog", "heartbeat")
  const secondSeconds = (performance.now() - t0) / 1000
  console.log(`2. no-change heartbeat    ${secondSeconds.toFixed(2).padStart(7)} s   writes ${writes() - writesBefore} (lower bound 0)   API calls ${second.apiCalls} (lower bound ${Math.ceil(N / 250)})   goal < 5 s`)

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

const env = EngineWithJobs({ pollingIntervalSeconds: 0.5 }).pipe(
  Layer.provideMerge(SecretBoxFromKey(randomBytes(32))),
  Layer.provideMerge(Database({ kind: "embedded" })),
)
Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(env))).then(
  () => { clearInterval(sampler); process.exit(0) },
  (e) => { clearInterval(sampler); console.error(e); process.exit(1) },
)

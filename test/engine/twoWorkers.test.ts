import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Redacted, TestServices } from "effect"
import { spawn, type ChildProcess } from "node:child_process"
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import { applyConfig } from "../../engine/config/ApplyConfig.js"
import { DatabaseInfo } from "../../engine/db/Database.js"
import { JobQueue } from "../../engine/jobs/JobQueue.js"
import { OrderRepo } from "../../engine/orders/OrderRepo.js"
import { EngineWithJobs } from "../../engine/runtime/Engine.js"
import { publishDemoTables, simulatorConfig } from "../../engine/sandbox/Sandbox.js"
import { StockLedger } from "../../engine/stock/StockLedger.js"
import { FlowRunner } from "../../engine/sync/FlowRunner.js"
import { SecretBoxFromKey } from "../../engine/tenancy/SecretBox.js"
import { WebhookEvents } from "../../engine/webhooks/WebhookEvents.js"
import { TestDatabase } from "../support/TestDatabase.js"
import { Simulators, simulatorsWith, sku } from "../support/Simulators.js"

const ORDERS = 12
const key = randomBytes(32)
const repoRoot = fileURLToPath(new URL("../../", import.meta.url))

const sims = simulatorsWith(10)

/** A real `vortex worker` process on the test's PostgreSQL database, killed with the scope. */
const worker = (databaseUrl: string) => Effect.acquireRelease(
  Effect.sync(() => spawn(process.execPath, ["bin/vortex.js", "worker"], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, VORTEX_SECRET_KEY: key.toString("base64") },
    stdio: "ignore",
  })),
  (child) => Effect.sync(() => { child.kill("SIGKILL") }),
)

// The multi-process property needs a server: the embedded database lives inside one process.
describe.runIf(process.env.DATABASE_URL !== undefined)("two vortex worker processes on one PostgreSQL server", () => {
  const Env = Layer.mergeAll(EngineWithJobs({ pollingIntervalSeconds: 60 }), sims).pipe(
    Layer.provideMerge(SecretBoxFromKey(key)),
    Layer.provideMerge(TestDatabase("postgres")),
  )
  layer(Env, { timeout: 180_000 })((it) => {
    it.scoped("each channel order yields exactly one order confirmation while workers race and one is killed", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { lexoffice, bigcommerce } = yield* Simulators
        const [tenant] = yield* applyConfig(`${repoRoot}vortex.test.yaml`, simulatorConfig(lexoffice, bigcommerce, "s", { lexofficeRateLimit: "off" }))
        const tenantId = tenant!.tenantId
        yield* publishDemoTables(tenantId)
        const ledger = yield* StockLedger
        yield* ledger.importCsv(tenantId, ["sku,on_hand", ...Array.from({ length: 10 }, (_, i) => `${sku(i)},100`)].join("\n"), { actor: "test" })
        const runner = yield* FlowRunner
        yield* runner.run({ tenantId, pipeline: "lexoffice-bigcommerce", flow: "catalog", trigger: "manual" })
        yield* runner.run({ tenantId, pipeline: "lexoffice-bigcommerce", flow: "stock", trigger: "manual" })

        const url = Redacted.value((yield* DatabaseInfo).url)
        const first: ChildProcess = yield* worker(url)
        yield* worker(url)
        const queue = yield* JobQueue
        const job = { tenantId, pipeline: "lexoffice-bigcommerce", flow: "orders", trigger: "webhook" } as const
        const placed: Array<number> = []
        const events = yield* WebhookEvents
        const shop = tenant!.connections.get("shop")!
        for (let i = 0; i < ORDERS; i++) {
          const id = bigcommerce.store.placeOrder({ lines: [{ sku: sku(i % 10), quantity: 1 + (i % 3) }], shipping_cost: "4.90" }).id
          placed.push(id)
          // every order announced twice, as a channel retrying its webhook would: stored once, woken twice (the webhook intake's steps)
          for (let delivery = 0; delivery < 2; delivery++) {
            yield* events.record({ tenantId, connectionId: shop, dedupeKey: `store/order/created:${id}`, kind: "store/order/created", payload: { scope: "store/order/created", data: { type: "order", id } } })
            yield* queue.enqueue(job)
          }
          if (i === ORDERS / 2) {
            first.kill("SIGKILL") // a worker dies mid-stream; a replacement starts
            yield* worker(url)
          }
          yield* Effect.sleep("150 millis")
        }
        const repo = yield* OrderRepo
        const finished = Effect.map(repo.countByState(tenantId), (c) => (c.created ?? 0) + (c.oversold ?? 0) + (c.failed ?? 0))
        while ((yield* finished) < ORDERS) {
          yield* queue.enqueue(job)
          yield* Effect.sleep("500 millis")
        }
        const counts = yield* repo.countByState(tenantId)
        assert.deepStrictEqual(counts, { created: ORDERS })
        const vouchers = lexoffice.vouchersOf("order-confirmations")
        assert.strictEqual(vouchers.length, ORDERS, "one order confirmation per channel order, none twice")
        for (const id of placed) {
          const carrying = vouchers.filter((v) => JSON.stringify(v.body).includes(`:${id}]`))
          assert.strictEqual(carrying.length, 1, `order ${id}`)
        }
      }).pipe(Effect.timeout("150 seconds"))))
  })
})

/**
 * "A crash freezes order intake" (issue #10, hole 1), where it broke: a real `vortex worker`
 * process takes an orders job and is killed with SIGKILL in the middle of the run. Its run must
 * be closed `abandoned` and its job handed back within seconds — not after pg-boss's expiry
 * (600 s) and maintenance (every 120 s) — so the order is booked, once.
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Redacted, TestServices } from "effect"
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import { DatabaseInfo } from "../../engine/db/Database.js"
import { JobQueue } from "../../engine/jobs/JobQueue.js"
import { WorkerRegistry } from "../../engine/jobs/WorkerRegistry.js"
import { OrderRepo } from "../../engine/orders/OrderRepo.js"
import { EngineWithJobs } from "../../engine/runtime/Engine.js"
import { startWorkers } from "../../engine/sync/SyncWorker.js"
import { SecretBoxFromKey } from "../../engine/tenancy/SecretBox.js"
import { WebhookEvents } from "../../engine/webhooks/WebhookEvents.js"
import { SHOP_PIPELINE, shopTenant } from "../support/ShopTenant.js"
import { simulatorsWith, sku } from "../support/Simulators.js"
import { TestDatabase } from "../support/TestDatabase.js"

const key = randomBytes(32)
const repoRoot = fileURLToPath(new URL("../../", import.meta.url))

const until = <E, R>(what: string, seconds: number, done: Effect.Effect<boolean, E, R>) => Effect.gen(function* () {
  while (!(yield* done)) yield* Effect.sleep("200 millis")
}).pipe(Effect.timeoutFail({ duration: `${seconds} seconds`, onTimeout: () => new Error(`not within ${seconds} s: ${what}`) }))

// Processes share a PostgreSQL server only; the embedded database belongs to one process.
describe.runIf(process.env.DATABASE_URL !== undefined)("a run whose worker is killed", () => {
  const Env = Layer.mergeAll(EngineWithJobs({ pollingIntervalSeconds: 0.5 }), simulatorsWith(4)).pipe(
    Layer.provideMerge(SecretBoxFromKey(key)),
    Layer.provideMerge(TestDatabase("postgres")),
  )
  layer(Env, { timeout: 180_000 })((it) => {
    it.scoped("is abandoned and its job taken over within seconds; the order is booked once", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { tenantId, shop, bigcommerce, lexoffice, order } = yield* shopTenant({ articles: 4, onHand: 40, webhookSecret: "crash" })
        const sql = yield* SqlClient.SqlClient
        const me = (yield* WorkerRegistry).id
        // every lexoffice answer takes 3 s: the run is still working when the kill comes
        lexoffice.faults.latencyMs = 3_000
        const databaseUrl = Redacted.value((yield* DatabaseInfo).url)
        const child = yield* Effect.acquireRelease(
          Effect.sync(() => spawn(process.execPath, ["bin/vortex.js", "worker"], {
            cwd: repoRoot,
            env: { ...process.env, DATABASE_URL: databaseUrl, VORTEX_SECRET_KEY: key.toString("base64") },
            stdio: "ignore",
          })),
          (c) => Effect.sync(() => { c.kill("SIGKILL") }),
        )

        const placed = bigcommerce.store.placeOrder({ lines: [{ sku: sku(0), quantity: 1 }] })
        yield* (yield* WebhookEvents).record({ tenantId, connectionId: shop, dedupeKey: `store/order/created:${placed.id}`, kind: "store/order/created", payload: { scope: "store/order/created", data: { type: "order", id: placed.id } } })
        yield* (yield* JobQueue).enqueue({ tenantId, pipeline: SHOP_PIPELINE, flow: "orders", trigger: "webhook" })
        const running = sql<{ id: string }>`SELECT id::text AS id FROM sync_runs WHERE flow = 'orders' AND status = 'running' AND worker_id <> ${me}`
        yield* until("the other process runs the orders job", 60, Effect.map(running, (rows) => rows.length === 1))
        const [run] = yield* running
        child.kill("SIGKILL")

        // this process's workers (and their reaper) are the only ones alive now
        yield* startWorkers
        const status = sql<{ status: string }>`SELECT status FROM sync_runs WHERE id = ${run!.id}::bigint`
        yield* until("the dead worker's run is closed abandoned", 30, Effect.map(status, (rows) => rows[0]?.status === "abandoned"))
        yield* until("its order is booked by a live worker", 60, order(placed.id).pipe(Effect.map((o) => o.state === "created"), Effect.catchAllDefect(() => Effect.succeed(false))))
        const carrying = lexoffice.vouchersOf("order-confirmations").filter((v) => JSON.stringify(v.body).includes(`:${placed.id}]`))
        assert.strictEqual(carrying.length, 1, "one order confirmation, however far the dead run got")
        const counts = yield* (yield* OrderRepo).countByState(tenantId)
        assert.deepStrictEqual(counts, { created: 1 })
      })))
  })
})

import { HttpServer } from "@effect/platform"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Redacted, TestServices } from "effect"
import { randomBytes } from "node:crypto"
import { ApiServer } from "../../engine/api/ApiServer.js"
import { applyConfig } from "../../engine/config/ApplyConfig.js"
import { JobQueue } from "../../engine/jobs/JobQueue.js"
import { EngineWithJobs } from "../../engine/runtime/Engine.js"
import { simulatorConfig } from "../../engine/sandbox/Sandbox.js"
import { SecretBoxFromKey } from "../../engine/tenancy/SecretBox.js"
import { WebhookEvents } from "../../engine/webhooks/WebhookEvents.js"
import { BIGCOMMERCE_SECRET_HEADER, WebhookRoutes } from "../../engine/webhooks/WebhookRoutes.js"
import { BigCommerceSimulator } from "../../connectors/bigcommerce/simulator/BigCommerceSimulator.js"
import { LexofficeSimulator } from "../../connectors/lexoffice/simulator/LexofficeSimulator.js"
import { SyncRuns } from "../../engine/sync/SyncRuns.js"
import { Tenants } from "../../engine/tenancy/Tenants.js"
import { apiCall, tokenFor } from "../support/ApiClient.js"
import { backends, TestDatabase } from "../support/TestDatabase.js"

const SECRET = "hook-secret-for-tests"
const call = apiCall("text/plain")

describe.each(backends)("engine HTTP (webhook intake, status) on %s", (backend) => {
  const Env = ApiServer({ port: 0, host: "127.0.0.1", logRequests: false }, WebhookRoutes).pipe(
    Layer.provideMerge(WebhookEvents.Default),
    Layer.provideMerge(EngineWithJobs({ pollingIntervalSeconds: 60 })),
    Layer.provideMerge(SecretBoxFromKey(randomBytes(32))),
    Layer.provideMerge(TestDatabase(backend)),
  )
  layer(Env, { timeout: 120_000 })((it) => {
    const post = (path: string, body: string, headers: Record<string, string>) => Effect.gen(function* () {
      const server = yield* HttpServer.HttpServer
      if (server.address._tag !== "TcpAddress") throw new Error("expected TCP")
      const url = `http://127.0.0.1:${server.address.port}${path}`
      return yield* Effect.promise(() => fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } })
        .then(async (r) => ({ status: r.status, body: await r.json() as { status: number; message: string } })))
    })

    const setup = Effect.gen(function* () {
      const lexoffice = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const bigcommerce = yield* Effect.acquireRelease(Effect.promise(() => BigCommerceSimulator.start()), (s) => Effect.promise(() => s.stop()))
      const [tenant] = yield* applyConfig(`${process.cwd()}/vortex.test.yaml`, simulatorConfig(lexoffice, bigcommerce, SECRET))
      return { shop: tenant!.connections.get("shop")!, books: tenant!.connections.get("lexoffice")! }
    })

    const orderEvent = (id: number) => JSON.stringify({
      scope: "store/order/created", store_id: "1025646", data: { type: "order", id }, hash: `h${id}`, created_at: 1767000000, producer: "stores/simstore1",
    })

    it.scoped("a verified BigCommerce order webhook is stored once and wakes the orders flow; a repeat is a no-op", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { shop } = yield* setup
        const events = yield* WebhookEvents
        const queue = yield* JobQueue
        const storedBefore = yield* events.count(shop)
        const pendingBefore = yield* queue.pending("orders")
        const first = yield* post(`/webhooks/bigcommerce/${shop}`, orderEvent(100), { [BIGCOMMERCE_SECRET_HEADER]: SECRET })
        assert.deepStrictEqual(first, { status: 200, body: { status: 200, message: "accepted" } })
        const again = yield* post(`/webhooks/bigcommerce/${shop}`, orderEvent(100), { [BIGCOMMERCE_SECRET_HEADER]: SECRET })
        assert.strictEqual(again.body.message, "duplicate ignored")
        assert.strictEqual((yield* events.count(shop)) - storedBefore, 1)
        assert.strictEqual((yield* queue.pending("orders")) - pendingBefore, 1)
      })))

    it.scoped("bad or unverifiable requests get a 4xx and nothing is stored", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { shop, books } = yield* setup
        const events = yield* WebhookEvents
        const [shopBefore, booksBefore] = [yield* events.count(shop), yield* events.count(books)]
        assert.strictEqual((yield* post(`/webhooks/bigcommerce/${shop}`, orderEvent(7), { [BIGCOMMERCE_SECRET_HEADER]: "wrong" })).status, 401)
        assert.strictEqual((yield* post(`/webhooks/bigcommerce/${shop}`, orderEvent(7), {})).status, 401)
        assert.strictEqual((yield* post(`/webhooks/bigcommerce/${shop}`, "{not json", { [BIGCOMMERCE_SECRET_HEADER]: SECRET })).status, 400)
        assert.strictEqual((yield* post(`/webhooks/bigcommerce/00000000-0000-4000-8000-000000000000`, orderEvent(7), { [BIGCOMMERCE_SECRET_HEADER]: SECRET })).status, 404)
        assert.strictEqual(yield* events.count(shop), shopBefore)
        const lexofficeEvent = JSON.stringify({ organizationId: "o", eventType: "article.changed", resourceId: "r", eventDate: "2026-11-22T10:00:00.000+01:00" })
        assert.strictEqual((yield* post(`/webhooks/lexoffice/${books}`, lexofficeEvent, { "x-lxo-signature": "Zm9yZ2Vk" })).status, 401)
        assert.strictEqual(yield* events.count(books), booksBefore)
      })))

    it.scoped("the status API shows the tenant's recorded runs and order states, and only to its token", () =>
      TestServices.provideLive(Effect.gen(function* () {
        yield* setup
        const tenants = yield* Tenants
        const demo = yield* tenants.bySlug("demo")
        const runs = yield* SyncRuns
        const id = yield* runs.start({ tenantId: demo.id, pipeline: "lexoffice-bigcommerce", flow: "stock", trigger: "manual" })
        yield* runs.finish(id, { report: { read: 3, written: 2, skipped: 1, failed: 0, apiCalls: 1, errors: [] } })
        const token = Redacted.value(yield* tenants.issueToken(demo.id, "status-test"))
        const status = yield* call(token, "GET", "/status?runs=5")
        assert.strictEqual(status.status, 200)
        assert.deepInclude(status.body.runs[0], { id, flow: "stock", status: "succeeded", written: 2, apiCalls: 1 })
        // each flow's health: its last success, and whether it has gone twice its heartbeat without one
        assert.deepInclude(status.body.flows.find((f: { flow: string }) => f.flow === "stock"), { pipeline: "lexoffice-bigcommerce", stale: false })
        assert.strictEqual((yield* call(undefined, "GET", "/status")).status, 401)
        const other = yield* tokenFor("someone-else")
        assert.deepStrictEqual((yield* call(other, "GET", "/status")).body, { runs: [], flows: [], orders: {}, oversold: [] })
      })))
  })
})

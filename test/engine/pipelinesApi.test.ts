import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Redacted, TestServices } from "effect"
import { randomBytes } from "node:crypto"
import { BigCommerceSimulator } from "../../connectors/bigcommerce/simulator/BigCommerceSimulator.js"
import { LexofficeSimulator } from "../../connectors/lexoffice/simulator/LexofficeSimulator.js"
import { ApiServer } from "../../engine/api/ApiServer.js"
import { applyConfig } from "../../engine/config/ApplyConfig.js"
import { JobQueue } from "../../engine/jobs/JobQueue.js"
import { EngineWithJobs } from "../../engine/runtime/Engine.js"
import { publishDemoTables, simulatorConfig } from "../../engine/sandbox/Sandbox.js"
import { startWorkers } from "../../engine/sync/SyncWorker.js"
import { SecretBoxFromKey } from "../../engine/tenancy/SecretBox.js"
import { Tenants } from "../../engine/tenancy/Tenants.js"
import { apiCall, tokenFor } from "../support/ApiClient.js"
import { backends, TestDatabase } from "../support/TestDatabase.js"

const call = apiCall("text/plain")
const PIPELINE = "lexoffice-bigcommerce"

describe.each(backends)("pipelines API (list, run now, failed jobs) on %s", (backend) => {
  const Env = ApiServer({ port: 0, host: "127.0.0.1", logRequests: false }).pipe(
    Layer.provideMerge(EngineWithJobs({ pollingIntervalSeconds: 0.5, retryLimit: 0 })),
    Layer.provideMerge(SecretBoxFromKey(randomBytes(32))),
    Layer.provideMerge(TestDatabase(backend)),
  )
  layer(Env, { timeout: 120_000 })((it) => {
    const setup = Effect.gen(function* () {
      const lexoffice = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const bigcommerce = yield* Effect.acquireRelease(Effect.promise(() => BigCommerceSimulator.start()), (s) => Effect.promise(() => s.stop()))
      lexoffice.seedArticles(12)
      const [tenant] = yield* applyConfig(`${process.cwd()}/vortex.test.yaml`, simulatorConfig(lexoffice, bigcommerce, "secret"))
      yield* publishDemoTables(tenant!.tenantId)
      const token = Redacted.value(yield* (yield* Tenants).issueToken(tenant!.tenantId, "pipelines-test"))
      return { tenantId: tenant!.tenantId, token, bigcommerce }
    })

    it.scoped("lists the tenant's pipelines, runs a flow on demand through the queue, and shows its outcome in /status", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { token, bigcommerce } = yield* setup
        const list = yield* call(token, "GET", "/pipelines")
        assert.strictEqual(list.status, 200)
        const pipeline = list.body.find((p: { name: string }) => p.name === PIPELINE)
        assert.deepInclude(pipeline.flows, { flow: "catalog", runnable: true })
        assert.deepInclude(pipeline.flows, { flow: "tracking", runnable: false })

        yield* startWorkers
        const run = yield* call(token, "POST", `/pipelines/${PIPELINE}/runs`, { flow: "catalog" })
        assert.strictEqual(run.status, 202)
        assert.strictEqual(run.body.queued.length, 1)
        assert.strictEqual(run.body.queued[0].flow, "catalog")

        // the queued run is picked up by the worker and recorded like any other
        let runs: Array<{ flow: string; trigger: string; status: string; written: number }> = []
        for (let i = 0; i < 200; i++) {
          runs = (yield* call(token, "GET", "/status")).body.runs
          if (runs.some((r) => r.flow === "catalog" && r.status !== "running")) break
          yield* Effect.sleep("100 millis")
        }
        const catalog = runs.find((r) => r.flow === "catalog")
        assert.deepInclude(catalog, { trigger: "manual", status: "succeeded", written: 12 })
        assert.strictEqual(bigcommerce.writeCounts()["POST /v3/catalog/products"], 12)
      })))

    it.scoped("says why a run cannot be queued: unknown pipeline (404, also another tenant's), flow absent or without driver (422), no token (401)", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { token } = yield* setup
        assert.strictEqual((yield* call(token, "POST", "/pipelines/nope/runs", {})).status, 404)
        const absent = yield* call(token, "POST", `/pipelines/${PIPELINE}/runs`, { flow: "invoices" })
        assert.strictEqual(absent.status, 422)
        assert.match(absent.body.message, /has no invoices flow/)
        const noDriver = yield* call(token, "POST", `/pipelines/${PIPELINE}/runs`, { flow: "tracking" })
        assert.strictEqual(noDriver.status, 422)
        assert.match(noDriver.body.message, /no driver/)
        assert.strictEqual((yield* call(token, "POST", `/pipelines/${PIPELINE}/runs`, { flow: "bogus" })).status, 400)
        assert.strictEqual((yield* call(undefined, "POST", `/pipelines/${PIPELINE}/runs`, {})).status, 401)
        const stranger = yield* tokenFor("stranger")
        assert.strictEqual((yield* call(stranger, "POST", `/pipelines/${PIPELINE}/runs`, {})).status, 404)
        assert.deepStrictEqual((yield* call(stranger, "GET", "/pipelines")).body, [])
      })))

    it.scoped("a job that fails for good is listed with its error, to its own tenant only", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { tenantId, token } = yield* setup
        yield* startWorkers
        // a job no driver can run (as an older process might have queued): it fails, retryLimit 0
        yield* (yield* JobQueue).enqueue({ tenantId, pipeline: PIPELINE, flow: "tracking", trigger: "manual" })
        let failed: Array<{ flow: string; pipeline: string; error: string }> = []
        for (let i = 0; i < 200 && failed.length === 0; i++) {
          yield* Effect.sleep("100 millis")
          failed = (yield* call(token, "GET", "/jobs/failed")).body
        }
        assert.strictEqual(failed.length, 1)
        assert.deepInclude(failed[0], { flow: "tracking", pipeline: PIPELINE })
        assert.match(failed[0]!.error, /no driver/)
        const stranger = yield* tokenFor("stranger-2")
        assert.deepStrictEqual((yield* call(stranger, "GET", "/jobs/failed")).body, [])
      })))
  })
})

import { HttpServer } from "@effect/platform"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, TestServices } from "effect"
import { randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { BigCommerceSimulator } from "../../connectors/bigcommerce/simulator/BigCommerceSimulator.js"
import { LexofficeSimulator } from "../../connectors/lexoffice/simulator/LexofficeSimulator.js"
import { ApiServer } from "../../engine/api/ApiServer.js"
import { CatalogDirtyIds } from "../../engine/catalog/CatalogDirtyIds.js"
import { CatalogLinks } from "../../engine/catalog/CatalogLinks.js"
import { CatalogSourceIndex } from "../../engine/catalog/CatalogSourceIndex.js"
import { applyConfig } from "../../engine/config/ApplyConfig.js"
import { ConnectorClients } from "../../engine/connections/ConnectorClients.js"
import type { FlowJob } from "../../engine/jobs/FlowJob.js"
import { EngineWithJobs } from "../../engine/runtime/Engine.js"
import { publishDemoTables, simulatorConfig } from "../../engine/sandbox/Sandbox.js"
import { StockLedger } from "../../engine/stock/StockLedger.js"
import { FlowRunner } from "../../engine/sync/FlowRunner.js"
import { SecretBoxFromKey } from "../../engine/tenancy/SecretBox.js"
import { WebhookEvents } from "../../engine/webhooks/WebhookEvents.js"
import { WebhookRoutes } from "../../engine/webhooks/WebhookRoutes.js"
import { backends, TestDatabase } from "../support/TestDatabase.js"

const PIPELINE = "lexoffice-bigcommerce"

/** A config directory holding the committed pipeline with its catalog `unmatched` line replaced. */
const pipelineVariant = (catalogOptions: string) => {
  const dir = mkdtempSync(join(tmpdir(), "vortex-catalog-source-"))
  mkdirSync(join(dir, "pipelines"))
  writeFileSync(join(dir, "pipelines", "lexoffice-bigcommerce.yaml"),
    readFileSync("pipelines/lexoffice-bigcommerce.yaml", "utf8").replace("    unmatched: disable\n", catalogOptions))
  return dir
}
// one article beyond the listing window re-verified per full run, so a test sees that the
// articles a run did not read are left alone
const verifyingOne = pipelineVariant("    unmatched: disable\n    verifyPerRun: 1\n")
const deleting = pipelineVariant("    unmatched: delete\n")

const productWrites = (sim: BigCommerceSimulator) =>
  Object.entries(sim.writeCounts()).filter(([k]) => k.includes("/catalog/products")).reduce((n, [, v]) => n + v, 0)

describe.each(backends)("catalog source beyond lexoffice's listing window, on %s", (backend) => {
  const Env = ApiServer({ port: 0, host: "127.0.0.1", logRequests: false }, WebhookRoutes).pipe(
    Layer.provideMerge(WebhookEvents.Default),
    Layer.provideMerge(EngineWithJobs({ pollingIntervalSeconds: 60 })),
    Layer.provideMerge(SecretBoxFromKey(randomBytes(32))),
    Layer.provideMerge(TestDatabase(backend)),
  )
  layer(Env, { timeout: 180_000 })((it) => {
    let tenants = 0

    /** A tenant of its own wired to fresh simulators, subscribed to article events at the engine's webhook endpoint. */
    const setupWith = (configDir: string) => Effect.gen(function* () {
      const lexoffice = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const bigcommerce = yield* Effect.acquireRelease(
        Effect.promise(() => BigCommerceSimulator.start({ rateLimit: { enabled: false } })),
        (sim) => Effect.promise(() => sim.stop()),
      )
      const base = simulatorConfig(lexoffice, bigcommerce, "secret", { lexofficeRateLimit: "off" })
      const slug = `catalog-${++tenants}`
      const [tenant] = yield* applyConfig(join(configDir, "vortex.yaml"), { ...base, tenants: [{ ...base.tenants[0]!, slug }] })
      const tenantId = tenant!.tenantId
      yield* publishDemoTables(tenantId)
      const books = tenant!.connections.get("lexoffice")!
      const server = yield* HttpServer.HttpServer
      if (server.address._tag !== "TcpAddress") throw new Error("expected TCP")
      const client = yield* (yield* ConnectorClients).lexoffice(books)
      for (const eventType of ["article.created", "article.changed", "article.deleted"]) {
        yield* client.createEventSubscription(eventType, `http://127.0.0.1:${server.address.port}/webhooks/lexoffice/${books}`)
      }
      const runner = yield* FlowRunner
      const run = (trigger: FlowJob["trigger"]) => runner.run({ tenantId, pipeline: PIPELINE, flow: "catalog", trigger })
      /** Resolves once lexoffice's callback for this event was answered 200 by the engine. */
      const delivered = (eventType: string, resourceId: string) => Effect.gen(function* () {
        for (let i = 0; i < 1000; i++) {
          if (lexoffice.webhookDeliveries.some((d) => d.eventType === eventType && d.resourceId === resourceId && d.status === 200)) return
          yield* Effect.sleep("10 millis")
        }
        assert.fail(`${eventType} for ${resourceId} was not delivered`)
      })
      const lexofficeCall = (method: string, path: string, body?: unknown) => Effect.promise(() =>
        fetch(`${lexoffice.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${lexoffice.token}`, "content-type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }).then(async (r) => (r.status === 204 ? undefined : await r.json()) as Record<string, unknown>))
      /** Lexoffice calls since the log was cleared, as "GET /v1/articles/{id}" etc. */
      const lexofficeCalls = () => lexoffice.requestLog.map((r) => r.route ?? r.url)
      const product = (sku: string) => [...bigcommerce.store.products.values()].find((p) => p.sku === sku)
      return { tenantId, lexoffice, bigcommerce, run, delivered, lexofficeCall, lexofficeCalls, product }
    })
    const setup = setupWith(verifyingOne)

    it.scoped("a listing cut off by lexoffice's window warns how many articles lie beyond it and judges none of them gone; each heartbeat re-reads the least recently verified", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { lexoffice, bigcommerce, run, delivered, lexofficeCalls, product } = yield* setup
        // 10 000 archived articles fill the PRODUCT window (the pipeline lists none of them) ...
        lexoffice.seedArticles(10_000, (i) => ({ archived: true, articleNumber: `OLD-${i}`, title: `Old ${i}` }))
        // ... so these three, created after them, can only reach Vortex by their events
        const late = lexoffice.seedArticles(3, (i) => ({ articleNumber: `LATE-${i}`, title: `Late ${i}` }), { events: true })
        for (const id of late) yield* delivered("article.created", id)

        lexoffice.clearLog()
        const announced = yield* run("webhook")
        assert.deepStrictEqual([announced.written, announced.failed], [3, 0], JSON.stringify(announced.errors))
        assert.sameMembers(lexofficeCalls(), ["GET /v1/articles/{id}", "GET /v1/articles/{id}", "GET /v1/articles/{id}"], "read by id, never listed")
        for (let i = 0; i < 3; i++) assert.strictEqual(product(`LATE-${i}`)?.is_visible, true)

        const writesBefore = productWrites(bigcommerce)
        const reread: Array<string> = []
        for (let beat = 0; beat < 4; beat++) {
          lexoffice.clearLog()
          const heartbeat = yield* run("heartbeat")
          assert.strictEqual(heartbeat.written, 0)
          assert.lengthOf(heartbeat.warnings ?? [], 1)
          assert.include(heartbeat.warnings![0]!, "3 of 10003 PRODUCT articles are beyond the listing window")
          assert.deepInclude(heartbeat.counters, { readByListing: 10_000, readById: 1, verifiedRolling: 1, beyondWindow: 3 })
          const byId = lexoffice.requestLog.filter((r) => r.route === "GET /v1/articles/{id}").map((r) => r.url.split("/").pop()!)
          assert.lengthOf(byId, 1)
          reread.push(byId[0]!)
        }
        // two of the three were not read by any heartbeat listing, and still none was taken off sale
        assert.strictEqual(productWrites(bigcommerce), writesBefore, "no disable, no write")
        for (let i = 0; i < 3; i++) assert.strictEqual(product(`LATE-${i}`)?.is_visible, true)
        assert.sameMembers(reread.slice(0, 3), late, "each heartbeat takes the least recently verified")
        assert.strictEqual(reread[3], reread[0], "then the round starts again")
      })))

    it.scoped("a stocked SKU whose article lies beyond the window and was never announced is found by article number", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { tenantId, lexoffice, run, product } = yield* setup
        lexoffice.seedArticles(10_000, (i) => ({ archived: true, articleNumber: `OLD-${i}`, title: `Old ${i}` }))
        // its article.created event was lost: no event, no listing can show it (OLD-0 is stocked
        // too, but the listing shows its article: no probe for it)
        const [lost] = lexoffice.seedArticles(1, () => ({ articleNumber: "LOST-1", title: "Lost" }))
        yield* (yield* StockLedger).importCsv(tenantId, "sku,on_hand\nLOST-1,5\nNOWHERE-9,1\nOLD-0,3", { actor: "test" })
        lexoffice.clearLog()
        const heartbeat = yield* run("heartbeat")
        assert.deepStrictEqual([heartbeat.written, heartbeat.failed], [1, 0], JSON.stringify(heartbeat.errors))
        assert.deepInclude(heartbeat.counters, { probedByArticleNumber: 2 })
        assert.sameMembers(lexoffice.requestLog.filter((r) => r.url.includes("articleNumber=")).map((r) => new URL(r.url, "http://x").searchParams.get("articleNumber")), ["LOST-1", "NOWHERE-9"])
        assert.strictEqual(product("LOST-1")?.is_visible, true)
        const index = yield* (yield* CatalogSourceIndex).all(tenantId, PIPELINE)
        assert.isTrue(index.has(lost!), "indexed, so the rolling verification keeps it current")
        // linked now: the next run probes only the SKU lexoffice does not have
        lexoffice.clearLog()
        const next = yield* run("heartbeat")
        assert.deepInclude(next.counters, { probedByArticleNumber: 1 })
      })))

    it.scoped("article.changed events wake a run that reads exactly those articles by id and writes exactly those products; a heartbeat after it writes nothing", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { tenantId, lexoffice, bigcommerce, run, delivered, lexofficeCall, lexofficeCalls, product } = yield* setup
        const ids = lexoffice.seedArticles(5)
        yield* run("manual")
        const article = (id: string) => lexofficeCall("GET", `/v1/articles/${id}`)
        // two articles edited before any run: their wake-ups coalesce, their ids do not
        for (const id of [ids[1]!, ids[3]!]) {
          const current = yield* article(id)
          yield* lexofficeCall("PUT", `/v1/articles/${id}`, { ...current, price: { leadingPrice: "NET", netPrice: 100, taxRate: 19 } })
          yield* delivered("article.changed", id)
        }
        lexoffice.clearLog()
        const writesBefore = productWrites(bigcommerce)
        const targeted = yield* run("webhook")
        assert.deepStrictEqual([targeted.read, targeted.written, targeted.failed], [2, 2, 0], JSON.stringify(targeted.errors))
        assert.deepStrictEqual(lexofficeCalls(), ["GET /v1/articles/{id}", "GET /v1/articles/{id}"])
        assert.sameMembers(lexoffice.requestLog.map((r) => r.url.split("/").pop()!), [ids[1]!, ids[3]!])
        assert.strictEqual(productWrites(bigcommerce) - writesBefore, 1, "one batch update of both products")
        assert.strictEqual(product("A-00002")?.price, 1_190_000n, "100.00 net + 19 % = 119.00, in the store's 4 decimal places")
        assert.strictEqual(yield* (yield* CatalogDirtyIds).count(tenantId, PIPELINE), 0, "settled ids are forgotten")

        const heartbeat = yield* run("heartbeat")
        assert.strictEqual(heartbeat.written, 0)
        assert.strictEqual(productWrites(bigcommerce) - writesBefore, 1, "no write call when nothing changed")
      })))

    it.scoped("an article.deleted event takes that listing off sale (unmatched: disable) and drops the article from the source index", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { tenantId, lexoffice, bigcommerce, run, delivered, lexofficeCall, lexofficeCalls, product } = yield* setup
        const ids = lexoffice.seedArticles(4)
        yield* run("manual")
        yield* lexofficeCall("DELETE", `/v1/articles/${ids[2]}`)
        yield* delivered("article.deleted", ids[2]!)
        lexoffice.clearLog()
        const writesBefore = productWrites(bigcommerce)
        const targeted = yield* run("webhook")
        assert.deepStrictEqual([targeted.written, targeted.failed], [1, 0], JSON.stringify(targeted.errors))
        assert.deepStrictEqual(lexofficeCalls(), ["GET /v1/articles/{id}"], "lexoffice confirms the deletion: 404")
        assert.strictEqual(productWrites(bigcommerce) - writesBefore, 1)
        assert.strictEqual(product("A-00003")?.is_visible, false)
        assert.strictEqual(product("A-00002")?.is_visible, true)
        const index = yield* (yield* CatalogSourceIndex).all(tenantId, PIPELINE)
        assert.sameMembers([...index.keys()], [ids[0]!, ids[1]!, ids[3]!])
      })))

    it.scoped("an announced article whose write failed stays announced, and the next run writes it", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { tenantId, lexoffice, bigcommerce, run, delivered, lexofficeCall, product } = yield* setup
        const ids = lexoffice.seedArticles(2)
        yield* run("manual")
        const current = yield* lexofficeCall("GET", `/v1/articles/${ids[0]}`)
        yield* lexofficeCall("PUT", `/v1/articles/${ids[0]}`, { ...current, title: "Renamed" })
        yield* delivered("article.changed", ids[0]!)
        // the batch update and its one-by-one retry are both refused
        bigcommerce.faults.failNext = { count: 2, status: 400 }
        const failed = yield* run("webhook")
        assert.deepStrictEqual([failed.written, failed.failed], [0, 1])
        assert.strictEqual(yield* (yield* CatalogDirtyIds).count(tenantId, PIPELINE), 1, "still announced")
        const retried = yield* run("webhook")
        assert.deepStrictEqual([retried.written, retried.failed], [1, 0], JSON.stringify(retried.errors))
        assert.strictEqual(product("A-00001")?.name, "Renamed")
        assert.strictEqual(yield* (yield* CatalogDirtyIds).count(tenantId, PIPELINE), 0)
      })))

    it.scoped("with unmatched: delete, a deleted article's product is deleted from the store; listings carry description and tax class", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { tenantId, lexoffice, bigcommerce, run, delivered, lexofficeCall, product } = yield* setupWith(deleting)
        const ids = lexoffice.seedArticles(3, (i) => ({
          description: `Beschreibung ${i}`,
          price: { leadingPrice: "NET", netPrice: 10, taxRate: i === 1 ? 7 : 19 },
        }))
        yield* run("manual")
        assert.deepInclude(product("A-00001"), { description: "Beschreibung 0", tax_class_id: 1 })
        assert.deepInclude(product("A-00002"), { description: "Beschreibung 1", tax_class_id: 2 })

        yield* lexofficeCall("DELETE", `/v1/articles/${ids[1]}`)
        yield* delivered("article.deleted", ids[1]!)
        const targeted = yield* run("webhook")
        assert.deepStrictEqual([targeted.written, targeted.failed], [1, 0], JSON.stringify(targeted.errors))
        assert.strictEqual(product("A-00002"), undefined, "deleted from the store")
        assert.deepStrictEqual(bigcommerce.writeCounts()["DELETE /v3/catalog/products"], 1)
        assert.isDefined(product("A-00001"))
        const links = yield* (yield* CatalogLinks).all(tenantId, PIPELINE)
        assert.sameMembers([...links.keys()], [ids[0]!, ids[2]!], "no link left to the deleted product")
      })))
  })
})

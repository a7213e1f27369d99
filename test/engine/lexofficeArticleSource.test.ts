import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import type { LexofficeApi } from "../../connectors/lexoffice/LexofficeClient.js"
import { LexofficeSimulator } from "../../connectors/lexoffice/simulator/LexofficeSimulator.js"
import { listArticlesByPartition, type PartitionListing, readArticle } from "../../engine/catalog/LexofficeArticleSource.js"
import { clientFor, Live, unlimited } from "../connectors/lexoffice/fixtures.js"

const listAll = (client: LexofficeApi) => Effect.gen(function* () {
  const partitions: Array<PartitionListing> = []
  const ids = yield* listArticlesByPartition(client, (p) => partitions.push(p)).pipe(
    Stream.map((a) => a.id), Stream.runCollect, Effect.map((c) => [...c]))
  return { ids, partitions }
})

describe("lexoffice articles by partition, against the simulator", () => {
  it.scopedLive("each type is listed within the 10 000-result window, and each says how far it reached", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      sim.seedArticles(10_100)
      sim.seedArticles(30, (i) => ({ type: "SERVICE", articleNumber: `S-${i}` }))
      const { ids, partitions } = yield* listAll(yield* clientFor(sim, unlimited))
      assert.strictEqual(ids.length, 10_030)
      assert.deepStrictEqual(partitions, [
        { type: "PRODUCT", totalElements: 10_100, listed: 10_000, pages: 40, complete: false },
        { type: "SERVICE", totalElements: 30, listed: 30, pages: 1, complete: true },
      ])
      assert.isTrue(sim.requestLog.every((r) => r.status === 200), "never asked past the window")
      assert.isTrue(sim.requestLog.every((r) => /type=(PRODUCT|SERVICE)/.test(r.url) && r.url.includes("size=250")))
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a listing whose count moves while it is paged is not complete (its pages may have shifted)", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      sim.seedArticles(600)
      const client = yield* clientFor(sim, unlimited)
      // someone creates an article in the lexoffice app while Vortex reads the second page
      const busy: LexofficeApi = {
        ...client,
        listArticles: (filter, page) => Effect.suspend(() => {
          if (page?.page === 1 && filter?.type === "PRODUCT") sim.seedArticles(1, () => ({ articleNumber: "NEW-1" }))
          return client.listArticles(filter, page)
        }),
      }
      const { partitions } = yield* listAll(busy)
      assert.deepInclude(partitions[0], { type: "PRODUCT", totalElements: 601, complete: false })
      const steady = yield* listAll(client)
      assert.deepInclude(steady.partitions[0], { type: "PRODUCT", totalElements: 601, listed: 601, complete: true })
    }).pipe(Effect.provide(Live)))

  it.scopedLive("an article read by id is None once lexoffice answers 404", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const [id] = sim.seedArticles(1)
      const client = yield* clientFor(sim, unlimited)
      assert.strictEqual((yield* readArticle(client, id!))._tag, "Some")
      yield* Effect.promise(() => fetch(`${sim.url}/v1/articles/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${sim.token}` } }))
      assert.strictEqual((yield* readArticle(client, id!))._tag, "None")
    }).pipe(Effect.provide(Live)))
})

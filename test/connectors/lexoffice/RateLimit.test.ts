import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { LexofficeSimulator } from "../../../connectors/lexoffice/simulator/LexofficeSimulator.js"
import { clientFor, Live, maxInWindow } from "./fixtures.js"

// Real time is unavoidable here: the point is what the simulator's clock sees. Kept to ~5 s each.
describe("lexoffice rate limit (2 req/s per key)", () => {
  it.scopedLive("two clients of one key, driven as fast as possible, never draw a 429", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: true })
      const [id] = sim.seedArticles(1)
      const first = yield* clientFor(sim)
      const second = yield* clientFor(sim) // same key → same bucket (RateLimiters is per credential)
      yield* Effect.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? first : second).getArticle(id!)),
        { concurrency: "unbounded" },
      )
      const statuses = sim.requestLog.map((r) => r.status)
      assert.strictEqual(statuses.length, 10)
      assert.isTrue(statuses.every((s) => s === 200), `statuses: ${statuses.join(",")}`)
      assert.isAtMost(maxInWindow(sim.requestLog.map((r) => r.at), 1000), 2)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a 429 storm: the client backs off, keeps the pace, and eventually succeeds", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: true })
      const [id] = sim.seedArticles(1)
      const client = yield* clientFor(sim)
      sim.faults.rateLimitStorm = 4 // someone else is spending this key
      const results = yield* Effect.all([client.getArticle(id!), client.getArticle(id!)], { concurrency: "unbounded" })
      assert.strictEqual(results.length, 2)
      const statuses = sim.requestLog.map((r) => r.status)
      assert.strictEqual(statuses.filter((s) => s === 429).length, 4)
      assert.strictEqual(statuses.filter((s) => s === 200).length, 2)
      assert.isAtMost(maxInWindow(sim.requestLog.map((r) => r.at), 1000), 2)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("without client pacing the simulator's bucket does refuse (the limit is real)", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: true })
      const [id] = sim.seedArticles(1)
      const client = yield* clientFor(sim, { rateLimit: { _tag: "Unlimited" }, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } })
      const outcomes = yield* Effect.all(Array.from({ length: 6 }, () => Effect.either(client.getArticle(id!))), { concurrency: "unbounded" })
      assert.isAtLeast(outcomes.filter((o) => o._tag === "Left").length, 1)
      assert.isTrue(sim.requestLog.some((r) => r.status === 429))
    }).pipe(Effect.provide(Live)))
})

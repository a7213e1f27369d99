import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, TestClock } from "effect"
import { BigCommerceRateLimitHeaders, makeHeaderDriven, makeSlidingWindow, makeTokenBucket } from "../../../connectors/http/index.js"

describe("token bucket", () => {
  it.effect("releases waiting callers one per 1/rate seconds once the burst is spent", () =>
    Effect.gen(function* () {
      const bucket = yield* makeTokenBucket(2, 1)
      const times: Array<number> = []
      const fiber = yield* Effect.fork(Effect.forEach(
        Array.from({ length: 5 }),
        () => bucket.acquire.pipe(Effect.zipRight(Clock.currentTimeMillis), Effect.map((t) => times.push(t))),
        { concurrency: "unbounded" },
      ))
      yield* TestClock.adjust(5_000)
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(times, [0, 500, 1000, 1500, 2000])
    }))

  it.effect("a 429 empties the bucket so the next request waits a full interval", () =>
    Effect.gen(function* () {
      const bucket = yield* makeTokenBucket(2, 2)
      yield* TestClock.adjust(10_000)
      yield* bucket.observe(429, {})
      const fiber = yield* Effect.fork(bucket.acquire.pipe(Effect.zipRight(Clock.currentTimeMillis)))
      yield* TestClock.adjust(1_000)
      assert.strictEqual(yield* Fiber.join(fiber), 10_500)
    }))
})

describe("sliding window (measured from send to answer)", () => {
  it.effect("the third request waits until a full window after the first one was answered", () =>
    Effect.gen(function* () {
      const window = yield* makeSlidingWindow(2, 1000, 0)
      const sent: Array<number> = []
      // Each request takes 100 ms from send to answer.
      const request = window.acquire.pipe(
        Effect.tap(() => Clock.currentTimeMillis.pipe(Effect.map((t) => sent.push(t)))),
        Effect.flatMap((finished) => Effect.sleep(100).pipe(Effect.zipRight(finished))),
      )
      const fiber = yield* Effect.fork(Effect.all(Array.from({ length: 5 }, () => request), { concurrency: "unbounded" }))
      yield* TestClock.adjust(10_000)
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(sent, [0, 0, 1100, 1100, 2200])
    }))

  it.effect("a request still in flight holds its slot: nothing overtakes it", () =>
    Effect.gen(function* () {
      const window = yield* makeSlidingWindow(1, 1000, 0)
      const finished = yield* window.acquire
      const next = yield* Effect.fork(window.acquire.pipe(Effect.zipRight(Clock.currentTimeMillis)))
      yield* TestClock.adjust(5_000)
      assert.isNull(next.unsafePoll())
      yield* finished
      yield* TestClock.adjust(1_000)
      assert.strictEqual(yield* Fiber.join(next), 6_000)
    }))
})

describe("header-driven limiter", () => {
  it.effect("waits for the reported reset once only the reserve is left", () =>
    Effect.gen(function* () {
      const limiter = yield* makeHeaderDriven(BigCommerceRateLimitHeaders, 1)
      yield* limiter.acquire
      yield* limiter.observe(200, {
        "x-rate-limit-requests-left": "2",
        "x-rate-limit-time-reset-ms": "3000",
        "x-rate-limit-requests-quota": "150",
        "x-rate-limit-time-window-ms": "30000",
      })
      yield* limiter.acquire // spends one: 1 left == reserve
      const fiber = yield* Effect.fork(limiter.acquire.pipe(Effect.zipRight(Clock.currentTimeMillis)))
      yield* TestClock.adjust(2_999)
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust(1)
      assert.strictEqual(yield* Fiber.join(fiber), 3000)
    }))

  it.effect("a 429 with a reset header stops all requests until the reset", () =>
    Effect.gen(function* () {
      const limiter = yield* makeHeaderDriven(BigCommerceRateLimitHeaders, 0)
      yield* limiter.observe(429, { "x-rate-limit-time-reset-ms": "1200" })
      const fiber = yield* Effect.fork(limiter.acquire.pipe(Effect.zipRight(Clock.currentTimeMillis)))
      yield* TestClock.adjust(2_000)
      assert.strictEqual(yield* Fiber.join(fiber), 1200)
    }))
})

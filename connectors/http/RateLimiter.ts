import { Clock, Deferred, Effect } from "effect"

/**
 * How a credential's request rate is limited.
 * - `TokenBucket`: a documented fixed rate (lexoffice: 2 req/s per token across all endpoints).
 *   `perSecond` should sit a little under the documented limit: the server's bucket and ours do
 *   not share a clock, and lexoffice warns that pacing at exactly the limit draws 429s.
 * - `SlidingWindow`: at most `limit` requests in any `windowMs`, measured conservatively from when
 *   a request was sent until its answer arrived (see `makeSlidingWindow`). Jitter-proof.
 * - `HeaderDriven`: the server tells us what is left (BigCommerce `X-Rate-Limit-*`); we spend
 *   the reported quota and wait for the reported reset once only `reserve` requests remain.
 * - `Unlimited`: no pacing (simulators with the limit off, benchmarks of the layer itself).
 */
export type RateLimit =
  | { readonly _tag: "TokenBucket"; readonly perSecond: number; readonly burst: number }
  | { readonly _tag: "SlidingWindow"; readonly limit: number; readonly windowMs: number; readonly marginMs: number }
  | { readonly _tag: "HeaderDriven"; readonly headers: RateLimitHeaders; readonly reserve: number }
  | { readonly _tag: "Unlimited" }

export interface RateLimitHeaders {
  readonly requestsLeft: string
  readonly resetMs: string
  readonly windowMs: string
  readonly quota: string
}

export const BigCommerceRateLimitHeaders: RateLimitHeaders = {
  requestsLeft: "x-rate-limit-requests-left",
  resetMs: "x-rate-limit-time-reset-ms",
  windowMs: "x-rate-limit-time-window-ms",
  quota: "x-rate-limit-requests-quota",
}

export interface RateLimiter {
  /**
   * Waits until one request may be sent and accounts for it. Yields the effect to run once the
   * request is over (answered, failed or interrupted).
   */
  readonly acquire: Effect.Effect<Effect.Effect<void>>
  /** Feeds back what the server said (headers are lower-cased), so the limiter can adapt. */
  readonly observe: (status: number, headers: Readonly<Record<string, string>>) => Effect.Effect<void>
}

const numberHeader = (headers: Readonly<Record<string, string>>, name: string): number | undefined => {
  const raw = headers[name]
  if (raw === undefined) return undefined
  const value = Number(raw)
  return Number.isFinite(value) ? value : undefined
}

/**
 * Fixed-rate bucket. Acquisitions are serialised by a mutex and the sleep happens while holding
 * it, so waiting callers are released in arrival order, one every 1/perSecond seconds once the
 * burst is spent. Time comes from `Clock`, so TestClock can drive it.
 */
export const makeTokenBucket = (perSecond: number, burst: number): Effect.Effect<RateLimiter> =>
  Effect.gen(function* () {
    const mutex = yield* Effect.makeSemaphore(1)
    let tokens = burst
    let updatedAt = yield* Clock.currentTimeMillis
    const msPerToken = 1000 / perSecond

    const acquire = mutex.withPermits(1)(
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const available = Math.min(burst, tokens + (now - updatedAt) / msPerToken)
        if (available >= 1) {
          tokens = available - 1
          updatedAt = now
          return Effect.void
        }
        const waitMs = Math.ceil((1 - available) * msPerToken)
        yield* Effect.sleep(waitMs)
        // State is written only after the sleep: an interrupted waiter consumes nothing.
        tokens = 0
        updatedAt = now + waitMs
        return Effect.void
      }),
    )

    // A 429 means someone else spent this credential's budget (another process, the auth
    // server's own limit): start again from an empty bucket rather than firing immediately.
    const observe = (status: number) =>
      status === 429
        ? mutex.withPermits(1)(Clock.currentTimeMillis.pipe(Effect.map((now) => {
          tokens = 0
          updatedAt = now
        })))
        : Effect.void

    return { acquire, observe }
  })

/**
 * Spends the quota the server reports. Between responses the remaining count is decremented
 * locally; each response then resets it to the server's figure. Requests already in flight are
 * not in that figure, so `reserve` should be at least the caller's concurrency.
 */
export const makeHeaderDriven = (names: RateLimitHeaders, reserve: number): Effect.Effect<RateLimiter> =>
  Effect.gen(function* () {
    const mutex = yield* Effect.makeSemaphore(1)
    let left: number | undefined
    let quota: number | undefined
    let resetAt = 0

    const acquire = mutex.withPermits(1)(
      Effect.gen(function* () {
        let now = yield* Clock.currentTimeMillis
        if (left !== undefined && left <= reserve && now < resetAt) {
          yield* Effect.sleep(resetAt - now)
          now = resetAt
        }
        if (now >= resetAt && resetAt > 0) {
          // The window rolled over: the full quota is back (unknown until the next response if no quota was ever reported).
          left = quota
          resetAt = 0
        }
        if (left !== undefined) left = left - 1
        return Effect.void
      }),
    )

    const observe = (status: number, headers: Readonly<Record<string, string>>) =>
      mutex.withPermits(1)(
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const reportedLeft = numberHeader(headers, names.requestsLeft)
          const resetMs = numberHeader(headers, names.resetMs)
          const reportedQuota = numberHeader(headers, names.quota)
          if (reportedQuota !== undefined) quota = reportedQuota
          if (reportedLeft !== undefined) left = reportedLeft
          if (status === 429) left = 0
          if (resetMs !== undefined) resetAt = now + resetMs
        }),
      )

    return { acquire, observe }
  })

/**
 * At most `limit` requests in any window of `windowMs`, whatever the network does. The server
 * sees a request at some instant between our send and our receipt of its answer, so if request
 * k+limit is sent no sooner than `windowMs` (+ margin) after request k was answered, no server-side
 * window of `windowMs` can ever hold more than `limit` of them — jitter, slow connects and clock
 * placement included. Throughput is limit / (windowMs + latency): ≈ 1.99 req/s at 5 ms latency.
 */
export const makeSlidingWindow = (limit: number, windowMs: number, marginMs: number): Effect.Effect<RateLimiter> =>
  Effect.gen(function* () {
    const mutex = yield* Effect.makeSemaphore(1)
    // The last `limit` requests, oldest first; each resolves with the time its answer arrived.
    const recent: Array<Deferred.Deferred<number>> = []

    const acquire = mutex.withPermits(1)(
      Effect.gen(function* () {
        if (recent.length >= limit) {
          const finishedAt = yield* Deferred.await(recent[0]!)
          const now = yield* Clock.currentTimeMillis
          const waitMs = finishedAt + windowMs + marginMs - now
          if (waitMs > 0) yield* Effect.sleep(waitMs)
          recent.shift()
        }
        const done = yield* Deferred.make<number>()
        recent.push(done)
        return Effect.flatMap(Clock.currentTimeMillis, (now) => Deferred.succeed(done, now)).pipe(Effect.asVoid)
      }),
    )

    return { acquire, observe: () => Effect.void }
  })

export const unlimited: RateLimiter = { acquire: Effect.succeed(Effect.void), observe: () => Effect.void }

export const makeRateLimiter = (limit: RateLimit): Effect.Effect<RateLimiter> => {
  switch (limit._tag) {
    case "TokenBucket":
      return makeTokenBucket(limit.perSecond, limit.burst)
    case "SlidingWindow":
      return makeSlidingWindow(limit.limit, limit.windowMs, limit.marginMs)
    case "HeaderDriven":
      return makeHeaderDriven(limit.headers, limit.reserve)
    case "Unlimited":
      return Effect.succeed(unlimited)
  }
}

import { Effect, FiberRef } from "effect"

/**
 * The requests connectors send within a region of work, counted where they are sent: every
 * attempt on the wire, retries included, whatever client made it. A sync run reports what it
 * cost in API calls without each flow counting by hand (and forgetting the calls a protocol or
 * a lookup makes). Fibers forked inside the region inherit the same counter.
 */
export const ApiCallCounter = FiberRef.unsafeMake<{ calls: number } | undefined>(undefined)

/** Runs `effect` and tells how many HTTP requests connectors sent while it ran. */
export const countApiCalls = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<readonly [A, number], E, R> =>
  Effect.suspend(() => {
    const counter = { calls: 0 }
    return Effect.locally(effect, ApiCallCounter, counter).pipe(Effect.map((a) => [a, counter.calls] as const))
  })

/** Counts one request in the enclosing region, if any. */
export const countApiCall: Effect.Effect<void> = Effect.map(FiberRef.get(ApiCallCounter), (counter) => {
  if (counter !== undefined) counter.calls++
})

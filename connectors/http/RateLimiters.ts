import { Effect } from "effect"
import { makeRateLimiter, type RateLimit, type RateLimiter } from "./RateLimiter.js"

/**
 * One limiter per credential for the whole process. lexoffice counts 2 req/s per API key across
 * all endpoints, so two clients built for the same key must draw from the same bucket. Keys are
 * credential fingerprints (see `credentialFingerprint`), never the secret itself.
 */
export class RateLimiters extends Effect.Service<RateLimiters>()("connectors/http/RateLimiters", {
  effect: Effect.sync(() => {
    const limiters = new Map<string, RateLimiter>()
    const forCredential = (credentialId: string, limit: RateLimit): Effect.Effect<RateLimiter> =>
      Effect.suspend(() => {
        const key = `${limit._tag}:${credentialId}`
        const existing = limiters.get(key)
        if (existing !== undefined) return Effect.succeed(existing)
        return makeRateLimiter(limit).pipe(Effect.map((made) => {
          // A fiber may have created one while we built ours; keep the first so the bucket stays single.
          const winner = limiters.get(key) ?? made
          limiters.set(key, winner)
          return winner
        }))
      })
    return { forCredential } as const
  }),
}) {}

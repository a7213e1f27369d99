/**
 * BigCommerce signs nothing: a callback is trusted because it carries the custom header we
 * registered with the hook (webhooks overview, "Security"). The comparison is constant-time over
 * SHA-256 digests, so neither the secret's content nor its length leaks through timing.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { Effect, Schema } from "effect"
import { WebhookRejected } from "./errors.js"
import type { WebhookSecret } from "./BigCommerceClient.js"
import { WebhookPayload } from "./schemas.js"

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest()

export const secretMatches = (presented: string, expected: string): boolean => timingSafeEqual(digest(presented), digest(expected))

/** Headers as node or a web server hands them over (any case, possibly repeated). */
export type IncomingHeaders = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

const headerValue = (headers: IncomingHeaders, name: string): string | undefined => {
  const wanted = name.toLowerCase()
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== wanted) continue
    return typeof v === "string" ? v : v?.[0]
  }
  return undefined
}

/** Checks the secret header, then decodes the lightweight payload. */
export const verifyWebhook = (
  headers: IncomingHeaders,
  rawBody: string,
  secret: WebhookSecret,
): Effect.Effect<WebhookPayload, WebhookRejected> =>
  Effect.gen(function* () {
    const presented = headerValue(headers, secret.header)
    if (presented === undefined) return yield* new WebhookRejected({ reason: "missing-secret" })
    if (!secretMatches(presented, secret.value)) return yield* new WebhookRejected({ reason: "wrong-secret" })
    return yield* Schema.decodeUnknown(Schema.parseJson(WebhookPayload))(rawBody).pipe(
      Effect.mapError(() => new WebhookRejected({ reason: "malformed-body" })),
    )
  })

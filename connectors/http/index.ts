/**
 * The outbound HTTP layer every connector uses (ARCHITECTURE.md §9 "Outbound HTTP").
 *
 * How a connector uses it:
 *
 * ```ts
 * const http = yield* makeConnectorHttp({
 *   connector: "bigcommerce",
 *   baseUrl: `https://api.bigcommerce.com/stores/${storeHash}`,
 *   credentialId: credentialFingerprint(token),          // one limiter per credential, process-wide
 *   headers: { "X-Auth-Token": token },                   // redacted in logs
 *   secrets: [token],                                     // scrubbed from any logged text/error body
 *   rateLimit: { _tag: "HeaderDriven", headers: BigCommerceRateLimitHeaders, reserve: 2 },
 *   resetMsHeader: BigCommerceRateLimitHeaders.resetMs,   // honoured before retrying a 429
 *   timeoutMs: 30_000,
 * })
 * const res = yield* http.send({ method: "GET", path: "/v3/catalog/products", query: { sku: "A1" } })
 * const json = JSON.parse(responseText(res))              // then decode with the connector's Schema
 * ```
 *
 * `makeConnectorHttp` needs `HttpClient.HttpClient` (e.g. `NodeHttpClient.layerUndici`) and
 * `RateLimiters.Default` (provide ONE per process so every client of a credential shares a bucket).
 *
 * Rate limits (RateLimiter.ts): `TokenBucket` (fixed documented rate), `SlidingWindow` (at most N per
 * window measured from send to answer — jitter-proof; lexoffice uses it), `HeaderDriven` (BigCommerce
 * `X-Rate-Limit-*`), `Unlimited`.
 *
 * `send` paces through the limiter, retries `retryable` failures with backoff + jitter (server
 * wait headers are a floor), and fails with an `HttpFailure` (HttpStatusFailure | HttpTransportFailure
 * | HttpTimeout), each carrying an `outcome`: `retryable` (retries exhausted), `permanent` (4xx — map
 * the `body` to your own typed error), or `unknown-outcome` (a non-idempotent call may have run:
 * 504, 500/502, timeout, connection lost after sending). POST/PATCH are non-idempotent unless the
 * request says `idempotent: true`. Non-2xx answers are failures; catch `HttpStatusFailure` by status
 * (e.g. 404 → your NotFound). Money must not pass through JSON numbers inside Vortex: decode amounts
 * to exact decimals at the boundary (`jsonText` lets you send exact literals).
 */
export * from "./ApiCallCount.js"
export * from "./ConnectorHttp.js"
export * from "./HttpFailure.js"
export * from "./RateLimiter.js"
export * from "./RateLimiters.js"
export * from "./Redaction.js"
export * from "./RetryPolicy.js"

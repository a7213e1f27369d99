/**
 * BigCommerce connector: the wire client and webhook verification (the simulator lives apart in
 * `./simulator/`, nothing shared with the client).
 *
 * ```ts
 * const layer = BigCommerceClient.layer({ storeHash, accessToken })      // + apiOrigin for a simulator
 *   .pipe(Layer.provide(Layer.mergeAll(NodeHttpClient.layerUndici, RateLimiters.Default)))
 * const bc = yield* BigCommerceClient
 * yield* bc.updateProducts(updates)            // chunked to ≤ 10 per PUT
 * yield* bc.setStockAbsolute(items, "sync")    // grouped by location, ≤ 2000 items per PUT
 * const orders = yield* bc.listOrdersModifiedSince(since)   // pages until exhausted; dedupe by id
 * yield* verifyWebhook(req.headers, rawBody, secret)        // constant-time secret header check
 * ```
 *
 * Failures: `BigCommerceValidationFailed` (422, and v2 400, with `errors` per field),
 * `BigCommerceConflict` (409), `BigCommerceNotFound` (404), `BigCommerceRejected` (other 4xx),
 * `BigCommerceUnexpectedResponse`, or the HTTP layer's `HttpFailure` whose `outcome` says whether
 * a create may have happened (`unknown-outcome`).
 */
export * from "./BigCommerceClient.js"
export * from "./errors.js"
export * as BigCommerceSchemas from "./schemas.js"
export * from "./WebhookVerifier.js"

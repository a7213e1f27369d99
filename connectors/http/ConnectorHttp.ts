import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Clock, Duration, Effect, Either, LogLevel, Random } from "effect"
import { createHash } from "node:crypto"
import {
  classifyStatus,
  classifyTimeout,
  classifyTransport,
  type HttpFailure,
  HttpStatusFailure,
  HttpTimeout,
  HttpTransportFailure,
  transportErrorCode,
} from "./HttpFailure.js"
import type { RateLimit } from "./RateLimiter.js"
import { RateLimiters } from "./RateLimiters.js"
import { redactBody, redactHeaders, redactText, redactUrl } from "./Redaction.js"
import { backoffDelayMs, defaultRetryPolicy, type RetryPolicy, serverRequestedDelayMs } from "./RetryPolicy.js"
import { countApiCall } from "./ApiCallCount.js"

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE"

export interface ConnectorHttpConfig {
  /** Name used in logs and errors, e.g. "lexoffice". */
  readonly connector: string
  /** Scheme + host (+ optional path prefix), without a trailing slash. */
  readonly baseUrl: string
  /** Identifies the credential for rate limiting; use `credentialFingerprint(secret)`. */
  readonly credentialId: string
  /** Sent on every request (auth headers go here; they are redacted in logs). */
  readonly headers?: Readonly<Record<string, string>>
  /** Literal secret values to scrub from every log line and error body. */
  readonly secrets?: ReadonlyArray<string>
  readonly rateLimit: RateLimit
  readonly retry?: RetryPolicy
  /** Per attempt, including reading the body. */
  readonly timeoutMs?: number
  /** A header carrying "ms until the quota resets", honoured as a floor for the retry delay. */
  readonly resetMsHeader?: string
}

export interface ConnectorRequest {
  readonly method: HttpMethod
  /** Appended to `baseUrl`, e.g. "/v1/articles/123". */
  readonly path: string
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>
  /** A JSON value, serialised with JSON.stringify. */
  readonly json?: unknown
  /** Pre-serialised JSON, for connectors that must write exact decimal literals. */
  readonly jsonText?: string
  readonly accept?: string
  readonly headers?: Readonly<Record<string, string>>
  /**
   * Whether repeating the request is harmless. Defaults to true for every method except POST
   * and PATCH. It decides whether a timeout/504 is retried or surfaced as unknown-outcome.
   */
  readonly idempotent?: boolean
}

export interface ConnectorResponse {
  readonly status: number
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
  readonly attempts: number
}

export const responseText = (response: ConnectorResponse): string => new TextDecoder().decode(response.body)

export interface ConnectorHttp {
  readonly config: ConnectorHttpConfig
  /** Sends with pacing, retries and timeouts; any non-2xx answer fails with a classified `HttpFailure`. */
  readonly send: (request: ConnectorRequest) => Effect.Effect<ConnectorResponse, HttpFailure>
}

/** A stable, non-reversible id for a secret, safe to keep in memory maps and logs. */
export const credentialFingerprint = (secret: string): string =>
  createHash("sha256").update(secret).digest("hex").slice(0, 16)

const buildUrl = (baseUrl: string, path: string, query: ConnectorRequest["query"]): string => {
  let url = `${baseUrl}${path}`
  if (query !== undefined) {
    // encodeURIComponent, not URLSearchParams: a space must travel as %20, not "+" (lexoffice's
    // search-string example is `name=johnson%20%26amp%3B%20partner`).
    const encoded = Object.entries(query)
      .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
      .join("&")
    if (encoded.length > 0) url += `?${encoded}`
  }
  return url
}

export const makeConnectorHttp = (
  config: ConnectorHttpConfig,
): Effect.Effect<ConnectorHttp, never, HttpClient.HttpClient | RateLimiters> =>
  Effect.gen(function* () {
    // Trace headers are ours, not the vendor's business.
    const client = HttpClient.withTracerPropagation(yield* HttpClient.HttpClient, false)
    const limiter = yield* (yield* RateLimiters).forCredential(config.credentialId, config.rateLimit)
    const retry = config.retry ?? defaultRetryPolicy
    const timeoutMs = config.timeoutMs ?? 35_000
    const secrets = config.secrets ?? []
    const decoder = new TextDecoder()

    const send = (request: ConnectorRequest): Effect.Effect<ConnectorResponse, HttpFailure> =>
      Effect.gen(function* () {
        const url = buildUrl(config.baseUrl, request.path, request.query)
        const safeUrl = redactUrl(url, secrets)
        const idempotent = request.idempotent ?? !(request.method === "POST" || request.method === "PATCH")
        const bodyText = request.jsonText ?? (request.json === undefined ? undefined : JSON.stringify(request.json))

        let httpRequest = HttpClientRequest.make(request.method)(url).pipe(
          HttpClientRequest.setHeaders({ ...config.headers, ...request.headers }),
          HttpClientRequest.accept(request.accept ?? "application/json"),
        )
        if (bodyText !== undefined) httpRequest = HttpClientRequest.bodyText(httpRequest, bodyText, "application/json")

        const context = { connector: config.connector, method: request.method, url: safeUrl }

        const attemptOnce = (attempt: number) =>
          Effect.gen(function* () {
            const startedAt = yield* Clock.currentTimeMillis
            yield* countApiCall
            const response = yield* client.execute(httpRequest).pipe(
              Effect.flatMap((res) => Effect.map(res.arrayBuffer, (buffer) => ({ res, body: new Uint8Array(buffer) }))),
              Effect.mapError((error) => {
                const code = transportErrorCode(error.cause)
                return new HttpTransportFailure({
                  ...context,
                  attempts: attempt,
                  reason: code ?? error.reason,
                  outcome: classifyTransport(code, idempotent),
                })
              }),
              Effect.timeoutFail({
                duration: Duration.millis(timeoutMs),
                onTimeout: () => new HttpTimeout({ ...context, attempts: attempt, timeoutMs, outcome: classifyTimeout(idempotent) }),
              }),
            )
            const elapsedMs = (yield* Clock.currentTimeMillis) - startedAt
            const headers = response.res.headers as Readonly<Record<string, string>>
            const status = response.res.status
            yield* limiter.observe(status, headers)
            // Redacting bodies costs a JSON parse; only pay it when debug logging is on.
            yield* Effect.whenLogLevel(
              Effect.suspend(() => Effect.logDebug("http exchange").pipe(Effect.annotateLogs({
                connector: config.connector,
                method: request.method,
                url: safeUrl,
                attempt,
                status,
                elapsedMs,
                requestHeaders: redactHeaders({ ...config.headers, ...request.headers }),
                requestBody: bodyText === undefined ? "" : redactBody(bodyText, secrets),
                responseHeaders: redactHeaders(headers),
                responseBody: (headers["content-type"] ?? "").includes("json")
                  ? redactBody(decoder.decode(response.body), secrets)
                  : `<${response.body.length} bytes ${headers["content-type"] ?? ""}>`,
              }))),
              LogLevel.Debug,
            )
            if (status >= 200 && status < 300) {
              return { status, headers, body: response.body, attempts: attempt } satisfies ConnectorResponse
            }
            return yield* new HttpStatusFailure({
              ...context,
              attempts: attempt,
              status,
              headers: redactHeaders(headers),
              body: redactText(decoder.decode(response.body), secrets),
              outcome: classifyStatus(status, idempotent),
              retryAfterMs: serverRequestedDelayMs(headers, yield* Clock.currentTimeMillis, config.resetMsHeader),
            })
          })

        for (let attempt = 1; ; attempt++) {
          // acquireUseRelease: the slot is released even if we are interrupted right after taking it.
          const result = yield* Effect.either(Effect.acquireUseRelease(limiter.acquire, () => attemptOnce(attempt), (finished) => finished))
          if (Either.isRight(result)) return result.right
          const failure = result.left
          if (failure.outcome !== "retryable" || attempt >= retry.maxAttempts) return yield* failure
          const delayMs = backoffDelayMs(
            retry,
            attempt,
            yield* Random.next,
            failure._tag === "HttpStatusFailure" ? failure.retryAfterMs : undefined,
          )
          yield* Effect.logDebug("http retry").pipe(Effect.annotateLogs({
            connector: config.connector,
            method: request.method,
            url: safeUrl,
            attempt,
            failure: failure._tag,
            delayMs,
          }))
          yield* Effect.sleep(delayMs)
        }
      }).pipe(Effect.withSpan(`${config.connector}.http`, { attributes: { method: request.method, path: request.path } }))

    return { config, send } satisfies ConnectorHttp
  })

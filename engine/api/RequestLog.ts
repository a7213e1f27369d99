/**
 * One log line per request, like `HttpMiddleware.logger`, but the URL is logged with the value of
 * any credential-like query parameter replaced: a token someone put in a URL (the API refuses
 * it) must not be copied into the log as well (issue #12).
 */
import { HttpMiddleware, HttpServerRequest } from "@effect/platform"
import { Effect, Exit } from "effect"
import { isCredentialParam } from "./RequestGuard.js"

export const redactedUrl = (url: string) => {
  const q = url.indexOf("?")
  if (q < 0) return url
  const params = url.slice(q + 1).split("&").map((pair) => {
    const eq = pair.indexOf("=")
    const name = eq < 0 ? pair : pair.slice(0, eq)
    let decoded = name
    try { decoded = decodeURIComponent(name) } catch { /* a malformed name is logged as sent */ }
    return eq >= 0 && isCredentialParam(decoded) ? `${name}=[redacted]` : pair
  })
  return `${url.slice(0, q)}?${params.join("&")}`
}

export const requestLogger = HttpMiddleware.make((app) => Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const exit = yield* Effect.exit(app)
  const status = Exit.isSuccess(exit) ? exit.value.status : 500
  yield* Effect.log("Sent HTTP response").pipe(Effect.annotateLogs({
    "http.method": request.method, "http.url": redactedUrl(request.url), "http.status": status,
  }))
  return yield* exit
}).pipe(Effect.withLogSpan("http.span")))

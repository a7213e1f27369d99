import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { countApiCalls, makeConnectorHttp, RateLimiters } from "../../../connectors/http/index.js"

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void

/** A throwaway server on 127.0.0.1:0 whose answer depends on how many requests it has seen. */
const scriptedServer = (handler: Handler) =>
  Effect.acquireRelease(
    Effect.async<{ url: string; hits: () => number; close: (done: () => void) => void }>((resume) => {
      let hits = 0
      const server = createServer((req, res) => {
        hits++
        req.resume()
        req.on("end", () => handler(req, res, hits))
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({
          url: `http://127.0.0.1:${port}`,
          hits: () => hits,
          close: (done) => {
            server.closeAllConnections()
            server.close(() => done())
          },
        }))
      })
    }),
    (s) => Effect.async<void>((resume) => s.close(() => resume(Effect.void))),
  )

const Live = Layer.mergeAll(NodeHttpClient.layerUndici, RateLimiters.Default)
const fast = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 }

describe("ConnectorHttp over real HTTP", () => {
  it.scopedLive("retries 503 until the server answers 200", () =>
    Effect.gen(function* () {
      const server = yield* scriptedServer((_req, res, hit) => {
        res.writeHead(hit < 3 ? 503 : 200, { "content-type": "application/json" }).end(`{"hit":${hit}}`)
      })
      const http = yield* makeConnectorHttp({ connector: "t", baseUrl: server.url, credentialId: "c1", rateLimit: { _tag: "Unlimited" }, retry: fast })
      const res = yield* http.send({ method: "GET", path: "/x" })
      assert.strictEqual(res.status, 200)
      assert.strictEqual(res.attempts, 3)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a region counts every request sent inside it, retries and forked fibers included, and nothing outside", () =>
    Effect.gen(function* () {
      const server = yield* scriptedServer((_req, res, hit) => {
        res.writeHead(hit === 1 ? 503 : 200, { "content-type": "application/json" }).end("{}")
      })
      const http = yield* makeConnectorHttp({ connector: "t", baseUrl: server.url, credentialId: "c-count", rateLimit: { _tag: "Unlimited" }, retry: fast })
      const [, calls] = yield* countApiCalls(Effect.gen(function* () {
        yield* http.send({ method: "GET", path: "/retried" })
        yield* Effect.forEach([1, 2, 3], (i) => http.send({ method: "GET", path: `/p${i}` }), { concurrency: 3 })
      }))
      yield* http.send({ method: "GET", path: "/outside" })
      assert.strictEqual(calls, 5, "two attempts of the retried request, three in parallel fibers")
      assert.strictEqual(server.hits(), 6)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a 504 on a create surfaces as unknown-outcome after exactly one request", () =>
    Effect.gen(function* () {
      const server = yield* scriptedServer((_req, res) => {
        res.writeHead(504, { "content-type": "application/json" }).end(`{"message":"Endpoint request timed out"}`)
      })
      const http = yield* makeConnectorHttp({ connector: "t", baseUrl: server.url, credentialId: "c2", rateLimit: { _tag: "Unlimited" }, retry: fast })
      const failure = yield* Effect.flip(http.send({ method: "POST", path: "/x", json: { a: 1 } }))
      assert.strictEqual(failure._tag, "HttpStatusFailure")
      assert.strictEqual(failure.outcome, "unknown-outcome")
      assert.strictEqual(server.hits(), 1)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a timeout on a create is unknown-outcome and is not retried", () =>
    Effect.gen(function* () {
      const server = yield* scriptedServer((_req, res) => {
        setTimeout(() => res.writeHead(201).end("{}"), 500)
      })
      const http = yield* makeConnectorHttp({ connector: "t", baseUrl: server.url, credentialId: "c3", rateLimit: { _tag: "Unlimited" }, retry: fast, timeoutMs: 50 })
      const failure = yield* Effect.flip(http.send({ method: "POST", path: "/x", json: {} }))
      assert.strictEqual(failure._tag, "HttpTimeout")
      assert.strictEqual(failure.outcome, "unknown-outcome")
      assert.strictEqual(server.hits(), 1)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a 406 is permanent, carries the body, and the token never appears in it", () =>
    Effect.gen(function* () {
      const server = yield* scriptedServer((req, res) => {
        res.writeHead(406, { "content-type": "application/json" }).end(JSON.stringify({ echoed: req.headers.authorization }))
      })
      const http = yield* makeConnectorHttp({
        connector: "t", baseUrl: server.url, credentialId: "c4", rateLimit: { _tag: "Unlimited" }, retry: fast,
        headers: { Authorization: "Bearer topsecret-token" }, secrets: ["topsecret-token"],
      })
      const failure = yield* Effect.flip(http.send({ method: "PUT", path: "/x", json: {} }))
      assert.strictEqual(failure.outcome, "permanent")
      assert.strictEqual(server.hits(), 1)
      assert.strictEqual(failure._tag === "HttpStatusFailure" && failure.body, `{"echoed":"Bearer [redacted]"}`)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a refused connection is retryable even for a create (nothing was sent)", () =>
    Effect.gen(function* () {
      const http = yield* makeConnectorHttp({ connector: "t", baseUrl: "http://127.0.0.1:1", credentialId: "c5", rateLimit: { _tag: "Unlimited" }, retry: { ...fast, maxAttempts: 2 } })
      const failure = yield* Effect.flip(http.send({ method: "POST", path: "/x", json: {} }))
      assert.strictEqual(failure._tag, "HttpTransportFailure")
      assert.strictEqual(failure.outcome, "retryable")
      assert.strictEqual(failure.attempts, 2)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("debug logs carry the exchange with every secret redacted", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const capture = Logger.replace(Logger.defaultLogger, Logger.make(({ message, annotations }) => {
        lines.push(JSON.stringify({ message, annotations: Object.fromEntries(annotations) }))
      }))
      const server = yield* scriptedServer((_req, res) => {
        res.writeHead(403, { "content-type": "application/json" }).end(`{"message":"'topsecret-token' not a valid key=value pair"}`)
      })
      const http = yield* makeConnectorHttp({
        connector: "t", baseUrl: server.url, credentialId: "c6", rateLimit: { _tag: "Unlimited" }, retry: fast,
        headers: { Authorization: "Bearer topsecret-token" }, secrets: ["topsecret-token"],
      })
      yield* Effect.flip(http.send({ method: "POST", path: "/x?api_key=zzz123", json: { password: "hunter22", name: "ok" } })).pipe(
        Effect.provide(capture),
        Logger.withMinimumLogLevel(LogLevel.Debug),
      )
      const all = lines.join("\n")
      assert.include(all, "http exchange")
      assert.include(all, "[redacted]")
      for (const secret of ["topsecret-token", "hunter22", "zzz123"]) assert.notInclude(all, secret)
    }).pipe(Effect.provide(Live)))
})

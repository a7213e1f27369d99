import { HttpApiBuilder, HttpMiddleware, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Layer } from "effect"
import { createServer } from "node:http"
import { HealthHandlers } from "./HealthHandlers.js"
import { VortexApi } from "./VortexApi.js"

const ApiLive = HttpApiBuilder.api(VortexApi).pipe(Layer.provide(HealthHandlers))

/** The API (and later the panel and webhook intake) on one port of 127.0.0.1 by default. */
export const ApiServer = (options: { readonly port: number; readonly host: string }) =>
  HttpApiBuilder.serve(HttpMiddleware.logger).pipe(
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/api/openapi.json" })),
    Layer.provide(ApiLive),
    HttpServer.withLogAddress,
    Layer.provide(NodeHttpServer.layer(createServer, { port: options.port, host: options.host })),
  )

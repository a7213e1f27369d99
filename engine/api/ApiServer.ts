import { HttpApiBuilder, HttpMiddleware, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Layer } from "effect"
import { createServer } from "node:http"
import { DslRuleChecker } from "../rules/DslRuleChecker.js"
import { RuleStore } from "../rules/RuleStore.js"
import { StockLive } from "../stock/StockLayer.js"
import { Tenants } from "../tenancy/Tenants.js"
import { AuthenticationLive } from "./Authentication.js"
import { HealthHandlers } from "./HealthHandlers.js"
import { RulesHandlers } from "./RulesHandlers.js"
import { StockHandlers } from "./StockHandlers.js"
import { VortexApi } from "./VortexApi.js"

/** The API with every handler group and what they need, save the database. */
export const ApiLive = HttpApiBuilder.api(VortexApi).pipe(
  Layer.provide([HealthHandlers, RulesHandlers, StockHandlers]),
  Layer.provide(AuthenticationLive),
  Layer.provide([RuleStore.Default, Tenants.Default]),
  Layer.provide(DslRuleChecker),
  Layer.provide(StockLive),
)

/**
 * The API (and later the panel and webhook intake) on one port of 127.0.0.1 by default;
 * port 0 picks a free one (tests read it from `HttpServer.HttpServer`).
 */
export const ApiServer = (options: { readonly port: number; readonly host: string; readonly logRequests?: boolean }) =>
  HttpApiBuilder.serve(options.logRequests === false ? undefined : HttpMiddleware.logger).pipe(
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/api/openapi.json" })),
    Layer.provide(ApiLive),
    HttpServer.withLogAddress,
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: options.port, host: options.host })),
  )

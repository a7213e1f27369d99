import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Option } from "effect"
import { createServer } from "node:http"
import { WorkerRegistry } from "../jobs/WorkerRegistry.js"
import { OrderRepo } from "../orders/OrderRepo.js"
import { DslRuleChecker } from "../rules/DslRuleChecker.js"
import { RuleResolver } from "../rules/RuleResolver.js"
import { LoadedPipelines } from "../runtime/LoadedPipelines.js"
import { RuleStore } from "../rules/RuleStore.js"
import { StockLive } from "../stock/StockLayer.js"
import { SyncRuns } from "../sync/SyncRuns.js"
import { Tenants } from "../tenancy/Tenants.js"
import { shapeErrors } from "./ApiErrors.js"
import { AuthenticationLive } from "./Authentication.js"
import { HealthHandlers } from "./HealthHandlers.js"
import { PipelinesHandlers } from "./PipelinesHandlers.js"
import { guardRequest } from "./RequestGuard.js"
import { requestLogger } from "./RequestLog.js"
import { RulesHandlers } from "./RulesHandlers.js"
import { StatusHandlers } from "./StatusHandlers.js"
import { StockHandlers } from "./StockHandlers.js"
import { VortexApi } from "./VortexApi.js"

/**
 * Every request passes the guard (URL, media type, size, JSON shape) before any route, and every
 * failure leaves in the API error shape: one place for all routes, the webhook intake included.
 */
const Hostile = HttpApiBuilder.middleware((app) =>
  shapeErrors(Effect.flatMap(guardRequest, Option.match({ onNone: () => app, onSome: Effect.succeed }))))

/** The typed API with every handler group; the services they use come from the engine. */
export const ApiLive = HttpApiBuilder.api(VortexApi).pipe(
  Layer.provide([HealthHandlers, RulesHandlers, StockHandlers, StatusHandlers, PipelinesHandlers]),
  Layer.provide(AuthenticationLive),
  Layer.provide(Hostile),
)

/** What the handlers use, for a process or test that serves the API without the sync engine. */
export const ApiServices = Layer.mergeAll(RuleStore.Default, Tenants.Default, StockLive, SyncRuns.Default, OrderRepo.Default, LoadedPipelines.Default).pipe(
  Layer.provide(RuleResolver.Default),
  Layer.provide(WorkerRegistry.Default),
  Layer.provide(DslRuleChecker),
)

export interface ApiServerOptions {
  readonly port: number
  readonly host: string
  readonly logRequests?: boolean
}

/**
 * The API, plus whatever plain routes the process adds (webhook intake, the panel), on one
 * port of 127.0.0.1 by default; port 0 picks a free one (read it from `HttpServer.HttpServer`).
 */
export const ApiServer = <E = never, R = never>(options: ApiServerOptions, routes: Layer.Layer<never, E, R> = Layer.empty as Layer.Layer<never, E, R>) =>
  HttpApiBuilder.serve(options.logRequests === false ? undefined : requestLogger).pipe(
    Layer.provide(routes),
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/api/openapi.json" })),
    Layer.provide(ApiLive),
    HttpServer.withLogAddress,
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: options.port, host: options.host })),
  )

import { HttpApi, HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { PipelinesApi } from "./PipelinesApi.js"
import { RulesApi } from "./RulesApi.js"
import { StatusApi } from "./StatusApi.js"
import { StockApi } from "./StockApi.js"

export const Health = Schema.Struct({
  status: Schema.Literal("ok"),
  database: Schema.Literal("embedded", "server"),
  version: Schema.String,
})

export class HealthGroup extends HttpApiGroup.make("health")
  .add(
    HttpApiEndpoint.get("health", "/health")
      .addSuccess(Health)
      .annotate(OpenApi.Summary, "Liveness: the process runs and its database answers"),
  ) {}

/**
 * The typed HTTP API of Vortex. Each capability adds its group here; the OpenAPI document at
 * `/api/openapi.json` is generated from these definitions, so it cannot drift from the code.
 */
export class VortexApi extends HttpApi.make("vortex")
  .add(HealthGroup)
  .add(RulesApi)
  .add(StockApi)
  .add(StatusApi)
  .add(PipelinesApi)
  .prefix("/api")
  .annotate(OpenApi.Title, "Vortex API") {}

import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { DateTime } from "./ApiSchemas.js"
import { Authentication } from "./Authentication.js"

const SyncRunView = Schema.Struct({
  id: Schema.String,
  pipeline: Schema.String,
  flow: Schema.String,
  trigger: Schema.String,
  dryRun: Schema.Boolean,
  status: Schema.Literal("running", "succeeded", "partial", "failed"),
  startedAt: DateTime,
  finishedAt: Schema.NullOr(DateTime),
  read: Schema.Int,
  written: Schema.Int,
  skipped: Schema.Int,
  failed: Schema.Int,
  apiCalls: Schema.Int,
  errors: Schema.Array(Schema.Struct({ item: Schema.optional(Schema.String), message: Schema.String })),
  warnings: Schema.Array(Schema.String),
})

/** What the calling tenant's sync is doing: the latest runs and its orders by state. */
export class StatusApi extends HttpApiGroup.make("status")
  .add(HttpApiEndpoint.get("summary", "/status")
    .setUrlParams(Schema.Struct({ runs: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 500))) }))
    .addSuccess(Schema.Struct({
      runs: Schema.Array(SyncRunView),
      orders: Schema.Record({ key: Schema.String, value: Schema.Int }),
    })))
  .middleware(Authentication)
  .annotate(OpenApi.Description, "Recent sync runs (trigger, counts, API calls, errors) and order states") {}

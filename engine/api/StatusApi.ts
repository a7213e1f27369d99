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
  status: Schema.Literal("running", "succeeded", "partial", "failed", "abandoned"),
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

const FlowHealthView = Schema.Struct({
  pipeline: Schema.String,
  flow: Schema.String,
  lastSuccessAt: Schema.NullOr(DateTime),
  /** No successful run for twice the pipeline's heartbeat interval. */
  stale: Schema.Boolean,
})

const OversoldOrderView = Schema.Struct({
  channelOrderId: Schema.String,
  connectionId: Schema.String,
  reason: Schema.NullOr(Schema.String),
  receivedAt: DateTime,
})

/** What the calling tenant's sync is doing: the latest runs, each flow's health, orders by state, the oversold ones. */
export class StatusApi extends HttpApiGroup.make("status")
  .add(HttpApiEndpoint.get("summary", "/status")
    .setUrlParams(Schema.Struct({ runs: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 500))) }))
    .addSuccess(Schema.Struct({
      runs: Schema.Array(SyncRunView),
      flows: Schema.Array(FlowHealthView),
      orders: Schema.Record({ key: Schema.String, value: Schema.Int }),
      oversold: Schema.Array(OversoldOrderView),
    })))
  .middleware(Authentication)
  .annotate(OpenApi.Description, "Recent sync runs (trigger, counts, API calls, errors), each flow's last success (stale after twice its heartbeat), order states and the oversold orders") {}

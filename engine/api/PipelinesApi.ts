import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { FlowName } from "../jobs/FlowJob.js"
import { DateTime, PageLimit } from "./ApiSchemas.js"
import { Authentication } from "./Authentication.js"

const PipelineView = Schema.Struct({
  name: Schema.String,
  version: Schema.Int,
  sourceConnectionId: Schema.String,
  targetConnectionId: Schema.String,
  heartbeatSeconds: Schema.Int,
  flows: Schema.Array(Schema.Struct({ flow: FlowName, runnable: Schema.Boolean })),
})

const QueuedRun = Schema.Struct({
  flow: FlowName,
  /** null: a run of this flow was already waiting, and this request joined it (coalesced). */
  jobId: Schema.NullOr(Schema.String),
})

const FailedJobView = Schema.Struct({
  id: Schema.String,
  pipeline: Schema.String,
  flow: Schema.String,
  trigger: Schema.String,
  failedAt: Schema.NullOr(DateTime),
  error: Schema.String,
})

export class PipelineNotFound extends Schema.TaggedError<PipelineNotFound>()("PipelineNotFound", {
  pipeline: Schema.String,
  message: Schema.String,
}, HttpApiSchema.annotations({ status: 404 })) {}

export class FlowNotRunnable extends Schema.TaggedError<FlowNotRunnable>()("FlowNotRunnable", {
  pipeline: Schema.String,
  flow: Schema.String,
  message: Schema.String,
}, HttpApiSchema.annotations({ status: 422 })) {}

export class JobQueueUnavailable extends Schema.TaggedError<JobQueueUnavailable>()("JobQueueUnavailable", {
  message: Schema.String,
}, HttpApiSchema.annotations({ status: 503 })) {}

const NamePath = Schema.Struct({ name: Schema.String })

/**
 * The calling tenant's pipelines, on-demand runs and failed jobs. A run request queues work the
 * way a webhook wake-up does (one job waiting per pipeline and flow; a second request joins it),
 * so a button pressed twice never runs a flow twice at once; its outcome shows in `/status`.
 */
export class PipelinesApi extends HttpApiGroup.make("pipelines")
  .add(HttpApiEndpoint.get("list", "/pipelines").addSuccess(Schema.Array(PipelineView)))
  .add(HttpApiEndpoint.post("run", "/pipelines/:name/runs").setPath(NamePath)
    .setPayload(Schema.Struct({ flow: Schema.optional(FlowName), dryRun: Schema.optional(Schema.Boolean) }))
    .addSuccess(Schema.Struct({ queued: Schema.Array(QueuedRun) }), { status: 202 })
    .addError(PipelineNotFound).addError(FlowNotRunnable).addError(JobQueueUnavailable)
    .annotate(OpenApi.Description, "Queue a run of one flow (or of every runnable flow) now; its result appears in /status"))
  .add(HttpApiEndpoint.get("failedJobs", "/jobs/failed")
    .setUrlParams(Schema.Struct({ limit: Schema.optional(PageLimit(500)) }))
    .addSuccess(Schema.Array(FailedJobView))
    .addError(JobQueueUnavailable)
    .annotate(OpenApi.Description, "Jobs that failed after their retries (kept a week), newest first"))
  .middleware(Authentication)
  .annotate(OpenApi.Description, "Pipelines of the calling tenant: what runs, run now, what failed") {}

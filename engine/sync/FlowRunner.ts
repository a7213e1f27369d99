import { Context, Schema, type Effect } from "effect"
import type { FlowJob } from "../jobs/FlowJob.js"
import type { FlowReport } from "./FlowReport.js"

/** A flow could not run at all (bad config, source unreachable); item failures are in the report instead. */
export class FlowFailed extends Schema.TaggedError<FlowFailed>()("FlowFailed", {
  pipeline: Schema.String,
  flow: Schema.String,
  message: Schema.String,
  retryable: Schema.Boolean,
}) {}

/** Runs one flow of one pipeline; the engine provides it from the pipelines in force. */
export class FlowRunner extends Context.Tag("engine/FlowRunner")<FlowRunner, {
  readonly run: (job: FlowJob) => Effect.Effect<FlowReport, FlowFailed>
  /** Flows a pipeline declares, for the heartbeat, with each pipeline's heartbeat interval. */
  readonly schedule: Effect.Effect<ReadonlyArray<{
    readonly tenantId: string
    readonly pipeline: string
    readonly flows: ReadonlyArray<FlowJob["flow"]>
    readonly heartbeatSeconds: number
  }>>
}>() {}

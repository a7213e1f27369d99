import { Schema } from "effect"

export const FlowName = Schema.Literal("catalog", "stock", "orders", "invoices", "tracking", "returns")
export type FlowName = typeof FlowName.Type

// follow-up: a run another flow's run asked for (e.g. a stock reconcile that holds an upward
// correction until the order intake has read the channel again).
export const Trigger = Schema.Literal("heartbeat", "manual", "webhook", "stock-change", "follow-up")
export type Trigger = typeof Trigger.Type

/**
 * One unit of sync work: run one flow of one tenant's pipeline. `skus` narrows a stock push
 * to what changed; `orderIds` narrows an order run to what a webhook named.
 */
export const FlowJob = Schema.Struct({
  tenantId: Schema.String,
  pipeline: Schema.String,
  flow: FlowName,
  trigger: Trigger,
  skus: Schema.optional(Schema.Array(Schema.String)),
  orderIds: Schema.optional(Schema.Array(Schema.String)),
  dryRun: Schema.optional(Schema.Boolean),
})
export type FlowJob = typeof FlowJob.Type

export const queueOf = (flow: FlowName) => `flow-${flow}`

/** One job queued and one running per pipeline and flow; further wake-ups coalesce. */
export const singletonKeyOf = (job: Pick<FlowJob, "tenantId" | "pipeline">) => `${job.tenantId}/${job.pipeline}`

import { Effect, Layer } from "effect"
import { countApiCalls } from "../../connectors/http/ApiCallCount.js"
import type { FlowJob } from "../jobs/FlowJob.js"
import { FlowFailed, FlowRunner } from "../sync/FlowRunner.js"
import { runCatalogFlow } from "./CatalogFlow.js"
import { LoadedPipelines } from "./LoadedPipelines.js"
import { runOrdersFlow } from "./OrdersFlow.js"
import { runStockFlow } from "./StockFlow.js"

// Flows with a driver today. Invoices, tracking and returns are declared in pipelines and
// validated, but their drivers are not built yet: the heartbeat does not schedule them and an
// explicit run says so instead of pretending to succeed.
export const runnableFlows = new Set<FlowJob["flow"]>(["catalog", "stock", "orders"])

/** The FlowRunner of the engine: the pipelines in force, each flow run by its driver. */
export const PipelineRunnerLive = Layer.effect(FlowRunner, Effect.gen(function* () {
  const loaded = yield* LoadedPipelines
  const context = yield* Effect.context<Effect.Effect.Context<ReturnType<typeof runCatalogFlow>> | Effect.Effect.Context<ReturnType<typeof runStockFlow>> | Effect.Effect.Context<ReturnType<typeof runOrdersFlow>>>()

  const drive = (job: FlowJob) => Effect.gen(function* () {
    const pipeline = yield* loaded.get(job.tenantId, job.pipeline)
    if (!pipeline.flows.includes(job.flow)) {
      return yield* new FlowFailed({ pipeline: job.pipeline, flow: job.flow, message: `pipeline "${job.pipeline}" has no ${job.flow} flow`, retryable: false })
    }
    switch (job.flow) {
      case "catalog": return yield* runCatalogFlow(pipeline, job)
      case "stock": return yield* runStockFlow(pipeline, job)
      case "orders": return yield* runOrdersFlow(pipeline, job)
      default:
        return yield* new FlowFailed({ pipeline: job.pipeline, flow: job.flow, message: `the ${job.flow} flow has no driver in this version (see the issue tracker); its pipeline config is validated and tested only`, retryable: false })
    }
  }).pipe(Effect.provide(context))

  // the run's API calls as sent on the wire (connectors/http), lexoffice and channel alike
  const run = (job: FlowJob) => countApiCalls(drive(job)).pipe(Effect.map(([report, apiCalls]) => ({ ...report, apiCalls })))

  const schedule = loaded.all().pipe(
    Effect.map((pipelines) => pipelines.map((p) => ({
      tenantId: p.binding.tenantId,
      pipeline: p.binding.name,
      flows: p.flows.filter((f) => runnableFlows.has(f)),
      heartbeatSeconds: p.heartbeatSeconds,
    }))),
  )

  return { run, schedule }
}))

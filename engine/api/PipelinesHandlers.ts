import { HttpApiBuilder } from "@effect/platform"
import { Effect, Option } from "effect"
import type { FlowName } from "../jobs/FlowJob.js"
import { JobQueue } from "../jobs/JobQueue.js"
import { LoadedPipelines } from "../runtime/LoadedPipelines.js"
import { runnableFlows } from "../runtime/PipelineRunner.js"
import { CurrentTenant } from "./Authentication.js"
import { jobFailureText } from "./JobFailureText.js"
import { FlowNotRunnable, JobQueueUnavailable, PipelineNotFound } from "./PipelinesApi.js"
import { VortexApi } from "./VortexApi.js"

type Rec = Record<string, unknown>
const isRecord = (x: unknown): x is Rec => typeof x === "object" && x !== null && !Array.isArray(x)


export const PipelinesHandlers = HttpApiBuilder.group(VortexApi, "pipelines", (handlers) =>
  Effect.gen(function* () {
    const pipelines = yield* LoadedPipelines
    // A process serving the API without the job queue (tests, tools) answers 503 for queue routes.
    const queue = yield* Effect.serviceOption(JobQueue)
    const requireQueue = Option.match(queue, {
      onNone: () => Effect.fail(new JobQueueUnavailable({ message: "this process runs no job queue; start Vortex with `vortex up`" })),
      onSome: Effect.succeed,
    })

    return handlers
      .handle("list", () => Effect.gen(function* () {
        const { tenantId } = yield* CurrentTenant
        const all = yield* pipelines.all(tenantId).pipe(Effect.orDie)
        return all.map((p) => ({
          name: p.binding.name,
          version: p.binding.version,
          sourceConnectionId: p.binding.sourceConnectionId,
          targetConnectionId: p.binding.targetConnectionId,
          heartbeatSeconds: p.heartbeatSeconds,
          flows: p.flows.map((flow) => ({ flow, runnable: runnableFlows.has(flow) })),
        }))
      }))
      .handle("run", ({ path, payload }) => Effect.gen(function* () {
        const { tenantId } = yield* CurrentTenant
        const jobs = yield* requireQueue
        const pipeline = (yield* pipelines.all(tenantId).pipe(Effect.orDie)).find((p) => p.binding.name === path.name)
        if (pipeline === undefined) {
          return yield* Effect.fail(new PipelineNotFound({ pipeline: path.name, message: `this tenant has no enabled pipeline "${path.name}"` }))
        }
        let flows: ReadonlyArray<FlowName>
        if (payload.flow !== undefined) {
          if (!pipeline.flows.includes(payload.flow)) {
            return yield* Effect.fail(new FlowNotRunnable({
              pipeline: path.name, flow: payload.flow,
              message: `pipeline "${path.name}" has no ${payload.flow} flow; it has ${pipeline.flows.join(", ") || "none"}`,
            }))
          }
          if (!runnableFlows.has(payload.flow)) {
            return yield* Effect.fail(new FlowNotRunnable({
              pipeline: path.name, flow: payload.flow, message: `the ${payload.flow} flow has no driver in this version of Vortex`,
            }))
          }
          flows = [payload.flow]
        } else {
          flows = pipeline.flows.filter((f) => runnableFlows.has(f))
        }
        const queued = []
        for (const flow of flows) {
          const jobId = yield* jobs.enqueue({
            tenantId, pipeline: path.name, flow, trigger: "manual", ...(payload.dryRun === true ? { dryRun: true } : {}),
          }).pipe(Effect.orDie)
          queued.push({ flow, jobId })
        }
        return { queued }
      }))
      .handle("failedJobs", ({ urlParams }) => Effect.gen(function* () {
        const { tenantId } = yield* CurrentTenant
        const jobs = yield* requireQueue
        const failed = yield* jobs.failed(urlParams.limit ?? 50, tenantId).pipe(Effect.orDie)
        return failed.map((job) => {
          const data = isRecord(job.data) ? job.data : {}
          return {
            id: job.id,
            pipeline: String(data["pipeline"] ?? ""),
            flow: String(data["flow"] ?? job.queue),
            trigger: String(data["trigger"] ?? ""),
            failedAt: job.failedAt,
            error: jobFailureText(job.output),
          }
        })
      }))
  }))

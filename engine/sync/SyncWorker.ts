import { SqlClient } from "@effect/sql"
import { Clock, Effect, Metric } from "effect"
import { DatabaseInfo } from "../db/Database.js"
import type { FlowJob } from "../jobs/FlowJob.js"
import { type JobClaim, JobQueue } from "../jobs/JobQueue.js"
import { runReaper } from "../jobs/RunReaper.js"
import { WorkerRegistry } from "../jobs/WorkerRegistry.js"
import { flowStale } from "../observability/Metrics.js"
import { staleFlows } from "./FlowHealth.js"
import { FlowRunner } from "./FlowRunner.js"
import { SyncRuns } from "./SyncRuns.js"

/**
 * Runs one job as a recorded sync run, claimed by this worker (so the job is handed back if the
 * worker dies). A flow that cannot run fails the job so pg-boss retries it with backoff (and keeps
 * it visible once retries are spent); item failures are part of a successful run's report. Flows
 * the run asks to wake (`report.wake`) are queued after it.
 */
export const runJob = (job: FlowJob, claim: Partial<JobClaim> = {}) => Effect.gen(function* () {
  const runner = yield* FlowRunner
  const runs = yield* SyncRuns
  const id = yield* runs.start(job, claim)
  const report = yield* runner.run(job).pipe(
    Effect.tap((report) => runs.finish(id, { report })),
    Effect.tap((report) => Effect.logInfo(
      `${job.pipeline} ${job.flow} (${job.trigger}): read ${report.read}, written ${report.written}, ` +
      `unchanged ${report.skipped}, failed ${report.failed}, ${report.apiCalls} API calls` +
      (report.errors.length > 0 ? ` — first problem: ${report.errors[0]!.item ?? ""} ${report.errors[0]!.message}` : ""))),
    Effect.tap((report) => Effect.forEach(report.warnings ?? [], (w) => Effect.logWarning(`${job.pipeline} ${job.flow} (${job.trigger}): ${w}`))),
    Effect.tapErrorCause((cause) => runs.finish(id, { crash: cause.toString().slice(0, 2000) })),
    Effect.tapErrorCause((cause) => Effect.logError(`${job.pipeline} ${job.flow} (${job.trigger}) could not run`, cause)),
    Effect.withSpan("SyncWorker.run", { attributes: { flow: job.flow, pipeline: job.pipeline, trigger: job.trigger } }),
  )
  if (report.wake !== undefined && report.wake.length > 0 && job.dryRun !== true) {
    const queue = yield* Effect.serviceOption(JobQueue)
    if (queue._tag === "Some") {
      for (const flow of report.wake) {
        yield* queue.value.enqueue({ tenantId: job.tenantId, pipeline: job.pipeline, flow, trigger: "follow-up" }).pipe(
          Effect.catchAll((e) => Effect.logWarning(`${job.pipeline} ${flow}: follow-up run not queued; the heartbeat will run it`, e)))
      }
    }
  }
  return report
})

/**
 * Enqueues every flow whose heartbeat interval has passed since its last heartbeat run, and says
 * loudly which flows have gone twice their interval without a successful run.
 * pg-boss fires the heartbeat job once a minute cluster-wide, so N workers do not multiply it.
 */
export const heartbeat = Effect.gen(function* () {
  const runner = yield* FlowRunner
  const runs = yield* SyncRuns
  const queue = yield* JobQueue
  const now = yield* Clock.currentTimeMillis
  const schedule = yield* runner.schedule
  for (const pipeline of schedule) {
    const last = yield* runs.lastHeartbeat(pipeline.tenantId, pipeline.pipeline)
    for (const flow of pipeline.flows) {
      const lastStart = last.get(flow)?.getTime() ?? 0
      // a few seconds of slack so that a 5-minute interval is not missed by a late minute tick
      if (now - lastStart >= pipeline.heartbeatSeconds * 1000 - 5_000) {
        yield* queue.enqueue({ tenantId: pipeline.tenantId, pipeline: pipeline.pipeline, flow, trigger: "heartbeat" })
      }
    }
  }
  for (const tenantId of new Set(schedule.map((p) => p.tenantId))) {
    const scheduled = schedule.filter((p) => p.tenantId === tenantId)
    const stale = staleFlows(scheduled, yield* runs.flowHealth(tenantId), now)
    for (const p of scheduled) {
      for (const flow of p.flows) {
        const found = stale.find((s) => s.pipeline === p.pipeline && s.flow === flow)
        yield* Metric.set(flowStale.pipe(Metric.tagged("tenant", tenantId), Metric.tagged("pipeline", p.pipeline), Metric.tagged("flow", flow)), found === undefined ? 0 : 1)
        if (found !== undefined) {
          yield* Effect.logWarning(`${p.pipeline} ${flow}: no successful run for ${Math.round(found.forSeconds / 60)} min ` +
            `(heartbeat every ${Math.round(p.heartbeatSeconds / 60)} min; last success ${found.lastSuccessAt?.toISOString() ?? "never"})`)
        }
      }
    }
  }
}).pipe(Effect.withSpan("SyncWorker.heartbeat"))

/** Starts this process's workers: every flow queue, the heartbeat, and the reaper of dead workers' runs. */
export const startWorkers = Effect.gen(function* () {
  const queue = yield* JobQueue
  const context = yield* Effect.context<FlowRunner | SyncRuns | JobQueue | WorkerRegistry | DatabaseInfo | SqlClient.SqlClient>()
  yield* queue.work((job, claim) => runJob(job, claim).pipe(Effect.provide(context)))
  yield* queue.onHeartbeat(heartbeat.pipe(Effect.provide(context)))
  yield* Effect.forkScoped(runReaper.pipe(Effect.provide(context)))
})

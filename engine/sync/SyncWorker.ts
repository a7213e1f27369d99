import { Clock, Effect } from "effect"
import { JobQueue } from "../jobs/JobQueue.js"
import type { FlowJob } from "../jobs/FlowJob.js"
import { FlowRunner } from "./FlowRunner.js"
import { SyncRuns } from "./SyncRuns.js"

/**
 * Runs one job as a recorded sync run. A flow that cannot run fails the job so pg-boss
 * retries it with backoff (and keeps it visible once retries are spent); item failures
 * are part of a successful run's report.
 */
export const runJob = (job: FlowJob) => Effect.gen(function* () {
  const runner = yield* FlowRunner
  const runs = yield* SyncRuns
  const id = yield* runs.start(job)
  return yield* runner.run(job).pipe(
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
})

/**
 * Enqueues every flow whose heartbeat interval has passed since its last heartbeat run.
 * pg-boss fires the heartbeat job once a minute cluster-wide, so N workers do not multiply it.
 */
export const heartbeat = Effect.gen(function* () {
  const runner = yield* FlowRunner
  const runs = yield* SyncRuns
  const queue = yield* JobQueue
  const now = yield* Clock.currentTimeMillis
  for (const pipeline of yield* runner.schedule) {
    const last = yield* runs.lastHeartbeat(pipeline.tenantId, pipeline.pipeline)
    for (const flow of pipeline.flows) {
      const lastStart = last.get(flow)?.getTime() ?? 0
      // a few seconds of slack so that a 5-minute interval is not missed by a late minute tick
      if (now - lastStart >= pipeline.heartbeatSeconds * 1000 - 5_000) {
        yield* queue.enqueue({ tenantId: pipeline.tenantId, pipeline: pipeline.pipeline, flow, trigger: "heartbeat" })
      }
    }
  }
}).pipe(Effect.withSpan("SyncWorker.heartbeat"))

/** Starts this process's workers: every flow queue and the heartbeat. */
export const startWorkers = Effect.gen(function* () {
  const queue = yield* JobQueue
  const context = yield* Effect.context<FlowRunner | SyncRuns | JobQueue>()
  yield* queue.work((job) => runJob(job).pipe(Effect.provide(context)))
  yield* queue.onHeartbeat(heartbeat.pipe(Effect.provide(context)))
})

import { assert, describe, layer } from "@effect/vitest"
import { Deferred, Effect, Layer, Ref, TestServices } from "effect"
import type { FlowJob } from "../../engine/jobs/FlowJob.js"
import { JobQueue, JobQueueLive, makeJobQueue } from "../../engine/jobs/JobQueue.js"
import { FlowFailed, FlowRunner } from "../../engine/sync/FlowRunner.js"
import { emptyReport } from "../../engine/sync/FlowReport.js"
import { startWorkers } from "../../engine/sync/SyncWorker.js"
import { SyncRuns } from "../../engine/sync/SyncRuns.js"
import { WorkerRegistry } from "../../engine/jobs/WorkerRegistry.js"
import { backends, TestDatabase } from "../support/TestDatabase.js"
import { makeTenant } from "../rules/fixtures.js"

// The flow itself is not under test here: a recording runner whose first run blocks until
// released, so the test controls exactly when a run is in progress.
const recordingRunner = Effect.gen(function* () {
  const started = yield* Ref.make<ReadonlyArray<FlowJob>>([])
  const firstRunning = yield* Deferred.make<void>()
  const release = yield* Deferred.make<void>()
  const runner: typeof FlowRunner.Service = {
    run: (job) => Effect.gen(function* () {
      const before = yield* Ref.getAndUpdate(started, (s) => [...s, job])
      if (job.pipeline === "broken") {
        return yield* Effect.fail(new FlowFailed({ pipeline: job.pipeline, flow: job.flow, message: "source unreachable", retryable: true }))
      }
      if (before.length === 0) {
        yield* Deferred.succeed(firstRunning, undefined)
        yield* Deferred.await(release)
      }
      return { ...emptyReport, read: 3, written: 1, skipped: 2, apiCalls: 2 }
    }),
    schedule: Effect.succeed([]),
  }
  return { runner, started, firstRunning, release }
})

describe.each(backends)("job queue on %s", (backend) => {
  const Queue = JobQueueLive({ pollingIntervalSeconds: 0.5, retryLimit: 1, retryDelaySeconds: 1 })
  layer(Layer.provideMerge(Layer.provideMerge(Layer.merge(Queue, SyncRuns.Default), WorkerRegistry.Default), TestDatabase(backend)), { timeout: 120_000 })((it) => {
    it.scoped("wake-ups for a pipeline coalesce: one run at a time, one waiting, the rest dropped", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const queue = yield* JobQueue
        const runs = yield* SyncRuns
        const { tenantId } = yield* makeTenant(`jobs-${backend}`)
        const { runner, started, firstRunning, release } = yield* recordingRunner
        yield* startWorkers.pipe(Effect.provideService(FlowRunner, runner))
        const job: FlowJob = { tenantId, pipeline: "shop", flow: "stock", trigger: "webhook" }
        assert.isNotNull(yield* queue.enqueue(job))
        yield* Deferred.await(firstRunning).pipe(Effect.timeout("20 seconds"))
        const accepted = [] as Array<string | null>
        for (let i = 0; i < 5; i++) accepted.push(yield* queue.enqueue(job))
        assert.strictEqual(accepted.filter((id) => id !== null).length, 1, "one wake-up waits, four coalesce into it")
        yield* Deferred.succeed(release, undefined)
        yield* Effect.gen(function* () {
          while ((yield* runs.recent(tenantId)).filter((r) => r.status === "succeeded").length < 2) yield* Effect.sleep("100 millis")
        }).pipe(Effect.timeout("20 seconds"))
        assert.strictEqual((yield* Ref.get(started)).length, 2)
        const [latest] = yield* runs.recent(tenantId)
        assert.deepInclude(latest!, { flow: "stock", trigger: "webhook", status: "succeeded", read: 3, written: 1, apiCalls: 2 })
      })))

    it.scoped("a flow that cannot run is retried, recorded as failed and its job kept visible", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const queue = yield* JobQueue
        const runs = yield* SyncRuns
        const { tenantId } = yield* makeTenant(`jobs-fail-${backend}`)
        const { runner } = yield* recordingRunner
        yield* startWorkers.pipe(Effect.provideService(FlowRunner, runner))
        yield* queue.enqueue({ tenantId, pipeline: "broken", flow: "catalog", trigger: "manual" })
        const failedJobs = yield* Effect.gen(function* () {
          while (true) {
            const failed = (yield* queue.failed()).filter((j) => (j.data as FlowJob).tenantId === tenantId)
            if (failed.length > 0) return failed
            yield* Effect.sleep("200 millis")
          }
        }).pipe(Effect.timeout("30 seconds"))
        assert.strictEqual(failedJobs[0]!.queue, "flow-catalog")
        const attempts = (yield* runs.recent(tenantId)).filter((r) => r.pipeline === "broken")
        assert.strictEqual(attempts.length, 2, "the first try and one retry")
        assert.isTrue(attempts.every((r) => r.status === "failed" && JSON.stringify(r.errors).includes("source unreachable")))
      })))
  })
})

// Processes share a PostgreSQL server only; the embedded database belongs to one process.
describe.runIf(backends.includes("postgres"))("job queue across processes on a PostgreSQL server", () => {
  layer(Layer.provideMerge(Layer.provideMerge(SyncRuns.Default, WorkerRegistry.Default), TestDatabase("postgres")), { timeout: 120_000 })((it) => {
    it.scoped("a job queued by one process is fetched by another's worker at once, not at its next poll", () =>
      TestServices.provideLive(Effect.gen(function* () {
        const { tenantId } = yield* makeTenant("jobs-notify")
        // two queues on one database, as in two processes; the worker's poll is far beyond the test's patience
        const producer = yield* makeJobQueue({ pollingIntervalSeconds: 300 })
        const consumer = yield* makeJobQueue({ pollingIntervalSeconds: 300 })
        const { runner, started, release } = yield* recordingRunner
        yield* Effect.addFinalizer(() => Deferred.succeed(release, undefined))
        yield* startWorkers.pipe(Effect.provideService(FlowRunner, runner), Effect.provideService(JobQueue, consumer))
        // let the worker make its first (empty) fetch and settle into its 300 s wait
        yield* Effect.sleep("1 second")
        yield* producer.enqueue({ tenantId, pipeline: "shop", flow: "orders", trigger: "webhook" })
        yield* Effect.gen(function* () {
          while ((yield* Ref.get(started)).length === 0) yield* Effect.sleep("20 millis")
        }).pipe(Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error("the other process's worker was not woken") }))
      })))
  })
})

import { SqlClient } from "@effect/sql"
import { Effect, Schedule } from "effect"
import { DatabaseInfo } from "../db/Database.js"
import { SyncRuns } from "../sync/SyncRuns.js"
import { JobQueue } from "./JobQueue.js"
import { WorkerRegistry } from "./WorkerRegistry.js"

// Advisory-lock namespace of the reaper (first key of the two-int form): "Vorr". One reaper
// pass at a time across processes, so a job is handed back once, not once per process.
const REAPER_LOCK_NAMESPACE = 0x566f7272

/** How often every worker process looks for runs of dead workers. */
export const REAP_EVERY_MS = 2_000

// A worker records its run as the first thing it does with a job it took. A job active this long
// without any run is one whose worker died between taking it and recording it.
const CLAIM_GRACE_SECONDS = 30

/**
 * One pass: runs of dead workers are closed `abandoned`, and their jobs (or jobs taken and never
 * claimed) are handed back to the queue, which retries them — within seconds of the death, not at
 * an expiry (issue #10). Each abandoned run is a WARN line naming the flow and the worker.
 */
export const reapOnce = Effect.gen(function* () {
  const registry = yield* WorkerRegistry
  const runs = yield* SyncRuns
  const queue = yield* JobQueue
  const alive = yield* registry.alive
  const abandoned = yield* runs.abandonDead(alive)
  for (const run of abandoned) {
    const who = run.workerId === null ? "a worker of an earlier version" : yield* registry.describe(run.workerId)
    yield* Effect.logWarning(`${run.pipeline} ${run.flow}: run ${run.id} abandoned — ${who} stopped while running it; the job is retried`)
  }
  const orphans = yield* queue.orphaned(alive, CLAIM_GRACE_SECONDS)
  if (orphans.length > 0) {
    yield* queue.abandon(orphans, "abandoned: the worker running this job stopped; handed back to the queue")
    yield* Effect.logWarning(`handed ${orphans.length} job(s) of stopped workers back to the queue: ${orphans.map((o) => o.queue).join(", ")}`)
  }
  return { runs: abandoned.length, jobs: orphans.length }
})

/** On a server, one pass at a time cluster-wide (a try-lock: a busy reaper elsewhere means skip). */
const exclusively = <A, E, R>(pass: Effect.Effect<A, E, R>) => Effect.gen(function* () {
  const info = yield* DatabaseInfo
  if (info.kind === "embedded") return yield* pass
  const sql = yield* SqlClient.SqlClient
  return yield* Effect.scoped(Effect.gen(function* () {
    const connection = yield* sql.reserve
    const locked = yield* Effect.acquireRelease(
      connection.execute("SELECT pg_try_advisory_lock($1, 0) AS locked", [REAPER_LOCK_NAMESPACE], undefined).pipe(
        Effect.map((rows) => (rows[0] as { locked: boolean } | undefined)?.locked === true)),
      (locked) => locked ? connection.execute("SELECT pg_advisory_unlock($1, 0)", [REAPER_LOCK_NAMESPACE], undefined).pipe(Effect.ignore) : Effect.void,
    )
    return locked ? yield* pass : undefined
  }))
})

/** Every worker process reaps, forever; a failed pass is logged and the next one tries again. */
export const runReaper = exclusively(reapOnce).pipe(
  Effect.catchAllCause((cause) => Effect.logWarning("reaper pass failed; retrying", cause)),
  Effect.repeat(Schedule.spaced(`${REAP_EVERY_MS} millis`)),
  Effect.asVoid,
)

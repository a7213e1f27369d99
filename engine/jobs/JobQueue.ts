import { Context, Data, Effect, Layer, Redacted, Runtime, Schedule, Schema, Stream } from "effect"
import PgBoss from "pg-boss"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { DatabaseInfo } from "../db/Database.js"
import { FlowJob, FlowName, queueOf, singletonKeyOf } from "./FlowJob.js"

export class JobQueueError extends Data.TaggedError("JobQueueError")<{ readonly message: string; readonly cause: unknown }> {}

const attempt = <A>(what: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (cause) => new JobQueueError({ message: `${what}: ${String(cause)}`, cause }) })

export const HEARTBEAT_QUEUE = "heartbeat"

// On a server, `NOTIFY vortex_jobs, '<queue>'` tells every process that a job was queued, so its
// workers fetch at once instead of at their next poll: a webhook taken by one process is worked
// by a worker in another within milliseconds. The poll stays as the fallback for a lost notice.
const JOBS_CHANNEL = "vortex_jobs"

// A job whose worker died is handed back by the RunReaper within seconds (it watches the
// workers' liveness, not a clock). Expiry is only the last resort should every reaper be gone:
// as short as a healthy run allows. Stock pushes are small; a full catalog of 100 000 articles
// takes minutes.
const expirySeconds: Record<FlowName, number> = {
  stock: 120, orders: 600, catalog: 1800, invoices: 600, tracking: 600, returns: 600,
}

export interface FailedJob {
  readonly id: string
  readonly queue: string
  readonly data: unknown
  readonly output: unknown
  readonly failedAt: Date | null
}

/**
 * The job queue (pg-boss on Vortex's own database, ARCHITECTURE.md §9): a queue per flow with the
 * `stately` policy, keyed per pipeline, so at most one job runs and one waits per (pipeline,
 * flow) and every further wake-up coalesces into the waiting one. Workers in any number of
 * processes share the queues; pg-boss's SKIP LOCKED fetch is the coordinator.
 */
export interface JobClaim {
  /** The queued job's id (pg-boss), recorded with the run that works it. */
  readonly jobId: string
}

/** A job some worker took and no live worker is running. */
export interface OrphanedJob {
  readonly id: string
  readonly queue: string
}

export class JobQueue extends Context.Tag("engine/JobQueue")<JobQueue, {
  readonly enqueue: (job: FlowJob) => Effect.Effect<string | null, JobQueueError>
  readonly work: (handler: (job: FlowJob, claim: JobClaim) => Effect.Effect<void, unknown>) => Effect.Effect<void, JobQueueError>
  readonly onHeartbeat: (handler: Effect.Effect<void, unknown>) => Effect.Effect<void, JobQueueError>
  /** Failed jobs, newest first; with a tenant, only that tenant's. */
  readonly failed: (limit?: number, tenantId?: string) => Effect.Effect<ReadonlyArray<FailedJob>, JobQueueError>
  readonly pending: (flow: FlowName) => Effect.Effect<number, JobQueueError>
  /**
   * Active jobs no live worker runs: a flow job whose run belongs to a dead worker, or that no
   * run claimed within `claimGraceSeconds` of being taken; a heartbeat job older than a minute.
   */
  readonly orphaned: (alive: ReadonlyArray<number>, claimGraceSeconds: number) => Effect.Effect<ReadonlyArray<OrphanedJob>, JobQueueError>
  /** Hands active jobs back: each is retried (or failed once its retries are spent), with the reason. */
  readonly abandon: (jobs: ReadonlyArray<OrphanedJob>, reason: string) => Effect.Effect<void, JobQueueError>
}>() {}

export interface JobQueueOptions {
  readonly pollingIntervalSeconds?: number
  readonly heartbeatCron?: string
  /** Retries of a failed flow job before it stays failed (default 5, 5 s doubling). */
  readonly retryLimit?: number
  readonly retryDelaySeconds?: number
}

export const makeJobQueue = (options: JobQueueOptions = {}) =>
  Effect.gen(function* () {
    const database = yield* DatabaseInfo
    const sql = yield* SqlClient.SqlClient
    const runtime = yield* Effect.runtime<never>()
    // `.raw`: pg-boss reads its own snake_case columns, untouched by the client's name transforms
    const sharedDb = {
      executeSql: (text: string, values: Array<unknown> = []) =>
        Runtime.runPromise(runtime)(sql.unsafe(text, values as Array<never>).raw) as Promise<{ rows: Array<any> }>,
    }
    const boss = new PgBoss({
      ...(database.spareConnections === 0
        ? { db: sharedDb }
        : { connectionString: Redacted.value(database.url), max: Math.min(database.spareConnections, 4) }),
      application_name: "vortex-jobs",
      // failed jobs stay visible for a week, completed ones a day
      archiveFailedAfterSeconds: 7 * 24 * 3600,
      archiveCompletedAfterSeconds: 24 * 3600,
    })
    boss.on("error", (error) => Runtime.runFork(Runtime.defaultRuntime)(Effect.logError("job queue", error)))
    yield* Effect.acquireRelease(
      attempt("cannot start the job queue", () => boss.start()),
      () => Effect.promise(() => boss.stop({ graceful: true, wait: true, timeout: 10_000 })).pipe(Effect.ignore),
    )
    // Processes starting together on a fresh database create the same queues at once, and
    // pg-boss's createQueue can then deadlock against itself: PostgreSQL aborts one of them, and
    // trying again a moment later finds the queue made by the other.
    const creating = <A>(what: string, f: () => Promise<A>) => attempt(what, f).pipe(
      Effect.retry({ schedule: Schedule.jittered(Schedule.exponential("100 millis")), times: 5, while: (e) => String(e.cause).includes("deadlock") }))
    for (const flow of FlowName.literals) {
      yield* creating(`cannot create queue ${queueOf(flow)}`, () => boss.createQueue(queueOf(flow), {
        name: queueOf(flow), policy: "stately",
        retryLimit: options.retryLimit ?? 5, retryDelay: options.retryDelaySeconds ?? 5, retryBackoff: true,
        expireInSeconds: expirySeconds[flow],
      }))
    }
    yield* creating("cannot create the heartbeat queue", () => boss.createQueue(HEARTBEAT_QUEUE, { name: HEARTBEAT_QUEUE, policy: "singleton" }))
    // pg-boss sends a scheduled job once per slot however many processes run: the cluster-wide clock
    yield* attempt("cannot schedule the heartbeat", () => boss.schedule(HEARTBEAT_QUEUE, options.heartbeatCron ?? "* * * * *"))

    const localWorkers = new Map<string, Array<string>>()
    const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 2
    const wakeLocal = (queue: string) => { for (const worker of localWorkers.get(queue) ?? []) boss.notifyWorker(worker) }

    if (database.kind === "server") {
      const pg = yield* PgClient.PgClient
      yield* pg.listen(JOBS_CHANNEL).pipe(
        Stream.runForEach((queue) => Effect.sync(() => wakeLocal(queue))),
        Effect.catchAllCause((cause) => Effect.logWarning("job wake-ups from other processes stopped; workers fall back to polling", cause)),
        Effect.forkScoped,
      )
    }

    const enqueue = (job: FlowJob) => Effect.gen(function* () {
      const queue = queueOf(job.flow)
      const id = yield* attempt(`cannot enqueue ${queue}`, () =>
        boss.send(queue, Schema.encodeSync(FlowJob)(job) as object, { singletonKey: singletonKeyOf(job) }))
      // a worker in this process need not wait for its next poll…
      wakeLocal(queue)
      // …nor one in another process (null: the wake-up coalesced into a job already queued and announced)
      if (id !== null && database.kind === "server") {
        yield* sql`SELECT pg_notify(${JOBS_CHANNEL}, ${queue})`.pipe(Effect.ignore)
      }
      return id
    }).pipe(Effect.withSpan("JobQueue.enqueue", { attributes: { flow: job.flow, pipeline: job.pipeline } }))

    const work = (handler: (job: FlowJob, claim: JobClaim) => Effect.Effect<void, unknown>) => Effect.gen(function* () {
      const runtime = yield* Effect.runtime<never>()
      for (const flow of FlowName.literals) {
        const queue = queueOf(flow)
        const id = yield* attempt(`cannot work ${queue}`, () =>
          boss.work<unknown>(queue, { batchSize: 1, pollingIntervalSeconds }, async ([job]) => {
            if (job === undefined) return
            const decoded = Schema.decodeUnknownSync(FlowJob)(job.data)
            // a failure rejects the promise: pg-boss records it on the job and retries with backoff
            await Runtime.runPromise(runtime)(handler(decoded, { jobId: job.id }).pipe(Effect.mapError((e) => e instanceof Error ? e : new Error(String(e)))))
          }))
        localWorkers.set(queue, [...(localWorkers.get(queue) ?? []), id])
      }
    })

    const onHeartbeat = (handler: Effect.Effect<void, unknown>) => Effect.gen(function* () {
      const runtime = yield* Effect.runtime<never>()
      yield* attempt("cannot work the heartbeat", () =>
        boss.work(HEARTBEAT_QUEUE, { batchSize: 1, pollingIntervalSeconds }, async () => {
          await Runtime.runPromise(runtime)(handler.pipe(Effect.mapError((e) => e instanceof Error ? e : new Error(String(e)))))
        }))
    })

    const failed = (limit = 50, tenantId?: string) => attempt("cannot list failed jobs", async () => {
      const rows = await boss.getDb().executeSql(
        `SELECT id, name, data, output, completed_on FROM pgboss.job WHERE state = 'failed' AND ($2::text IS NULL OR data->>'tenantId' = $2)
         UNION ALL SELECT id, name, data, output, completed_on FROM pgboss.archive WHERE state = 'failed' AND ($2::text IS NULL OR data->>'tenantId' = $2)
         ORDER BY completed_on DESC NULLS LAST LIMIT $1`, [limit, tenantId ?? null])
      return rows.rows.map((r): FailedJob => ({ id: r.id, queue: r.name, data: r.data, output: r.output, failedAt: r.completed_on }))
    })

    const pending = (flow: FlowName) => attempt("cannot count jobs", () => boss.getQueueSize(queueOf(flow)))

    const orphaned = (alive: ReadonlyArray<number>, claimGraceSeconds: number) => attempt("cannot look for orphaned jobs", async () => {
      const rows = await boss.getDb().executeSql(
        `SELECT j.id::text AS id, j.name FROM pgboss.job j
         WHERE j.state = 'active' AND (
           (j.name LIKE 'flow-%' AND NOT EXISTS (
              SELECT 1 FROM sync_runs r WHERE r.job_id = j.id AND r.worker_id = ANY($1::int[]))
            AND (EXISTS (SELECT 1 FROM sync_runs r WHERE r.job_id = j.id) OR j.started_on < now() - make_interval(secs => $2)))
           OR (j.name = $3 AND j.started_on < now() - interval '60 seconds'))`,
        [[...alive], claimGraceSeconds, HEARTBEAT_QUEUE])
      return rows.rows.map((r): OrphanedJob => ({ id: r.id, queue: r.name }))
    })

    const abandon = (jobs: ReadonlyArray<OrphanedJob>, reason: string) => Effect.forEach(jobs, (job) =>
      attempt(`cannot hand back job ${job.id}`, () => boss.fail(job.queue, job.id, { message: reason })), { discard: true })

    return { enqueue, work, onHeartbeat, failed, pending, orphaned, abandon } satisfies Context.Tag.Service<JobQueue>
  })

export const JobQueueLive = (options: JobQueueOptions = {}) => Layer.scoped(JobQueue, makeJobQueue(options))

import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { FlowJob } from "../jobs/FlowJob.js"
import { WorkerRegistry } from "../jobs/WorkerRegistry.js"
import type { FlowReport } from "./FlowReport.js"

export interface SyncRun {
  readonly id: string
  readonly pipeline: string
  readonly flow: string
  readonly trigger: string
  readonly dryRun: boolean
  readonly status: "running" | "succeeded" | "partial" | "failed" | "abandoned"
  readonly startedAt: Date
  readonly finishedAt: Date | null
  readonly read: number
  readonly written: number
  readonly skipped: number
  readonly failed: number
  readonly apiCalls: number
  readonly errors: ReadonlyArray<{ readonly item?: string; readonly message: string }>
  readonly warnings: ReadonlyArray<string>
}

// A run's error list is for reading, not an archive: the first hundred say what went wrong.
const MAX_ERRORS = 100

/** A run closed because the worker running it died. */
export interface AbandonedRun {
  readonly id: string
  readonly tenantId: string
  readonly pipeline: string
  readonly flow: string
  readonly workerId: number | null
  readonly jobId: string | null
}

/** When each flow of a pipeline last succeeded (`null`: never) and first ran. */
export interface FlowHealthRow {
  readonly pipeline: string
  readonly flow: string
  readonly lastSuccessAt: Date | null
  readonly firstRunAt: Date
}

/** The record of every sync run (issue: "every run recorded"). */
export class SyncRuns extends Effect.Service<SyncRuns>()("engine/SyncRuns", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const worker = yield* WorkerRegistry

    /**
     * Records a run as this worker's. `jobId` names the queued job it works, so a reaper can hand
     * the job back to the queue when this worker dies (engine/jobs/RunReaper.ts).
     */
    const start = Effect.fn("SyncRuns.start")(function* (job: FlowJob, claim: { readonly jobId?: string } = {}) {
      const rows = yield* sql<{ id: string }>`
        INSERT INTO sync_runs ${sql.insert({
          tenantId: job.tenantId, pipeline: job.pipeline, flow: job.flow, trigger: job.trigger, dryRun: job.dryRun ?? false,
          workerId: worker.id, jobId: claim.jobId ?? null,
        })}
        RETURNING id::text AS id`
      return rows[0]!.id
    }, Effect.orDie)

    const finish = Effect.fn("SyncRuns.finish")((id: string, outcome: { readonly report: FlowReport } | { readonly crash: string }) => {
      const report = "report" in outcome ? outcome.report : undefined
      const status = report === undefined ? "failed" : report.failed > 0 ? "partial" : "succeeded"
      const errors = report === undefined ? [{ message: "crash" in outcome ? outcome.crash : "" }] : report.errors.slice(0, MAX_ERRORS)
      return sql`
        UPDATE sync_runs SET status = ${status}, finished_at = now(),
          read = ${report?.read ?? 0}, written = ${report?.written ?? 0}, skipped = ${report?.skipped ?? 0},
          failed = ${report?.failed ?? 0}, api_calls = ${report?.apiCalls ?? 0}, errors = ${JSON.stringify(errors)}::jsonb,
          warnings = ${JSON.stringify(report?.warnings ?? [])}::jsonb
        WHERE id = ${id}::bigint AND status = 'running'`.pipe(Effect.asVoid, Effect.orDie)
    })

    /**
     * Closes as `abandoned` every run whose worker is not among `alive` (and any from before
     * runs named their worker): a dead process never finishes them, and left `running` they
     * would read as work in progress forever.
     */
    const abandonDead = Effect.fn("SyncRuns.abandonDead")((alive: ReadonlyArray<number>) =>
      sql<AbandonedRun>`
        UPDATE sync_runs SET status = 'abandoned', finished_at = now(),
          errors = jsonb_build_array(jsonb_build_object('message', 'abandoned: the worker running it stopped before it finished; its job is handed back to the queue'))
        WHERE status = 'running' AND (worker_id IS NULL OR NOT (worker_id = ANY(${[...alive]}::int[])))
        RETURNING id::text AS id, tenant_id, pipeline, flow, worker_id, job_id::text AS job_id`.pipe(Effect.orDie))

    /** Per flow of the tenant's pipelines: the last successful run and the first run (dry runs aside). */
    const flowHealth = Effect.fn("SyncRuns.flowHealth")((tenantId: string) =>
      sql<FlowHealthRow>`
        SELECT pipeline, flow,
          max(finished_at) FILTER (WHERE status IN ('succeeded', 'partial')) AS last_success_at,
          min(started_at) AS first_run_at
        FROM sync_runs WHERE tenant_id = ${tenantId} AND NOT dry_run
        GROUP BY pipeline, flow ORDER BY pipeline, flow`.pipe(Effect.orDie))

    const recent = Effect.fn("SyncRuns.recent")((tenantId: string, limit = 50) =>
      sql<SyncRun>`
        SELECT id::text AS id, pipeline, flow, trigger, dry_run, status, started_at, finished_at, read, written, skipped, failed, api_calls, errors, warnings
        FROM sync_runs WHERE tenant_id = ${tenantId} ORDER BY started_at DESC, id DESC LIMIT ${limit}`.pipe(Effect.orDie))

    /** When each flow of a pipeline last started on a heartbeat: the heartbeat's "is it due?". */
    const lastHeartbeat = Effect.fn("SyncRuns.lastHeartbeat")((tenantId: string, pipeline: string) =>
      sql<{ flow: string; startedAt: Date }>`
        SELECT flow, max(started_at) AS started_at FROM sync_runs
        WHERE tenant_id = ${tenantId} AND pipeline = ${pipeline} AND trigger = 'heartbeat'
        GROUP BY flow`.pipe(Effect.map((rows) => new Map(rows.map((r) => [r.flow, r.startedAt]))), Effect.orDie))

    return { start, finish, abandonDead, flowHealth, recent, lastHeartbeat } as const
  }),
}) {}

import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { FlowJob } from "../jobs/FlowJob.js"
import type { FlowReport } from "./FlowReport.js"

export interface SyncRun {
  readonly id: string
  readonly pipeline: string
  readonly flow: string
  readonly trigger: string
  readonly dryRun: boolean
  readonly status: "running" | "succeeded" | "partial" | "failed"
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

/** The record of every sync run (issue: "every run recorded"). */
export class SyncRuns extends Effect.Service<SyncRuns>()("engine/SyncRuns", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const start = Effect.fn("SyncRuns.start")(function* (job: FlowJob) {
      const rows = yield* sql<{ id: string }>`
        INSERT INTO sync_runs ${sql.insert({ tenantId: job.tenantId, pipeline: job.pipeline, flow: job.flow, trigger: job.trigger, dryRun: job.dryRun ?? false })}
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
        WHERE id = ${id}::bigint`.pipe(Effect.asVoid, Effect.orDie)
    })

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

    /** When the last run of a flow that read its source to the end started: a poll's watermark. */
    const lastCompleteStart = Effect.fn("SyncRuns.lastCompleteStart")((tenantId: string, pipeline: string, flow: string) =>
      sql<{ startedAt: Date | null }>`
        SELECT max(started_at) AS started_at FROM sync_runs
        WHERE tenant_id = ${tenantId} AND pipeline = ${pipeline} AND flow = ${flow}
          AND status IN ('succeeded', 'partial') AND NOT dry_run`.pipe(Effect.map((rows) => rows[0]?.startedAt ?? null), Effect.orDie))

    return { start, finish, recent, lastHeartbeat, lastCompleteStart } as const
  }),
}) {}

import type { FlowName } from "../jobs/FlowJob.js"

/** What one flow run did, counted so that "API economy" can be asserted and shown. */
export interface FlowReport {
  /** Records read from the source. */
  readonly read: number
  /** Records written to the target (created or updated). */
  readonly written: number
  /** Records that needed no write (unchanged, filtered out by `when`). */
  readonly skipped: number
  /** Records that failed; each has an entry in `errors`, the rest of the run went on. */
  readonly failed: number
  /** Outbound API calls made. */
  readonly apiCalls: number
  readonly errors: ReadonlyArray<{ readonly item?: string; readonly message: string }>
  /** What the operator must know although nothing failed, e.g. a source read only in part. */
  readonly warnings?: ReadonlyArray<string>
  /** Flow-specific counts, e.g. catalog: articles read by listing and by id. */
  readonly counters?: Readonly<Record<string, number>>
  /** Flows of the same pipeline to run next because of what this run found. */
  readonly wake?: ReadonlyArray<FlowName>
}

export const emptyReport: FlowReport = { read: 0, written: 0, skipped: 0, failed: 0, apiCalls: 0, errors: [] }

export const addReports = (a: FlowReport, b: FlowReport): FlowReport => ({
  read: a.read + b.read,
  written: a.written + b.written,
  skipped: a.skipped + b.skipped,
  failed: a.failed + b.failed,
  apiCalls: a.apiCalls + b.apiCalls,
  errors: [...a.errors, ...b.errors],
  warnings: [...(a.warnings ?? []), ...(b.warnings ?? [])],
})

import type { FlowHealthRow } from "./SyncRuns.js"

/** A flow that has not succeeded for twice its heartbeat: something keeps it from running. */
export interface StaleFlow {
  readonly pipeline: string
  readonly flow: string
  /** `null`: it has run, but never successfully. */
  readonly lastSuccessAt: Date | null
  /** How long it has gone without success, in seconds. */
  readonly forSeconds: number
}

/**
 * Judges each scheduled flow against its own history (issue #10: "a flow with no successful run
 * for 2× its heartbeat is a visible problem"). A flow that never ran is not judged: the
 * heartbeat has yet to start it. Since its first run counts as the start of the wait otherwise.
 */
export const staleFlows = (
  scheduled: ReadonlyArray<{ readonly pipeline: string; readonly flows: ReadonlyArray<string>; readonly heartbeatSeconds: number }>,
  history: ReadonlyArray<FlowHealthRow>,
  now: number,
): ReadonlyArray<StaleFlow> => {
  const stale: Array<StaleFlow> = []
  for (const pipeline of scheduled) {
    for (const flow of pipeline.flows) {
      const row = history.find((h) => h.pipeline === pipeline.pipeline && h.flow === flow)
      if (row === undefined) continue
      const since = (row.lastSuccessAt ?? row.firstRunAt).getTime()
      const forSeconds = Math.floor((now - since) / 1000)
      if (forSeconds >= 2 * pipeline.heartbeatSeconds) stale.push({ pipeline: pipeline.pipeline, flow, lastSuccessAt: row.lastSuccessAt, forSeconds })
    }
  }
  return stale
}

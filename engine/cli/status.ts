import { Console, Effect } from "effect"
import { parseArgs } from "node:util"
import { OrderRepo } from "../orders/OrderRepo.js"
import { SyncRuns } from "../sync/SyncRuns.js"
import { Tenants } from "../tenancy/Tenants.js"
import type { Command } from "./Command.js"
import { EngineFromEnv } from "./EngineProcess.js"

const usage = `usage: vortex status [--tenant SLUG] [--runs N]

The latest sync runs of a tenant and how many orders are in each state.`

export const command: Command = {
  summary: "recent sync runs and order states of a tenant",
  usage,
  run: (args) => Effect.gen(function* () {
    const { values } = yield* Effect.try(() => parseArgs({
      args: [...args],
      options: { tenant: { type: "string", default: process.env.VORTEX_TENANT ?? "default" }, runs: { type: "string", default: "20" } },
    }))
    return yield* Effect.gen(function* () {
      const tenant = yield* (yield* Tenants).bySlug(values.tenant)
      const runs = yield* (yield* SyncRuns).recent(tenant.id, Number(values.runs) || 20)
      yield* Console.log(`tenant ${tenant.slug}: last ${runs.length} sync run(s)`)
      for (const r of runs) {
        yield* Console.log(`  ${r.startedAt.toISOString()}  ${r.pipeline.padEnd(24)} ${r.flow.padEnd(8)} ${r.trigger.padEnd(12)} ${r.status.padEnd(9)} read ${r.read}, written ${r.written}, failed ${r.failed}, ${r.apiCalls} calls`)
        for (const warning of r.warnings) yield* Console.log(`    warning: ${warning}`)
      }
      const counts = yield* (yield* OrderRepo).countByState(tenant.id)
      yield* Console.log(`orders: ${Object.entries(counts).map(([s, n]) => `${s} ${n}`).join(", ") || "none yet"}`)
      return 0
    }).pipe(Effect.provide(EngineFromEnv))
  }).pipe(Effect.catchAll((error) => Console.error(`vortex status: ${error.message}`).pipe(Effect.as(1)))),
}

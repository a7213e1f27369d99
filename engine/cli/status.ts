import { Clock, Console, Effect } from "effect"
import { parseArgs } from "node:util"
import { OrderRepo } from "../orders/OrderRepo.js"
import { LoadedPipelines } from "../runtime/LoadedPipelines.js"
import { staleFlows } from "../sync/FlowHealth.js"
import { SyncRuns } from "../sync/SyncRuns.js"
import { Tenants } from "../tenancy/Tenants.js"
import type { Command } from "./Command.js"
import { EngineFromEnv } from "./EngineProcess.js"

const usage = `usage: vortex status [--tenant SLUG] [--runs N]

The latest sync runs of a tenant, flows gone twice their heartbeat without a successful run,
how many orders are in each state, and the oversold orders waiting for an operator.`

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
      const scheduled = (yield* (yield* LoadedPipelines).all(tenant.id)).map((p) => ({ pipeline: p.binding.name, flows: p.flows, heartbeatSeconds: p.heartbeatSeconds }))
      const stale = staleFlows(scheduled, yield* (yield* SyncRuns).flowHealth(tenant.id), yield* Clock.currentTimeMillis)
      for (const s of stale) {
        yield* Console.log(`STALE: ${s.pipeline} ${s.flow}: no successful run for ${Math.round(s.forSeconds / 60)} min (last success ${s.lastSuccessAt?.toISOString() ?? "never"})`)
      }
      const orders = yield* OrderRepo
      const counts = yield* orders.countByState(tenant.id)
      yield* Console.log(`orders: ${Object.entries(counts).map(([s, n]) => `${s} ${n}`).join(", ") || "none yet"}`)
      for (const o of yield* orders.listByState(tenant.id, "oversold", 20)) {
        yield* Console.log(`  OVERSOLD ${o.channelOrderId} (received ${o.receivedAt.toISOString()}): ${o.failureReason ?? ""}`)
      }
      return 0
    }).pipe(Effect.provide(EngineFromEnv))
  }).pipe(Effect.catchAll((error) => Console.error(`vortex status: ${error.message}`).pipe(Effect.as(1)))),
}

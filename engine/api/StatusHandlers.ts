import { HttpApiBuilder } from "@effect/platform"
import { Clock, Effect } from "effect"
import { OrderRepo } from "../orders/OrderRepo.js"
import { LoadedPipelines } from "../runtime/LoadedPipelines.js"
import { staleFlows } from "../sync/FlowHealth.js"
import { SyncRuns } from "../sync/SyncRuns.js"
import { CurrentTenant } from "./Authentication.js"
import { VortexApi } from "./VortexApi.js"

// Oversold orders wait for an operator (restock and reopen, or cancel on the channel): the
// newest hundred are enough to act on; counts by state say how many there are in all.
const OVERSOLD_SHOWN = 100

export const StatusHandlers = HttpApiBuilder.group(VortexApi, "status", (handlers) =>
  Effect.gen(function* () {
    const runs = yield* SyncRuns
    const orders = yield* OrderRepo
    const loaded = yield* LoadedPipelines
    return handlers.handle("summary", ({ urlParams }) => Effect.gen(function* () {
      const { tenantId } = yield* CurrentTenant
      const now = yield* Clock.currentTimeMillis
      const history = yield* runs.flowHealth(tenantId)
      const scheduled = (yield* loaded.all(tenantId)).map((p) => ({ pipeline: p.binding.name, flows: p.flows, heartbeatSeconds: p.heartbeatSeconds }))
      const stale = staleFlows(scheduled, history, now)
      return {
        runs: yield* runs.recent(tenantId, urlParams.runs ?? 50),
        flows: history.map((h) => ({
          pipeline: h.pipeline, flow: h.flow, lastSuccessAt: h.lastSuccessAt,
          stale: stale.some((s) => s.pipeline === h.pipeline && s.flow === h.flow),
        })),
        orders: yield* orders.countByState(tenantId),
        oversold: (yield* orders.listByState(tenantId, "oversold", OVERSOLD_SHOWN)).map((o) => ({
          channelOrderId: o.channelOrderId, connectionId: o.connectionId, reason: o.failureReason, receivedAt: o.receivedAt,
        })),
      }
    }))
  }))

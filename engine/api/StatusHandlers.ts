import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { OrderRepo } from "../orders/OrderRepo.js"
import { SyncRuns } from "../sync/SyncRuns.js"
import { CurrentTenant } from "./Authentication.js"
import { VortexApi } from "./VortexApi.js"

export const StatusHandlers = HttpApiBuilder.group(VortexApi, "status", (handlers) =>
  Effect.gen(function* () {
    const runs = yield* SyncRuns
    const orders = yield* OrderRepo
    return handlers.handle("summary", ({ urlParams }) => Effect.gen(function* () {
      const { tenantId } = yield* CurrentTenant
      return {
        runs: yield* runs.recent(tenantId, urlParams.runs ?? 50),
        orders: yield* orders.countByState(tenantId),
      }
    }))
  }))

import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { ConnectionNotFound } from "../stock/errors.js"
import { StockLedger } from "../stock/StockLedger.js"
import { StockPublisher } from "../stock/StockPublisher.js"
import { StockTargets } from "../stock/StockTargets.js"
import { CurrentTenant } from "./Authentication.js"
import { VortexApi } from "./VortexApi.js"

export const StockHandlers = HttpApiBuilder.group(VortexApi, "stock", (handlers) =>
  Effect.gen(function* () {
    const ledger = yield* StockLedger
    const publisher = yield* StockPublisher
    const targets = yield* StockTargets
    return handlers
      .handle("list", () => Effect.flatMap(CurrentTenant, (t) => ledger.list(t.tenantId)))
      .handle("show", ({ path }) => Effect.gen(function* () {
        const { tenantId } = yield* CurrentTenant
        return { level: yield* ledger.get(tenantId, path.sku), movements: yield* ledger.movements(tenantId, path.sku) }
      }))
      .handle("set", ({ path, payload }) =>
        Effect.flatMap(CurrentTenant, (t) => ledger.set(t.tenantId, path.sku, payload.onHand, { actor: t.actor })))
      .handle("adjust", ({ path, payload }) =>
        Effect.flatMap(CurrentTenant, (t) => ledger.adjust(t.tenantId, path.sku, payload.delta, { actor: t.actor, ...(payload.reason === undefined ? {} : { reason: payload.reason }) })))
      .handle("import", ({ payload }) =>
        Effect.flatMap(CurrentTenant, (t) => ledger.importCsv(t.tenantId, payload, { actor: t.actor })))
      .handle("channel", ({ path }) => Effect.gen(function* () {
        const { tenantId } = yield* CurrentTenant
        // A connection of another tenant answers exactly like one that does not exist.
        if (!(yield* targets.list(tenantId)).includes(path.connectionId.toLowerCase())) {
          return yield* Effect.fail(new ConnectionNotFound({ connectionId: path.connectionId }))
        }
        return yield* publisher.channelStock(tenantId, path.connectionId)
      }))
  }))

import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { ConnectionNotFound } from "../stock/errors.js"
import { StockLedger } from "../stock/StockLedger.js"
import { StockPublisher } from "../stock/StockPublisher.js"
import { StockTargets } from "../stock/StockTargets.js"
import { CurrentTenant } from "./Authentication.js"
import { VortexApi } from "./VortexApi.js"

const DEFAULT_PAGE = 500

export const StockHandlers = HttpApiBuilder.group(VortexApi, "stock", (handlers) =>
  Effect.gen(function* () {
    const ledger = yield* StockLedger
    const publisher = yield* StockPublisher
    const targets = yield* StockTargets
    return handlers
      .handle("list", ({ urlParams }) =>
        Effect.flatMap(CurrentTenant, (t) => ledger.page(t.tenantId, { limit: urlParams.limit ?? DEFAULT_PAGE, after: urlParams.after })))
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
      .handle("channel", ({ path, urlParams }) => Effect.gen(function* () {
        const { tenantId } = yield* CurrentTenant
        // A connection of another tenant answers exactly like one that does not exist.
        if (!(yield* targets.list(tenantId)).includes(path.connectionId.toLowerCase())) {
          return yield* Effect.fail(new ConnectionNotFound({ connectionId: path.connectionId }))
        }
        const all = yield* publisher.channelStock(tenantId, path.connectionId.toLowerCase())
        const after = urlParams.after
        // the page starts right after the SKU named (in the database's order), else after where it would sort
        const named = after === undefined ? -1 : all.findIndex((s) => s.sku === after)
        const from = after === undefined ? 0 : named >= 0 ? named + 1 : all.findIndex((s) => s.sku > after)
        return from < 0 ? [] : all.slice(from, from + (urlParams.limit ?? DEFAULT_PAGE))
      }))
  }))

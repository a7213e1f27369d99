import { Effect, Stream } from "effect"
import { DatabaseInfo } from "../db/Database.js"
import { JobQueue } from "../jobs/JobQueue.js"
import { serverSignals, StockSignals } from "../stock/StockSignals.js"
import { LoadedPipelines } from "./LoadedPipelines.js"

/**
 * Turns "these connections have dirty SKUs" into stock jobs at once (ARCHITECTURE.md §7: every
 * reservation immediately enqueues a push to every channel). In this process the ledger's
 * PubSub says so; on a server, NOTIFY carries it from every other process too. Wake-ups of one
 * pipeline coalesce in the queue, and the outbox makes a lost wake-up harmless: the heartbeat
 * drains it.
 */
export const runStockWakeups = Effect.gen(function* () {
  const signals = yield* StockSignals
  const queue = yield* JobQueue
  const loaded = yield* LoadedPipelines
  const database = yield* DatabaseInfo
  const events = database.kind === "server" ? Stream.merge(signals.events, serverSignals) : signals.events
  yield* events.pipe(
    Stream.runForEach((event) => Effect.gen(function* () {
      const pipelines = yield* loaded.all(event.tenantId)
      for (const p of pipelines) {
        if (event.connectionIds.includes(p.binding.targetConnectionId) && p.flows.includes("stock")) {
          yield* queue.enqueue({ tenantId: p.binding.tenantId, pipeline: p.binding.name, flow: "stock", trigger: "stock-change" })
        }
      }
    }).pipe(Effect.catchAll((e) => Effect.logWarning("stock wake-up not enqueued; the heartbeat will push it", e)))),
  )
})

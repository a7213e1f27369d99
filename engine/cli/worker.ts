import { Console, Effect } from "effect"
import { DatabaseInfo } from "../db/Database.js"
import { runStockWakeups } from "../runtime/StockWakeups.js"
import { startWorkers } from "../sync/SyncWorker.js"
import type { Command } from "./Command.js"
import { EngineWithJobsFromEnv } from "./EngineProcess.js"

const usage = `usage: vortex worker

Works the sync queues (flows, heartbeat, stock wake-ups) without serving HTTP. Run N of them
on N machines against one PostgreSQL server (DATABASE_URL): the queue hands each job to one
worker, and the order and stock protocols hold under any interleaving.`

export const command: Command = {
  summary: "work the sync queues only (scale out: N workers, one PostgreSQL)",
  usage,
  run: () => Effect.gen(function* () {
    const database = yield* DatabaseInfo
    if (database.kind === "embedded") {
      yield* Console.log("vortex worker: on the embedded database; other processes cannot share it. Set DATABASE_URL to scale out.")
    }
    yield* startWorkers
    yield* Effect.forkScoped(runStockWakeups)
    yield* Console.log("vortex worker: working the queues")
    return yield* Effect.never
  }).pipe(
    Effect.scoped,
    Effect.provide(EngineWithJobsFromEnv),
    Effect.catchAll((error) => Console.error(`vortex worker: ${error.message}`).pipe(Effect.as(1))),
  ),
}

import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { hostname } from "node:os"
import { DatabaseInfo } from "../db/Database.js"

// Advisory-lock namespace of live worker processes (first key of the two-int form): "Vorw".
// The second key is the process's `worker_processes.id`, so two processes never share a key.
const WORKER_LOCK_NAMESPACE = 0x566f7277

/**
 * Who is alive to run a flow (issue #10: "a run survives its worker"). Every engine process
 * registers one row. On a PostgreSQL server it also takes a session advisory lock keyed by that
 * row on a connection it keeps for its whole life: when the process dies — kill -9, OOM, a lost
 * machine — PostgreSQL ends the session and the lock is gone at once, with no expiry to wait for
 * and no lease a stalled-but-alive process could lose. `alive` reads the granted locks.
 *
 * The embedded database belongs to one process (ARCHITECTURE.md §12), so there the only live worker
 * is this one: whatever an earlier process left running is dead.
 *
 * If the lock's connection itself is lost while the process lives, other processes take its
 * runs over: the order lock and the stock push lock still keep two runs apart per order and
 * per connection, so the cost is a repeated run, never a second order confirmation.
 */
export class WorkerRegistry extends Effect.Service<WorkerRegistry>()("engine/WorkerRegistry", {
  scoped: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const info = yield* DatabaseInfo
    // every CLI call that opens the engine registers too: rows of processes long gone go
    yield* sql`DELETE FROM worker_processes WHERE stopped_at < now() - interval '7 days'`
    const [row] = yield* sql<{ id: number }>`
      INSERT INTO worker_processes (host, pid) VALUES (${hostname()}, ${process.pid}) RETURNING id`
    const id = row!.id
    if (info.kind === "server") {
      const connection = yield* sql.reserve
      yield* connection.execute("SELECT pg_advisory_lock($1, $2)", [WORKER_LOCK_NAMESPACE, id], undefined)
    }
    yield* Effect.addFinalizer(() => sql`UPDATE worker_processes SET stopped_at = now() WHERE id = ${id}`.pipe(Effect.ignore))

    /** The ids of the worker processes alive now (this one included). */
    const alive = info.kind === "embedded"
      ? Effect.succeed<ReadonlyArray<number>>([id])
      : sql<{ id: number }>`
          SELECT objid::bigint::int AS id FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = ${WORKER_LOCK_NAMESPACE}::bigint::oid
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`.pipe(
          Effect.map((rows): ReadonlyArray<number> => rows.map((r) => r.id)),
        )

    /** Where a worker id runs, for log lines an operator can act on. */
    const describe = (workerId: number) =>
      sql<{ host: string; pid: number }>`SELECT host, pid FROM worker_processes WHERE id = ${workerId}`.pipe(
        Effect.map((rows) => rows[0] === undefined ? `worker ${workerId}` : `worker ${workerId} (pid ${rows[0].pid} on ${rows[0].host})`),
      )

    return { id, alive: alive.pipe(Effect.orDie), describe: (workerId: number) => describe(workerId).pipe(Effect.orDie) } as const
  }).pipe(Effect.orDie),
}) {}

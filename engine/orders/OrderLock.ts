import { SqlClient } from "@effect/sql"
import { Effect, Option } from "effect"
import { DatabaseInfo } from "../db/Database.js"

// Advisory-lock namespace of order locks (first key of the two-int form); the second key is a
// hash of the order id. A hash collision only makes one order wait for another, never both run.
const ORDER_LOCK_NAMESPACE = 0x566f7278 // "Vorx"

/**
 * "Two workers never work one order at once" (ARCHITECTURE.md §6.2).
 *
 * Not a row lock held by an open transaction: the intent must be *committed* before lexoffice is
 * called, and a transaction held across a 30 s HTTP call would pin a connection (and on the
 * embedded database, which runs one transaction at a time, stall every other query). Instead:
 * - on a PostgreSQL server, a session advisory lock on a connection reserved for the duration.
 *   Another process (`vortex worker` on another machine) trying the same order gets `false` at
 *   once (a try-lock, like SKIP LOCKED); a crashed process's session ends and frees the lock;
 * - always, an in-process set, which is all the embedded database needs: PGlite is opened by one
 *   process only, and all its sockets share one backend session, where advisory locks would be
 *   re-entrant and exclude nothing.
 * On a server each held lock pins one pooled connection while the order's own queries use
 * others: a process must work fewer orders at once than half its pool size.
 */
export class OrderLock extends Effect.Service<OrderLock>()("engine/OrderLock", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const info = yield* DatabaseInfo
    const held = new Set<string>()

    const takeLocal = (orderId: string) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          if (held.has(orderId)) return false
          held.add(orderId)
          return true
        }),
        (taken) => Effect.sync(() => taken && held.delete(orderId)),
      )

    const takeAdvisory = (orderId: string) =>
      Effect.gen(function* () {
        const connection = yield* sql.reserve
        return yield* Effect.acquireRelease(
          connection.execute(
            "SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked",
            [ORDER_LOCK_NAMESPACE, orderId],
            undefined,
          ).pipe(Effect.map((rows) => (rows[0] as { locked: boolean } | undefined)?.locked === true)),
          (locked) =>
            locked
              ? connection.execute("SELECT pg_advisory_unlock($1, hashtext($2))", [ORDER_LOCK_NAMESPACE, orderId], undefined).pipe(Effect.ignore)
              : Effect.void,
        )
      })

    /** Runs `body` holding the order's lock; `None` when another worker holds it (try again later). */
    const withLock = <A, E, R>(orderId: string, body: Effect.Effect<A, E, R>): Effect.Effect<Option.Option<A>, E, R> =>
      Effect.scoped(Effect.gen(function* () {
        if (!(yield* takeLocal(orderId))) return Option.none<A>()
        if (info.kind === "server" && !(yield* takeAdvisory(orderId).pipe(Effect.orDie))) return Option.none<A>()
        return Option.some(yield* body)
      }))

    return { withLock } as const
  }),
}) {}

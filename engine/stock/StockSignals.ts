/**
 * Tells the engine at once that SKUs became dirty, so a push starts within milliseconds instead
 * of waiting for the heartbeat. In this process: a PubSub the ledger publishes to after each
 * commit. Across processes: the ledger also sends `NOTIFY vortex_stock` inside the same
 * transaction (delivered on commit), which `serverSignals` turns into the same events.
 * Signals are only wake-ups: the truth is the `stock_dirty` outbox, which a push drains.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, PubSub, Schema, Stream } from "effect"

export const STOCK_CHANNEL = "vortex_stock"

export const StockDirtied = Schema.Struct({
  tenantId: Schema.String,
  /** The stock-target connections that have dirty SKUs now. */
  connectionIds: Schema.Array(Schema.String),
})
export type StockDirtied = typeof StockDirtied.Type

export class StockSignals extends Effect.Service<StockSignals>()("engine/StockSignals", {
  scoped: Effect.gen(function* () {
    const hub = yield* Effect.acquireRelease(PubSub.sliding<StockDirtied>(4096), PubSub.shutdown)
    const publish = (event: StockDirtied) => event.connectionIds.length === 0 ? Effect.void : PubSub.publish(hub, event).pipe(Effect.asVoid)
    /** Events from now on; the subscription lives as long as the stream runs. */
    const events: Stream.Stream<StockDirtied> = Stream.fromPubSub(hub)
    const subscribe = PubSub.subscribe(hub)
    return { publish, events, subscribe } as const
  }),
}) {}

const decode = Schema.decodeUnknownOption(Schema.parseJson(StockDirtied))

/** The same events from every process writing to this PostgreSQL server (LISTEN vortex_stock). */
export const serverSignals: Stream.Stream<StockDirtied, never, PgClient.PgClient> = Stream.unwrap(
  Effect.map(PgClient.PgClient, (pg) => pg.listen(STOCK_CHANNEL)),
).pipe(
  Stream.orDie,
  Stream.filterMap(decode),
)

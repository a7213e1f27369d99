/**
 * Ledger → channel. `push` drains the connection's dirty SKUs and writes only the ones whose
 * published quantity differs from what the channel was last told, in batches at the channel's
 * limit. `reconcile` reads what the channel shows, writes the published value back where it
 * drifted, and records the drift (ARCHITECTURE.md §7: "the heartbeat reads what each channel shows
 * and corrects drift").
 *
 * A dirty mark is deleted only if its `seq` is still the one this push read: a change that
 * commits while a batch is on the wire keeps its mark, so the next push sends it. A failed
 * write leaves its marks in place; nothing is lost to a crash at any point.
 *
 * Never raise a channel on stale knowledge (issue #10). Writes are absolute, so a write
 * overwrites whatever the channel subtracted for orders we have not taken in yet (a late or
 * lost webhook) and puts those units back on sale. Lowering is always safe and goes at once.
 * Raising a channel that has an order intake waits until the intake has read that channel past
 * the moment of the change (`Intake.through`, the orders poll's cursor): until then the mark is
 * *held* (kept, `held_at` set) and the run asks for an intake poll; once the poll has caught
 * up, `intakeCaughtUp` wakes a push that writes it. A reconcile that finds the channel showing
 * less than published takes that as evidence of sales not yet taken in: it records the
 * channel's value as what is published and marks the SKU, so the raise back waits the same way.
 * The channel's own sales need no echo: a reservation lowers that channel's `published` by what
 * it sold (StockLedger.reserve), since the channel already subtracted it.
 * A raise that may go out is added to what the channel shows now (read just before the write),
 * so orders placed since the intake's last poll keep their units off sale.
 */
import { SqlClient } from "@effect/sql"
import { Array as Arr, Effect, Either, Stream } from "effect"
import { DatabaseInfo } from "../db/Database.js"
import type { InvalidBuffer } from "./errors.js"
import { type BufferRule, noBuffer, publishedQuantity } from "./PublishedQuantity.js"
import type { StockTarget } from "./StockTarget.js"
import { markDirty } from "./StockOutbox.js"
import { StockSignals } from "./StockSignals.js"
import { StockTargets } from "./StockTargets.js"

/**
 * The order intake of the channel pushed to. `through`: the start of its last completed poll
 * (null: none yet). A connection without an intake (no orders flow) has no sales to wait for.
 */
export interface Intake {
  readonly through: Date | null
}

export interface PushReport {
  /** Dirty SKUs looked at. */
  readonly considered: number
  /** Raises held until the intake catches up (marks kept). */
  readonly held: number
  /** SKUs written to the channel. */
  readonly written: number
  /** Dirty SKUs whose published value had not changed: cleared without a write. */
  readonly unchanged: number
  /** Write calls made. */
  readonly batches: number
  /** SKUs the channel does not list. */
  readonly missing: ReadonlyArray<string>
}

export interface Drift {
  readonly sku: string
  readonly expected: number
  /** What the channel showed. */
  readonly found: number
}

export interface ReconcileReport {
  readonly push: PushReport
  readonly checked: number
  /** Drift corrected now: the channel showed more than published (or less, with no intake to wait for). */
  readonly drifted: ReadonlyArray<Drift>
  /** The channel showed less than published: sales not taken in yet; the raise back waits for the intake. */
  readonly held: ReadonlyArray<Drift>
  /** Ledger SKUs the channel does not list (the catalog flow has not created them). */
  readonly missing: ReadonlyArray<string>
  /** Drift-fix write calls. */
  readonly batches: number
  /** Read calls (pages) of the channel's quantities. */
  readonly reads: number
}

export interface ChannelStock {
  readonly sku: string
  readonly published: number | null
  readonly pushedAt: Date | null
  readonly channelValue: number | null
  readonly readAt: Date | null
  readonly drift: number
  readonly missing: boolean
}

interface DirtyRow {
  readonly sku: string
  readonly seq: string
  readonly markedAt: Date
  readonly onHand: number | null
  readonly reserved: number | null
  readonly published: number | null
  readonly missing: boolean | null
}

// Advisory-lock namespace of stock pushes (first key of the two-int form): "Vors".
const PUSH_LOCK_NAMESPACE = 0x566f7273

// How old the intake's last completed poll may be when a raise goes out: the orders placed in
// this window are overwritten by the write, and the pipeline's buffer must cover them.
const FRESH_INTAKE_MS = 10_000

/** Dirty SKUs handled per round; a push loops until the outbox it found is empty. */
const ROUND = 10_000

const addPushes = (a: PushReport, b: PushReport): PushReport => ({
  considered: a.considered + b.considered,
  held: a.held + b.held,
  written: a.written + b.written,
  unchanged: a.unchanged + b.unchanged,
  batches: a.batches + b.batches,
  missing: [...a.missing, ...b.missing],
})

export class StockPublisher extends Effect.Service<StockPublisher>()("engine/StockPublisher", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const targets = yield* StockTargets
    const signals = yield* StockSignals
    const info = yield* DatabaseInfo
    // Two pushes of one connection must not interleave: the older could land last and show a
    // stale, higher quantity. In this process a semaphore per connection; on a server also a
    // session advisory lock on a reserved connection, so workers on other machines wait too (a
    // crashed worker's session ends and frees it). PGlite belongs to one process, and its sockets
    // share one backend session where advisory locks would exclude nothing.
    const locks = new Map<string, Effect.Semaphore>()
    const serverLock = (connectionId: string) =>
      Effect.gen(function* () {
        const connection = yield* sql.reserve
        yield* Effect.acquireRelease(
          connection.execute("SELECT pg_advisory_lock($1, hashtext($2))", [PUSH_LOCK_NAMESPACE, connectionId], undefined),
          () => connection.execute("SELECT pg_advisory_unlock($1, hashtext($2))", [PUSH_LOCK_NAMESPACE, connectionId], undefined).pipe(Effect.ignore),
        )
      })
    const exclusive = (connectionId: string) => <A, E, R>(body: Effect.Effect<A, E, R>) => {
      let lock = locks.get(connectionId)
      if (lock === undefined) {
        lock = Effect.unsafeMakeSemaphore(1)
        locks.set(connectionId, lock)
      }
      return lock.withPermits(1)(info.kind === "server" ? Effect.scoped(Effect.zipRight(serverLock(connectionId), body)) : body)
    }

    const compute = (buffer: BufferRule) => (row: { sku: string; onHand: number | null; reserved: number | null }): Either.Either<number, InvalidBuffer> => {
      const onHand = row.onHand ?? 0
      const reserved = row.reserved ?? 0
      return publishedQuantity({ sku: row.sku, onHand, reserved, available: onHand - reserved }, buffer)
    }

    /** Records what the channel was told; SKUs it does not list are kept as missing. */
    const recordWritten = (tenantId: string, connectionId: string, items: ReadonlyArray<{ sku: string; quantity: number }>, missing: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const gone = new Set(missing)
        const written = items.filter((i) => !gone.has(i.sku))
        if (written.length > 0) {
          yield* sql`
            INSERT INTO channel_stock (connection_id, sku, tenant_id, published, pushed_at, missing)
            SELECT ${connectionId}, s.sku, ${tenantId}, s.q, now(), false
            FROM unnest(${written.map((i) => i.sku)}::text[], ${written.map((i) => i.quantity)}::int[]) AS s(sku, q)
            ON CONFLICT (connection_id, sku) DO UPDATE SET published = EXCLUDED.published, pushed_at = now(), missing = false, shown_at = NULL`
        }
        if (gone.size > 0) {
          yield* sql`
            INSERT INTO channel_stock (connection_id, sku, tenant_id, published, missing)
            SELECT ${connectionId}, s.sku, ${tenantId}, NULL, true FROM unnest(${[...gone]}::text[]) AS s(sku)
            ON CONFLICT (connection_id, sku) DO UPDATE SET published = NULL, missing = true`
        }
      })

    const clearMarks = (connectionId: string, rows: ReadonlyArray<DirtyRow>) =>
      rows.length === 0 ? Effect.void : sql`
        DELETE FROM stock_dirty d USING unnest(${rows.map((r) => r.sku)}::text[], ${rows.map((r) => r.seq)}::bigint[]) AS s(sku, seq)
        WHERE d.connection_id = ${connectionId} AND d.sku = s.sku AND d.seq = s.seq`.pipe(Effect.asVoid)

    /**
     * Whether the intake has read the channel past a change marked at `markedAt`, recently enough
     * that the orders placed since (which the write overwrites) are few: a slow intake's
     * catch-up is minutes old by the time the push runs, and a raise on it would put every
     * order placed in those minutes back on sale. Then the raise waits for a quicker poll.
     */
    const raiseAllowed = (intake: Intake | undefined, markedAt: Date, now: Date) =>
      intake === undefined || (intake.through !== null && intake.through.getTime() > markedAt.getTime()
        && now.getTime() - intake.through.getTime() <= FRESH_INTAKE_MS)
    const dbNow = sql<{ now: Date }>`SELECT clock_timestamp() AS now`.pipe(Effect.map((rows) => rows[0]!.now))

    const holdMarks = (connectionId: string, rows: ReadonlyArray<DirtyRow>) =>
      rows.length === 0 ? Effect.void : sql`
        UPDATE stock_dirty d SET held_at = COALESCE(d.held_at, now())
        FROM unnest(${rows.map((r) => r.sku)}::text[], ${rows.map((r) => r.seq)}::bigint[]) AS s(sku, seq)
        WHERE d.connection_id = ${connectionId} AND d.sku = s.sku AND d.seq = s.seq`.pipe(Effect.asVoid)

    /**
     * A raise is applied to what the channel shows now, read just before the write: the channel
     * keeps what it subtracted for orders not yet taken in (shown = published − unseen), and the
     * write adds only the raise — never more than the quantity published. Lowering writes go as
     * they are (on one channel its own sales never lower it; see the header).
     */
    const raisedOnWhatIsShown = (target: StockTarget, batch: ReadonlyArray<{ row: DirtyRow; quantity: number }>) =>
      Effect.gen(function* () {
        const raises = batch.filter((c) => c.row.published !== null && c.row.missing !== true && c.quantity > c.row.published)
        const shown = new Map<string, number>()
        if (raises.length > 0) {
          yield* Stream.runForEach(target.readQuantityPages(raises.map((c) => c.row.sku)), (page) =>
            Effect.sync(() => { for (const [sku, quantity] of page) shown.set(sku, quantity) }))
        }
        return batch.map((c) => {
          const now = raises.includes(c) ? shown.get(c.row.sku) : undefined
          const quantity = now === undefined ? c.quantity : Math.max(0, Math.min(c.quantity, now + c.quantity - c.row.published!))
          return { sku: c.row.sku, quantity }
        })
      })

    const drain = (tenantId: string, connectionId: string, target: StockTarget, buffer: BufferRule, intake: Intake | undefined) =>
      Effect.gen(function* () {
        let considered = 0, written = 0, unchanged = 0, batches = 0, heldCount = 0
        const missing: Array<string> = []
        const value = compute(buffer)
        // keyset over SKUs: held marks stay in the outbox and must not be read again in this drain
        let after = ""
        const now = yield* dbNow
        for (;;) {
          const rows = yield* sql<DirtyRow>`
            SELECT d.sku, d.seq::text AS seq, d.marked_at, l.on_hand, l.reserved, c.published, c.missing
            FROM stock_dirty d
            LEFT JOIN stock_levels l ON l.tenant_id = d.tenant_id AND l.sku = d.sku
            LEFT JOIN channel_stock c ON c.connection_id = d.connection_id AND c.sku = d.sku
            WHERE d.connection_id = ${connectionId} AND d.tenant_id = ${tenantId} AND d.sku > ${after}
            ORDER BY d.sku LIMIT ${ROUND}`
          if (rows.length === 0) break
          after = rows[rows.length - 1]!.sku
          considered += rows.length
          const same: Array<DirtyRow> = []
          const held: Array<DirtyRow> = []
          const changed: Array<{ row: DirtyRow; quantity: number }> = []
          for (const row of rows) {
            const quantity = yield* value(row)
            if (row.published === quantity && row.missing !== true) same.push(row)
            else if (row.published !== null && row.missing !== true && quantity > row.published && !raiseAllowed(intake, row.markedAt, now)) held.push(row)
            else changed.push({ row, quantity })
          }
          yield* clearMarks(connectionId, same)
          yield* holdMarks(connectionId, held)
          heldCount += held.length
          unchanged += same.length
          for (const batch of Arr.chunksOf(changed, target.batchSize)) {
            const items = yield* raisedOnWhatIsShown(target, batch)
            const result = yield* target.setQuantities(items)
            batches++
            // recorded: the quantity published, as the channel shows it once the orders it took
            // and we have not seen yet are reserved (each lowers `published` when it is)
            const published = batch.map((c) => ({ sku: c.row.sku, quantity: c.quantity }))
            yield* sql.withTransaction(Effect.zipRight(
              recordWritten(tenantId, connectionId, published, result.missing),
              clearMarks(connectionId, batch.map((c) => c.row)),
            ))
            written += items.length - result.missing.length
            missing.push(...result.missing)
          }
          // A full round may have left more behind; a short one emptied what was there.
          if (rows.length < ROUND) break
        }
        return { considered, held: heldCount, written, unchanged, batches, missing } satisfies PushReport
      })

    const push = Effect.fn("StockPublisher.push")(function* (connectionId: string, target: StockTarget, buffer: BufferRule = noBuffer, intake?: Intake) {
      const tenantId = yield* targets.tenantOf(connectionId)
      return yield* exclusive(connectionId)(drain(tenantId, connectionId, target, buffer, intake))
    }, Effect.catchTag("SqlError", Effect.die))

    const reconcile = Effect.fn("StockPublisher.reconcile")(function* (connectionId: string, target: StockTarget, buffer: BufferRule = noBuffer, intake?: Intake) {
      const tenantId = yield* targets.tenantOf(connectionId)
      return yield* exclusive(connectionId)(Effect.gen(function* () {
        let pushed: PushReport = yield* drain(tenantId, connectionId, target, buffer, intake)
        const skus = (yield* sql<{ sku: string }>`SELECT sku FROM stock_levels WHERE tenant_id = ${tenantId} ORDER BY sku`).map((r) => r.sku)
        const value = compute(buffer)
        const drifted: Array<Drift> = []
        const held: Array<Drift> = []
        const unseen = new Set(skus)
        const missing = new Set<string>()
        let batches = 0
        // Page by page as the channel answers, each page's ledger rows read just after it, and the
        // dirty SKUs pushed between pages: a reservation during the read-back of 100 000 SKUs
        // reaches the channel within a page, not after the whole reconcile (its wake-up waits
        // behind this job). Pushes are ours alone (the lock), so a page never shows a value
        // newer than the ledger rows read after it.
        let reads = 0
        yield* Stream.runForEach(target.readQuantityPages(skus), (shown) => Effect.gen(function* () {
          reads++
          // taken after the page arrived (the database's clock, as the marks and the intake cursor):
          // the page may reflect any order placed before this moment
          const readAt = yield* dbNow
          const listed = [...shown.keys()].filter((sku) => unseen.has(sku))
          if (listed.length === 0) return
          for (const sku of listed) unseen.delete(sku)
          // a SKU with a change pending is not judged here: the push right after this page sets it
          const ledger = yield* sql<{ sku: string; onHand: number; reserved: number; pending: boolean }>`
            SELECT l.sku, l.on_hand, l.reserved, (d.sku IS NOT NULL) AS pending
            FROM stock_levels l
            LEFT JOIN stock_dirty d ON d.connection_id = ${connectionId} AND d.tenant_id = l.tenant_id AND d.sku = l.sku
            WHERE l.tenant_id = ${tenantId} AND l.sku = ANY(${listed}::text[]) ORDER BY l.sku`
          const fixes: Array<Drift> = []
          const holds: Array<Drift> = []
          const seen: Array<{ sku: string; found: number; expected: number }> = []
          for (const row of ledger) {
            if (row.pending) continue
            const expected = yield* value(row)
            const found = shown.get(row.sku)!
            seen.push({ sku: row.sku, found, expected })
            if (found > expected || (found < expected && raiseAllowed(intake, readAt, readAt))) fixes.push({ sku: row.sku, expected, found })
            else if (found < expected) holds.push({ sku: row.sku, expected, found })
          }
          const absent: Array<string> = []
          for (const batch of Arr.chunksOf(fixes, target.batchSize)) {
            const items = batch.map((d) => ({ sku: d.sku, quantity: d.expected }))
            const result = yield* target.setQuantities(items)
            batches++
            absent.push(...result.missing)
            yield* recordWritten(tenantId, connectionId, items, result.missing)
          }
          drifted.push(...fixes)
          held.push(...holds)
          for (const sku of absent) missing.add(sku)
          yield* recordReadBack(tenantId, connectionId, seen, absent, fixes)
          yield* recordShownLess(tenantId, connectionId, holds, readAt)
          pushed = addPushes(pushed, yield* drain(tenantId, connectionId, target, buffer, intake))
        }))
        // ledger SKUs no page listed: the channel does not show them (the catalog has not created them)
        for (const sku of unseen) missing.add(sku)
        yield* recordReadBack(tenantId, connectionId, [], [...unseen], [])
        return { push: pushed, checked: skus.length, drifted, held, missing: [...missing].sort(), batches, reads } satisfies ReconcileReport
      }))
    }, Effect.catchTag("SqlError", Effect.die))

    /**
     * The channel shows less than published: that is what it publishes now, and the raise back to
     * the ledger's quantity is a held change (marked after the read, so it waits for an intake
     * that read the channel after it).
     */
    const recordShownLess = (tenantId: string, connectionId: string, holds: ReadonlyArray<Drift>, readAt: Date) =>
      holds.length === 0 ? Effect.void : sql.withTransaction(Effect.gen(function* () {
        yield* sql`
          UPDATE channel_stock c SET published = s.found, shown_at = ${readAt}
          FROM unnest(${holds.map((h) => h.sku)}::text[], ${holds.map((h) => h.found)}::int[]) AS s(sku, found)
          WHERE c.connection_id = ${connectionId} AND c.tenant_id = ${tenantId} AND c.sku = s.sku`
        yield* markDirty(sql, tenantId, holds.map((h) => h.sku), connectionId)
        yield* sql`UPDATE stock_dirty SET held_at = now() WHERE connection_id = ${connectionId} AND sku = ANY(${holds.map((h) => h.sku)}::text[])`
      }))

    /**
     * The intake has read the channel through `through`: if raises held on changes older than
     * that wait in the outbox, wake a push (it writes them now).
     */
    const intakeCaughtUp = Effect.fn("StockPublisher.intakeCaughtUp")(function* (tenantId: string, connectionId: string, through: Date) {
      const rows = yield* sql<{ waiting: boolean }>`
        SELECT EXISTS (SELECT 1 FROM stock_dirty WHERE connection_id = ${connectionId} AND held_at IS NOT NULL AND marked_at < ${through}) AS waiting`
      if (rows[0]?.waiting === true) yield* signals.publish({ tenantId, connectionIds: [connectionId] })
    }, Effect.catchTag("SqlError", Effect.die))

    /** Whether a raise waits for an intake that reads the channel past `through` (null: any held raise). */
    const holdsWaiting = Effect.fn("StockPublisher.holdsWaiting")(function* (connectionId: string, through: Date | null) {
      const rows = yield* sql<{ waiting: boolean }>`
        SELECT EXISTS (SELECT 1 FROM stock_dirty WHERE connection_id = ${connectionId} AND held_at IS NOT NULL
          ${through === null ? sql`` : sql`AND marked_at >= ${through}`}) AS waiting`
      return rows[0]?.waiting === true
    }, Effect.catchTag("SqlError", Effect.die))

    /** What a read-back saw: each SKU's channel value and drift, the unlisted ones, the drift log. */
    const recordReadBack = (
      tenantId: string, connectionId: string,
      seen: ReadonlyArray<{ sku: string; found: number; expected: number }>, missing: ReadonlyArray<string>, drifted: ReadonlyArray<Drift>,
    ) => sql.withTransaction(Effect.gen(function* () {
      if (seen.length > 0) {
        yield* sql`
          INSERT INTO channel_stock (connection_id, sku, tenant_id, channel_value, read_at, drift)
          SELECT ${connectionId}, s.sku, ${tenantId}, s.found, now(), s.found - s.expected
          FROM unnest(${seen.map((s) => s.sku)}::text[], ${seen.map((s) => s.found)}::int[], ${seen.map((s) => s.expected)}::int[]) AS s(sku, found, expected)
          ON CONFLICT (connection_id, sku) DO UPDATE SET channel_value = EXCLUDED.channel_value, read_at = now(), drift = EXCLUDED.drift`
      }
      if (missing.length > 0) {
        yield* sql`
          INSERT INTO channel_stock (connection_id, sku, tenant_id, missing, read_at)
          SELECT ${connectionId}, s.sku, ${tenantId}, true, now() FROM unnest(${[...new Set(missing)]}::text[]) AS s(sku)
          ON CONFLICT (connection_id, sku) DO UPDATE SET published = NULL, missing = true, read_at = now()`
      }
      if (drifted.length > 0) {
        yield* sql`
          INSERT INTO stock_drift (connection_id, tenant_id, sku, expected, found)
          SELECT ${connectionId}, ${tenantId}, s.sku, s.expected, s.found
          FROM unnest(${drifted.map((d) => d.sku)}::text[], ${drifted.map((d) => d.expected)}::int[], ${drifted.map((d) => d.found)}::int[]) AS s(sku, expected, found)`
      }
    }))

    /** What the channel was last told and last seen showing, per SKU. */
    const channelStock = Effect.fn("StockPublisher.channelStock")(function* (tenantId: string, connectionId: string) {
      return yield* sql<ChannelStock>`
        SELECT sku, published, pushed_at, channel_value, read_at, drift, missing FROM channel_stock
        WHERE tenant_id = ${tenantId} AND connection_id = ${connectionId}::uuid ORDER BY sku`
    }, Effect.orDie)

    /** Connections with SKUs waiting to be pushed, e.g. to drain after a restart. */
    const pending = Effect.fn("StockPublisher.pending")(function* () {
      const rows = yield* sql<{ connectionId: string; tenantId: string; skus: number }>`
        SELECT connection_id, tenant_id, count(*)::int AS skus FROM stock_dirty GROUP BY connection_id, tenant_id ORDER BY connection_id`
      return rows
    }, Effect.orDie)

    return { push, reconcile, intakeCaughtUp, holdsWaiting, channelStock, pending } as const
  }),
}) {}

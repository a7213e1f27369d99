/**
 * The stock ledger of ARCHITECTURE.md §7: on hand and reserved per (tenant, SKU), every change
 * journalled with its reason, and every change marking the SKU dirty for the tenant's channels
 * in the same transaction. Reservations are atomic (all lines or none), idempotent per
 * (connection, channel order, SKU), and cannot exceed on-hand: each line is one conditional
 * UPDATE, and CHECK constraints back it up at the SQL level.
 * Needs `StockSignals` (one per process, shared with whoever listens for pushes to start).
 */
import { SqlClient, type SqlError } from "@effect/sql"
import { Data, Effect } from "effect"
import { ConnectionNotFound, InvalidQuantity, OnHandBelowReserved, SkuNotFound, StockCsvInvalid, type CsvProblem } from "./errors.js"
import { CONTROL, MAX_ON_HAND, parseStockCsv } from "./StockCsv.js"

/** An adjustment's reason is a note for people, kept with every movement. */
export const MAX_REASON_LENGTH = 500
import { markDirty } from "./StockOutbox.js"
import { StockSignals } from "./StockSignals.js"

export interface StockLevel {
  readonly sku: string
  readonly onHand: number
  readonly reserved: number
  readonly available: number
  readonly updatedAt: Date
}

export type MovementKind = "set" | "csv-import" | "reserve" | "release" | "ship" | "return" | "adjust"

export interface StockMovement {
  readonly id: string
  readonly sku: string
  readonly kind: MovementKind
  readonly onHandDelta: number
  readonly reservedDelta: number
  readonly onHandAfter: number
  readonly reservedAfter: number
  readonly reference: string
  readonly actor: string
  readonly at: Date
}

/** One channel order, as the reservation key knows it. */
export interface OrderRef {
  readonly connectionId: string
  readonly channelOrderId: string
}

export interface OrderLine {
  readonly sku: string
  readonly quantity: number
}

export interface ReservationRequest extends OrderRef {
  readonly lines: ReadonlyArray<OrderLine>
  /** When the channel took the order; see the `published` update in `reserve`. */
  readonly placedAt?: Date
}

export interface ShortLine {
  readonly sku: string
  readonly requested: number
  readonly available: number
}

export type ReservationResult =
  /** `replayed`: this order was reserved before; nothing changed now. */
  | { readonly status: "reserved"; readonly replayed: boolean; readonly lines: ReadonlyArray<OrderLine> }
  /** Nothing was reserved; the order protocol marks the order oversold. */
  | { readonly status: "insufficient"; readonly short: ReadonlyArray<ShortLine> }

export interface Reservation {
  readonly sku: string
  readonly quantity: number
  readonly state: "reserved" | "released" | "shipped"
}

export interface Actor {
  readonly actor: string
}

/** Rolls a reservation's transaction back; never leaves this module. */
class Short extends Data.TaggedError("Short")<{ readonly short: ReadonlyArray<ShortLine> }> {}
class CsvRejected extends Data.TaggedError("CsvRejected")<{ readonly problems: ReadonlyArray<CsvProblem> }> {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const orderReference = (ref: OrderRef) => `${ref.connectionId}:${ref.channelOrderId}`

const checkQuantity = (sku: string, quantity: number, min: number) =>
  Number.isInteger(quantity) && quantity >= min && quantity <= MAX_ON_HAND
    ? Effect.void
    : Effect.fail(new InvalidQuantity({ sku, quantity, message: `${sku}: quantity ${quantity} is not a whole number from ${min} to ${MAX_ON_HAND}` }))

/** Same SKU on two lines counts once with the sum; sorted so every transaction locks rows in one order (no deadlocks). */
const mergeLines = (lines: ReadonlyArray<OrderLine>): Array<OrderLine> => {
  const sums = new Map<string, number>()
  for (const l of lines) sums.set(l.sku, (sums.get(l.sku) ?? 0) + l.quantity)
  return [...sums].map(([sku, quantity]) => ({ sku, quantity })).sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
}

export class StockLedger extends Effect.Service<StockLedger>()("engine/StockLedger", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const signals = yield* StockSignals

    const journal = (m: {
      tenantId: string; sku: string; kind: MovementKind; onHandDelta: number; reservedDelta: number
      onHandAfter: number; reservedAfter: number; reference?: string; actor?: string; dedupeKey?: string
    }) => sql`INSERT INTO stock_movements ${sql.insert({ reference: "", actor: "", ...m })}`

    /** Runs a ledger change in one transaction and wakes the publishers once it has committed. */
    const changing = <A, E, R>(tenantId: string, body: Effect.Effect<readonly [A, ReadonlyArray<string>], E, R>) =>
      sql.withTransaction(body).pipe(
        Effect.tap(([, connectionIds]) => signals.publish({ tenantId, connectionIds })),
        Effect.map(([a]) => a),
      )

    const ownConnection = (tenantId: string, connectionId: string) =>
      Effect.gen(function* () {
        if (!UUID.test(connectionId)) return yield* Effect.fail(new ConnectionNotFound({ connectionId }))
        const rows = yield* sql`SELECT 1 FROM connections WHERE id = ${connectionId} AND tenant_id = ${tenantId}`
        if (rows.length === 0) return yield* Effect.fail(new ConnectionNotFound({ connectionId }))
      })

    /** The row, created at zero if new, locked for the rest of the transaction. */
    const lockLevel = (tenantId: string, sku: string) =>
      Effect.gen(function* () {
        const created = yield* sql`INSERT INTO stock_levels ${sql.insert({ tenantId, sku, onHand: 0 })} ON CONFLICT (tenant_id, sku) DO NOTHING RETURNING sku`
        const rows = yield* sql<{ onHand: number; reserved: number }>`
          SELECT on_hand, reserved FROM stock_levels WHERE tenant_id = ${tenantId} AND sku = ${sku} FOR UPDATE`
        return { ...rows[0]!, created: created.length > 0 }
      })

    /** Absolute on-hand; the journal records the difference. */
    const setOne = (tenantId: string, sku: string, onHand: number, actor: string) =>
      Effect.gen(function* () {
        const before = yield* lockLevel(tenantId, sku)
        if (onHand < before.reserved) return yield* Effect.fail(new OnHandBelowReserved({ sku, onHand, reserved: before.reserved }))
        // A new SKU is news for the channels even at zero: what they show for it is unknown.
        if (onHand === before.onHand && !before.created) return false
        yield* sql`UPDATE stock_levels SET on_hand = ${onHand}, updated_at = now() WHERE tenant_id = ${tenantId} AND sku = ${sku}`
        yield* journal({ tenantId, sku, kind: "set", onHandDelta: onHand - before.onHand, reservedDelta: 0, onHandAfter: onHand, reservedAfter: before.reserved, actor })
        return true
      })

    const set = Effect.fn("StockLedger.set")(function* (tenantId: string, sku: string, onHand: number, by: Actor) {
      yield* checkQuantity(sku, onHand, 0)
      if (sku.length === 0 || sku.length > 255 || CONTROL.test(sku)) {
        return yield* Effect.fail(new InvalidQuantity({ sku: sku.slice(0, 255), quantity: onHand, message: "a SKU has 1 to 255 characters and no control characters" }))
      }
      yield* changing(tenantId, Effect.gen(function* () {
        const changed = yield* setOne(tenantId, sku, onHand, by.actor)
        return [undefined, changed ? yield* markDirty(sql, tenantId, [sku]) : []] as const
      }))
      return yield* get(tenantId, sku)
    }, Effect.catchTag("SqlError", Effect.die))

    /**
     * Relative change by the merchant (a count correction, a delivery); kind `adjust`. Only a SKU
     * the ledger knows can be adjusted: a typo in the SKU must not create a record (`set` does).
     */
    const adjust = Effect.fn("StockLedger.adjust")(function* (tenantId: string, sku: string, delta: number, by: Actor & { readonly reason?: string }) {
      if (!Number.isInteger(delta) || Math.abs(delta) > MAX_ON_HAND) {
        return yield* Effect.fail(new InvalidQuantity({ sku, quantity: delta, message: `${sku}: a change of ${delta} is not a whole number from -${MAX_ON_HAND} to ${MAX_ON_HAND}` }))
      }
      if ((by.reason ?? "").length > MAX_REASON_LENGTH) {
        return yield* Effect.fail(new InvalidQuantity({ sku, quantity: delta, message: `${sku}: the reason has ${by.reason!.length} characters; at most ${MAX_REASON_LENGTH} are kept` }))
      }
      yield* changing(tenantId, Effect.gen(function* () {
        const rows = yield* sql<{ onHand: number; reserved: number }>`
          SELECT on_hand, reserved FROM stock_levels WHERE tenant_id = ${tenantId} AND sku = ${sku} FOR UPDATE`
        const before = rows[0]
        if (before === undefined) return yield* Effect.fail(new SkuNotFound({ sku }))
        const onHand = before.onHand + delta
        if (onHand > MAX_ON_HAND || onHand < 0) {
          return yield* Effect.fail(new InvalidQuantity({
            sku, quantity: delta,
            message: `${sku}: on hand ${before.onHand} ${delta < 0 ? "-" : "+"} ${Math.abs(delta)} would be ${onHand}; on hand stays from 0 to ${MAX_ON_HAND}`,
          }))
        }
        if (onHand < before.reserved) return yield* Effect.fail(new OnHandBelowReserved({ sku, onHand, reserved: before.reserved }))
        yield* sql`UPDATE stock_levels SET on_hand = ${onHand}, updated_at = now() WHERE tenant_id = ${tenantId} AND sku = ${sku}`
        yield* journal({ tenantId, sku, kind: "adjust", onHandDelta: delta, reservedDelta: 0, onHandAfter: onHand, reservedAfter: before.reserved, actor: by.actor, reference: by.reason ?? "" })
        return [undefined, yield* markDirty(sql, tenantId, [sku])] as const
      }))
      return yield* get(tenantId, sku)
    }, Effect.catchTag("SqlError", Effect.die))

    /**
     * `sku,on_hand` lines; every bad line is reported and then nothing is applied. A handful of
     * set-based statements whatever the file's size, so a 100 000-line file is one transaction.
     */
    const importCsv = Effect.fn("StockLedger.importCsv")(function* (tenantId: string, text: string, by: Actor) {
      const { rows, problems } = parseStockCsv(text)
      if (problems.length > 0) return yield* Effect.fail(new StockCsvInvalid({ problems }))
      const skus = rows.map((r) => r.sku)
      const quantities = rows.map((r) => r.onHand)
      return yield* changing(tenantId, Effect.gen(function* () {
        const created = new Set((yield* sql<{ sku: string }>`
          INSERT INTO stock_levels (tenant_id, sku, on_hand)
          SELECT ${tenantId}, s.sku, 0 FROM unnest(${skus}::text[]) AS s(sku) ORDER BY s.sku
          ON CONFLICT (tenant_id, sku) DO NOTHING
          RETURNING sku`).map((r) => r.sku))
        // Locked in SKU order, like every other ledger change, so concurrent writers cannot deadlock.
        const before = yield* sql<{ sku: string; onHand: number; reserved: number }>`
          SELECT sku, on_hand, reserved FROM stock_levels
          WHERE tenant_id = ${tenantId} AND sku = ANY(${skus}::text[]) ORDER BY sku FOR UPDATE`
        const current = new Map(before.map((r) => [r.sku, r]))
        const refused: Array<CsvProblem> = []
        const changed: Array<{ sku: string; onHand: number; delta: number; reserved: number }> = []
        for (const row of rows) {
          const was = current.get(row.sku)!
          if (row.onHand < was.reserved) refused.push({ line: row.line, message: new OnHandBelowReserved({ sku: row.sku, onHand: row.onHand, reserved: was.reserved }).message })
          else if (row.onHand !== was.onHand || created.has(row.sku)) changed.push({ sku: row.sku, onHand: row.onHand, delta: row.onHand - was.onHand, reserved: was.reserved })
        }
        if (refused.length > 0) return yield* Effect.fail(new CsvRejected({ problems: refused }))
        if (changed.length > 0) {
          const cs = changed.map((c) => c.sku)
          yield* sql`
            UPDATE stock_levels l SET on_hand = s.q, updated_at = now()
            FROM unnest(${cs}::text[], ${changed.map((c) => c.onHand)}::int[]) AS s(sku, q)
            WHERE l.tenant_id = ${tenantId} AND l.sku = s.sku`
          yield* sql`
            INSERT INTO stock_movements (tenant_id, sku, kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after, actor)
            SELECT ${tenantId}, s.sku, 'csv-import', s.delta, 0, s.q, s.r, ${by.actor}
            FROM unnest(${cs}::text[], ${changed.map((c) => c.delta)}::int[], ${changed.map((c) => c.onHand)}::int[], ${changed.map((c) => c.reserved)}::int[]) AS s(sku, delta, q, r)`
        }
        return [{ lines: rows.length, changed: changed.length }, yield* markDirty(sql, tenantId, changed.map((c) => c.sku))] as const
      })).pipe(Effect.catchTag("CsvRejected", (e) => Effect.fail(new StockCsvInvalid({ problems: e.problems }))))
    }, Effect.catchTag("SqlError", Effect.die))

    const reserve = Effect.fn("StockLedger.reserve")(function* (tenantId: string, request: ReservationRequest) {
      for (const l of request.lines) yield* checkQuantity(l.sku, l.quantity, 1)
      yield* ownConnection(tenantId, request.connectionId)
      const lines = mergeLines(request.lines)
      const reference = orderReference(request)
      return yield* changing(tenantId, Effect.gen(function* (): Effect.fn.Return<readonly [ReservationResult, ReadonlyArray<string>], Short | SqlError.SqlError> {
        // Two deliveries of one order wait for each other here; the second then sees the first's rows.
        yield* sql`SELECT pg_advisory_xact_lock(hashtextextended(${`stock:${reference}`}, 0))`
        const held = yield* sql<OrderLine>`
          SELECT sku, quantity FROM stock_reservations
          WHERE connection_id = ${request.connectionId} AND channel_order_id = ${request.channelOrderId} ORDER BY sku`
        if (held.length > 0) return [{ status: "reserved", replayed: true, lines: held } satisfies ReservationResult, []] as const
        const short: Array<ShortLine> = []
        for (const line of lines) {
          const rows = yield* sql<{ onHand: number; reserved: number }>`
            UPDATE stock_levels SET reserved = reserved + ${line.quantity}, updated_at = now()
            WHERE tenant_id = ${tenantId} AND sku = ${line.sku} AND on_hand - reserved >= ${line.quantity}
            RETURNING on_hand, reserved`
          const after = rows[0]
          if (after === undefined) {
            const level = yield* sql<{ available: number }>`
              SELECT on_hand - reserved AS available FROM stock_levels WHERE tenant_id = ${tenantId} AND sku = ${line.sku}`
            short.push({ sku: line.sku, requested: line.quantity, available: level[0]?.available ?? 0 })
            continue
          }
          if (short.length > 0) continue
          yield* sql`INSERT INTO stock_reservations ${sql.insert({ connectionId: request.connectionId, channelOrderId: request.channelOrderId, sku: line.sku, tenantId, quantity: line.quantity })}`
          yield* journal({ tenantId, sku: line.sku, kind: "reserve", onHandDelta: 0, reservedDelta: line.quantity, onHandAfter: after.onHand, reservedAfter: after.reserved, reference })
        }
        if (short.length > 0) return yield* Effect.fail(new Short({ short }))
        // The channel the order came from subtracted these units itself when it took the order:
        // what it shows is lower by them now, and re-sending our value would be an echo at best
        // and, were other orders of it not taken in yet, a write that puts their units back.
        yield* sql`
          UPDATE channel_stock c SET published = GREATEST(0, c.published - s.q)
          FROM unnest(${lines.map((l) => l.sku)}::text[], ${lines.map((l) => l.quantity)}::int[]) AS s(sku, q)
          WHERE c.connection_id = ${request.connectionId} AND c.sku = s.sku AND c.published IS NOT NULL
            -- a value read from the channel after the order was placed already counts it
            AND (c.shown_at IS NULL OR ${request.placedAt ?? null}::timestamptz IS NULL OR c.shown_at < ${request.placedAt ?? null}::timestamptz)`
        return [{ status: "reserved", replayed: false, lines } satisfies ReservationResult, yield* markDirty(sql, tenantId, lines.map((l) => l.sku))] as const
      })).pipe(Effect.catchTag("Short", (e) => Effect.succeed<ReservationResult>({ status: "insufficient", short: e.short })))
    }, Effect.catchTag("SqlError", Effect.die))

    /** Moves the order's still-reserved lines to `to`, applying the ledger change of that move. */
    const settle = (tenantId: string, ref: OrderRef, to: "released" | "shipped") =>
      Effect.gen(function* () {
        yield* ownConnection(tenantId, ref.connectionId)
        const reference = orderReference(ref)
        return yield* changing(tenantId, Effect.gen(function* () {
          yield* sql`SELECT pg_advisory_xact_lock(hashtextextended(${`stock:${reference}`}, 0))`
          const moved = yield* sql<OrderLine>`
            UPDATE stock_reservations SET state = ${to}, updated_at = now()
            WHERE tenant_id = ${tenantId} AND connection_id = ${ref.connectionId} AND channel_order_id = ${ref.channelOrderId} AND state = 'reserved'
            RETURNING sku, quantity`
          const lines = mergeLines(moved)
          for (const line of lines) {
            // Shipping takes the units out of the building: on hand and reserved fall together.
            const onHandDelta = to === "shipped" ? -line.quantity : 0
            const rows = yield* sql<{ onHand: number; reserved: number }>`
              UPDATE stock_levels SET reserved = reserved - ${line.quantity}, on_hand = on_hand + ${onHandDelta}, updated_at = now()
              WHERE tenant_id = ${tenantId} AND sku = ${line.sku}
              RETURNING on_hand, reserved`
            const after = rows[0]!
            yield* journal({
              tenantId, sku: line.sku, kind: to === "shipped" ? "ship" : "release", onHandDelta, reservedDelta: -line.quantity,
              onHandAfter: after.onHand, reservedAfter: after.reserved, reference,
            })
          }
          // A shipment leaves `available` unchanged, so the channels need no new value.
          const dirty = to === "released" ? yield* markDirty(sql, tenantId, lines.map((l) => l.sku)) : []
          return [lines, dirty] as const
        }))
      })

    /** The order was cancelled: its reserved units become available again. Repeating it changes nothing. */
    const release = Effect.fn("StockLedger.release")(function* (tenantId: string, ref: OrderRef) {
      return yield* settle(tenantId, ref, "released")
    }, Effect.catchTag("SqlError", Effect.die))

    /** The order shipped: its reserved units leave on hand. Repeating it changes nothing. */
    const ship = Effect.fn("StockLedger.ship")(function* (tenantId: string, ref: OrderRef) {
      return yield* settle(tenantId, ref, "shipped")
    }, Effect.catchTag("SqlError", Effect.die))

    /**
     * Returned units go back on hand. `returnId` names the channel's return or refund, so a
     * return processed twice restocks once; returns of one order under other ids add up.
     */
    const restock = Effect.fn("StockLedger.restock")(function* (tenantId: string, input: OrderRef & { readonly returnId: string; readonly lines: ReadonlyArray<OrderLine> }) {
      for (const l of input.lines) yield* checkQuantity(l.sku, l.quantity, 1)
      yield* ownConnection(tenantId, input.connectionId)
      const reference = `${orderReference(input)}:${input.returnId}`
      return yield* changing(tenantId, Effect.gen(function* () {
        const applied: Array<OrderLine> = []
        for (const line of mergeLines(input.lines)) {
          const before = yield* lockLevel(tenantId, line.sku)
          const dedupeKey = `return:${reference}:${line.sku}`
          const seen = yield* sql`SELECT 1 FROM stock_movements WHERE tenant_id = ${tenantId} AND dedupe_key = ${dedupeKey}`
          if (seen.length > 0) continue
          const onHand = before.onHand + line.quantity
          yield* sql`UPDATE stock_levels SET on_hand = ${onHand}, updated_at = now() WHERE tenant_id = ${tenantId} AND sku = ${line.sku}`
          yield* journal({ tenantId, sku: line.sku, kind: "return", onHandDelta: line.quantity, reservedDelta: 0, onHandAfter: onHand, reservedAfter: before.reserved, reference, dedupeKey })
          applied.push(line)
        }
        return [applied as ReadonlyArray<OrderLine>, yield* markDirty(sql, tenantId, applied.map((l) => l.sku))] as const
      }))
    }, Effect.catchTag("SqlError", Effect.die))

    const list = Effect.fn("StockLedger.list")(function* (tenantId: string, skus?: ReadonlyArray<string>) {
      return yield* sql<StockLevel>`
        SELECT sku, on_hand, reserved, on_hand - reserved AS available, updated_at FROM stock_levels
        WHERE tenant_id = ${tenantId} ${skus === undefined ? sql`` : sql`AND sku = ANY(${[...skus]}::text[])`}
        ORDER BY sku`
    }, Effect.orDie)

    /** One page of levels by SKU: `limit` SKUs after `after` (keyset paging, cheap at any depth). */
    const page = Effect.fn("StockLedger.page")(function* (tenantId: string, options: { readonly limit: number; readonly after?: string | undefined }) {
      return yield* sql<StockLevel>`
        SELECT sku, on_hand, reserved, on_hand - reserved AS available, updated_at FROM stock_levels
        WHERE tenant_id = ${tenantId} ${options.after === undefined ? sql`` : sql`AND sku > ${options.after}`}
        ORDER BY sku LIMIT ${options.limit}`
    }, Effect.orDie)

    const get = Effect.fn("StockLedger.get")(function* (tenantId: string, sku: string) {
      const rows = yield* list(tenantId, [sku])
      if (rows[0] === undefined) return yield* Effect.fail(new SkuNotFound({ sku }))
      return rows[0]
    })

    const movements = Effect.fn("StockLedger.movements")(function* (tenantId: string, sku: string, limit = 100) {
      return yield* sql<StockMovement>`
        SELECT id::text AS id, sku, kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after, reference, actor, at
        FROM stock_movements WHERE tenant_id = ${tenantId} AND sku = ${sku} ORDER BY stock_movements.id DESC LIMIT ${limit}`
    }, Effect.orDie)

    /** The order's reservation lines and their states, for the order protocol's state view. */
    const reservations = Effect.fn("StockLedger.reservations")(function* (tenantId: string, ref: OrderRef) {
      return yield* sql<Reservation>`
        SELECT sku, quantity, state FROM stock_reservations
        WHERE tenant_id = ${tenantId} AND connection_id = ${ref.connectionId} AND channel_order_id = ${ref.channelOrderId} ORDER BY sku`
    }, Effect.orDie)

    return { set, adjust, importCsv, reserve, release, ship, restock, list, page, get, movements, reservations } as const
  }),
}) {}

import { SqlClient } from "@effect/sql"
import { assert, describe, layer } from "@effect/vitest"
import { Chunk, Effect, Exit, Fiber, Option, Queue, Stream, TestServices } from "effect"
import { StockLayerForTest } from "./support.js"
import { OnHandBelowReserved } from "../../engine/stock/errors.js"
import { StockLedger } from "../../engine/stock/StockLedger.js"
import { serverSignals, StockSignals } from "../../engine/stock/StockSignals.js"
import { StockTargets } from "../../engine/stock/StockTargets.js"
import { backends } from "../support/TestDatabase.js"
import { tenantWithConnections } from "./fixtures.js"

const by = { actor: "test" }

describe.each(backends)("stock ledger on %s", (backend) => {
  layer(StockLayerForTest(backend), { timeout: 120_000 })((it) => {
    it.effect("set records on hand and journals why it changed", () =>
      Effect.gen(function* () {
        const ledger = yield* StockLedger
        const { tenantId } = yield* tenantWithConnections("set-journal", 0)
        yield* ledger.set(tenantId, "MUG", 12, by)
        const level = yield* ledger.set(tenantId, "MUG", 9, { actor: "alice" })
        assert.deepInclude(level, { sku: "MUG", onHand: 9, reserved: 0, available: 9 })
        const moves = yield* ledger.movements(tenantId, "MUG")
        assert.deepStrictEqual(moves.map((m) => [m.kind, m.onHandDelta, m.onHandAfter, m.actor]), [["set", -3, 9, "alice"], ["set", 12, 12, "test"]])
      }))

    it.effect("a replayed order reserves once", () =>
      Effect.gen(function* () {
        const ledger = yield* StockLedger
        const { tenantId, connections: [c] } = yield* tenantWithConnections("idempotent", 1)
        yield* ledger.set(tenantId, "A", 5, by)
        const order = { connectionId: c!, channelOrderId: "100", lines: [{ sku: "A", quantity: 2 }] }
        assert.deepStrictEqual(yield* ledger.reserve(tenantId, order), { status: "reserved", replayed: false, lines: [{ sku: "A", quantity: 2 }] })
        assert.deepStrictEqual(yield* ledger.reserve(tenantId, order), { status: "reserved", replayed: true, lines: [{ sku: "A", quantity: 2 }] })
        assert.strictEqual((yield* ledger.get(tenantId, "A")).reserved, 2)
        // Duplicate deliveries of one order racing each other: still one reservation. (PGlite
        // runs one statement at a time, so only the server can race them.)
        const dup = { ...order, channelOrderId: "101" }
        const results = yield* Effect.all(Array.from({ length: 6 }, () => ledger.reserve(tenantId, dup)), { concurrency: backend === "postgres" ? "unbounded" : 1 })
        assert.strictEqual(results.filter((r) => r.status === "reserved" && !r.replayed).length, 1)
        assert.strictEqual((yield* ledger.get(tenantId, "A")).reserved, 4)
      }))

    it.effect("a multi-line order reserves all lines or none, and names every short SKU", () =>
      Effect.gen(function* () {
        const ledger = yield* StockLedger
        const { tenantId, connections: [c] } = yield* tenantWithConnections("all-or-nothing", 1)
        yield* ledger.set(tenantId, "A", 5, by)
        yield* ledger.set(tenantId, "B", 1, by)
        const result = yield* ledger.reserve(tenantId, {
          connectionId: c!, channelOrderId: "7",
          lines: [{ sku: "A", quantity: 3 }, { sku: "B", quantity: 1 }, { sku: "B", quantity: 1 }, { sku: "GHOST", quantity: 1 }],
        })
        assert.deepStrictEqual(result, { status: "insufficient", short: [{ sku: "B", requested: 2, available: 1 }, { sku: "GHOST", requested: 1, available: 0 }] })
        const levels = yield* ledger.list(tenantId)
        assert.deepStrictEqual(levels.map((l) => [l.sku, l.reserved]), [["A", 0], ["B", 0]])
        assert.deepStrictEqual(yield* ledger.reservations(tenantId, { connectionId: c!, channelOrderId: "7" }), [])
        assert.deepStrictEqual((yield* ledger.movements(tenantId, "A")).map((m) => m.kind), ["set"])
      }))

    it.effect("release gives units back, ship takes them out of on hand, each only once", () =>
      Effect.gen(function* () {
        const ledger = yield* StockLedger
        const { tenantId, connections: [c] } = yield* tenantWithConnections("lifecycle", 1)
        yield* ledger.set(tenantId, "A", 10, by)
        const a = { connectionId: c!, channelOrderId: "1" }
        const b = { connectionId: c!, channelOrderId: "2" }
        yield* ledger.reserve(tenantId, { ...a, lines: [{ sku: "A", quantity: 3 }] })
        yield* ledger.reserve(tenantId, { ...b, lines: [{ sku: "A", quantity: 4 }] })
        assert.deepInclude(yield* ledger.get(tenantId, "A"), { onHand: 10, reserved: 7, available: 3 })
        yield* ledger.release(tenantId, a)
        yield* ledger.release(tenantId, a)
        assert.deepInclude(yield* ledger.get(tenantId, "A"), { onHand: 10, reserved: 4, available: 6 })
        yield* ledger.ship(tenantId, b)
        yield* ledger.ship(tenantId, b)
        // A cancelled order that is shipped later changes nothing: it holds no units.
        yield* ledger.ship(tenantId, a)
        assert.deepInclude(yield* ledger.get(tenantId, "A"), { onHand: 6, reserved: 0, available: 6 })
        assert.deepStrictEqual((yield* ledger.reservations(tenantId, b)).map((r) => r.state), ["shipped"])
        const returned = { ...b, returnId: "r1", lines: [{ sku: "A", quantity: 2 }] }
        assert.strictEqual((yield* ledger.restock(tenantId, returned)).length, 1)
        assert.strictEqual((yield* ledger.restock(tenantId, returned)).length, 0)
        yield* ledger.restock(tenantId, { ...returned, returnId: "r2", lines: [{ sku: "A", quantity: 1 }] })
        assert.deepInclude(yield* ledger.get(tenantId, "A"), { onHand: 9, reserved: 0 })
        const kinds = (yield* ledger.movements(tenantId, "A")).map((m) => m.kind)
        assert.deepStrictEqual(kinds, ["return", "return", "ship", "release", "reserve", "reserve", "set"])
      }))

    it.effect("on hand cannot be set below what open orders hold", () =>
      Effect.gen(function* () {
        const ledger = yield* StockLedger
        const { tenantId, connections: [c] } = yield* tenantWithConnections("below-reserved", 1)
        yield* ledger.set(tenantId, "A", 4, by)
        yield* ledger.reserve(tenantId, { connectionId: c!, channelOrderId: "1", lines: [{ sku: "A", quantity: 3 }] })
        const refused = yield* Effect.flip(ledger.set(tenantId, "A", 2, by))
        assert.instanceOf(refused, OnHandBelowReserved)
        assert.deepInclude(refused, { sku: "A", onHand: 2, reserved: 3 })
        const negative = yield* Effect.exit(ledger.set(tenantId, "A", -1, by))
        assert.isTrue(Exit.isFailure(negative))
        assert.isTrue(Exit.isFailure(yield* Effect.exit(ledger.adjust(tenantId, "A", -2, by))))
        assert.deepInclude(yield* ledger.adjust(tenantId, "A", 5, { actor: "bob", reason: "delivery" }), { onHand: 9, reserved: 3 })
      }))

    it.effect("the database itself refuses reserved > on hand and negative stock", () =>
      Effect.gen(function* () {
        const ledger = yield* StockLedger
        const sql = yield* SqlClient.SqlClient
        const { tenantId } = yield* tenantWithConnections("checks", 0)
        yield* ledger.set(tenantId, "A", 2, by)
        const over = yield* Effect.exit(sql`UPDATE stock_levels SET reserved = 3 WHERE tenant_id = ${tenantId} AND sku = 'A'`)
        const negative = yield* Effect.exit(sql`UPDATE stock_levels SET on_hand = -1, reserved = 0 WHERE tenant_id = ${tenantId} AND sku = 'A'`)
        assert.isTrue(Exit.isFailure(over))
        assert.isTrue(Exit.isFailure(negative))
        assert.deepInclude(yield* ledger.get(tenantId, "A"), { onHand: 2, reserved: 0 })
      }))

    it.effect("a CSV with bad lines reports each by line number and applies nothing", () =>
      Effect.gen(function* () {
        const ledger = yield* StockLedger
        const { tenantId, connections: [c] } = yield* tenantWithConnections("csv", 1)
        yield* ledger.set(tenantId, "HELD", 5, by)
        yield* ledger.reserve(tenantId, { connectionId: c!, channelOrderId: "1", lines: [{ sku: "HELD", quantity: 4 }] })
        const bad = "sku,on_hand\nA,5\nB,-1\n,3\nC,2.5\nA,7\n\"D,4\nE,1,2\n"
        const parsed = yield* Effect.flip(ledger.importCsv(tenantId, bad, by))
        assert.deepStrictEqual(parsed.problems.map((p) => p.line), [3, 4, 5, 6, 7, 8])
        assert.match(parsed.problems[3]!.message, /already appears on line 2/)
        // Lines that parse but would break the ledger are reported the same way, after rollback.
        const refused = yield* Effect.flip(ledger.importCsv(tenantId, "sku,on_hand\nNEW,3\nHELD,2\n", by))
        assert.deepStrictEqual(refused.problems.map((p) => p.line), [3])
        assert.deepStrictEqual((yield* ledger.list(tenantId)).map((l) => [l.sku, l.onHand]), [["HELD", 5]])
        const header = yield* Effect.flip(ledger.importCsv(tenantId, "sku;qty\nA;1\n", by))
        assert.deepStrictEqual(header.problems, [{ line: 1, message: `the header must be "sku,on_hand"` }])
        assert.deepStrictEqual(yield* ledger.importCsv(tenantId, "\uFEFFSKU,On_Hand\r\n\"X,1\",3\r\nHELD,6\r\n", by), { lines: 2, changed: 2 })
        assert.deepStrictEqual((yield* ledger.list(tenantId)).map((l) => [l.sku, l.onHand]), [["HELD", 6], ["X,1", 3]])
        assert.deepStrictEqual((yield* ledger.movements(tenantId, "X,1")).map((m) => m.kind), ["csv-import"])
      }))

    it.effect("a large CSV is applied in one transaction and marks only changed SKUs dirty", () =>
      Effect.gen(function* () {
        const ledger = yield* StockLedger
        const sql = yield* SqlClient.SqlClient
        const { tenantId, connections: [c] } = yield* tenantWithConnections("csv-large", 1)
        yield* (yield* StockTargets).enable(tenantId, c!)
        const file = (n: (i: number) => number) => `sku,on_hand\n${Array.from({ length: 5000 }, (_, i) => `SKU-${i},${n(i)}`).join("\n")}\n`
        assert.deepStrictEqual(yield* ledger.importCsv(tenantId, file((i) => i % 7), by), { lines: 5000, changed: 5000 })
        yield* sql`DELETE FROM stock_dirty WHERE tenant_id = ${tenantId}`
        assert.deepStrictEqual(yield* ledger.importCsv(tenantId, file((i) => (i === 42 ? 100 : i % 7)), by), { lines: 5000, changed: 1 })
        const dirty = yield* sql<{ sku: string }>`SELECT sku FROM stock_dirty WHERE tenant_id = ${tenantId}`
        assert.deepStrictEqual(dirty.map((d) => d.sku), ["SKU-42"])
        assert.deepInclude(yield* ledger.get(tenantId, "SKU-42"), { onHand: 100 })
        assert.deepStrictEqual((yield* ledger.movements(tenantId, "SKU-42")).map((m) => [m.kind, m.onHandDelta]), [["csv-import", 100], ["csv-import", 0]])
      }))

    it.effect("tenant B sees nothing of tenant A's ledger and cannot use A's connections", () =>
      Effect.gen(function* () {
        const ledger = yield* StockLedger
        const targets = yield* StockTargets
        const a = yield* tenantWithConnections("iso-a", 1)
        const b = yield* tenantWithConnections("iso-b", 1)
        yield* ledger.set(a.tenantId, "SHARED-SKU", 8, by)
        yield* ledger.set(b.tenantId, "SHARED-SKU", 1, by)
        assert.deepStrictEqual((yield* ledger.list(b.tenantId)).map((l) => l.onHand), [1])
        assert.strictEqual((yield* Effect.flip(ledger.get(b.tenantId, "ONLY-A").pipe(Effect.zipLeft(ledger.set(a.tenantId, "ONLY-A", 1, by)), Effect.zipRight(ledger.get(b.tenantId, "ONLY-A"))))).
          _tag, "SkuNotFound")
        const stolen = yield* Effect.flip(ledger.reserve(b.tenantId, { connectionId: a.connections[0]!, channelOrderId: "1", lines: [{ sku: "SHARED-SKU", quantity: 1 }] }))
        assert.strictEqual(stolen._tag, "ConnectionNotFound")
        assert.strictEqual((yield* Effect.flip(targets.enable(b.tenantId, a.connections[0]!)))._tag, "ConnectionNotFound")
        yield* ledger.reserve(b.tenantId, { connectionId: b.connections[0]!, channelOrderId: "1", lines: [{ sku: "SHARED-SKU", quantity: 1 }] })
        assert.deepStrictEqual(yield* ledger.reservations(a.tenantId, { connectionId: b.connections[0]!, channelOrderId: "1" }), [])
        assert.deepStrictEqual(yield* ledger.movements(b.tenantId, "ONLY-A"), [])
        assert.deepInclude(yield* ledger.get(a.tenantId, "SHARED-SKU"), { onHand: 8, reserved: 0 })
      }))

    it.effect("a reservation marks the SKU dirty for every stock target of the tenant and signals it", () =>
      Effect.gen(function* () {
        const ledger = yield* StockLedger
        const targets = yield* StockTargets
        const signals = yield* StockSignals
        const sql = yield* SqlClient.SqlClient
        const { tenantId, connections } = yield* tenantWithConnections("dirty", 3)
        yield* ledger.set(tenantId, "A", 5, by)
        yield* targets.enable(tenantId, connections[0]!)
        yield* targets.enable(tenantId, connections[1]!)
        yield* sql`DELETE FROM stock_dirty WHERE tenant_id = ${tenantId}`
        const heard = yield* Effect.scoped(Effect.gen(function* () {
          const queue = yield* signals.subscribe
          yield* ledger.reserve(tenantId, { connectionId: connections[2]!, channelOrderId: "9", lines: [{ sku: "A", quantity: 1 }] })
          return yield* Queue.take(queue)
        }))
        const expected = [connections[0]!, connections[1]!].sort()
        assert.deepStrictEqual(heard, { tenantId, connectionIds: expected })
        const marks = yield* sql<{ connectionId: string; sku: string }>`SELECT connection_id, sku FROM stock_dirty WHERE tenant_id = ${tenantId} ORDER BY connection_id`
        assert.deepStrictEqual(marks.map((m) => [m.connectionId, m.sku]), expected.map((c) => [c, "A"]))
      }))

    if (backend === "postgres") {
      it.effect("other processes hear of dirty SKUs through NOTIFY vortex_stock", () =>
        Effect.gen(function* () {
          const ledger = yield* StockLedger
          const targets = yield* StockTargets
          const { tenantId, connections: [c] } = yield* tenantWithConnections("notify", 1)
          yield* targets.enable(tenantId, c!)
          const fiber = yield* serverSignals.pipe(Stream.filter((e) => e.tenantId === tenantId), Stream.take(1), Stream.runCollect, Effect.fork)
          // LISTEN is issued when the stream starts; keep changing stock until it is heard.
          const heard = yield* Effect.gen(function* () {
            for (let n = 1; ; n++) {
              yield* ledger.set(tenantId, "A", n, by)
              const done = yield* Fiber.poll(fiber)
              if (Option.isSome(done)) return done.value
              yield* Effect.sleep("20 millis")
            }
          }).pipe(Effect.timeout("10 seconds"), TestServices.provideLive)
          assert.deepStrictEqual(Chunk.toArray(yield* heard), [{ tenantId, connectionIds: [c!] }])
        }))

      it.effect("concurrent orders never reserve more than is on hand", () =>
        Effect.gen(function* () {
          const ledger = yield* StockLedger
          const { tenantId, connections: [c1, c2] } = yield* tenantWithConnections("race", 2)
          yield* ledger.set(tenantId, "A", 10, by)
          yield* ledger.set(tenantId, "B", 10, by)
          const orders = Array.from({ length: 30 }, (_, i) => ({
            connectionId: i % 2 === 0 ? c1! : c2!, channelOrderId: String(i),
            // Opposite line orders on purpose: sorted locking must keep them from deadlocking.
            lines: i % 3 === 0 ? [{ sku: "B", quantity: 1 }, { sku: "A", quantity: 1 }] : [{ sku: "A", quantity: 1 }],
          }))
          const results = yield* Effect.all(orders.map((o) => ledger.reserve(tenantId, o)), { concurrency: "unbounded" })
          assert.strictEqual(results.filter((r) => r.status === "reserved").length, 10)
          assert.deepInclude(yield* ledger.get(tenantId, "A"), { onHand: 10, reserved: 10 })
        }))
    }
  })
})

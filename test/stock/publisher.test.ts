import { SqlClient } from "@effect/sql"
import { assert, describe, layer } from "@effect/vitest"
import { Context, Effect, Layer, Stream, TestServices } from "effect"
import { StockTargetFailed } from "../../engine/stock/errors.js"
import { StockLedger } from "../../engine/stock/StockLedger.js"
import { StockPublisher } from "../../engine/stock/StockPublisher.js"
import type { StockQuantity, StockTarget } from "../../engine/stock/StockTarget.js"
import { StockTargets } from "../../engine/stock/StockTargets.js"
import { backends } from "../support/TestDatabase.js"
import { tenantWithConnections } from "./fixtures.js"
import { bigCommerceChannel, inventoryWrites, shown, StockLayerForTest } from "./support.js"

const by = { actor: "test" }

/** A ledger tenant with one stock-target connection and the given on-hand levels. */
const shopWith = (slug: string, levels: Record<string, number>) =>
  Effect.gen(function* () {
    const ledger = yield* StockLedger
    const { tenantId, connections: [connectionId] } = yield* tenantWithConnections(slug, 1)
    for (const [sku, n] of Object.entries(levels)) yield* ledger.set(tenantId, sku, n, by)
    yield* (yield* StockTargets).enable(tenantId, connectionId!)
    return { tenantId, connectionId: connectionId! }
  })

/** An in-memory channel that records each write call. */
const recordingTarget = (batchSize: number, onWrite: (items: ReadonlyArray<StockQuantity>) => Effect.Effect<void> = () => Effect.void) => {
  const shownBy = new Map<string, number>()
  const calls: Array<ReadonlyArray<StockQuantity>> = []
  const target: StockTarget = {
    batchSize,
    setQuantities: (items) => Effect.gen(function* () {
      calls.push(items)
      yield* onWrite(items)
      for (const i of items) shownBy.set(i.sku, i.quantity)
      return { missing: [] }
    }),
    readQuantityPages: () => Stream.sync(() => new Map(shownBy) as ReadonlyMap<string, number>),
  }
  return { target, calls, shownBy }
}

/** Writes that log themselves ("write SKU=n") and change what a fake channel shows. */
const loggingWrites = (log: Array<string>, shownBy: Map<string, number>): Pick<StockTarget, "batchSize" | "setQuantities"> => ({
  batchSize: 100,
  setQuantities: (items) => Effect.sync(() => {
    log.push(`write ${items.map((i) => `${i.sku}=${i.quantity}`).join(",")}`)
    for (const i of items) shownBy.set(i.sku, i.quantity)
    return { missing: [] }
  }),
})

const bodies = (sim: { exchanges: ReadonlyArray<{ method: string; template: string | undefined; requestBody: unknown }> }) =>
  sim.exchanges
    .filter((x) => x.method === "PUT" && x.template === "/v3/inventory/adjustments/absolute")
    .map((x) => (x.requestBody as { items: Array<Record<string, unknown>> }).items)

describe.each(backends)("stock publisher on %s", (backend) => {
  layer(StockLayerForTest(backend), { timeout: 120_000 })((it) => {
    it.effect("only SKUs whose published value changed are written, each under the identifier its tracking needs", () =>
      TestServices.provideLive(Effect.scoped(Effect.gen(function* () {
        const ledger = yield* StockLedger
        const publisher = yield* StockPublisher
        const { sim, target } = yield* bigCommerceChannel()
        const [a, b] = sim.store.seed([{ sku: "A" }, { sku: "B" }, { sku: "C" }, { sku: "SHIRT", variants: [{ sku: "SHIRT-S" }, { sku: "SHIRT-M" }] }])
        const { tenantId, connectionId } = yield* shopWith("changed-only", { A: 5, B: 3, C: 0, "SHIRT-S": 4, "SHIRT-M": 2 })

        // The first push tells the channel everything, zeros included: what it showed is unknown.
        const first = yield* publisher.push(connectionId, target)
        assert.deepInclude(first, { considered: 5, written: 5, unchanged: 0, batches: 1 })
        assert.strictEqual(inventoryWrites(sim), 1)
        assert.deepStrictEqual(["A", "B", "C", "SHIRT-S", "SHIRT-M"].map((s) => shown(sim, s)), [5, 3, 0, 4, 2])
        const items = bodies(sim)[0]!
        assert.deepInclude(items, { location_id: 1, product_id: a!.id, quantity: 5 })
        assert.deepInclude(items, { location_id: 1, product_id: b!.id, quantity: 3 })
        assert.deepInclude(items, { location_id: 1, variant_id: sim.store.findVariantBySku("SHIRT-S")!.id, quantity: 4 })

        // Nothing changed: nothing dirty, no call.
        assert.deepInclude(yield* publisher.push(connectionId, target), { considered: 0, written: 0, batches: 0 })
        // B goes 3 → 4 → 3: dirty, but its published value is what the channel was told.
        yield* ledger.set(tenantId, "B", 4, by)
        yield* ledger.set(tenantId, "B", 3, by)
        yield* ledger.set(tenantId, "A", 6, by)
        assert.deepInclude(yield* publisher.push(connectionId, target), { considered: 2, written: 1, unchanged: 1, batches: 1 })
        assert.strictEqual(inventoryWrites(sim), 2)
        assert.deepStrictEqual(bodies(sim)[1]!.map((i) => i.quantity), [6])
        assert.strictEqual(shown(sim, "A"), 6)
      }))))

    it.effect("the buffer rule lowers what is published, never below zero", () =>
      TestServices.provideLive(Effect.scoped(Effect.gen(function* () {
        const ledger = yield* StockLedger
        const publisher = yield* StockPublisher
        const { sim, target } = yield* bigCommerceChannel()
        sim.store.seed([{ sku: "A", stock: 50 }, { sku: "B", stock: 50 }, { sku: "C", stock: 50 }])
        const { tenantId, connectionId } = yield* shopWith("buffer", { A: 10, B: 1, C: 7 })
        yield* ledger.reserve(tenantId, { connectionId, channelOrderId: "1", lines: [{ sku: "C", quantity: 2 }] })
        // 1.5 units of safety stock round up to 2; C keeps 10 % of its available units back.
        yield* publisher.push(connectionId, target, (row) => (row.sku === "C" ? `${row.available / 10}` : "1.5"))
        assert.deepStrictEqual(["A", "B", "C"].map((s) => shown(sim, s)), [8, 0, 4])
        const stock = yield* publisher.channelStock(tenantId, connectionId)
        assert.deepStrictEqual(stock.map((s) => [s.sku, s.published]), [["A", 8], ["B", 0], ["C", 4]])
        const broken = yield* Effect.flip(ledger.set(tenantId, "A", 11, by).pipe(Effect.zipRight(publisher.push(connectionId, target, () => "lots"))))
        assert.strictEqual(broken._tag, "InvalidBuffer")
      }))))

    it.effect("dirty SKUs go out in batches of the target's limit", () =>
      Effect.gen(function* () {
        const publisher = yield* StockPublisher
        const { connectionId } = yield* shopWith("batches", { A: 1, B: 2, C: 3, D: 4, E: 5 })
        const { target, calls } = recordingTarget(2)
        assert.deepInclude(yield* publisher.push(connectionId, target), { written: 5, batches: 3 })
        assert.deepStrictEqual(calls.map((c) => c.map((i) => i.sku)), [["A", "B"], ["C", "D"], ["E"]])
      }))

    it.effect("a change that commits while its SKU is on the wire is pushed again", () =>
      Effect.gen(function* () {
        const ledger = yield* StockLedger
        const publisher = yield* StockPublisher
        const sql = yield* SqlClient.SqlClient
        const { tenantId, connectionId } = yield* shopWith("in-flight", { A: 5 })
        let first = true
        const { target, shownBy } = recordingTarget(10, () => Effect.suspend(() => {
          if (!first) return Effect.void
          first = false
          return ledger.reserve(tenantId, { connectionId, channelOrderId: "1", lines: [{ sku: "A", quantity: 2 }] }).pipe(Effect.asVoid, Effect.orDie)
        }))
        yield* publisher.push(connectionId, target)
        assert.strictEqual(shownBy.get("A"), 5)
        assert.strictEqual((yield* sql`SELECT 1 FROM stock_dirty WHERE connection_id = ${connectionId}`).length, 1)
        yield* publisher.push(connectionId, target)
        assert.strictEqual(shownBy.get("A"), 3)
      }))

    it.effect("a failed write keeps the SKUs dirty, so the next push sends them", () =>
      TestServices.provideLive(Effect.scoped(Effect.gen(function* () {
        const publisher = yield* StockPublisher
        const { sim, target } = yield* bigCommerceChannel()
        sim.store.seed([{ sku: "A" }, { sku: "B" }])
        const { connectionId } = yield* shopWith("failed-write", { A: 4, B: 2 })
        yield* publisher.push(connectionId, { ...target, setQuantities: () => Effect.fail(new StockTargetFailed({ operation: "setQuantities", outcome: "unknown-outcome", message: "504" })) }).pipe(Effect.flip)
        assert.deepStrictEqual([shown(sim, "A"), shown(sim, "B")], [0, 0])
        assert.deepInclude(yield* publisher.push(connectionId, target), { written: 2 })
        assert.deepStrictEqual([shown(sim, "A"), shown(sim, "B")], [4, 2])
      }))))

    it.effect("reconcile reads the channel, writes back only what drifted and records it", () =>
      TestServices.provideLive(Effect.scoped(Effect.gen(function* () {
        const publisher = yield* StockPublisher
        const sql = yield* SqlClient.SqlClient
        const { sim, target } = yield* bigCommerceChannel()
        sim.store.seed([{ sku: "A" }, { sku: "B" }, { sku: "C" }])
        const { tenantId, connectionId } = yield* shopWith("drift", { A: 5, B: 3, C: 1, "NOT-LISTED": 2 })
        const pushed = yield* publisher.push(connectionId, target)
        assert.deepStrictEqual(pushed.missing, ["NOT-LISTED"])
        // Someone edits stock in the BigCommerce control panel.
        sim.store.setLevel(sim.store.findVariantBySku("B")!.id, 1, 40, "absolute")
        const writes = inventoryWrites(sim)
        const report = yield* publisher.reconcile(connectionId, target)
        assert.deepStrictEqual(report.drifted, [{ sku: "B", expected: 3, found: 40 }])
        assert.deepStrictEqual(report.missing, ["NOT-LISTED"])
        assert.strictEqual(inventoryWrites(sim) - writes, 1)
        assert.deepStrictEqual(bodies(sim).at(-1)!.map((i) => i.quantity), [3])
        assert.strictEqual(shown(sim, "B"), 3)
        const b = (yield* publisher.channelStock(tenantId, connectionId)).find((s) => s.sku === "B")!
        assert.deepInclude(b, { published: 3, channelValue: 40, drift: 37 })
        const log = yield* sql<{ sku: string; expected: number; found: number }>`SELECT sku, expected, found FROM stock_drift WHERE connection_id = ${connectionId}`
        assert.deepStrictEqual(log.map((r) => [r.sku, r.expected, r.found]), [["B", 3, 40]])
        // Converged: a second reconcile finds nothing and writes nothing.
        const again = yield* publisher.reconcile(connectionId, target)
        assert.deepStrictEqual(again.drifted, [])
        assert.strictEqual(inventoryWrites(sim) - writes, 1)
      }))))

    it.effect("a reconcile acts page by page: a change made while it reads the channel is pushed before the next page", () =>
      TestServices.provideLive(Effect.scoped(Effect.gen(function* () {
        const ledger = yield* StockLedger
        const publisher = yield* StockPublisher
        const { tenantId, connectionId } = yield* shopWith("paged-reconcile", { P1: 5, P2: 5, Q1: 5, Q2: 5 })
        const log: Array<string> = []
        const shownBy = new Map([["P1", 5], ["P2", 4], ["Q1", 5], ["Q2", 5]])
        const target: StockTarget = {
          ...loggingWrites(log, shownBy),
          // two pages; a sale of Q1 lands in the ledger while the second page is on the wire
          readQuantityPages: () => Stream.concat(
            Stream.sync(() => { log.push("page P"); return new Map([["P1", shownBy.get("P1")!], ["P2", shownBy.get("P2")!]]) as ReadonlyMap<string, number> }),
            Stream.fromEffect(Effect.gen(function* () {
              yield* ledger.adjust(tenantId, "Q1", -2, by).pipe(Effect.orDie)
              log.push("page Q")
              return new Map([["Q1", shownBy.get("Q1")!], ["Q2", shownBy.get("Q2")!]]) as ReadonlyMap<string, number>
            })),
          ),
        }
        // nothing pending before the reconcile: the first push told the channel what it shows
        yield* publisher.push(connectionId, { ...target, setQuantities: () => Effect.succeed({ missing: [] }) })
        log.length = 0
        const report = yield* publisher.reconcile(connectionId, target)
        // P2 drifted (4 ≠ 5) and is fixed on its page; Q1's sale is pending when page Q is judged:
        // not counted as drift, pushed right after the page
        assert.deepStrictEqual(log, ["page P", "write P2=5", "page Q", "write Q1=3"])
        assert.deepStrictEqual(report.drifted.map((d) => d.sku), ["P2"])
        assert.strictEqual(report.push.written, 1)
        assert.strictEqual(report.reads, 2)
        assert.deepStrictEqual([...shownBy.entries()].sort(), [["P1", 5], ["P2", 5], ["Q1", 3], ["Q2", 5]])
      }))))

    it.effect("a change committed between two pages is pushed before the next page is read", () =>
      TestServices.provideLive(Effect.scoped(Effect.gen(function* () {
        const ledger = yield* StockLedger
        const publisher = yield* StockPublisher
        const { tenantId, connectionId } = yield* shopWith("paged-push", { P1: 5, Q1: 5 })
        const log: Array<string> = []
        const shownBy = new Map([["P1", 5], ["Q1", 5]])
        const target: StockTarget = {
          ...loggingWrites(log, shownBy),
          readQuantityPages: () => Stream.concat(
            Stream.fromEffect(Effect.gen(function* () {
              log.push("page P")
              // a sale of Q1 commits while page P is on the wire: Q1 is on a later page
              yield* ledger.adjust(tenantId, "Q1", -1, by).pipe(Effect.orDie)
              return new Map([["P1", shownBy.get("P1")!]]) as ReadonlyMap<string, number>
            })),
            Stream.sync(() => { log.push("page Q"); return new Map([["Q1", shownBy.get("Q1")!]]) as ReadonlyMap<string, number> }),
          ),
        }
        yield* publisher.push(connectionId, { ...target, setQuantities: () => Effect.succeed({ missing: [] }) })
        log.length = 0
        const report = yield* publisher.reconcile(connectionId, target)
        assert.deepStrictEqual(log, ["page P", "write Q1=4", "page Q"], "pushed between the pages, not after the read-back")
        assert.deepStrictEqual(report.drifted, [])
        assert.strictEqual(report.push.written, 1)
      }))))

    it.effect("a large catalogue is written in 2000-item calls and reconciled from the full listing", () =>
      TestServices.provideLive(Effect.scoped(Effect.gen(function* () {
        const ledger = yield* StockLedger
        const publisher = yield* StockPublisher
        const { sim, target } = yield* bigCommerceChannel()
        const skus = Array.from({ length: 2100 }, (_, i) => `L-${i}`)
        sim.store.seed(skus.map((sku) => ({ sku })))
        const { tenantId, connectionId } = yield* shopWith("large", {})
        yield* ledger.importCsv(tenantId, `sku,on_hand\n${skus.map((s, i) => `${s},${i % 9}`).join("\n")}`, by)
        assert.deepInclude(yield* publisher.push(connectionId, target), { written: 2100, batches: 2 })
        assert.deepStrictEqual(bodies(sim).map((b) => b.length), [2000, 100])
        sim.store.setLevel(sim.store.findVariantBySku("L-7")!.id, 1, 1, "absolute")
        const reads = () => sim.exchanges.filter((x) => x.method === "GET" && x.template === "/v3/inventory/locations/{location_id}/items").length
        const before = reads()
        const report = yield* publisher.reconcile(connectionId, target)
        assert.deepStrictEqual(report.drifted, [{ sku: "L-7", expected: 7, found: 1 }])
        assert.strictEqual(reads() - before, Math.ceil(2100 / 250))
        assert.strictEqual(shown(sim, "L-7"), 7)
      }))))

    if (backend === "postgres") {
      it.effect("pushes of one connection from two workers never overlap", () =>
        TestServices.provideLive(Effect.scoped(Effect.gen(function* () {
          const ledger = yield* StockLedger
          // A second publisher built apart from the first, as in another `vortex worker` process.
          const workers = [yield* StockPublisher, Context.get(yield* Layer.build(StockPublisher.Default), StockPublisher)]
          const { tenantId, connectionId } = yield* shopWith("two-workers", { A: 50 })
          let inFlight = 0
          let most = 0
          const { target, shownBy } = recordingTarget(10, () =>
            Effect.acquireUseRelease(
              Effect.sync(() => { most = Math.max(most, ++inFlight) }),
              () => Effect.sleep("30 millis"),
              () => Effect.sync(() => { inFlight-- }),
            ))
          for (let round = 1; round <= 4; round++) {
            yield* ledger.set(tenantId, "A", 50 - round, by)
            yield* Effect.all(workers.map((w) => w.push(connectionId, target)), { concurrency: "unbounded" })
          }
          assert.strictEqual(most, 1)
          assert.strictEqual(shownBy.get("A"), 46)
        }))))
    }
  })
})

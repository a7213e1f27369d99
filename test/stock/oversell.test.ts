/**
 * The "Oversell" acceptance of issue 6, model-based: two BigCommerce stores (two channels, real
 * HTTP) sell from one shared ledger. Channels sell only what they show; the engine reserves each
 * order, pushes after every change, and reconciles on the heartbeat. A model tracks what the
 * ledger must hold; after every step the ledger and both channels are compared with it.
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, type Layer, Runtime, TestServices } from "effect"
import fc from "fast-check"
import { type ReservationResult, StockLedger } from "../../engine/stock/StockLedger.js"
import { StockPublisher } from "../../engine/stock/StockPublisher.js"
import { StockTargets } from "../../engine/stock/StockTargets.js"
import { type Backend, backends } from "../support/TestDatabase.js"
import { tenantWithConnections } from "./fixtures.js"
import { bigCommerceChannel, type Channel, shown, StockLayerForTest } from "./support.js"

const SKUS = ["P1", "P2", "P3"] as const
type Sku = (typeof SKUS)[number]

interface Line { readonly sku: Sku; readonly quantity: number }
interface ChannelOrder { readonly channel: 0 | 1; readonly lines: ReadonlyArray<Line> }

type Step =
  /** Both channels take orders at the same time, then the engine hears of them all at once. */
  | { readonly _tag: "Round"; readonly orders: ReadonlyArray<ChannelOrder> }
  | { readonly _tag: "SetOnHand"; readonly sku: Sku; readonly aboveReserved: number }
  | { readonly _tag: "Ship"; readonly pick: number }
  | { readonly _tag: "Cancel"; readonly pick: number }
  | { readonly _tag: "Reconcile"; readonly channel: 0 | 1 }
  /** Someone lowers the stock in a store's control panel. */
  | { readonly _tag: "ChannelEdit"; readonly channel: 0 | 1; readonly sku: Sku; readonly percent: number }

const sku = fc.constantFrom(...SKUS)
const channel = fc.constantFrom(0 as const, 1 as const)
const order: fc.Arbitrary<ChannelOrder> = fc.record({
  channel,
  lines: fc.uniqueArray(fc.record({ sku, quantity: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 2, selector: (l) => l.sku }),
})
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ _tag: fc.constant("Round" as const), orders: fc.array(order, { minLength: 1, maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("SetOnHand" as const), sku, aboveReserved: fc.integer({ min: 0, max: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Ship" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Cancel" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Reconcile" as const), channel }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("ChannelEdit" as const), channel, sku, percent: fc.integer({ min: 0, max: 100 }) }) },
)
const scenario = fc.record({
  buffer: fc.integer({ min: 1, max: 3 }),
  initial: fc.tuple(fc.nat(12), fc.nat(12), fc.nat(12)),
  steps: fc.array(step, { minLength: 1, maxLength: 8 }),
})

let tenants = 0

type Services = Layer.Layer.Success<ReturnType<typeof StockLayerForTest>>

const run = (backend: Backend, input: typeof scenario extends fc.Arbitrary<infer T> ? T : never) =>
  Effect.scoped(Effect.gen(function* () {
    const ledger = yield* StockLedger
    const publisher = yield* StockPublisher
    const sql = yield* SqlClient.SqlClient
    const concurrency = backend === "postgres" ? "unbounded" as const : 1
    const { tenantId, connections } = yield* tenantWithConnections(`oversell-${backend}-${++tenants}`, 2)
    const channels: ReadonlyArray<Channel> = [yield* bigCommerceChannel(), yield* bigCommerceChannel()]
    for (const c of channels) c.sim.store.seed(SKUS.map((s) => ({ sku: s })))
    const buffer = () => input.buffer

    // The model: on hand per SKU and the orders still holding units.
    const onHand = new Map<Sku, number>(SKUS.map((s, i) => [s, input.initial[i]!]))
    const open: Array<{ connectionId: string; channelOrderId: string; lines: ReadonlyArray<Line> }> = []
    const reserved = (s: Sku) => open.reduce((n, o) => n + o.lines.filter((l) => l.sku === s).reduce((m, l) => m + l.quantity, 0), 0)
    const publishable = (s: Sku) => Math.max(0, onHand.get(s)! - reserved(s) - input.buffer)

    for (const s of SKUS) yield* ledger.set(tenantId, s, onHand.get(s)!, { actor: "merchant" })
    for (const c of connections) yield* (yield* StockTargets).enable(tenantId, c)

    const pushAll = Effect.all(channels.map((c, i) => publisher.push(connections[i]!, c.target, buffer)), { concurrency })

    const checkLedger = Effect.gen(function* () {
      for (const level of yield* ledger.list(tenantId)) {
        const s = level.sku as Sku
        assert.isAtMost(level.reserved, level.onHand, `${s}: reservations exceed on hand`)
        assert.deepStrictEqual([level.onHand, level.reserved], [onHand.get(s), reserved(s)], `${s}: ledger differs from the model`)
      }
    })

    /** After a push no channel shows more than available − buffer, and what it was told is exactly that. */
    const checkChannels = Effect.gen(function* () {
      for (const [i, c] of channels.entries()) {
        const told = new Map((yield* publisher.channelStock(tenantId, connections[i]!)).map((r) => [r.sku, r.published]))
        for (const s of SKUS) {
          assert.isAtMost(shown(c.sim, s), publishable(s), `channel ${i} shows more ${s} than available − buffer`)
          assert.strictEqual(told.get(s), publishable(s), `channel ${i} was last told a stale ${s}`)
        }
      }
    })

    const checkConverged = (i: number) => {
      for (const s of SKUS) assert.strictEqual(shown(channels[i]!.sim, s), publishable(s), `channel ${i} has not converged on ${s}`)
    }

    yield* pushAll
    for (const step of input.steps) {
      switch (step._tag) {
        case "Round": {
          // A channel sells while it shows enough; between two pushes it sells at most `buffer`
          // units of a SKU (the propagation window the buffer must cover).
          const window = new Map<string, number>()
          const placed: Array<{ connectionId: string; channelOrderId: string; lines: ReadonlyArray<Line> }> = []
          for (const o of step.orders) {
            const { sim } = channels[o.channel]!
            const fits = o.lines.every((l) => shown(sim, l.sku) >= l.quantity && (window.get(`${o.channel}:${l.sku}`) ?? 0) + l.quantity <= input.buffer)
            if (!fits) continue
            for (const l of o.lines) window.set(`${o.channel}:${l.sku}`, (window.get(`${o.channel}:${l.sku}`) ?? 0) + l.quantity)
            const placedOrder = sim.store.placeOrder({ lines: o.lines })
            placed.push({ connectionId: connections[o.channel]!, channelOrderId: String(placedOrder.id), lines: o.lines })
          }
          const results = yield* Effect.all(placed.map((p) => ledger.reserve(tenantId, p)), { concurrency })
          results.forEach((r: ReservationResult, k) => {
            assert.deepStrictEqual(r.status, "reserved", `order ${placed[k]!.channelOrderId} was oversold: ${JSON.stringify(r)}`)
          })
          open.push(...placed)
          break
        }
        case "SetOnHand": {
          const value = reserved(step.sku) + step.aboveReserved
          yield* ledger.set(tenantId, step.sku, value, { actor: "merchant" })
          onHand.set(step.sku, value)
          break
        }
        case "Ship":
        case "Cancel": {
          if (open.length === 0) break
          const [o] = open.splice(step.pick % open.length, 1)
          if (step._tag === "Ship") {
            yield* ledger.ship(tenantId, o!)
            for (const l of o!.lines) onHand.set(l.sku, onHand.get(l.sku)! - l.quantity)
          } else {
            yield* ledger.release(tenantId, o!)
          }
          break
        }
        case "Reconcile": {
          yield* publisher.reconcile(connections[step.channel]!, channels[step.channel]!.target, buffer)
          checkConverged(step.channel)
          break
        }
        case "ChannelEdit": {
          const { sim } = channels[step.channel]!
          sim.store.setLevel(sim.store.findVariantBySku(step.sku)!.id, 1, Math.floor((shown(sim, step.sku) * step.percent) / 100), "absolute")
          break
        }
      }
      yield* checkLedger
      yield* pushAll
      yield* checkChannels
    }

    // Quiescence: the heartbeat pushes and reconciles every channel; all show the published value.
    yield* pushAll
    for (const [i, c] of channels.entries()) yield* publisher.reconcile(connections[i]!, c.target, buffer)
    channels.forEach((_, i) => checkConverged(i))
    assert.strictEqual((yield* sql`SELECT 1 FROM stock_dirty WHERE tenant_id = ${tenantId}`).length, 0)
    // No unit sold twice: every channel order holds or has taken its units from one shared count.
    for (const s of SKUS) {
      const sold = channels.reduce((n, c) => n + [...c.sim.store.orders.values()].flatMap((o) => o.lines).filter((l) => l.sku === s).reduce((m, l) => m + l.quantity, 0), 0)
      const moves = yield* ledger.movements(tenantId, s, 10_000)
      const taken = moves.filter((m) => m.kind === "reserve").reduce((n, m) => n + m.reservedDelta, 0)
      assert.strictEqual(taken, sold, `${s}: channel orders and ledger reservations disagree`)
    }
  })).pipe(TestServices.provideLive)

describe.each(backends)("oversell on %s", (backend) => {
  layer(StockLayerForTest(backend), { timeout: 120_000 })((it) => {
    it.effect("two channels selling what they show from one ledger never sell a unit twice and converge on the published quantity", () =>
      Effect.gen(function* () {
        const runtime = yield* Effect.runtime<Services>()
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(scenario, (input) => Runtime.runPromise(runtime)(run(backend, input))),
            { numRuns: backend === "postgres" ? 12 : 3, endOnFailure: backend === "pglite" },
          ))
      }), 120_000)

    it.effect("under unbounded concurrent demand reservations never exceed on hand", () =>
      Effect.gen(function* () {
        const ledger = yield* StockLedger
        const runtime = yield* Effect.runtime<Services>()
        const concurrency = backend === "postgres" ? "unbounded" as const : 1
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              fc.tuple(fc.nat(10), fc.nat(10)),
              fc.array(fc.record({ channel, lines: fc.uniqueArray(fc.record({ sku: fc.constantFrom("P1" as const, "P2" as const), quantity: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 2, selector: (l) => l.sku }) }), { minLength: 1, maxLength: 25 }),
              (initial, orders) => Runtime.runPromise(runtime)(Effect.gen(function* () {
                const { tenantId, connections } = yield* tenantWithConnections(`demand-${backend}-${++tenants}`, 2)
                yield* ledger.set(tenantId, "P1", initial[0], { actor: "merchant" })
                yield* ledger.set(tenantId, "P2", initial[1], { actor: "merchant" })
                const results = yield* Effect.all(orders.map((o, k) => ledger.reserve(tenantId, { connectionId: connections[o.channel]!, channelOrderId: String(k), lines: o.lines })), { concurrency })
                for (const [i, s] of (["P1", "P2"] as const).entries()) {
                  const granted = results.reduce((n, r, k) => n + (r.status === "reserved" ? orders[k]!.lines.filter((l) => l.sku === s).reduce((m, l) => m + l.quantity, 0) : 0), 0)
                  const level = yield* ledger.get(tenantId, s)
                  assert.strictEqual(level.reserved, granted)
                  assert.isAtMost(granted, initial[i]!)
                }
                // Every refused order really did not fit what was left when it was refused.
                for (const r of results) if (r.status === "insufficient") for (const s of r.short) assert.isBelow(s.available, s.requested)
              })),
            ),
            { numRuns: backend === "postgres" ? 25 : 5 },
          ))
      }), 120_000)
  })
})

import { SqlClient } from "@effect/sql"
import { assert, describe, layer } from "@effect/vitest"
import { Cause, Context, Effect, Exit, Fiber, Layer } from "effect"
import fc from "fast-check"
import { LexofficeClient, type LexofficeApi, makeLexofficeClient } from "../../connectors/lexoffice/LexofficeClient.js"
import type { LexofficeSimulator } from "../../connectors/lexoffice/simulator/LexofficeSimulator.js"
import type { ChannelOrder } from "../../engine/orders/ChannelOrder.js"
import { DatabaseInfo } from "../../engine/db/Database.js"
import { FxRates } from "../../engine/fx/FxRates.js"
import { ContactResolver } from "../../engine/orders/ContactResolver.js"
import { OrderInbox } from "../../engine/orders/OrderInbox.js"
import { OrderLock } from "../../engine/orders/OrderLock.js"
import { OrderMapper } from "../../engine/orders/OrderMapper.js"
import { orderMarker } from "../../engine/orders/OrderMarker.js"
import { OrderProtocol } from "../../engine/orders/OrderProtocol.js"
import { FINAL_STATES, type OrderKey, OrderRepo } from "../../engine/orders/OrderRepo.js"
import { OrderSettings } from "../../engine/orders/OrderSettings.js"
import { backends, TestDatabase } from "../support/TestDatabase.js"
import { channelOrder, HandMapper, Http, makeConnection, MemoryStock, SeededFx } from "./fixtures.js"
import { Simulator } from "./harness.js"
import { LexofficeSimulator as Sim } from "../../connectors/lexoffice/simulator/LexofficeSimulator.js"

/**
 * ARCHITECTURE.md §6, the property: for any interleaving of deliveries (duplicate, out of order,
 * heartbeat re-polls), worker crashes at any step, 504-after-commit and 5xx from lexoffice, and
 * two workers at once, each channel order yields exactly one order confirmation — and none is
 * lost: after a final drain every order is created or oversold.
 */

/** Named crash points: the worker dies exactly there (its fiber is interrupted, finalizers run as on SIGTERM). */
const CRASH_POINTS = [
  "mapping", // before the intent is committed
  "before-create", // intent committed, POST not sent
  "after-create", // POST answered (or failed), id not yet stored
  "after-contact-create", // contact created, not yet cached
  "before-voucherlist", // reconciling: before the list
  "after-get", // reconciling: a candidate read, not yet adopted
] as const
type CrashPoint = (typeof CRASH_POINTS)[number]

type Action =
  | { readonly _tag: "deliver"; readonly order: number; readonly minutesLater: number }
  | { readonly _tag: "process"; readonly order: number }
  | { readonly _tag: "crash"; readonly order: number; readonly point: CrashPoint }
  | { readonly _tag: "interrupt"; readonly order: number; readonly afterMs: number }
  | { readonly _tag: "fault"; readonly kind: "504" | "503" | "500"; readonly target: "order-confirmation" | "next-request" }
  | { readonly _tag: "heartbeat" }
  | { readonly _tag: "concurrent"; readonly order: number }
  | { readonly _tag: "restock"; readonly sku: "A" | "B"; readonly quantity: number }
  | { readonly _tag: "reopen"; readonly order: number }

const ORDERS = 6

const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ _tag: fc.constant("deliver" as const), order: fc.nat(ORDERS - 1), minutesLater: fc.integer({ min: -30, max: 30 }) }), weight: 4 },
  { arbitrary: fc.record({ _tag: fc.constant("process" as const), order: fc.nat(ORDERS - 1) }), weight: 3 },
  { arbitrary: fc.record({ _tag: fc.constant("crash" as const), order: fc.nat(ORDERS - 1), point: fc.constantFrom(...CRASH_POINTS) }), weight: 3 },
  { arbitrary: fc.record({ _tag: fc.constant("interrupt" as const), order: fc.nat(ORDERS - 1), afterMs: fc.integer({ min: 0, max: 25 }) }), weight: 2 },
  {
    arbitrary: fc.record({
      _tag: fc.constant("fault" as const),
      kind: fc.constantFrom("504" as const, "503" as const, "500" as const),
      target: fc.constantFrom("order-confirmation" as const, "next-request" as const),
    }),
    weight: 4,
  },
  { arbitrary: fc.constant({ _tag: "heartbeat" as const }), weight: 1 },
  { arbitrary: fc.record({ _tag: fc.constant("concurrent" as const), order: fc.nat(ORDERS - 1) }), weight: 2 },
  { arbitrary: fc.record({ _tag: fc.constant("restock" as const), sku: fc.constantFrom("A" as const, "B" as const), quantity: fc.integer({ min: 1, max: 3 }) }), weight: 1 },
  { arbitrary: fc.record({ _tag: fc.constant("reopen" as const), order: fc.nat(ORDERS - 1) }), weight: 1 },
)

const scenario = fc.record({
  actions: fc.array(action, { minLength: 5, maxLength: 28 }),
  stock: fc.record({ A: fc.integer({ min: 0, max: 6 }), B: fc.integer({ min: 0, max: 6 }) }),
  orders: fc.array(fc.record({
    sku: fc.constantFrom("A", "B"),
    quantity: fc.integer({ min: 1, max: 3 }),
    buyer: fc.nat(2),
    export: fc.boolean(),
  }), { minLength: ORDERS, maxLength: ORDERS }),
})
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never

/**
 * Where the next crash happens (armed by a "crash" action, disarmed when it fires), and a
 * simulator fault aimed at the next order-confirmation create rather than whatever request
 * comes next (contact look-ups and creates would otherwise absorb most faults).
 */
class CrashPlan extends Context.Tag("test/orders/CrashPlan")<CrashPlan, {
  point: CrashPoint | null
  createFault: "504" | "503" | "500" | null
  /** Workers inside the mapping, per order; and the orders ever worked by two at once. */
  readonly mapping: Map<string, number>
  readonly overlaps: Set<string>
}>() {}

const injectFault = (sim: LexofficeSimulator, kind: "504" | "503" | "500") => {
  if (kind === "504") sim.faults.commitThen504++
  else {
    sim.faults.serverErrorStatus = kind === "500" ? 500 : 503
    sim.faults.failNext++
  }
}

const crashAt = <A, E, R>(plan: { point: CrashPoint | null }, before: CrashPoint | null, after: CrashPoint | null, effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    if (before !== null && plan.point === before) {
      plan.point = null
      return Effect.interrupt
    }
    return Effect.flatMap(Effect.exit(effect), (exit) => {
      if (after !== null && plan.point === after) {
        plan.point = null
        return Effect.interrupt
      }
      return exit
    })
  })

/** The real client of the simulator, with crash points around the calls that matter. */
const crashingLexoffice = Layer.effect(LexofficeClient, Effect.gen(function* () {
  const sim = yield* Simulator
  const plan = yield* CrashPlan
  const real: LexofficeApi = yield* makeLexofficeClient({
    accessToken: sim.token,
    baseUrl: sim.url,
    rateLimit: { _tag: "Unlimited" },
    retry: { maxAttempts: 2, baseDelayMs: 2, maxDelayMs: 5 },
    timeoutMs: 5_000,
  })
  return {
    ...real,
    createOrderConfirmation: (input, options) =>
      crashAt(plan, "before-create", "after-create", Effect.suspend(() => {
        if (plan.createFault !== null) injectFault(sim, plan.createFault)
        plan.createFault = null
        return real.createOrderConfirmation(input, options)
      })),
    createContact: (input) => crashAt(plan, null, "after-contact-create", real.createContact(input)),
    queryVoucherlist: (query, page) => crashAt(plan, "before-voucherlist", null, real.queryVoucherlist(query, page)),
    getOrderConfirmation: (id) => crashAt(plan, null, "after-get", real.getOrderConfirmation(id)),
  } satisfies LexofficeApi
})).pipe(Layer.provide(Http))

const crashingMapper = Layer.effect(OrderMapper, Effect.gen(function* () {
  const plan = yield* CrashPlan
  const hand = yield* OrderMapper
  // The mapping is where a worker decides what to send; it dwells there a moment so that two
  // workers on one order would overlap — which the order lock must make impossible.
  const enter = (id: string) =>
    Effect.sync(() => {
      const inside = (plan.mapping.get(id) ?? 0) + 1
      plan.mapping.set(id, inside)
      if (inside > 1) plan.overlaps.add(id)
    })
  const leave = (id: string) => Effect.sync(() => plan.mapping.set(id, (plan.mapping.get(id) ?? 1) - 1))
  return {
    map: (order, context) =>
      Effect.acquireUseRelease(enter(order.id), () => Effect.zipRight(Effect.sleep(2), crashAt(plan, "mapping", null, hand.map(order, context))), () => leave(order.id)),
  }
})).pipe(Layer.provide(HandMapper))

/**
 * The other worker. On a PostgreSQL server it is a second `vortex worker` process in all but
 * name: its own protocol and order lock (nothing shared in memory with the first), so only the
 * database's advisory lock keeps the two apart. PGlite is opened by one process only, so there
 * the second worker is another fiber of the same process.
 */
class OtherWorker extends Context.Tag("test/orders/OtherWorker")<OtherWorker, OrderProtocol>() {}

const otherWorker = (backend: (typeof backends)[number]): Layer.Layer<OtherWorker, never, OrderProtocol | SqlClient.SqlClient | DatabaseInfo> =>
  backend === "postgres"
    ? Layer.effect(OtherWorker, OrderProtocol).pipe(
      Layer.provide(Layer.fresh(OrderProtocol.DefaultWithoutDependencies).pipe(
        Layer.provide(Layer.mergeAll(OrderRepo.Default, Layer.fresh(OrderLock.Default), ContactResolver.Default, FxRates.Default)),
      )),
    )
    : Layer.effect(OtherWorker, OrderProtocol)

const harness = (backend: (typeof backends)[number]) => {
  const database = Layer.provideMerge(SeededFx, TestDatabase(backend))
  const protocols = Layer.provideMerge(otherWorker(backend), OrderProtocol.Default)
  const services = Layer.mergeAll(OrderInbox.Default, OrderRepo.Default, protocols).pipe(Layer.provideMerge(database))
  const simulator = Layer.scoped(Simulator, Sim.scoped({ rateLimit: false }))
  const plan = Layer.sync(CrashPlan, () => ({ point: null, createFault: null, mapping: new Map<string, number>(), overlaps: new Set<string>() }))
  const outside = Layer.mergeAll(crashingLexoffice, crashingMapper).pipe(Layer.provideMerge(Layer.merge(simulator, plan)))
  // A short grace: long enough for an interrupted in-flight POST to land in the simulator first.
  return Layer.mergeAll(services, outside, OrderSettings.layer({ reconcileGraceMs: 10 }))
}

const buyers = ["ana@example.com", "bob@example.com", "cem@example.ae"]

const makeOrder = (id: string, spec: { sku: string; quantity: number; buyer: number; export: boolean }): ChannelOrder =>
  channelOrder(id, spec.export
    ? {
      currency: "AED",
      customer: { email: buyers[spec.buyer]!, name: "Mona Haddad" },
      billing: { name: "Mona Haddad", street: "Sheikh Zayed Road 12", city: "Dubai", countryCode: "AE" },
      shipping: { name: "Mona Haddad", street: "Sheikh Zayed Road 12", city: "Dubai", countryCode: "AE" },
      lines: [{ id: "1", sku: spec.sku, name: `Item ${spec.sku}`, quantity: spec.quantity, unitPriceGross: "36.73", taxRate: "0" }],
      shippingGross: "0",
      totalGross: (36.73 * spec.quantity).toFixed(2),
    }
    : {
      customer: { email: buyers[spec.buyer]!, name: "Erika Musterfrau" },
      lines: [{ id: "1", sku: spec.sku, name: `Item ${spec.sku}`, quantity: spec.quantity, unitPriceGross: "11.90", taxRate: "19" }],
      totalGross: (11.9 * spec.quantity + 4.9).toFixed(2),
    })

let runs = 0

const runScenario = (sc: Scenario) =>
  Effect.gen(function* () {
    runs++
    const sim = yield* Simulator
    const plan = yield* CrashPlan
    const inbox = yield* OrderInbox
    const protocol = yield* OrderProtocol
    const other = yield* OtherWorker
    const database = yield* DatabaseInfo
    assert.strictEqual(other === protocol, database.kind === "embedded", "on a server the other worker shares nothing in memory")
    const repo = yield* OrderRepo
    const { tenantId, connectionId } = yield* makeConnection(`prop-${runs}`)
    const stock = new MemoryStock(sc.stock)
    const ids = sc.orders.map((_, i) => `R${runs}-${i}`)
    const keyOf = (i: number): OrderKey => ({ tenantId, connectionId, channelOrderId: ids[i]! })
    const orders = sc.orders.map((spec, i) => makeOrder(ids[i]!, spec))
    const delivered = new Set<number>()
    // Each worker runs in its own fiber: a crash ends that worker, never the test.
    const worker = <A, R>(work: Effect.Effect<A, never, R>) => Effect.flatMap(Effect.fork(work), Fiber.await)
    const process = (i: number, by: OrderProtocol = protocol) => worker(by.process(keyOf(i)).pipe(Effect.provide(stock.layer)))

    const vouchersOf = (i: number) => {
      const marker = orderMarker(connectionId, ids[i]!)
      return sim.vouchersOf("order-confirmations").filter((v) => typeof v.body.remark === "string" && v.body.remark.includes(marker))
    }
    const atMostOne = (when: string) => {
      for (let i = 0; i < ORDERS; i++) assert.isAtMost(vouchersOf(i).length, 1, `order ${i} has two order confirmations ${when}`)
    }

    const deliver = (i: number, minutesLater: number) =>
      Effect.gen(function* () {
        const modifiedAt = new Date(Date.parse(orders[i]!.placedAt) + (30 + minutesLater) * 60_000).toISOString()
        yield* inbox.receive(tenantId, connectionId, orders[i]!, { modifiedAt }).pipe(Effect.orDie)
        delivered.add(i)
      })

    for (const [n, a] of sc.actions.entries()) {
      switch (a._tag) {
        case "deliver":
          yield* deliver(a.order, a.minutesLater)
          break
        case "process":
          yield* process(a.order)
          break
        case "crash": {
          plan.point = a.point
          yield* process(a.order)
          plan.point = null // the point was not on this order's path: no crash this time
          break
        }
        case "interrupt": {
          const fiber = yield* Effect.fork(protocol.process(keyOf(a.order)).pipe(Effect.provide(stock.layer)))
          yield* Effect.sleep(a.afterMs)
          yield* Fiber.interrupt(fiber)
          break
        }
        case "fault":
          if (a.target === "order-confirmation") plan.createFault = a.kind
          else injectFault(sim, a.kind)
          break
        case "heartbeat":
          // The poll finds every order the channel has again, then the worker drains.
          for (const i of delivered) yield* deliver(i, 0)
          yield* worker(protocol.drain().pipe(Effect.provide(stock.layer)))
          break
        case "concurrent": {
          const [x, y] = yield* Effect.all([process(a.order), process(a.order, other)], { concurrency: 2 })
          // One may find it locked ("busy"), but the lock never turns both away.
          const busy = [x, y].filter((e) => Exit.isSuccess(e) && e.value.outcome === "busy")
          assert.isBelow(busy.length, 2, "one of two workers must get the order")
          break
        }
        case "restock":
          stock.onHand.set(a.sku, (stock.onHand.get(a.sku) ?? 0) + a.quantity)
          break
        case "reopen":
          // An operator retries an oversold order after restocking: it may now be created — once.
          yield* protocol.reopen(keyOf(a.order))
          break
      }
      atMostOne(`after action ${n} (${a._tag})`)
      assert.deepStrictEqual([...plan.overlaps].filter((id) => ids.includes(id)), [], `two workers worked one order at once (action ${n})`)
    }

    // Quiescence: faults and crash plans off, every order delivered at least once (a lost webhook
    // is found by the heartbeat poll), then workers drain until nothing is left to do.
    plan.point = null
    plan.createFault = null
    sim.faults.commitThen504 = 0
    sim.faults.failNext = 0
    for (let i = 0; i < ORDERS; i++) if (!delivered.has(i)) yield* deliver(i, 0)
    const drain = (by: OrderProtocol) => worker(by.drain().pipe(Effect.provide(stock.layer)))
    for (let round = 0; round < 40; round++) {
      yield* Effect.all([drain(protocol), drain(other)], { concurrency: 2 })
      const states = yield* Effect.forEach(ids, (_, i) => repo.find(keyOf(i)))
      if (states.every((s) => s._tag === "Some" && FINAL_STATES.has(s.value.state))) break
      yield* Effect.sleep(15)
    }

    const reservedUnits: Record<string, number> = {}
    for (let i = 0; i < ORDERS; i++) {
      const row = yield* repo.find(keyOf(i))
      assert.strictEqual(row._tag, "Some")
      if (row._tag !== "Some") continue
      const vouchers = vouchersOf(i)
      assert.include(["created", "oversold"], row.value.state, `order ${i} ended ${row.value.state}: ${row.value.failureReason}`)
      if (row.value.state === "created") {
        assert.lengthOf(vouchers, 1, `order ${i} must have exactly one order confirmation`)
        assert.strictEqual(row.value.lexofficeId, vouchers[0]!.id)
        const spec = sc.orders[i]!
        reservedUnits[spec.sku] = (reservedUnits[spec.sku] ?? 0) + spec.quantity
      } else {
        assert.lengthOf(vouchers, 0, `oversold order ${i} must not reach lexoffice`)
      }
    }
    for (const sku of ["A", "B"]) assert.isAtMost(reservedUnits[sku] ?? 0, stock.onHand.get(sku) ?? 0, `${sku} sold beyond stock`)
  })

/** Runs first, so every hard path is walked whatever the random runs draw. */
const everyPath: Scenario = {
  stock: { A: 4, B: 1 },
  orders: [
    { sku: "A", quantity: 1, buyer: 0, export: false },
    { sku: "A", quantity: 1, buyer: 1, export: true },
    { sku: "A", quantity: 1, buyer: 2, export: false },
    { sku: "B", quantity: 1, buyer: 0, export: false },
    { sku: "B", quantity: 1, buyer: 1, export: false },
    { sku: "A", quantity: 1, buyer: 0, export: false },
  ],
  actions: [
    ...[0, 1, 2, 3, 4, 5].map((order) => ({ _tag: "deliver" as const, order, minutesLater: 0 })),
    { _tag: "fault", kind: "500", target: "order-confirmation" }, // not executed: reconciliation finds nothing, creates again
    { _tag: "process", order: 0 },
    { _tag: "fault", kind: "504", target: "order-confirmation" }, // executed: reconciliation adopts it
    { _tag: "process", order: 1 },
    { _tag: "crash", order: 2, point: "after-create" },
    { _tag: "deliver", order: 2, minutesLater: -5 },
    { _tag: "process", order: 3 },
    { _tag: "concurrent", order: 4 }, // B is gone: oversold
    { _tag: "restock", sku: "B", quantity: 1 },
    { _tag: "reopen", order: 4 }, // an operator's retry: created now, once
    { _tag: "concurrent", order: 5 }, // two workers (two processes on a server) start on one fresh order
    { _tag: "heartbeat" },
  ],
}

describe.each(backends)("exactly once on %s", (backend) => {
  layer(harness(backend), { timeout: 120_000, excludeTestServices: true })((it) => {
    it.effect("each channel order yields exactly one order confirmation, and none is lost", () =>
      Effect.gen(function* () {
        const context = yield* Effect.context<Layer.Layer.Success<ReturnType<typeof harness>>>()
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(scenario, async (sc) => {
              const exit = await Effect.runPromiseExit(runScenario(sc).pipe(Effect.provide(context)))
              if (Exit.isFailure(exit)) throw new Error(Cause.pretty(exit.cause))
            }),
            { numRuns: backend === "pglite" ? 10 : 16, endOnFailure: true, examples: [[everyPath]] },
          ))
        // The runs must have gone through the hard paths, or the property proved little.
        const sql = yield* SqlClient.SqlClient
        const [paths] = yield* sql<{ unknown: number; adopted: number; recreated: number; oversold: number; reopened: number }>`
          SELECT count(*) FILTER (WHERE detail LIKE 'outcome unknown%')::int AS unknown,
                 count(*) FILTER (WHERE detail LIKE 'adopted %')::int AS adopted,
                 count(*) FILTER (WHERE detail LIKE 'no voucher carries the marker%')::int AS recreated,
                 count(*) FILTER (WHERE to_state = 'oversold')::int AS oversold,
                 count(*) FILTER (WHERE detail = 'reopened from oversold')::int AS reopened
          FROM order_events`
        assert.isAbove(paths!.unknown, 0, "no unknown outcome was provoked")
        assert.isAbove(paths!.adopted, 0, "no voucher was ever adopted by reconciliation")
        assert.isAbove(paths!.recreated, 0, "no reconciliation ever came back empty")
        assert.isAbove(paths!.oversold, 0, "no order was ever oversold")
        assert.isAbove(paths!.reopened, 0, "no oversold order was ever reopened")
      }), 100_000)
  })
})


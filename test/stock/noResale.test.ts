/**
 * Issue #10, hole 2, model-based: a channel's own orders reach Vortex late, twice, or never
 * (only a poll finds those), and work stops between steps. After every step no SKU is on sale
 * on the channel beyond what is left once every order the channel took — seen or not — is
 * counted: no unit is ever published that a channel order already took. Once everything is
 * taken in, the channel converges on the published quantity.
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, type Layer, Runtime, TestServices } from "effect"
import fc from "fast-check"
import { type Intake, StockPublisher } from "../../engine/stock/StockPublisher.js"
import { StockLedger } from "../../engine/stock/StockLedger.js"
import { StockTargetFailed } from "../../engine/stock/errors.js"
import type { StockTarget } from "../../engine/stock/StockTarget.js"
import { StockTargets } from "../../engine/stock/StockTargets.js"
import { backends } from "../support/TestDatabase.js"
import { tenantWithConnections } from "./fixtures.js"
import { bigCommerceChannel, shown, StockLayerForTest } from "./support.js"

const SKUS = ["P1", "P2"] as const
type Sku = (typeof SKUS)[number]

type Delivery = "prompt" | "late" | "twice" | "lost"

type Step =
  /** A shopper buys what the channel shows; its webhook comes at once, later, twice, or never. */
  | { readonly _tag: "Order"; readonly sku: Sku; readonly quantity: number; readonly delivery: Delivery }
  /** The late webhooks arrive. */
  | { readonly _tag: "Deliver" }
  /** The heartbeat's poll takes in every order; `crashAfter` of them, then the worker dies. */
  | { readonly _tag: "Poll"; readonly crashAfter: number | null }
  | { readonly _tag: "Push" }
  /** A push whose write reached the channel, and whose worker died before recording it. */
  | { readonly _tag: "PushCrash" }
  | { readonly _tag: "Reconcile" }

const sku = fc.constantFrom(...SKUS)
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ _tag: fc.constant("Order" as const), sku, quantity: fc.integer({ min: 1, max: 3 }), delivery: fc.constantFrom<Delivery>("prompt", "late", "twice", "lost") }) },
  { weight: 1, arbitrary: fc.constant({ _tag: "Deliver" as const }) },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("Poll" as const), crashAfter: fc.option(fc.nat(3), { nil: null }) }) },
  { weight: 2, arbitrary: fc.constant({ _tag: "Push" as const }) },
  { weight: 1, arbitrary: fc.constant({ _tag: "PushCrash" as const }) },
  { weight: 3, arbitrary: fc.constant({ _tag: "Reconcile" as const }) },
)
const scenario = fc.record({ initial: fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 })), steps: fc.array(step, { minLength: 1, maxLength: 14 }) })

let tenants = 0
type Services = Layer.Layer.Success<ReturnType<typeof StockLayerForTest>>

const run = (backend: string, input: typeof scenario extends fc.Arbitrary<infer T> ? T : never) =>
  Effect.scoped(Effect.gen(function* () {
    const ledger = yield* StockLedger
    const publisher = yield* StockPublisher
    const sql = yield* SqlClient.SqlClient
    const { tenantId, connections: [connectionId] } = yield* tenantWithConnections(`resale-${backend}-${++tenants}`, 1)
    const channel = yield* bigCommerceChannel()
    channel.sim.store.seed(SKUS.map((s) => ({ sku: s })))
    const onHand = new Map<Sku, number>(SKUS.map((s, i) => [s, input.initial[i]!]))
    for (const s of SKUS) yield* ledger.set(tenantId, s, onHand.get(s)!, { actor: "merchant" })
    yield* (yield* StockTargets).enable(tenantId, connectionId!)

    // what the engine has heard of: the intake cursor (the database's clock, as in OrdersFlow)
    const dbNow = Effect.map(sql<{ now: Date }>`SELECT clock_timestamp() AS now`, (rows) => rows[0]!.now)
    let intake: Intake = { through: null }
    const placed: Array<{ id: string; sku: Sku; quantity: number }> = []
    const late: Array<string> = []
    const take = (id: string) => {
      const o = placed.find((p) => p.id === id)!
      return ledger.reserve(tenantId, { connectionId: connectionId!, channelOrderId: id, lines: [{ sku: o.sku, quantity: o.quantity }] })
    }
    const crashingTarget: StockTarget = {
      ...channel.target,
      setQuantities: (items) => Effect.zipRight(channel.target.setQuantities(items),
        Effect.fail(new StockTargetFailed({ operation: "setQuantities", outcome: "unknown-outcome", message: "the worker died after the write" }))),
    }

    const sold = (s: Sku) => placed.filter((p) => p.sku === s).reduce((n, p) => n + p.quantity, 0)
    const noResale = (after: string) => {
      for (const s of SKUS) {
        assert.isAtMost(shown(channel.sim, s), Math.max(0, onHand.get(s)! - sold(s)),
          `after ${after}: ${s} on sale beyond what the channel's orders left (on hand ${onHand.get(s)}, sold ${sold(s)})`)
      }
    }

    yield* publisher.push(connectionId!, channel.target, undefined, intake)
    noResale("the first push")
    for (const [k, step] of input.steps.entries()) {
      switch (step._tag) {
        case "Order": {
          if (shown(channel.sim, step.sku) < step.quantity) break
          const order = channel.sim.store.placeOrder({ lines: [{ sku: step.sku, quantity: step.quantity }] })
          placed.push({ id: String(order.id), sku: step.sku, quantity: step.quantity })
          if (step.delivery === "prompt" || step.delivery === "twice") yield* take(String(order.id))
          if (step.delivery === "twice") yield* take(String(order.id))
          if (step.delivery === "late") late.push(String(order.id))
          break
        }
        case "Deliver":
          for (const id of late.splice(0)) yield* take(id)
          break
        case "Poll": {
          const start = yield* dbNow
          const all = placed.map((p) => p.id)
          const upTo = step.crashAfter === null ? all.length : Math.min(step.crashAfter, all.length)
          for (const id of all.slice(0, upTo)) yield* take(id)
          // only a completed poll moves the cursor
          if (upTo === all.length) intake = { through: start }
          break
        }
        case "Push":
          yield* publisher.push(connectionId!, channel.target, undefined, intake)
          break
        case "PushCrash":
          yield* publisher.push(connectionId!, crashingTarget, undefined, intake).pipe(Effect.ignore)
          break
        case "Reconcile":
          yield* publisher.reconcile(connectionId!, channel.target, undefined, intake)
          break
      }
      noResale(`step ${k + 1} (${JSON.stringify(step)})`)
    }

    // Quiescence: every webhook arrives, a poll completes, the heartbeat pushes and reconciles.
    for (const id of late.splice(0)) yield* take(id)
    const start = yield* dbNow
    for (const p of placed) yield* take(p.id)
    intake = { through: start }
    yield* publisher.push(connectionId!, channel.target, undefined, intake)
    yield* publisher.reconcile(connectionId!, channel.target, undefined, intake)
    // a reconcile's own marks are newer than the last poll: one more poll, then the push raises them
    intake = { through: yield* dbNow }
    yield* publisher.push(connectionId!, channel.target, undefined, intake)
    noResale("quiescence")
    for (const s of SKUS) assert.strictEqual(shown(channel.sim, s), Math.max(0, onHand.get(s)! - sold(s)), `${s} did not converge`)
  })).pipe(TestServices.provideLive)

describe.each(backends)("no resale on %s", (backend) => {
  layer(StockLayerForTest(backend), { timeout: 180_000 })((it) => {
    it.effect("no unit is ever published that a channel order already took: late, lost and duplicate deliveries, crashes between steps", () =>
      Effect.gen(function* () {
        const runtime = yield* Effect.runtime<Services>()
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(scenario, (input) => Runtime.runPromise(runtime)(run(backend, input))),
            { numRuns: backend === "postgres" ? 25 : 8 },
          ))
      }), 180_000)
  })
})

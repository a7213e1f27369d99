/**
 * Issue #10's holes, each where it broke, over both simulators (real HTTP) on both databases:
 * a lost webhook's order is booked by the next poll however many webhook runs came between; a
 * reconcile never raises a channel on stale knowledge; an oversold order is loud.
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Logger, Ref, TestServices } from "effect"
import { randomBytes } from "node:crypto"
import { OrderRepo } from "../../engine/orders/OrderRepo.js"
import { prometheusText } from "../../engine/observability/Metrics.js"
import { EngineServices } from "../../engine/runtime/Engine.js"
import { SecretBoxFromKey } from "../../engine/tenancy/SecretBox.js"
import { WebhookEvents } from "../../engine/webhooks/WebhookEvents.js"
import { shopTenant } from "../support/ShopTenant.js"
import { simulatorsWith, sku } from "../support/Simulators.js"
import { backends, TestDatabase } from "../support/TestDatabase.js"

const setup = shopTenant({ articles: 4, onHand: 40, webhookSecret: "intake-secret" })

/** The order webhook a channel sends, stored as the intake stores it (the route's verification is tested elsewhere). */
const announce = (tenantId: string, connectionId: string, id: number) => Effect.flatMap(WebhookEvents, (events) =>
  events.record({ tenantId, connectionId, dedupeKey: `store/order/created:${id}`, kind: "store/order/created", payload: { scope: "store/order/created", data: { type: "order", id } } }))

describe.each(backends)("order intake and stock under lost and late webhooks on %s", (backend) => {
  const Env = Layer.mergeAll(EngineServices, simulatorsWith(4)).pipe(
    Layer.provideMerge(SecretBoxFromKey(randomBytes(32))),
    Layer.provideMerge(TestDatabase(backend)),
  )
  // each promise on fresh simulators and a fresh database: the stock counts below start from 40 on hand
  const fresh = (name: string, body: Effect.Effect<void, unknown, Layer.Layer.Success<typeof Env>>) =>
    layer(Env, { timeout: 180_000 })((it) => it.effect(name, () => TestServices.provideLive(body)))

  {
    fresh("an order whose every webhook was lost is booked by the next poll, however many webhook runs came after it", Effect.gen(function* () {
        const { tenantId, shop, runAs, bigcommerce, lexoffice } = yield* setup
        const sql = yield* SqlClient.SqlClient
        yield* runAs("orders", "heartbeat")
        // Twenty minutes pass: the heartbeat polled then; order A, placed fifteen minutes ago, lost both its webhooks.
        yield* sql`UPDATE flow_cursors SET at = at - interval '20 minutes'`
        yield* sql`UPDATE sync_runs SET started_at = started_at - interval '20 minutes'`
        const lost = bigcommerce.store.placeOrder({ lines: [{ sku: sku(0), quantity: 1 }] })
        lost.date_created = lost.date_modified = new Date(Date.now() - 15 * 60_000)
        // Order B's webhook arrives and its run completes: it reads what its hook named, and polls nothing.
        const announced = bigcommerce.store.placeOrder({ lines: [{ sku: sku(1), quantity: 1 }] })
        yield* announce(tenantId, shop, announced.id)
        yield* runAs("orders", "webhook")
        const carrying = (id: number) => lexoffice.vouchersOf("order-confirmations").filter((v) => JSON.stringify(v.body).includes(`:${id}]`)).length
        assert.strictEqual(carrying(announced.id), 1)
        // The next heartbeat lists from its own cursor, not from the webhook run's start.
        yield* runAs("orders", "heartbeat")
        assert.strictEqual(carrying(lost.id), 1, "the order no webhook announced is booked once")
        assert.strictEqual(carrying(announced.id), 1)
      }))

    fresh("a heartbeat job that coalesced into a webhook wake-up still polls once the poll is due", Effect.gen(function* () {
        const { tenantId, shop, runAs, bigcommerce, order } = yield* setup
        const sql = yield* SqlClient.SqlClient
        yield* runAs("orders", "heartbeat")
        yield* sql`UPDATE flow_cursors SET at = at - interval '6 minutes'`
        const lost = bigcommerce.store.placeOrder({ lines: [{ sku: sku(2), quantity: 1 }] })
        const announced = bigcommerce.store.placeOrder({ lines: [{ sku: sku(3), quantity: 1 }] })
        yield* announce(tenantId, shop, announced.id)
        // the only run is a webhook-woken one: the queue merged the heartbeat's job into it
        yield* runAs("orders", "webhook")
        assert.strictEqual((yield* order(lost.id)).state, "created")
        assert.strictEqual((yield* order(announced.id)).state, "created")
      }))

    fresh("a reconcile never raises a channel on stale knowledge: sales not taken in keep their units off sale", Effect.gen(function* () {
        const { runAs, shown, bigcommerce, order } = yield* setup
        // 40 on hand, the shop shows 38. A shopper buys 5; its webhook is late.
        const late = bigcommerce.store.placeOrder({ lines: [{ sku: sku(0), quantity: 5 }] })
        assert.strictEqual(shown(sku(0)), 33)
        const reconcile = yield* runAs("stock", "heartbeat")
        assert.strictEqual(shown(sku(0)), 33, "the channel's lower count is evidence of a sale, not drift to undo")
        assert.deepStrictEqual(reconcile.wake, ["orders"], "the intake is asked to read the channel first")
        assert.strictEqual(reconcile.counters?.["held"], 1)
        // The intake reads the channel; the ledger now holds the 5 units; the push writes nothing upward.
        yield* runAs("orders", "follow-up")
        assert.strictEqual((yield* order(late.id)).state, "created")
        yield* runAs("stock", "stock-change")
        assert.strictEqual(shown(sku(0)), 33, "35 available less the 5 % buffer")
        // A channel lowered by hand (no sale behind it) is raised back once the intake has read past it.
        bigcommerce.store.setLevel(bigcommerce.store.findVariantBySku(sku(1))!.id, 1, 10, "absolute")
        yield* runAs("stock", "heartbeat")
        assert.strictEqual(shown(sku(1)), 10)
        yield* runAs("orders", "follow-up")
        yield* runAs("stock", "stock-change")
        assert.strictEqual(shown(sku(1)), 38)
      }))

    fresh("an oversold order is loud: a WARN line with SKU, requested, available and channels; a counter; the status lists it", Effect.gen(function* () {
        const { tenantId, runAs, bigcommerce, ledger } = yield* setup
        // the merchant counted fewer than the shop still shows
        yield* ledger.set(tenantId, sku(3), 1, { actor: "test" })
        bigcommerce.store.setLevel(bigcommerce.store.findVariantBySku(sku(3))!.id, 1, 10, "absolute")
        const placed = bigcommerce.store.placeOrder({ lines: [{ sku: sku(3), quantity: 3 }] })
        const lines = yield* Ref.make<ReadonlyArray<string>>([])
        const capture = Logger.make(({ logLevel, message }) => {
          if (logLevel.label === "WARN") Effect.runSync(Ref.update(lines, (l) => [...l, String(Array.isArray(message) ? message.join(" ") : message)]))
        })
        yield* runAs("orders", "manual").pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
        const warned = (yield* Ref.get(lines)).filter((l) => l.includes("OVERSOLD"))
        assert.strictEqual(warned.length, 1)
        assert.include(warned[0]!, `order ${placed.id} from shop OVERSOLD`)
        assert.include(warned[0]!, `${sku(3)}: requested 3, available 1`)
        assert.include(warned[0]!, "stock published to shop")
        assert.match(yield* prometheusText, /vortex_orders_oversold_total\{connection="shop"\} [1-9]/)
        const oversold = yield* (yield* OrderRepo).listByState(tenantId, "oversold")
        assert.deepStrictEqual(oversold.map((o) => o.channelOrderId), [String(placed.id)])
      }))
  }
})

import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { generateKeyPairSync, sign } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { LexofficeSimulator } from "../../../connectors/lexoffice/simulator/LexofficeSimulator.js"
import { clientFor, Live, orderConfirmation, unlimited } from "./fixtures.js"

interface Received {
  readonly body: Buffer
  readonly signature: string | undefined
}

/** A callback receiver; `statuses` scripts its answers in order, then 200. */
const receiver = (statuses: Array<number> = []) =>
  Effect.acquireRelease(
    Effect.async<{ url: string; received: Array<Received>; close: () => Promise<void> }>((resume) => {
      const received: Array<Received> = []
      const server = createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          if (req.method === "POST") received.push({ body: Buffer.concat(chunks), signature: req.headers["x-lxo-signature"] as string | undefined })
          res.writeHead(req.method === "POST" ? statuses.shift() ?? 200 : 200).end()
        })
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/lexoffice`,
        received,
        close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()) }),
      })))
    }),
    (r) => Effect.promise(r.close),
  )

const waitFor = (check: () => boolean) =>
  Effect.promise(async () => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10))
  })

describe("lexoffice event subscriptions and signed webhooks", () => {
  it.scopedLive("subscriptions are created, listed, refused twice, and deleted", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const hook = yield* receiver()
      const client = yield* clientFor(sim, unlimited)
      const created = yield* client.createEventSubscription("order-confirmation.created", hook.url)
      const again = yield* Effect.flip(client.createEventSubscription("order-confirmation.created", hook.url))
      assert.strictEqual(again._tag, "LexofficeConflict")
      assert.deepStrictEqual((yield* client.listEventSubscriptions()).map((s) => s.subscriptionId), [created.id])
      yield* client.deleteEventSubscription(created.id)
      assert.deepStrictEqual(yield* client.listEventSubscriptions(), [])
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a delivered event verifies with the simulator's public key; a tampered or foreign signature is rejected", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const hook = yield* receiver()
      const client = yield* clientFor(sim, unlimited)
      yield* client.createEventSubscription("order-confirmation.created", hook.url)
      const oc = yield* client.createOrderConfirmation(orderConfirmation())
      yield* waitFor(() => hook.received.length > 0)
      const delivery = hook.received[0]!
      const event = yield* client.verifyWebhook(delivery.body, delivery.signature)
      assert.strictEqual(event.resourceId, oc.id)
      assert.strictEqual(event.eventType, "order-confirmation.created")

      const tampered = Buffer.from(delivery.body.toString().replace(oc.id, "00000000-0000-0000-0000-000000000000"))
      const bad = yield* Effect.flip(client.verifyWebhook(tampered, delivery.signature))
      assert.strictEqual(bad._tag, "WebhookSignatureInvalid")

      const stranger = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey
      const forged = sign("sha512", delivery.body, stranger).toString("base64")
      assert.strictEqual((yield* Effect.flip(client.verifyWebhook(delivery.body, forged)))._tag, "WebhookSignatureInvalid")
      assert.strictEqual((yield* Effect.flip(client.verifyWebhook(delivery.body, undefined)))._tag, "WebhookSignatureInvalid")
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a failed delivery is retried on the (scaled) documented schedule until it succeeds", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false, webhookTimeScale: 0.001 })
      const hook = yield* receiver([500, 429])
      const client = yield* clientFor(sim, unlimited)
      yield* client.createEventSubscription("article.created", hook.url)
      yield* client.createArticle({ title: "Mug", type: "PRODUCT", unitName: "Stück", price: { leadingPrice: "NET", netPrice: BigDecimalOf("10"), taxRate: BigDecimalOf("19") } })
      yield* waitFor(() => sim.webhookDeliveries.length >= 3)
      assert.deepStrictEqual(sim.webhookDeliveries.map((d) => [d.attempt, d.status]), [[1, 500], [2, 429], [3, 200]])
    }).pipe(Effect.provide(Live)))

  it.scopedLive("410 removes the subscription at once", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false, webhookTimeScale: 0.001 })
      const hook = yield* receiver([410])
      const client = yield* clientFor(sim, unlimited)
      yield* client.createEventSubscription("order-confirmation.created", hook.url)
      yield* client.createOrderConfirmation(orderConfirmation())
      yield* waitFor(() => sim.webhookDeliveries.length >= 1)
      yield* waitFor(() => false) // give a wrongly scheduled retry the chance to show up
      assert.strictEqual(sim.webhookDeliveries.length, 1)
      assert.deepStrictEqual(yield* client.listEventSubscriptions(), [])
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a callback answering 404 gets the whole schedule (1 + 5 + 20 attempts), then loses its subscription", () =>
    Effect.gen(function* () {
      // 1e-5 compresses the documented ~38.5 h of retries into ~1.4 s.
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false, webhookTimeScale: 0.00001 })
      const hook = yield* receiver(Array.from({ length: 40 }, () => 404))
      const client = yield* clientFor(sim, unlimited)
      yield* client.createEventSubscription("order-confirmation.created", hook.url)
      yield* client.createOrderConfirmation(orderConfirmation())
      yield* Effect.promise(async () => {
        for (let i = 0; i < 500 && (sim.webhookDeliveries.length < 26); i++) await new Promise((r) => setTimeout(r, 20))
      })
      yield* waitFor(() => false)
      assert.strictEqual(sim.webhookDeliveries.length, 26)
      assert.deepStrictEqual(yield* client.listEventSubscriptions(), [])
    }).pipe(Effect.provide(Live)))

  it.scopedLive("fault knobs: a dropped delivery never arrives, a duplicated one arrives twice", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const hook = yield* receiver()
      const client = yield* clientFor(sim, unlimited)
      yield* client.createEventSubscription("order-confirmation.created", hook.url)
      sim.faults.dropWebhooks = 1
      sim.faults.duplicateWebhooks = 1
      const dropped = yield* client.createOrderConfirmation(orderConfirmation())
      const doubled = yield* client.createOrderConfirmation(orderConfirmation())
      yield* waitFor(() => hook.received.length >= 2)
      const ids = hook.received.map((r) => JSON.parse(r.body.toString()).resourceId as string)
      assert.deepStrictEqual(ids, [doubled.id, doubled.id])
      assert.isFalse(ids.includes(dropped.id))
    }).pipe(Effect.provide(Live)))
})

import { BigDecimal } from "effect"
const BigDecimalOf = (s: string) => BigDecimal.unsafeFromString(s)

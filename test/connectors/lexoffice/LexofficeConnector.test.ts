import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { LexofficeClient } from "../../../connectors/lexoffice/LexofficeClient.js"
import {
  implementedCapabilities,
  LexofficeCapabilities,
  lexofficeInfo,
  LexofficeOrderTarget,
  LexofficeWebhookSource,
} from "../../../connectors/lexoffice/LexofficeConnector.js"
import { LexofficeSimulator } from "../../../connectors/lexoffice/simulator/LexofficeSimulator.js"
import { clientFor, Live, orderConfirmation, unlimited } from "./fixtures.js"

describe("lexoffice connector", () => {
  it("implements exactly the capabilities it declares", () => {
    assert.deepStrictEqual([...implementedCapabilities].sort(), [...lexofficeInfo.capabilities].sort())
  })

  it.scopedLive("after a 504-after-commit, findByMarker adopts the voucher instead of creating a second", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const client = yield* clientFor(sim, unlimited)
      const capabilities = yield* Layer.build(Layer.provide(LexofficeCapabilities, Layer.succeed(LexofficeClient, client)))
      const orders = yield* Effect.provide(LexofficeOrderTarget, capabilities)
      yield* orders.create(orderConfirmation({ remark: "vortex:order:OTHER" }))
      sim.faults.commitThen504 = 1
      const failure = yield* Effect.flip(orders.create(orderConfirmation({ remark: "vortex:order:BC-7" }), { finalize: true }))
      assert.strictEqual(failure._tag, "LexofficeUnknownOutcome")
      const today = new Date().toISOString().slice(0, 10)
      const found = yield* orders.findByMarker({ marker: "vortex:order:BC-7", createdFrom: today })
      const stored = sim.vouchersOf("order-confirmations").find((v) => v.body.remark === "vortex:order:BC-7")
      assert.deepStrictEqual(found, Option.some(stored!.id))
      assert.deepStrictEqual(yield* orders.findByMarker({ marker: "vortex:order:NEVER", createdFrom: today }), Option.none())
      assert.strictEqual(sim.vouchersOf("order-confirmations").length, 2)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("webhook subscribing is idempotent: an existing subscription is kept, not duplicated", () =>
    Effect.gen(function* () {
      const sim = yield* LexofficeSimulator.scoped({ rateLimit: false })
      const client = yield* clientFor(sim, unlimited)
      const capabilities = yield* Layer.build(Layer.provide(LexofficeCapabilities, Layer.succeed(LexofficeClient, client)))
      const hooks = yield* Effect.provide(LexofficeWebhookSource, capabilities)
      const events = ["invoice.created", "credit-note.created"]
      yield* hooks.subscribe(events, "http://127.0.0.1:9/hook")
      yield* hooks.subscribe(events, "http://127.0.0.1:9/hook")
      assert.deepStrictEqual((yield* client.listEventSubscriptions()).map((s) => s.eventType).sort(), ["credit-note.created", "invoice.created"])
    }).pipe(Effect.provide(Live)))
})

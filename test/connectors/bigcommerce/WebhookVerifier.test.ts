import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { verifyWebhook } from "../../../connectors/bigcommerce/WebhookVerifier.js"

const secret = { header: "X-Vortex-Webhook-Secret", value: "s3cret-value" }
const payload = JSON.stringify({ scope: "store/order/created", store_id: "1025646", data: { type: "order", id: 250 }, hash: "a".repeat(40), created_at: 1561479335, producer: "stores/abc" })

describe("BigCommerce webhook verification", () => {
  it.effect("accepts the registered secret in any header case and decodes the payload", () =>
    Effect.gen(function* () {
      const p = yield* verifyWebhook({ "x-vortex-webhook-secret": "s3cret-value" }, payload, secret)
      assert.strictEqual(p.data.id, 250)
      assert.strictEqual(p.scope, "store/order/created")
    }))

  it.effect("rejects a wrong secret, including one that is a prefix of the right one", () =>
    Effect.gen(function* () {
      for (const guess of ["nope", "s3cret", "s3cret-value "]) {
        const e = yield* Effect.flip(verifyWebhook({ "X-Vortex-Webhook-Secret": guess }, payload, secret))
        assert.strictEqual(e.reason, "wrong-secret")
      }
    }))

  it.effect("rejects a call without the header and a body that is not the documented payload", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* Effect.flip(verifyWebhook({}, payload, secret))).reason, "missing-secret")
      assert.strictEqual((yield* Effect.flip(verifyWebhook({ "x-vortex-webhook-secret": secret.value }, `{"scope":1}`, secret))).reason, "malformed-body")
    }))
})

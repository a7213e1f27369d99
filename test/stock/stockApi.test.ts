import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { ApiServer, ApiServices } from "../../engine/api/ApiServer.js"
import { StockTargets } from "../../engine/stock/StockTargets.js"
import { apiCall, tokenFor } from "../support/ApiClient.js"
import { TestDatabase } from "../support/TestDatabase.js"
import { tenantWithConnections } from "./fixtures.js"

const Server = ApiServer({ port: 0, host: "127.0.0.1", logRequests: false }).pipe(Layer.provideMerge(ApiServices))

const call = apiCall("text/csv")

// The API's own behaviour does not depend on the backend; the ledger tests cover both.
describe("stock API", () => {
  layer(Layer.provideMerge(Server, TestDatabase("pglite")), { timeout: 120_000 })((it) => {
    it.effect("a merchant sets, adjusts, imports and reads stock over HTTP", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("api-stock")
        const set = yield* call(token, "PUT", "/stock/items/MUG", { onHand: 7 })
        assert.strictEqual(set.status, 200)
        assert.deepInclude(set.body, { sku: "MUG", onHand: 7, reserved: 0, available: 7 })
        assert.deepInclude((yield* call(token, "POST", "/stock/items/MUG/adjust", { delta: -2, reason: "breakage" })).body, { onHand: 5 })
        assert.deepStrictEqual((yield* call(token, "POST", "/stock/import", "sku,on_hand\nMUG,9\nCUP,4\n")).body, { lines: 2, changed: 2 })
        const listed = yield* call(token, "GET", "/stock")
        assert.deepStrictEqual(listed.body.map((l: { sku: string; onHand: number }) => [l.sku, l.onHand]), [["CUP", 4], ["MUG", 9]])
        const shown = yield* call(token, "GET", "/stock/items/MUG")
        assert.deepStrictEqual(shown.body.movements.map((m: { kind: string; actor: string }) => [m.kind, m.actor]), [
          ["csv-import", "token:api-stock-test"], ["adjust", "token:api-stock-test"], ["set", "token:api-stock-test"],
        ])
      }))

    it.effect("bad input answers with its own status and every bad CSV line", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("api-stock-errors")
        const csv = yield* call(token, "POST", "/stock/import", "sku,on_hand\nA,x\nB,2\nC,-3\n")
        assert.strictEqual(csv.status, 422)
        assert.strictEqual(csv.body._tag, "StockCsvInvalid")
        assert.deepStrictEqual(csv.body.problems.map((p: { line: number }) => p.line), [2, 4])
        assert.strictEqual((yield* call(token, "GET", "/stock")).body.length, 0)
        assert.strictEqual((yield* call(token, "PUT", "/stock/items/A", { onHand: -1 })).status, 400)
        assert.strictEqual((yield* call(token, "GET", "/stock/items/NOPE")).status, 404)
      }))

    it.effect("tenant B cannot read tenant A's stock or channels, and no token gets nothing", () =>
      Effect.gen(function* () {
        const a = yield* tokenFor("api-stock-a")
        const b = yield* tokenFor("api-stock-b")
        yield* call(a, "PUT", "/stock/items/SECRET", { onHand: 3 })
        const { tenantId, connections: [connection] } = yield* tenantWithConnections("api-stock-a", 1)
        yield* (yield* StockTargets).enable(tenantId, connection!)
        assert.strictEqual((yield* call(a, "GET", `/stock/channels/${connection}`)).status, 200)
        assert.deepStrictEqual((yield* call(b, "GET", "/stock")).body, [])
        assert.strictEqual((yield* call(b, "GET", "/stock/items/SECRET")).status, 404)
        assert.strictEqual((yield* call(b, "GET", `/stock/channels/${connection}`)).status, 404)
        assert.strictEqual((yield* call(undefined, "GET", "/stock")).status, 401)
        assert.strictEqual((yield* call("vx_forged", "PUT", "/stock/items/SECRET", { onHand: 0 })).status, 401)
        assert.deepInclude((yield* call(a, "GET", "/stock/items/SECRET")).body.level, { onHand: 3 })
      }))
  })
})

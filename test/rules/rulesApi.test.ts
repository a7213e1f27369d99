import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { ApiServer, ApiServices } from "../../engine/api/ApiServer.js"
import { apiCall, tokenFor } from "../support/ApiClient.js"
import { backends, TestDatabase } from "../support/TestDatabase.js"
import { grossPriceRule, taxClassTable } from "./fixtures.js"

const Server = ApiServer({ port: 0, host: "127.0.0.1", logRequests: false }).pipe(Layer.provideMerge(ApiServices))

const call = apiCall("text/yaml")

describe.each(backends)("rules API on %s", (backend) => {
  layer(Layer.provideMerge(Server, TestDatabase(backend)), { timeout: 120_000 })((it) => {
    it.effect("an editor creates, validates, publishes and rolls back over HTTP", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("api-editor")
        assert.strictEqual((yield* call(token, "POST", "/rules", { name: "bc_tax_class", body: taxClassTable })).status, 201)
        assert.strictEqual((yield* call(token, "POST", "/rules/bc_tax_class/publish", { version: 1 })).status, 200)
        const created = yield* call(token, "POST", "/rules", { name: "price", body: grossPriceRule(), comment: "gross from net" })
        assert.deepStrictEqual(created, { status: 201, body: { name: "price", version: 1 } })
        assert.deepStrictEqual((yield* call(token, "POST", "/rules/price/versions/1/validate")).body, { valid: true })
        assert.strictEqual((yield* call(token, "POST", "/rules/price/publish", { version: 1 })).status, 200)
        const draft = yield* call(token, "POST", "/rules/price/drafts", {
          baseVersion: 1, body: grossPriceRule("round(vat_add(src.price.netPrice, src.price.taxRate), 2, mode: half_even)"),
        })
        assert.strictEqual(draft.body.version, 2)
        const diff = yield* call(token, "GET", "/rules/price/diff?from=1&to=2")
        assert.deepStrictEqual(diff.body.lines.filter((l: { op: string }) => l.op !== "same").map((l: { op: string }) => l.op), ["remove", "add"])
        assert.strictEqual((yield* call(token, "POST", "/rules/price/publish", { version: 2 })).status, 200)
        const back = yield* call(token, "POST", "/rules/price/rollback", { version: 1, comment: "undo" })
        assert.deepStrictEqual(back.body, { name: "price", version: 1, previous: 2 })
        const shown = yield* call(token, "GET", "/rules/price")
        assert.strictEqual(shown.body.set.publishedVersion, 1)
        assert.strictEqual(shown.body.audit.length, 5)
      }))

    it.effect("domain errors answer with their own status and a body that says what is wrong", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("api-errors")
        yield* call(token, "POST", "/rules", { name: "price", body: grossPriceRule("vat_add(src.price.netPrice, 19)") })
        const invalid = yield* call(token, "POST", "/rules/price/publish", { version: 1 })
        assert.strictEqual(invalid.status, 422)
        assert.strictEqual(invalid.body._tag, "RuleInvalid")
        assert.strictEqual(invalid.body.problems[0].line, 1)
        assert.strictEqual((yield* call(token, "POST", "/rules", { name: "price", body: grossPriceRule() })).status, 409)
        assert.strictEqual((yield* call(token, "GET", "/rules/nothing")).status, 404)
        assert.strictEqual((yield* call(token, "POST", "/rules/price/publish", { version: 9 })).status, 404)
      }))

    it.effect("tenant B cannot read or change tenant A's rules, and no token gets nothing", () =>
      Effect.gen(function* () {
        const a = yield* tokenFor("api-a")
        const b = yield* tokenFor("api-b")
        yield* call(a, "POST", "/rules", { name: "secret-price", body: grossPriceRule() })
        assert.deepStrictEqual((yield* call(b, "GET", "/rules")).body, [])
        assert.strictEqual((yield* call(b, "GET", "/rules/secret-price")).status, 404)
        assert.strictEqual((yield* call(b, "POST", "/rules/secret-price/publish", { version: 1 })).status, 404)
        assert.strictEqual((yield* call(b, "GET", "/rules/secret-price/export")).status, 404)
        assert.strictEqual((yield* call(undefined, "GET", "/rules")).status, 401)
        assert.strictEqual((yield* call("vx_forged", "GET", "/rules")).status, 401)
        const shown = yield* call(a, "GET", "/rules/secret-price")
        assert.strictEqual(shown.body.set.publishedVersion, null)
      }))

    it.effect("a rule set round-trips through YAML export and import", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("api-yaml")
        yield* call(token, "POST", "/rules", { name: "bc_tax_class", body: taxClassTable })
        const exported = yield* call(token, "GET", "/rules/bc_tax_class/export?version=1")
        assert.strictEqual(exported.status, 200)
        const other = yield* tokenFor("api-yaml-copy")
        const imported = yield* call(other, "POST", "/rules/import", exported.body)
        assert.deepStrictEqual(imported, { status: 201, body: { name: "bc_tax_class", version: 1 } })
      }))

    it.effect("the OpenAPI document describes the rules routes", () =>
      Effect.gen(function* () {
        const doc = yield* call(undefined, "GET", "/openapi.json")
        assert.strictEqual(doc.status, 200)
        assert.property(doc.body.paths, "/api/rules/{name}/publish")
      }))
  })
})

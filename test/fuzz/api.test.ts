import { HttpServer } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import fc from "fast-check"
import { ApiServer, ApiServices } from "../../engine/api/ApiServer.js"
import { redactedUrl } from "../../engine/api/RequestLog.js"
import { tokenFor } from "../support/ApiClient.js"
import { backends, TestDatabase } from "../support/TestDatabase.js"
import { grossPriceRule, taxClassTable } from "../rules/fixtures.js"

const Server = ApiServer({ port: 0, host: "127.0.0.1", logRequests: false }).pipe(Layer.provideMerge(ApiServices))

interface Answer { readonly status: number; readonly text: string; readonly body: any; readonly ms: number }

/** Raw HTTP against the served API: any method, path, media type and body, as an attacker sends them. */
const send = (token: string | undefined, method: string, path: string, body?: string | Uint8Array, type = "application/json") =>
  Effect.gen(function* () {
    const { address } = yield* HttpServer.HttpServer
    if (address._tag !== "TcpAddress") return yield* Effect.dieMessage("the API server is not on TCP")
    const started = Date.now()
    return yield* Effect.promise(async (): Promise<Answer> => {
      const response = await fetch(`http://127.0.0.1:${address.port}${path}`, {
        method,
        headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { "content-type": type }) },
        ...(body === undefined ? {} : { body }),
      })
      const text = await response.text()
      let json: any
      try { json = JSON.parse(text) } catch { json = undefined }
      return { status: response.status, text, body: json, ms: Date.now() - started }
    })
  })

/** The promise of issue #12 for one answer: a 4xx with `{ error, message, details }`, quickly. */
const assertClearRefusal = (answer: Answer, what: string) => {
  assert.isTrue(answer.status >= 400 && answer.status < 500, `${what}: ${answer.status} ${answer.text.slice(0, 200)}`)
  assert.isString(answer.body?.error, `${what}: no error name in ${answer.text.slice(0, 200)}`)
  assert.isString(answer.body?.message, what)
  assert.isDefined(answer.body?.details, what)
  assert.notMatch(answer.text, /\s+at .+\.(ts|js):\d+/, `${what}: a stack trace`)
  assert.isBelow(answer.ms, 3_000, what)
}

/** Everything a tenant has written: a hostile request must leave it as it was. */
const footprint = (slug: string) => Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ n: string }>`
    SELECT concat_ws('/',
      (SELECT count(*) FROM rule_sets s JOIN tenants t ON t.id = s.tenant_id WHERE t.slug = ${slug}),
      (SELECT count(*) FROM rule_set_versions v JOIN tenants t ON t.id = v.tenant_id WHERE t.slug = ${slug}),
      (SELECT count(*) FROM stock_levels l JOIN tenants t ON t.id = l.tenant_id WHERE t.slug = ${slug}),
      (SELECT count(*) FROM stock_movements m JOIN tenants t ON t.id = m.tenant_id WHERE t.slug = ${slug})) AS n`
  return rows[0]!.n
}).pipe(Effect.orDie)

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`
/** JsonLogic `{"+": [{"+": [… {"var": "src.price"} …, 1]}, 1]}` as text (a value this deep would overflow JSON.stringify). */
const jsonLogicNested = (depth: number) => `${'{"+":['.repeat(depth)}{"var":"src.price"}${",1]}".repeat(depth)}`
const withSource = (source: string) => JSON.stringify({ ...grossPriceRule(), language: "jsonlogic", source: "SOURCE" }).replace('"SOURCE"', source)

describe.each(backends)("API under hostile input on %s", (backend) => {
  layer(Layer.provideMerge(Server, TestDatabase(backend)), { timeout: 180_000 })((it) => {
    it.effect("a rule named MyRule is a 422 that says what a name may be, not a 500 from the database check", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("hostile-names")
        const answer = yield* send(token, "POST", "/api/rules", JSON.stringify({ name: "MyRule", body: taxClassTable }))
        assertClearRefusal(answer, "MyRule")
        assert.strictEqual(answer.status, 422)
        assert.strictEqual(answer.body.error, "RuleInvalid")
        assert.match(answer.body.message, /"MyRule" is not a rule set name: 1 to 63 characters, a lower-case letter first/)
        assert.strictEqual(answer.body.details.problems[0].path, "name")
        assert.strictEqual(yield* footprint("hostile-names"), "0/0/0/0")
      }))

    it.effect("%00 in a path, \\u0000 in JSON or CSV: a located 400", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("hostile-nul")
        for (const path of ["/api/rules/a%00b", "/api/stock/items/A%00", "/api/rules/x/versions/1%00"]) assertClearRefusal(yield* send(token, "GET", path), path)
        const json = yield* send(token, "PUT", "/api/stock/items/A", JSON.stringify({ onHand: 1, note: "a\u0000b" }))
        assertClearRefusal(json, "NUL in JSON")
        assert.match(json.body.message, /NUL character .* at line 1, column \d+/)
        const csv = yield* send(token, "POST", "/api/stock/import", "sku,on_hand\nA\u0000,1\n", "text/csv")
        assertClearRefusal(csv, "NUL in CSV")
        assert.deepInclude(csv.body.details, { line: 2, column: 2 })
        assert.strictEqual(yield* footprint("hostile-nul"), "0/0/0/0")
      }))

    it.effect("multipart/form-data on a JSON route is a 415 naming the media type it takes", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("hostile-multipart")
        const form = new FormData()
        form.set("onHand", "3")
        const { address } = yield* HttpServer.HttpServer
        if (address._tag !== "TcpAddress") return
        const response = yield* Effect.promise(() => fetch(`http://127.0.0.1:${address.port}/api/stock/items/A`, { method: "PUT", headers: { authorization: `Bearer ${token}` }, body: form }))
        const body = yield* Effect.promise(() => response.json() as Promise<any>)
        assert.strictEqual(response.status, 415)
        assert.deepInclude(body, { error: "UnsupportedMediaType" })
        assert.match(body.message, /takes a body of type application\/json, not multipart\/form-data/)
      }))

    it.effect("JSON nested 100 000 deep and JsonLogic nested 5 000 deep are refused with the depth bound", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("hostile-depth")
        const deep = yield* send(token, "POST", "/api/rules", `{"name":"deep","body":${nested(100_000)}}`)
        assertClearRefusal(deep, "100 000 deep")
        assert.strictEqual(deep.body.error, "JsonTooDeep")
        const logic = yield* send(token, "POST", "/api/rules", `{"name":"deep","body":${withSource(jsonLogicNested(5_000))}}`)
        assertClearRefusal(logic, "JsonLogic 5 000 deep")
        assert.match(logic.body.message, /at most 128 are accepted/)
        // the same rule through a YAML import reaches the store's own bound (YAML has no JSON guard)
        const yaml = `apiVersion: vortex/v1\nkind: RuleSet\nname: deep\nrule: ${withSource(jsonLogicNested(5_000))}\n`
        const imported = yield* send(token, "POST", "/api/rules/import", yaml, "text/yaml")
        assertClearRefusal(imported, "deep YAML import")
        assert.strictEqual(imported.status, 422)
        assert.strictEqual(yield* footprint("hostile-depth"), "0/0/0/0")
      }))

    it.effect("{\"version\": 2147483648} is a 400 that says the bound", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("hostile-numbers")
        assert.strictEqual((yield* send(token, "POST", "/api/rules", JSON.stringify({ name: "price", body: grossPriceRule() }))).status, 201)
        for (const [method, path, body] of [
          ["POST", "/api/rules/price/publish", JSON.stringify({ version: 2147483648 })],
          ["POST", "/api/rules/price/rollback", JSON.stringify({ version: 1e300 })],
          ["POST", "/api/rules/price/drafts", JSON.stringify({ baseVersion: 2147483648, body: grossPriceRule() })],
          ["GET", "/api/rules/price/versions/2147483648", undefined],
          ["GET", "/api/rules/price/diff?from=1&to=99999999999", undefined],
          ["GET", "/api/rules/price/export?version=-1", undefined],
        ] as const) {
          const answer = yield* send(token, method, path, body)
          assertClearRefusal(answer, `${method} ${path}`)
          assert.strictEqual(answer.status, 400, path)
          assert.match(answer.body.message, /a version is a whole number from 1 to 2147483647/, path)
        }
        assert.strictEqual(yield* footprint("hostile-numbers"), "1/1/0/0")
      }))

    it.effect("20 concurrent drafts of one rule set are 20 versions, never a duplicate-key 500", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("hostile-drafts")
        assert.strictEqual((yield* send(token, "POST", "/api/rules", JSON.stringify({ name: "price", body: grossPriceRule() }))).status, 201)
        const answers = yield* Effect.all(Array.from({ length: 20 }, (_, i) =>
          send(token, "POST", "/api/rules/price/drafts", JSON.stringify({ baseVersion: 1, body: grossPriceRule(), comment: `edit ${i}` }))), { concurrency: "unbounded" })
        assert.deepStrictEqual(answers.map((a) => a.status), Array(20).fill(201))
        assert.deepStrictEqual(answers.map((a) => a.body.version).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 2))
      }))

    it.effect("a 10 MB adjust reason, rule description and YAML import are refused by size; shorter but too long text names its bound", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("hostile-sizes")
        const tenMb = "x".repeat(10 * 1024 * 1024)
        const reason = yield* send(token, "POST", "/api/stock/items/A/adjust", JSON.stringify({ delta: 1, reason: tenMb }))
        assertClearRefusal(reason, "10 MB reason")
        assert.strictEqual(reason.status, 413)
        assert.match(reason.body.message, /accepts at most 64 KiB/)
        const description = yield* send(token, "POST", "/api/rules", JSON.stringify({ name: "big", description: tenMb, body: taxClassTable }))
        assert.strictEqual(description.status, 413)
        const yaml = yield* send(token, "POST", "/api/rules/import", `apiVersion: vortex/v1\nkind: RuleSet\nname: big\ndescription: ${tenMb}\nrule: {}\n`, "text/yaml")
        assert.strictEqual(yaml.status, 413)
        assert.match(yaml.body.message, /accepts at most 1 MiB/)
        const longReason = yield* send(token, "POST", "/api/stock/items/A/adjust", JSON.stringify({ delta: 1, reason: "r".repeat(501) }))
        assertClearRefusal(longReason, "501-character reason")
        assert.match(longReason.body.message, /at most 500 characters are accepted/)
        const longDescription = yield* send(token, "POST", "/api/rules", JSON.stringify({ name: "big", description: "d".repeat(2001), body: taxClassTable }))
        assertClearRefusal(longDescription, "2001-character description")
        assert.strictEqual(yield* footprint("hostile-sizes"), "0/0/0/0")
      }))

    it.effect("a 1 M-line stock CSV is refused at once by size, and GET /api/stock answers a page", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("hostile-csv")
        const million = `sku,on_hand\n${Array.from({ length: 1_000_000 }, (_, i) => `SKU-${i},1`).join("\n")}\n`
        const big = yield* send(token, "POST", "/api/stock/import", million, "text/csv")
        assertClearRefusal(big, "1 M lines")
        assert.strictEqual(big.status, 413)
        const tooMany = yield* send(token, "POST", "/api/stock/import", `sku,on_hand\n${"A,1\n".repeat(100_001)}`, "text/csv")
        assertClearRefusal(tooMany, "100 001 lines")
        assert.match(tooMany.body.message, /at most 100000 lines/)
        assert.strictEqual(yield* footprint("hostile-csv"), "0/0/0/0")
        const csv = `sku,on_hand\n${Array.from({ length: 1_200 }, (_, i) => `P${String(i).padStart(4, "0")},1`).join("\n")}\n`
        assert.strictEqual((yield* send(token, "POST", "/api/stock/import", csv, "text/csv")).status, 200)
        const first = yield* send(token, "GET", "/api/stock")
        assert.strictEqual(first.body.length, 500)
        const next = yield* send(token, "GET", `/api/stock?limit=1000&after=${first.body[499].sku}`)
        assert.strictEqual(next.body.length, 700)
        assert.strictEqual(next.body[0].sku, "P0500")
        assertClearRefusal(yield* send(token, "GET", "/api/stock?limit=100000"), "limit beyond the bound")
      }))

    it.effect("an adjust over the maximum says the bound (not OnHandBelowReserved with 4294967294); an unknown SKU is a 404", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("hostile-stock")
        assert.strictEqual((yield* send(token, "PUT", "/api/stock/items/A", JSON.stringify({ onHand: 2147483647 }))).status, 200)
        const over = yield* send(token, "POST", "/api/stock/items/A/adjust", JSON.stringify({ delta: 2147483647 }))
        assertClearRefusal(over, "over the maximum")
        assert.strictEqual(over.status, 422)
        assert.match(over.body.message, /would be 4294967294; on hand stays from 0 to 2147483647/)
        const hugeDelta = yield* send(token, "POST", "/api/stock/items/A/adjust", JSON.stringify({ delta: 4294967294 }))
        assertClearRefusal(hugeDelta, "delta beyond the bound")
        assert.match(hugeDelta.body.message, /delta is a whole number from -2147483647 to 2147483647/)
        const unknown = yield* send(token, "POST", "/api/stock/items/NEW/adjust", JSON.stringify({ delta: 1 }))
        assertClearRefusal(unknown, "unknown SKU")
        assert.strictEqual(unknown.status, 404)
        assert.strictEqual(yield* footprint("hostile-stock"), "0/0/1/1")
      }))

    it.effect("?access_token= is refused and never reaches the request log", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("hostile-token")
        const answer = yield* send(undefined, "GET", `/api/rules?access_token=${token}`)
        assertClearRefusal(answer, "access_token")
        assert.strictEqual(answer.body.error, "TokenInUrl")
        assert.notInclude(answer.text, token)
        assert.strictEqual(redactedUrl(`/api/rules?limit=5&access_token=${token}`), "/api/rules?limit=5&access_token=[redacted]")
      }))

    // ---- fuzz: ≥ 100 hostile inputs per surface, each a clear 4xx, quickly, nothing written ----

    const hostileText = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: "binary", maxLength: 100 }),
      fc.constantFrom("", "\u0000", "null", "[]", "{", "}", "\"\"", "1e999", "-0", "{\"__proto__\":{\"x\":1}}", "{\"constructor\":{\"prototype\":1}}",
        nested(10_000), "{\"a\":".repeat(200) + "1" + "}".repeat(200), "\uFEFF{}", "\uD800", "{\"onHand\":1,\"onHand\":-1}"),
    )
    const hostileJson = fc.oneof(
      fc.json({ maxDepth: 5 }),
      fc.record({
        name: fc.oneof(fc.string({ maxLength: 100 }), fc.constantFrom("MyRule", "a".repeat(64), "__proto__", "x/../y", "é", "")),
        description: fc.oneof(fc.string({ maxLength: 50 }), fc.constant("d".repeat(2001)), fc.integer()),
        body: fc.oneof(fc.anything({ maxDepth: 3 }), fc.constant({ kind: "table" }), fc.constant(JSON.parse(jsonLogicNested(200)))),
        version: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(2147483648, -1, 0, 1.5, Number.MAX_SAFE_INTEGER)),
        baseVersion: fc.oneof(fc.constant(null), fc.integer(), fc.constant(2147483648)),
        onHand: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(2147483648, -1, "7")),
        delta: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(4294967294, -4294967294)),
        reason: fc.oneof(fc.string({ maxLength: 20 }), fc.constant("r".repeat(501))),
      }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
    )
    const jsonRoutes: ReadonlyArray<readonly [string, string]> = [
      ["POST", "/api/rules"], ["POST", "/api/rules/fuzzed/drafts"], ["POST", "/api/rules/fuzzed/publish"], ["POST", "/api/rules/fuzzed/rollback"],
      ["POST", "/api/rules/fuzzed/versions/1/preview"], ["POST", "/api/stock/items/FUZZ/adjust"], ["PUT", "/api/stock/items/FUZZ%00"],
    ]

    it.effect("fuzz: hostile JSON bodies on the JSON routes are a clear 4xx and write nothing", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("fuzz-bodies")
        // every route names a rule set or SKU that does not exist, or needs a name the fuzzer cannot produce by chance
        const bodies = fc.sample(fc.oneof(hostileText, hostileJson), { numRuns: 160, seed: 120 })
        for (const [i, body] of bodies.entries()) {
          const [method, path] = jsonRoutes[i % jsonRoutes.length]!
          assertClearRefusal(yield* send(token, method, path, body), `${method} ${path} ${JSON.stringify(body.slice(0, 80))}`)
        }
        assert.strictEqual(yield* footprint("fuzz-bodies"), "0/0/0/0")
      }))

    it.effect("fuzz: hostile paths and query strings are a clear 4xx, never a 500", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("fuzz-paths")
        const before = yield* footprint("fuzz-paths")
        const segment = fc.oneof(
          fc.string({ maxLength: 60 }).map(encodeURIComponent),
          fc.constantFrom("%00", "%0a", "%7f", "%E0%A4%A", "%", "..", "%2e%2e%2f", "x".repeat(5_000), "a%00b", "MyRule", "2147483648", "-1", "1e3", "%F0%9F%92%A9"),
        )
        const paths = fc.sample(fc.tuple(fc.constantFrom(
          "/api/rules/%s", "/api/rules/%s/versions/%s", "/api/rules/%s/export?version=%s", "/api/rules/%s/diff?from=%s&to=1",
          "/api/stock/items/%s", "/api/stock/channels/%s", "/api/stock?limit=%s", "/api/stock?after=%s", "/api/jobs/failed?limit=%s", "/api/%s",
        ), segment, segment).map(([template, a, b]) => template.replace("%s", a).replace("%s", b)), { numRuns: 150, seed: 122 })
        for (const path of paths) {
          const answer = yield* send(token, "GET", path)
          if (answer.status === 200) continue
          assertClearRefusal(answer, path)
        }
        assert.strictEqual(yield* footprint("fuzz-paths"), before)
      }))

    it.effect("fuzz: hostile stock CSV files are a clear 4xx listing lines, and apply nothing", () =>
      Effect.gen(function* () {
        const token = yield* tokenFor("fuzz-csv")
        const line = fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.tuple(fc.string({ maxLength: 20 }), fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("-1", "2147483648", "1.5", "1e3", "", " 7", "0x10", "٣"))).map(([s, q]) => `${s},${q}`),
          fc.constantFrom("\"unbalanced,1", "\"a\"\"b\",2", "A,1,2", ",", "\u0000,1", "A\u0007,1", `${"S".repeat(256)},1`, "A,1\rB,2"),
        )
        // every file has at least one bad line, so none may be applied
        const files = fc.sample(fc.tuple(fc.array(line, { maxLength: 30 }), fc.constantFrom("\"bad,1", "x,not-a-number", ",3")).map(([lines, bad]) =>
          `sku,on_hand\n${[...lines, bad].join("\n")}\n`), { numRuns: 120, seed: 123 })
        for (const file of files) assertClearRefusal(yield* send(token, "POST", "/api/stock/import", file, "text/csv"), JSON.stringify(file.slice(0, 80)))
        const headers = fc.sample(fc.string({ maxLength: 30 }).filter((h) => h.trim().toLowerCase() !== "sku,on_hand"), { numRuns: 100, seed: 124 })
        for (const header of headers) assertClearRefusal(yield* send(token, "POST", "/api/stock/import", `${header}\nA,1\n`, "text/csv"), JSON.stringify(header))
        assert.strictEqual(yield* footprint("fuzz-csv"), "0/0/0/0")
      }))
  })
})

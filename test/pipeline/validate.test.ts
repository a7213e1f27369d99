import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import { hasErrors, validateFiles, validateText } from "../../engine/pipeline/Validate.js"

const fixtures = "test/pipeline/fixtures"
const broken = (name: string) => join(fixtures, "broken", `${name}.yaml`)

/** One broken pipeline: the problem it must produce, where, and a fragment of the message. */
interface Case {
  readonly file: string
  readonly code: string
  readonly line: number
  readonly column: number
  readonly says: string
}

const cases: ReadonlyArray<Case> = [
  { file: "yaml-syntax", code: "VX001", line: 7, column: 1, says: "must be sufficiently indented and end with a }" },
  { file: "duplicate-key", code: "VX002", line: 6, column: 1, says: 'duplicate key "version"' },
  { file: "alias-bomb", code: "VX003", line: 8, column: 8, says: "alias bomb" },
  { file: "empty", code: "VX004", line: 1, column: 1, says: "file is empty" },
  { file: "empty-comments-only", code: "VX004", line: 1, column: 1, says: "file is empty" },
  { file: "multiple-documents", code: "VX008", line: 18, column: 1, says: "multiple documents" },
  { file: "unknown-flow", code: "VX010", line: 9, column: 3, says: 'unknown key "catlog"; did you mean "catalog"?' },
  { file: "unknown-top-key", code: "VX010", line: 8, column: 1, says: 'unknown key "schedul"; did you mean "schedule"?' },
  { file: "missing-connector", code: "VX011", line: 6, column: 1, says: 'source: missing required key "connector"' },
  { file: "missing-flows", code: "VX011", line: 2, column: 1, says: 'missing required key "flows"' },
  { file: "wrong-type-yes", code: "VX012", line: 8, column: 38, says: 'schedule.webhooks: must be boolean, got string "yes"' },
  { file: "map-number-value", code: "VX012", line: 17, column: 13, says: "must be a DSL expression string" },
  { file: "bad-enum", code: "VX013", line: 23, column: 12, says: '"exakt" is not allowed; did you mean "exact"?' },
  { file: "name-not-kebab", code: "VX014", line: 4, column: 7, says: "must be kebab-case" },
  { file: "version-zero", code: "VX015", line: 5, column: 10, says: "version: must be a positive integer" },
  { file: "test-without-expect", code: "VX016", line: 19, column: 5, says: "a test needs `expect`" },
  { file: "unknown-connector", code: "VX021", line: 7, column: 22, says: 'unknown connector "bigcomerce"; did you mean "bigcommerce"?' },
  { file: "bad-flow-for-connector", code: "VX022", line: 18, column: 3, says: 'flow "invoices" needs capability "document-target" on the target connector, but bigcommerce lacks it' },
  { file: "duplicate-test", code: "VX023", line: 23, column: 11, says: 'test name "sku from article number" is already used by tests[0]' },
  { file: "test-flow-missing", code: "VX024", line: 20, column: 11, says: 'runs flow "orders", which this pipeline does not configure' },
  { file: "currency-unsupported", code: "VX025", line: 7, column: 42, says: "sharafdg does not accept EUR" },
  { file: "map-unknown-field", code: "VX027", line: 14, column: 7, says: '"prce" is not a field of channel listing; did you mean "price"?' },
  { file: "test-input-typo", code: "VX030", line: 21, column: 14, says: 'unknown key "artcleNumber"; did you mean "articleNumber"?' },
  { file: "contact-not-resolved", code: "VX033", line: 21, column: 29, says: '"contact" is only available with contact: find-or-create' },
]

layer(NodeContext.layer)("vortex validate", (it) => {
  it.effect("the three seed pipelines validate clean", () =>
    Effect.gen(function* () {
      const report = yield* validateFiles(["pipelines"])
      assert.deepStrictEqual(report.problems, [])
      assert.deepStrictEqual(
        report.files.map((f) => f.replace(/\\/g, "/")),
        ["pipelines/lexoffice-bigcommerce.yaml", "pipelines/lexoffice-celro.yaml", "pipelines/lexoffice-sharafdg.yaml"],
      )
      assert.deepStrictEqual(report.pipelines.length, 3)
    }))

  it.effect("the minimal fixture validates clean", () =>
    Effect.gen(function* () {
      const report = yield* validateFiles([join(fixtures, "valid", "minimal.yaml")])
      assert.deepStrictEqual(report.problems, [])
      assert.isFalse(hasErrors(report))
    }))

  describe("each broken pipeline is refused with its code at the offending line:col", () => {
    for (const c of cases) {
      it.effect(`${c.file} → ${c.code} at ${c.line}:${c.column}`, () =>
        Effect.gen(function* () {
          const report = yield* validateFiles([broken(c.file)])
          assert.isTrue(hasErrors(report), "must fail")
          const match = report.problems.find((p) => p.code === c.code)
          assert.isDefined(match, `no ${c.code} among ${JSON.stringify(report.problems, null, 1)}`)
          assert.deepStrictEqual([match!.line, match!.column], [c.line, c.column])
          assert.include(match!.message, c.says)
          assert.strictEqual(match!.file, broken(c.file))
        }))
    }
  })

  it.effect("a misspelt key is reported once, with its suggestion and nothing else", () =>
    Effect.gen(function* () {
      const report = yield* validateFiles([broken("unknown-top-key")])
      assert.deepStrictEqual(report.problems.map((p) => p.code), ["VX010"])
    }))

  it.effect("every problem of a file is reported at once, in file order", () =>
    Effect.gen(function* () {
      const report = yield* validateFiles([broken("missing-flows")])
      assert.deepStrictEqual(
        report.problems.map((p) => `${p.line}:${p.column} ${p.code}`),
        ["2:1 VX011", "8:1 VX010", "20:11 VX024"],
      )
    }))

  it.effect("two files declaring one pipeline name: the second is refused", () =>
    Effect.gen(function* () {
      const report = yield* validateFiles([join(fixtures, "valid", "minimal.yaml"), broken("duplicate-name")])
      assert.deepStrictEqual(
        report.problems.map((p) => [p.file, p.code, p.line, p.column]),
        [[broken("duplicate-name"), "VX020", 4, 7]],
      )
      assert.include(report.problems[0]!.message, `already declared in ${join(fixtures, "valid", "minimal.yaml")}`)
    }))

  it.scoped("a 5 MB file is refused unread; binary junk and invalid UTF-8 are refused unparsed", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const big = join(dir, "big.yaml")
      const line = "# padding padding padding padding padding padding padding padding\n"
      yield* fs.writeFileString(big, "apiVersion: vortex/v1\n" + line.repeat(Math.ceil((5 * 1024 * 1024) / line.length)))
      const junk = join(dir, "junk.yaml")
      yield* fs.writeFile(junk, Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))
      const latin1 = join(dir, "latin1.yaml")
      yield* fs.writeFile(latin1, Uint8Array.from([...Buffer.from("name: gr"), 0xfc, ...Buffer.from("n\n")]))
      const report = yield* validateFiles([big, junk, latin1])
      assert.deepStrictEqual(
        report.problems.map((p) => [p.file, p.code, p.line, p.column]),
        [[big, "VX005", 1, 1], [junk, "VX006", 1, 1], [latin1, "VX006", 1, 1]],
      )
      assert.include(report.problems[0]!.message, "limited to 1048576 bytes")
      assert.include(report.problems[2]!.message, "not valid UTF-8")
    }))

  it.effect("a path that does not exist is a problem, not a crash", () =>
    Effect.gen(function* () {
      const report = yield* validateFiles(["pipelines/does-not-exist.yaml"])
      assert.deepStrictEqual(report.problems.map((p) => p.code), ["VX007"])
    }))

  it.scoped("webhooks on a pair where nobody sends them is a warning, not an error", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const file = join(dir, "quiet.yaml")
      yield* fs.writeFileString(file, [
        "apiVersion: vortex/v1",
        "kind: Pipeline",
        "name: dhl-celro",
        "version: 1",
        "source: { connector: dhl }",
        "target: { connector: celro }",
        "schedule: { heartbeat: 5m, webhooks: true }",
        "flows: { stock: { buffer: '1' } }",
        "",
      ].join("\n"))
      const report = yield* validateFiles([file])
      assert.deepStrictEqual(report.problems.map((p) => [p.code, p.severity, p.line, p.column]), [["VX026", "warning", 7, 38]])
      assert.isFalse(hasErrors(report))
    }))
})

describe("resource guards on text", () => {
  it("deep nesting is refused before the schema check recurses into it", () => {
    const deep = `apiVersion: vortex/v1\nflows: ${"{a: ".repeat(100)}1${"}".repeat(100)}\n`
    assert.deepStrictEqual(validateText("deep.yaml", deep).problems.map((p) => [p.code, p.line, p.column]), [["VX009", 1, 1]])
    const abyss = `a: ${"[".repeat(50_000)}${"]".repeat(50_000)}\n`
    assert.deepStrictEqual(validateText("abyss.yaml", abyss).problems.map((p) => p.code), ["VX009"])
  })

  it("a problem reached through an alias points at the alias, where the author used it", () => {
    const text = [
      "apiVersion: vortex/v1",
      "kind: Pipeline",
      "name: aliased",
      "version: 1",
      "source: { connector: lexoffice }",
      "target: { connector: bigcommerce }",
      "flows: { stock: { buffer: '1' } }",
      "tests:",
      "  - name: a",
      "    flow: stock",
      "    input: &in { sku: A1, available: many }",
      "    expect: { quantity: 1 }",
      "  - name: b",
      "    flow: stock",
      "    input: *in",
      "    expect: { quantity: 1 }",
      "",
    ].join("\n")
    const problems = validateText("aliased.yaml", text).problems
    assert.deepStrictEqual(problems.map((p) => [p.code, p.line, p.column]), [["VX030", 11, 38], ["VX030", 15, 12]])
  })
})

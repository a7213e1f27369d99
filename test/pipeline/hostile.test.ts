import { assert, describe, it } from "@effect/vitest"
import { dslExpressionChecker } from "../../engine/pipeline/DslExpressionChecker.js"
import { generatedCode, pipelineValidatorFn } from "../../engine/pipeline/SchemaCheck.js"
import { validateText } from "../../engine/pipeline/Validate.js"
import { MAX_SYNTAX_FINDINGS } from "../../engine/pipeline/YamlDocument.js"

// The reproductions of issue #12 ("Hostile input", validate part), one test each.

const check = (text: string) => validateText("hostile.yaml", text, { expressionCheckers: [dslExpressionChecker] }).problems
const at = (problems: ReturnType<typeof check>) => problems.map((p) => `${p.line}:${p.column} ${p.code}`)

const pipeline = (...lines: ReadonlyArray<string>) =>
  [
    "apiVersion: vortex/v1",
    "kind: Pipeline",
    "name: hostile",
    "version: 1",
    "source: { connector: lexoffice }",
    "target: { connector: bigcommerce, currency: EUR }",
    ...lines,
    "",
  ].join("\n")

const catalog = (...mapLines: ReadonlyArray<string>) =>
  pipeline(
    "flows:",
    "  catalog:",
    "    map:",
    "      sku: src.articleNumber",
    "      name: src.title",
    "      price: src.price.grossPrice",
    "      currency: '\"EUR\"'",
    ...mapLines,
  )

describe("issue #12: hostile pipeline files are answered with located problems", () => {
  it("`x: ]]]…` (200 000 brackets) is a list of syntax errors, not a stack overflow", () => {
    const problems = check(`x: ${"]".repeat(200_000)}\n`)
    assert.strictEqual(problems.length, MAX_SYNTAX_FINDINGS + 1)
    assert.deepStrictEqual(at(problems.slice(0, 2)), ["1:4 VX001", "1:5 VX001"])
    const last = problems[problems.length - 1]!
    assert.deepStrictEqual([last.line, last.column, last.code], [1, 4 + MAX_SYNTAX_FINDINGS, "VX001"])
    assert.include(last.message, `${200_000 - MAX_SYNTAX_FINDINGS} more YAML syntax errors`)
  })

  it("30 000 unknown map fields are 30 000 problems, each at its key", () => {
    const fields = Array.from({ length: 30_000 }, (_, i) => `      unknown_${i}: src.title`)
    const problems = check(catalog(...fields))
    assert.strictEqual(problems.length, 30_000)
    assert.deepStrictEqual(at([problems[0]!, problems[29_999]!]), ["14:7 VX027", "30013:7 VX027"])
  })

  it("a duplicate key names the key and the line it was first given on", () => {
    const problems = check(pipeline("version: 2", "flows: { stock: { buffer: '1' } }"))
    assert.deepStrictEqual(at(problems), ["7:1 VX002"])
    assert.include(problems[0]!.message, 'duplicate key "version": each key may appear once per mapping (first at line 4)')
  })

  it("ajv's per-$ref error copying (quadratic in the error count) is rewritten to appends", () => {
    pipelineValidatorFn()
    assert.isAbove(generatedCode.refMergesRewritten, 0)
    assert.strictEqual(generatedCode.concatLeft, 0)
  })

  it("64 000 wrong list items are each reported at their item", () => {
    const problems = check(pipeline("flows: { stock: { buffer: '1' } }", "tests:", ...Array.from({ length: 64_000 }, (_, i) => `  - x${i}`)))
    assert.strictEqual(problems.length, 64_000)
    assert.deepStrictEqual(at([problems[63_999]!]), ["64008:5 VX012"])
  })

  it("a `__proto__` key in map: is kept and reported like any other unknown key", () => {
    const problems = check(catalog("      __proto__: src.title", "      constructor: src.title"))
    assert.deepStrictEqual(at(problems), ["14:7 VX027", "15:7 VX027"])
    assert.include(problems[0]!.message, '"__proto__" is not a field of channel listing')
  })

  it("`connector: constructor` is an unknown connector, not a crash", () => {
    const problems = check(pipeline("flows: { stock: { buffer: '1' } }").replace("connector: bigcommerce", "connector: constructor"))
    assert.deepStrictEqual(at(problems), ["6:22 VX021"])
  })
})

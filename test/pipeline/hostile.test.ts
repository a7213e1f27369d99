import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { symlinkSync } from "node:fs"
import { join } from "node:path"
import type { Problem } from "../../engine/pipeline/Problem.js"
import { formatProblems } from "../../engine/pipeline/ReportFormat.js"
import { dslExpressionChecker } from "../../engine/pipeline/DslExpressionChecker.js"
import { generatedCode, pipelineValidatorFn } from "../../engine/pipeline/SchemaCheck.js"
import { validateFiles, validateText } from "../../engine/pipeline/Validate.js"
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

  it("`heartbeat: 1s` is refused with the runtime minimum named (the runtime ran it every 60 s)", () => {
    const problems = check(pipeline("schedule: { heartbeat: 1s }", "flows: { stock: { buffer: '1' } }"))
    assert.deepStrictEqual(at(problems), ["7:24 VX015"])
    assert.include(problems[0]!.message, "shorter than the minimum heartbeat of 1m (60 s)")
    assert.deepStrictEqual(check(pipeline("schedule: { heartbeat: 60s }", "flows: { stock: { buffer: '1' } }")), [])
  })

  it("`connector: constructor` is an unknown connector, not a crash", () => {
    const problems = check(pipeline("flows: { stock: { buffer: '1' } }").replace("connector: bigcommerce", "connector: constructor"))
    assert.deepStrictEqual(at(problems), ["6:22 VX021"])
  })
})

layer(NodeContext.layer)("issue #12: only regular files are read", (it) => {
  it.scoped.skipIf(process.platform === "win32")("a FIFO named x.yaml is refused without opening it (it used to hang forever)", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const fifo = join(dir, "x.yaml")
      assert.strictEqual(spawnSync("mkfifo", [fifo]).status, 0)
      const report = yield* validateFiles([fifo, dir])
      assert.deepStrictEqual(report.problems.map((p) => [p.file, p.code, p.line, p.column]), [[fifo, "VX007", 1, 1], [fifo, "VX007", 1, 1]])
      assert.include(report.problems[0]!.message, "a FIFO (named pipe); only regular files are read")
    }))

  it.scoped.skipIf(process.platform === "win32")("a *.yaml symlink to /dev/zero is refused unread (it used to grow to 7.5 GB)", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const link = join(dir, "zero.yaml")
      symlinkSync("/dev/zero", link)
      const report = yield* validateFiles([link])
      assert.deepStrictEqual(report.problems.map((p) => [p.code, p.line, p.column]), [["VX007", 1, 1]])
      assert.include(report.problems[0]!.message, "a character device; only regular files are read")
    }))

  it.scoped("a symlink to a regular pipeline file is read like the file", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const link = join(dir, "linked.yaml")
      symlinkSync(join(process.cwd(), "test/pipeline/fixtures/valid/minimal.yaml"), link)
      assert.deepStrictEqual((yield* validateFiles([link])).problems, [])
    }))
})

describe("issue #12: output escapes control characters in every format", () => {
  const forged = check(catalog(String.raw`      "x\n::error file=x::injected\u001b[2J": src.title`))
  const lines = (s: string) => s.split("\n")

  it("a key that would forge a CI annotation is one escaped line in text output", () => {
    assert.deepStrictEqual(at(forged), ["14:7 VX014", "14:7 VX027"])
    const out = formatProblems(forged, "text")
    assert.deepStrictEqual(lines(out).map((l) => l.slice(0, 25)), ["hostile.yaml:14:7  VX014 ", "hostile.yaml:14:7  VX027 "])
    assert.include(out, String.raw`"x\n::error file=x::injected\x1b[2J" is not a field`)
    assert.notInclude(out, "\u001b")
  })

  it("github output is one workflow command per problem, no raw control characters", () => {
    const out = formatProblems(forged, "github")
    assert.deepStrictEqual(lines(out).map((l) => l.slice(0, 53)), [
      "::error file=hostile.yaml,line=14,col=7,title=VX014::",
      "::error file=hostile.yaml,line=14,col=7,title=VX027::",
    ])
    assert.match(lines(out)[1]!, /^::error file=hostile\.yaml,line=14,col=7,title=VX027::"x%0A::error file=x::injected\\x1b\[2J"/)
  })

  it("json output parses back to the exact message and carries no raw C1 or separator characters", () => {
    const problem: Problem = { file: "a\u009b.yaml", line: 1, column: 1, code: "VX001", severity: "error", message: "k\u2028\u202e\u001b" }
    const out = formatProblems([problem], "json")
    assert.notMatch(out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202e]/)
    assert.deepStrictEqual(JSON.parse(out), [problem])
  })

  it("file names are escaped too", () => {
    const problem: Problem = { file: "evil\n::error::x.yaml", line: 1, column: 1, code: "VX007", severity: "error", message: "m" }
    assert.strictEqual(formatProblems([problem], "text"), String.raw`evil\n::error::x.yaml:1:1  VX007  m`)
  })
})

describe("issue #12: a problem inside a string is reported at its character, in every scalar style", () => {
  // `grossPrce` is misspelt; DSL202 must point at its "g" wherever the string's lines and escapes put it
  const priceAt = (...lines: ReadonlyArray<string>) => {
    const problems = check(pipeline("flows:", "  catalog:", "    map:", "      sku: src.articleNumber", "      name: src.title", "      currency: '\"EUR\"'", ...lines))
    return problems.filter((p) => p.code === "DSL202").map((p) => `${p.line}:${p.column}`)
  }

  it("folded block (>-)", () => assert.deepStrictEqual(priceAt("      price: >-", "        round(", "          src.price.grossPrce, 2)"), ["15:21"]))
  it("literal block (|-)", () => assert.deepStrictEqual(priceAt("      price: |-", "        round(", "          src.price.grossPrce, 2)"), ["15:21"]))
  it("plain scalar over two lines", () => assert.deepStrictEqual(priceAt("      price: round(", "        src.price.grossPrce, 2)"), ["14:19"]))
  it("single-quoted over lines with an empty line", () => assert.deepStrictEqual(priceAt("      price: 'round(", "", "        src.price.grossPrce, 2)'"), ["15:19"]))
  it("double-quoted with a \\n escape", () => assert.deepStrictEqual(priceAt(String.raw`      price: "round(\n  src.price.grossPrce, 2)"`), ["13:35"]))
  it("double-quoted with a \\u escape before the error", () => assert.deepStrictEqual(priceAt(String.raw`      price: "round(\u0073rc.price.grossPrce, 2)"`), ["13:36"]))
  it("double-quoted with an escaped line break", () => assert.deepStrictEqual(priceAt('      price: "round(\\t\\', '        src.price.grossPrce, 2)"'), ["14:19"]))

  it("an expression reached through an alias is reported where the alias is used, naming the anchored character", () => {
    const problems = check(pipeline(
      "flows:",
      "  catalog:",
      "    when: &w not src.archivd",
      "    map: { sku: src.articleNumber, name: src.title, price: src.price.grossPrice, currency: '\"EUR\"' }",
      "  orders:",
      "    when: *w",
    )).filter((p) => p.code.startsWith("DSL"))
    assert.deepStrictEqual(problems.map((p) => `${p.line}:${p.column} ${p.code}`), ["9:22 DSL202", "12:11 DSL202"])
    assert.include(problems[1]!.message, "(in the aliased expression at 9:22)")
  })
})

import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { command } from "../../engine/cli/validate.js"
import type { Problem } from "../../engine/pipeline/Problem.js"
import { formatProblems } from "../../engine/pipeline/ReportFormat.js"

const vortex = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, ["bin/vortex.js", "validate", ...args], { encoding: "utf8", timeout: 60_000 })

describe("vortex validate (process)", () => {
  it("exits 0 on the seed pipelines", () => {
    const run = vortex("pipelines/")
    assert.strictEqual(run.status, 0, run.stdout + run.stderr)
    assert.strictEqual(run.stdout, "")
    assert.include(run.stderr, "3 file(s) checked: 0 error(s)")
  })

  it("exits 1 and prints path:line:col  CODE  message for each problem", () => {
    const run = vortex("test/pipeline/fixtures/broken/missing-flows.yaml", "test/pipeline/fixtures/broken/version-zero.yaml")
    assert.strictEqual(run.status, 1, run.stderr)
    const lines = run.stdout.trim().split("\n")
    assert.deepStrictEqual(lines.map((l) => l.split("  ").slice(0, 2).join("  ")), [
      "test/pipeline/fixtures/broken/missing-flows.yaml:2:1  VX011",
      "test/pipeline/fixtures/broken/missing-flows.yaml:8:1  VX010",
      "test/pipeline/fixtures/broken/missing-flows.yaml:20:11  VX024",
      // both fixtures are copies of one pipeline, so the second file repeats its name
      "test/pipeline/fixtures/broken/version-zero.yaml:4:7  VX020",
      "test/pipeline/fixtures/broken/version-zero.yaml:5:10  VX015",
    ])
  })
})

describe("vortex validate on hostile files (process, issue #12)", () => {
  it("`x: ]]]…` with --format json prints parseable problems on stdout and no stack trace anywhere", () => {
    const dir = mkdtempSync(join(tmpdir(), "vortex-hostile-"))
    const file = join(dir, "brackets.yaml")
    writeFileSync(file, `x: ${"]".repeat(200_000)}\n`)
    try {
      const run = vortex(file, "--format", "json")
      assert.strictEqual(run.status, 1, run.stderr)
      const problems = JSON.parse(run.stdout) as ReadonlyArray<Problem>
      assert.deepStrictEqual(problems.slice(0, 1).map((p) => [p.line, p.column, p.code]), [[1, 4, "VX001"]])
      assert.notMatch(run.stdout + run.stderr, /RangeError|\n\s+at /)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

const run = (...args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const out: Array<string> = []
    const log = console.log
    console.log = (...parts: ReadonlyArray<unknown>) => void out.push(parts.join(" "))
    const code = yield* command.run(args).pipe(Effect.ensuring(Effect.sync(() => { console.log = log })))
    return { code, stdout: out.join("\n") }
  })

describe("vortex validate (in process)", () => {
  it.effect("--format json prints an array of {file,line,column,code,severity,message}", () =>
    Effect.gen(function* () {
      const { code, stdout } = yield* run("test/pipeline/fixtures/broken/unknown-connector.yaml", "--format", "json")
      assert.strictEqual(code, 1)
      const problems = JSON.parse(stdout) as ReadonlyArray<Problem>
      assert.deepStrictEqual(problems.map((p) => Object.keys(p)), [["file", "line", "column", "code", "severity", "message"]])
      assert.deepInclude(problems[0], { file: "test/pipeline/fixtures/broken/unknown-connector.yaml", line: 7, column: 22, code: "VX021", severity: "error" })
    }))

  it.effect("--format=github prints workflow error annotations", () =>
    Effect.gen(function* () {
      const { code, stdout } = yield* run("--format=github", "test/pipeline/fixtures/broken/version-zero.yaml")
      assert.strictEqual(code, 1)
      assert.strictEqual(
        stdout,
        "::error file=test/pipeline/fixtures/broken/version-zero.yaml,line=5,col=10,title=VX015::version: must be a positive integer (1, 2, 3, …), got number 0",
      )
    }))

  it.effect("a bad --format or no path is a usage error (exit 2)", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* run("pipelines/", "--format", "xml")).code, 2)
      assert.strictEqual((yield* run()).code, 2)
    }))

  it("github annotations escape what would break the workflow command", () => {
    const problem: Problem = { file: "a,b:c.yaml", line: 1, column: 2, code: "VX001", severity: "warning", message: "50% done\nnext" }
    assert.strictEqual(formatProblems([problem], "github"), "::warning file=a%2Cb%3Ac.yaml,line=1,col=2,title=VX001::50%25 done%0Anext")
  })

  it("text format marks warnings", () => {
    const problem: Problem = { file: "p.yaml", line: 3, column: 4, code: "VX026", severity: "warning", message: "heartbeat only" }
    assert.strictEqual(formatProblems([problem], "text"), "p.yaml:3:4  VX026  warning: heartbeat only")
  })
})

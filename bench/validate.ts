/**
 * `vortex validate` on large hostile pipelines (issue #12): time must grow linearly with the
 * file, and a 1 MB file with 30 000 problems must be checked — every problem listed — in under
 * 3 s. Each shape is generated at three sizes and run in the same process, side by side, so the
 * ratio between sizes shows linearity whatever the machine's speed:
 *
 * - unknown map fields: 30 000 keys that are not fields of the target record (VX027 each; each
 *   value is also a DSL expression that gets type-checked) — the shape that took 64 s
 * - wrong list items: tests that are strings, not mappings (VX012 each, through ajv's $ref)
 * - unknown nested records: map fields whose values are mappings (ajv errors per field)
 * - bracket soup: `x: ]]]…`, a syntax-error cascade (listing stops at 100; the parse is timed)
 *
 * Each run covers what the CLI does: stat, read, parse, schema, semantics, DSL checks and the
 * text report. Run: npx tsx bench/validate.ts
 */
import { NodeContext } from "@effect/platform-node"
import { Effect } from "effect"
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { dslExpressionChecker } from "../engine/pipeline/DslExpressionChecker.js"
import { formatProblems } from "../engine/pipeline/ReportFormat.js"
import { MAX_FILE_BYTES, validateFiles } from "../engine/pipeline/Validate.js"

const GOAL_MS = 3000
const GOAL_PROBLEMS = 30_000

const header = [
  "apiVersion: vortex/v1",
  "kind: Pipeline",
  "name: bench",
  "version: 1",
  "source: { connector: lexoffice }",
  "target: { connector: bigcommerce, currency: EUR }",
  "flows:",
  "  catalog:",
  "    map:",
  "      sku: src.articleNumber",
  "      name: src.title",
  "      price: src.price.grossPrice",
  "      currency: '\"EUR\"'",
].join("\n") + "\n"

const pad = (i: number) => String(i).padStart(5, "0")

/** n unknown fields, each line padded with a comment so 30 000 of them fill just under 1 MB. */
const unknownFields = (n: number) => {
  const line = (i: number) => `      unknown_${pad(i)}: src.title`
  const budget = Math.floor((MAX_FILE_BYTES - 2048 - header.length) / GOAL_PROBLEMS)
  return header + Array.from({ length: n }, (_, i) => {
    const text = line(i)
    return text + " #".padEnd(Math.max(0, budget - text.length - 1), "-") + "\n"
  }).join("")
}

const wrongItems = (n: number) =>
  header + "tests:\n" + Array.from({ length: n }, (_, i) => `  - not a test ${pad(i)}\n`).join("")

const nestedRecords = (n: number) =>
  header + Array.from({ length: n }, (_, i) => `      nested_${pad(i)}: { a: 1 }\n`).join("")

const brackets = (n: number) => `x: ${"]".repeat(n)}\n`

interface Shape {
  readonly name: string
  readonly sizes: ReadonlyArray<number>
  readonly make: (n: number) => string
}

const shapes: ReadonlyArray<Shape> = [
  { name: "unknown map fields", sizes: [7_500, 15_000, 30_000], make: unknownFields },
  { name: "wrong list items", sizes: [12_000, 24_000, 48_000], make: wrongItems },
  { name: "nested unknown records", sizes: [8_000, 16_000, 32_000], make: nestedRecords },
  { name: "bracket soup", sizes: [250_000, 500_000, 1_000_000], make: brackets },
]

const dir = mkdtempSync(join(tmpdir(), "vortex-bench-validate-"))

const measure = (file: string) =>
  Effect.gen(function* () {
    const started = performance.now()
    const report = yield* validateFiles([file], { expressionCheckers: [dslExpressionChecker] })
    const output = formatProblems(report.problems, "text")
    return { ms: performance.now() - started, problems: report.problems.length, outputBytes: output.length }
  })

const program = Effect.gen(function* () {
  // warm-up: compile the schema and load the DSL once, as every real run pays that separately
  const warm = join(dir, "warm.yaml")
  writeFileSync(warm, unknownFields(100))
  yield* measure(warm)

  console.log("shape                     items       bytes  problems        ms   µs/kB   ratio to smallest (time / size)")
  let goal: { ms: number; problems: number; bytes: number } | undefined
  for (const shape of shapes) {
    let base: { ms: number; bytes: number } | undefined
    for (const n of shape.sizes) {
      const file = join(dir, `${shape.name.replace(/ /g, "-")}-${n}.yaml`)
      writeFileSync(file, shape.make(n))
      const bytes = statSync(file).size
      const r = yield* measure(file)
      base ??= { ms: r.ms, bytes }
      const ratio = `${(r.ms / base.ms).toFixed(2)} / ${(bytes / base.bytes).toFixed(2)}`
      console.log(
        `${shape.name.padEnd(22)} ${String(n).padStart(8)} ${String(bytes).padStart(11)} ${String(r.problems).padStart(9)} ${r.ms.toFixed(0).padStart(9)} ${((r.ms * 1000) / (bytes / 1024) / 1000).toFixed(1).padStart(7)}   ${ratio}`,
      )
      if (shape.make === unknownFields && n === GOAL_PROBLEMS) goal = { ms: r.ms, problems: r.problems, bytes }
    }
  }
  if (goal !== undefined) {
    const met = goal.ms < GOAL_MS && goal.problems >= GOAL_PROBLEMS && goal.bytes <= MAX_FILE_BYTES
    console.log(
      `\ngoal: ${goal.bytes} bytes (limit ${MAX_FILE_BYTES}), ${goal.problems} problems listed in ${goal.ms.toFixed(0)} ms` +
        ` (goal: ≥ ${GOAL_PROBLEMS} in < ${GOAL_MS} ms) → ${met ? "met" : "MISSED"}`,
    )
  }
})

Effect.runPromise(program.pipe(Effect.provide(NodeContext.layer), Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true })))))

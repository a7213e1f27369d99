import { NodeContext } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { dslExpressionChecker } from "../pipeline/DslExpressionChecker.js"
import type { ExpressionChecker } from "../pipeline/ExpressionChecker.js"
import { escapeControls, formatProblems, reportFormats, type ReportFormat } from "../pipeline/ReportFormat.js"
import { hasErrors, validateFiles } from "../pipeline/Validate.js"
import type { Command } from "./Command.js"

/** Checks run inside every DSL string, each reporting at the offending character's YAML position. */
const expressionCheckers: ReadonlyArray<ExpressionChecker> = [dslExpressionChecker]

const usage = `usage: vortex validate <files|dirs>... [--format text|json|github]

Checks pipeline YAML files (directories are searched for *.yaml / *.yml): YAML syntax,
schemas/pipeline.schema.json, connectors and their capabilities, map fields against the
canonical record schemas, every DSL expression (type-checked), test definitions.
Prints every problem as "path:line:col  CODE  message"; exit 1 if any error, 0 if clean.

Limits: only regular files are read (symbolic links are followed; FIFOs, devices and sockets
are refused, VX007); a file may hold at most 1 MB (1 048 576 bytes), checked before it is read
(VX005); after 100 YAML syntax errors in one file the rest are counted, not listed. Control
characters from the files (newlines, terminal escapes) are printed as escapes (\\n, \\x1b).`

const parseArgs = (args: ReadonlyArray<string>): { paths: Array<string>; format: ReportFormat } | string => {
  const paths: Array<string> = []
  let format: ReportFormat = "text"
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const value = arg === "--format" ? args[++i] : arg.startsWith("--format=") ? arg.slice("--format=".length) : undefined
    if (arg === "--format" || arg.startsWith("--format=")) {
      if (value === undefined || !(reportFormats as ReadonlyArray<string>).includes(value)) {
        return `--format must be one of ${reportFormats.join(", ")}`
      }
      format = value as ReportFormat
    } else if (arg.startsWith("-")) {
      return `unknown option ${arg}`
    } else {
      paths.push(arg)
    }
  }
  return paths.length === 0 ? "give at least one file or directory" : { paths, format }
}

export const command: Command = {
  summary: "check pipeline YAML files (no database needed)",
  usage,
  run: (args) =>
    Effect.gen(function* () {
      const parsed = parseArgs(args)
      if (typeof parsed === "string") {
        yield* Console.error(`vortex validate: ${parsed}\n\n${usage}`)
        return 2
      }
      const report = yield* validateFiles(parsed.paths, { expressionCheckers })
      const output = formatProblems(report.problems, parsed.format)
      if (output !== "") yield* Console.log(output)
      if (parsed.format === "text") {
        const errors = report.problems.filter((p) => p.severity === "error").length
        const warnings = report.problems.length - errors
        yield* Console.error(`${report.files.length} file(s) checked: ${errors} error(s), ${warnings} warning(s)`)
      }
      return hasErrors(report) ? 1 : 0
    }).pipe(
      // validateFiles turns a failing check into a problem of its file; anything left is a bug,
      // reported in one line on stderr so stdout (the JSON or annotations CI reads) stays clean
      Effect.catchAllDefect((defect) =>
        Console.error(`vortex validate: internal error: ${escapeControls(String(defect instanceof Error ? defect.message : defect)).slice(0, 500)}`).pipe(Effect.as(2))),
      Effect.provide(NodeContext.layer),
    ),
}

import { FileSystem } from "@effect/platform"
import { Effect } from "effect"
import { join } from "node:path"
import { problemCodes, type ProblemCode, type Severity } from "./codes.js"
import { runExpressionCheckers, type ExpressionChecker } from "./ExpressionChecker.js"
import { listExpressions } from "./ExpressionSites.js"
import { byPosition, type Position, type Problem } from "./Problem.js"
import { checkPipelineSchema } from "./SchemaCheck.js"
import { checkSemantics, duplicateNames } from "./SemanticCheck.js"
import { parseYaml, type ParsedYaml } from "./YamlDocument.js"

/** Pipelines are a few kilobytes; anything past 1 MB is a mistake or an attack, not config. */
export const MAX_FILE_BYTES = 1024 * 1024

export interface ValidateOptions {
  /** Checks run on every DSL string (the DSL type checker plugs in here). */
  readonly expressionCheckers?: ReadonlyArray<ExpressionChecker>
}

/** A pipeline file that parsed into a document (it may still have problems). */
export interface LoadedPipeline {
  readonly file: string
  readonly parsed: ParsedYaml
}

export interface ValidationReport {
  readonly files: ReadonlyArray<string>
  readonly problems: ReadonlyArray<Problem>
  readonly pipelines: ReadonlyArray<LoadedPipeline>
}

export const hasErrors = (report: { readonly problems: ReadonlyArray<Problem> }): boolean =>
  report.problems.some((p) => p.severity === "error")

const problem = (file: string, code: ProblemCode, position: Position, message: string, severity?: Severity): Problem => ({
  file,
  line: position.line,
  column: position.column,
  code,
  severity: severity ?? problemCodes[code].severity,
  message,
})

/** Validates one file's text: YAML, schema, semantics and expression checkers. No I/O. */
export const validateText = (
  file: string,
  text: string,
  options: ValidateOptions = {},
): { readonly problems: ReadonlyArray<Problem>; readonly pipeline?: LoadedPipeline } => {
  const { parsed, findings } = parseYaml(text)
  const problems: Array<Problem> = findings.map((f) => problem(file, f.code, f.position, f.message))
  if (!parsed.hasValue) return { problems }
  for (const f of checkPipelineSchema(parsed)) problems.push(problem(file, f.code, f.position, f.message))
  for (const f of checkSemantics(parsed)) problems.push(problem(file, f.code, f.position, f.message, f.severity))
  for (const p of runExpressionCheckers(file, parsed, listExpressions(parsed), options.expressionCheckers ?? [])) problems.push(p)
  return { problems, pipeline: { file, parsed } }
}

/**
 * validateText behind a last line of defence: a check that throws on some input we did not
 * foresee becomes one located problem for that file, and the other files are still checked. The
 * author sees a message, never a stack trace (and never one on stdout, where --format json goes).
 */
const checkedText = (file: string, text: string, options: ValidateOptions): ReturnType<typeof validateText> => {
  try {
    return validateText(file, text, options)
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    return { problems: [problem(file, "VX034", { line: 1, column: 1 }, `internal error while checking this file (${firstLine(reason)}); please report it with the file`)] }
  }
}

const firstLine = (s: string) => (s.split("\n")[0] ?? s).slice(0, 200)

const decoder = new TextDecoder("utf-8", { fatal: true })

/** Text of a file, or why it is not a pipeline we are willing to parse. */
export const decodePipelineBytes = (bytes: Uint8Array): { readonly text: string } | { readonly code: ProblemCode; readonly message: string } => {
  if (bytes.length > MAX_FILE_BYTES) {
    return { code: "VX005", message: `file is ${bytes.length} bytes; pipelines are limited to ${MAX_FILE_BYTES} bytes (1 MB)` }
  }
  if (bytes.includes(0)) return { code: "VX006", message: "file contains NUL bytes: binary data, not a YAML pipeline" }
  const text = utf8(bytes)
  if (text === undefined) return { code: "VX006", message: "file is not valid UTF-8 text" }
  return { text: text.startsWith("\uFEFF") ? text.slice(1) : text }
}

const utf8 = (bytes: Uint8Array): string | undefined => {
  // TextDecoder signals invalid UTF-8 only by throwing
  try {
    return decoder.decode(bytes)
  } catch {
    return undefined
  }
}

const isPipelineFile = (name: string) => /\.ya?ml$/i.test(name)

/** Expands directories (recursively) into their .yaml/.yml files, in a stable order. */
const collectFiles = (paths: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const files: Array<string> = []
    const problems: Array<Problem> = []
    for (const path of paths) {
      const info = yield* Effect.either(fs.stat(path))
      if (info._tag === "Left") {
        problems.push(problem(path, "VX007", { line: 1, column: 1 }, `cannot read ${path}: ${info.left.message}`))
        continue
      }
      if (info.right.type !== "Directory") {
        files.push(path)
        continue
      }
      const entries = yield* Effect.either(fs.readDirectory(path, { recursive: true }))
      if (entries._tag === "Left") {
        problems.push(problem(path, "VX007", { line: 1, column: 1 }, `cannot list ${path}: ${entries.left.message}`))
        continue
      }
      const found = entries.right.filter(isPipelineFile).sort().map((entry) => join(path, entry))
      if (found.length === 0) problems.push(problem(path, "VX007", { line: 1, column: 1 }, `no .yaml or .yml files in ${path}`))
      files.push(...found)
    }
    return { files, problems }
  })

const readPipelineFile = (
  file: string,
): Effect.Effect<{ readonly text: string } | { readonly problem: Problem }, never, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const at = { line: 1, column: 1 }
    // size first: a 5 MB file is refused without reading it
    const info = yield* Effect.either(fs.stat(file))
    if (info._tag === "Left") return { problem: problem(file, "VX007", at, `cannot read ${file}: ${info.left.message}`) }
    if (info.right.size > BigInt(MAX_FILE_BYTES)) {
      return { problem: problem(file, "VX005", at, `file is ${info.right.size} bytes; pipelines are limited to ${MAX_FILE_BYTES} bytes (1 MB)`) }
    }
    const bytes = yield* Effect.either(fs.readFile(file))
    if (bytes._tag === "Left") return { problem: problem(file, "VX007", at, `cannot read ${file}: ${bytes.left.message}`) }
    const decoded = decodePipelineBytes(bytes.right)
    return "text" in decoded ? { text: decoded.text } : { problem: problem(file, decoded.code, at, decoded.message) }
  })

/**
 * `vortex validate`: every file under the given paths, every problem at once, sorted by file
 * and position. Needs only a FileSystem — no database.
 */
export const validateFiles = (paths: ReadonlyArray<string>, options: ValidateOptions = {}) =>
  Effect.gen(function* () {
    const collected = yield* collectFiles(paths)
    const problems: Array<Problem> = [...collected.problems]
    const pipelines: Array<LoadedPipeline> = []
    for (const file of collected.files) {
      const read = yield* readPipelineFile(file)
      if ("problem" in read) {
        problems.push(read.problem)
        continue
      }
      const result = checkedText(file, read.text, options)
      // a loop, not push(...spread): a hostile file yields more problems than a call takes arguments
      for (const p of result.problems) problems.push(p)
      if (result.pipeline !== undefined) pipelines.push(result.pipeline)
    }
    for (const { file, finding } of duplicateNames(pipelines)) {
      problems.push(problem(file, finding.code, finding.position, finding.message))
    }
    return { files: collected.files, problems: problems.sort(byPosition), pipelines } satisfies ValidationReport
  }).pipe(Effect.withSpan("pipeline.validateFiles"))

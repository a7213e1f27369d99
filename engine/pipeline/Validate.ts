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
    return { code: "VX005", message: `file is more than ${MAX_FILE_BYTES} bytes; pipelines are limited to ${MAX_FILE_BYTES} bytes (1 MB)` }
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

const tooLarge = (file: string, size: bigint | number) =>
  problem(file, "VX005", { line: 1, column: 1 }, `file is ${size} bytes; pipelines are limited to ${MAX_FILE_BYTES} bytes (1 MB)`)

const kindOf: Record<string, string> = {
  Directory: "a directory",
  SymbolicLink: "a symbolic link",
  BlockDevice: "a block device",
  CharacterDevice: "a character device",
  FIFO: "a FIFO (named pipe)",
  Socket: "a socket",
  Unknown: "not a regular file",
}

/**
 * Reads one pipeline file, refusing anything that is not a regular file before opening it:
 * opening a FIFO named x.yaml blocks until a writer comes (forever, and an interrupt cannot
 * cancel a blocked open), and a symlink to /dev/zero never ends. The size is checked before
 * reading and the read itself stops one byte past the limit, so a file that grows after the
 * check still costs at most 1 MB.
 */
const readPipelineFile = (
  file: string,
): Effect.Effect<{ readonly text: string } | { readonly problem: Problem }, never, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const at = { line: 1, column: 1 }
    const unreadable = (reason: string) => ({ problem: problem(file, "VX007", at, `cannot read ${file}: ${reason}`) })
    // stat follows symbolic links: a link is judged by what it points at
    const info = yield* Effect.either(fs.stat(file))
    if (info._tag === "Left") return unreadable(info.left.message)
    if (info.right.type !== "File") return unreadable(`${kindOf[info.right.type] ?? "not a regular file"}; only regular files are read`)
    if (info.right.size > BigInt(MAX_FILE_BYTES)) return { problem: tooLarge(file, info.right.size) }
    const bytes = yield* Effect.either(readAtMost(file, MAX_FILE_BYTES + 1))
    if (bytes._tag === "Left") return unreadable(bytes.left.message)
    const decoded = decodePipelineBytes(bytes.right)
    return "text" in decoded ? { text: decoded.text } : { problem: problem(file, decoded.code, at, decoded.message) }
  })

const readAtMost = (file: string, limit: number) =>
  Effect.scoped(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const handle = yield* fs.open(file, { flag: "r" })
      const chunks: Array<Uint8Array> = []
      let total = 0
      while (total < limit) {
        const chunk = yield* handle.readAlloc(limit - total)
        if (chunk._tag === "None" || chunk.value.length === 0) break
        chunks.push(chunk.value)
        total += chunk.value.length
      }
      return Buffer.concat(chunks, total)
    }),
  )

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

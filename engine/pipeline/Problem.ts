import type { Severity } from "./codes.js"

/** A 1-based line and column in a file, as editors and `file:line:col` links count them. */
export interface Position {
  readonly line: number
  readonly column: number
}

/**
 * One finding of `vortex validate`. `code` is one of engine/pipeline/codes.ts, or a code an
 * expression checker (the DSL type checker) reports.
 */
export interface Problem {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly code: string
  readonly severity: Severity
  readonly message: string
}

export const byPosition = (a: Problem, b: Problem): number =>
  a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code)
